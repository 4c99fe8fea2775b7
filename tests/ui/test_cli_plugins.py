"""``secondear plugins scan|list|show``: text, JSON, exit codes, with real VST3 plugins.

The index lives in a temporary file (``SECONDEAR_PLUGIN_INDEX``) and the fetch cache is
pointed at an empty folder, so the commands see only the bundles copied for these tests.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from bridge.plugins import SCHEMA_VERSION, fetched_plugin_folder
from ui.cli import main

BUNDLES = ("ZamEQ2", "DragonflyRoomReverb")


def make_fake_bundle(folder: Path, name: str = "NotAPlugin") -> Path:
    binary = folder / f"{name}.vst3" / "Contents" / "x86_64-linux" / f"{name}.so"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"not a shared library\n" * 50)
    return binary.parents[2]


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    """A folder with copies of two real bundles and a fake one; env vars pointing at temp files."""
    source = fetched_plugin_folder()
    missing = [n for n in BUNDLES if not (source / f"{n}.vst3").is_dir()]
    if missing:
        pytest.skip(f"VST3 plugins {', '.join(missing)} are not in {source}: run scripts/fetch-plugins "
                    "(scripts/setup-system runs it; CI does)")  # fmt: skip
    root = tmp_path_factory.mktemp("cli-plugins")
    folder = root / "plugins"
    for n in BUNDLES:
        shutil.copytree(source / f"{n}.vst3", folder / f"{n}.vst3")
    make_fake_bundle(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SECONDEAR_PLUGIN_INDEX", str(root / "plugin-index.json"))
        mp.setenv("SECONDEAR_PLUGIN_CACHE", str(root / "empty-cache"))
        mp.setenv("SECONDEAR_PLUGIN_PATH", "")
        mp.setenv("HOME", str(root / "home"))  # no ~/.vst3 of the machine's
        yield folder, root / "plugin-index.json"


@pytest.fixture(scope="module")
def scanned(plugin_env):
    """``secondear plugins scan FOLDER --json`` run once: (exit code, parsed JSON)."""
    folder, _ = plugin_env
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["plugins", "scan", str(folder), "--json"])
    return code, json.loads(out.getvalue())


def test_scan_json_lists_plugins_failures_and_what_it_did(plugin_env, scanned):
    folder, index_path = plugin_env
    code, d = scanned
    assert code == 0
    assert d["index"] == str(index_path) and d["folders"] == [str(folder)]
    assert len(d["scanned"]) == 3 and d["reused"] == [] and d["removed"] == []
    by_name = {p["name"]: p for p in d["plugins"]}
    assert set(by_name) == {"ZamEQ2", "Dragonfly Room Reverb"}
    assert by_name["ZamEQ2"]["channels"] == "mono" and by_name["ZamEQ2"]["num_parameters"] == 12
    assert by_name["Dragonfly Room Reverb"]["channels"] == "stereo"
    assert by_name["Dragonfly Room Reverb"]["num_parameters"] == 17
    assert by_name["Dragonfly Room Reverb"]["vendor"] == "Michael Willis"
    (failed,) = d["failed"]
    assert failed["path"] == str(folder / "NotAPlugin.vst3") and "ImportError" in failed["error"]


def test_scan_again_without_folders_covers_the_remembered_one_from_the_index(plugin_env, scanned, capsys):
    code = main(["plugins", "scan"])
    out = capsys.readouterr()
    assert code == 0
    assert "Scanned 3 bundle(s)" in out.out and "0 loaded, 3 unchanged since the last scan" in out.out
    assert "ZamEQ2" in out.out and "Dragonfly Room Reverb" in out.out
    assert "Failed to load (1):" in out.out and "NotAPlugin.vst3" in out.out
    assert out.err == ""  # not a terminal: no progress line


def test_progress_bar_on_stderr_when_it_is_a_terminal(plugin_env, scanned, capsys, monkeypatch):
    folder, _ = plugin_env
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code = main(["plugins", "scan", str(folder / "NotAPlugin.vst3"), "--rescan"])
    err = capsys.readouterr().err
    assert code == 0
    # a tqdm bar: the bundles done of the total, the one in flight named after it
    assert "\rscanning plugins" in err and "0/1" in err and "NotAPlugin.vst3" in err and "1/1" in err
    assert err.endswith("\r")  # the line is wiped at the end


def test_list_text_and_json(plugin_env, scanned, capsys):
    folder, index_path = plugin_env
    assert main(["plugins", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"2 plugin(s) in {index_path}")
    header, *rows = [ln for ln in out.splitlines()[2:] if ln and not ln.startswith(" ")][:3]
    assert header.split()[:6] == ["name", "vendor", "format", "channels", "latency", "params"]
    assert rows[0].startswith("Dragonfly Room Reverb") and " stereo " in rows[0] and str(folder) in rows[0]
    assert rows[1].startswith("ZamEQ2") and " mono " in rows[1]
    assert main(["plugins", "list", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in d["plugins"]] == ["Dragonfly Room Reverb", "ZamEQ2"]
    assert d["failed"][0]["path"].endswith("NotAPlugin.vst3")


def test_show_text_lists_every_parameter_with_range_step_default_units(plugin_env, scanned, capsys):
    assert main(["plugins", "show", "zameq2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ZamEQ2 — Damien Zammit (VST3)")
    assert "mono (1 in, 1 out): run it dual-mono on stereo material" in out
    assert "latency     0 samples at 48 kHz" in out
    assert "parameters  12 (and 3 host-side: buffer_size_frames, sample_rate_frames, current_program)" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("frequency_1_hz"))
    assert line.split() == ["frequency_1_hz", "20", "…", "14000", "Hz", "~14", "500", "Hz"]
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("master_gain_db"))
    assert "-12 … 12 dB" in line and line.rstrip().endswith("0 dB")


def test_show_json_and_names_that_ignore_case_and_spaces(plugin_env, scanned, capsys):
    assert main(["plugins", "show", "DRAGONFLY room-reverb", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["name"] == "Dragonfly Room Reverb" and d["channels"] == "stereo"
    params = {p["name"]: p for p in d["parameters"]}
    assert params["size_m"]["min"] == 8.0 and params["size_m"]["max"] == 32.0 and params["size_m"]["units"] == "m"
    assert params["buffer_size_frames"]["meta"] is True and params["decay_s"]["meta"] is False
    assert main(["plugins", "show", "DragonflyRoomReverb"]) == 0  # the bundle's file name works too
    assert capsys.readouterr().out.startswith("Dragonfly Room Reverb — Michael Willis (VST3)")


def test_show_a_miss_suggests_names_and_exits_2(plugin_env, scanned, capsys):
    assert main(["plugins", "show", "zamqe2"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert "no plugin named 'zamqe2'; did you mean: ZamEQ2?" in out.err
    assert main(["plugins", "show", "xyzzy"]) == 2
    assert "'secondear plugins list' lists the 2 known" in capsys.readouterr().err


def test_show_and_list_on_an_empty_index_say_to_scan(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(tmp_path / "none.json"))
    assert main(["plugins", "show", "ZamEQ2"]) == 2
    assert "run 'secondear plugins scan'" in capsys.readouterr().err
    assert main(["plugins", "list"]) == 0
    assert "is empty: run 'secondear plugins scan'" in capsys.readouterr().out


def test_scan_a_missing_folder_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(tmp_path / "i.json"))
    assert main(["plugins", "scan", str(tmp_path / "nope")]) == 2
    assert f"no such folder: {tmp_path / 'nope'}" in capsys.readouterr().err
    assert not (tmp_path / "i.json").exists()


def test_an_index_from_a_newer_schema_exits_1_with_the_reason(tmp_path, monkeypatch, capsys):
    path = tmp_path / "i.json"
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1, "bundles": []}))
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(path))
    for argv in (["plugins", "list"], ["plugins", "show", "x"], ["plugins", "scan", str(tmp_path)]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"secondear: plugin index {path} has schema version {SCHEMA_VERSION + 1}")


def test_plugins_needs_an_action(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plugins"])
    assert exc.value.code == 2
    assert "ACTION" in capsys.readouterr().err
