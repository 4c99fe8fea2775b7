"""``secondear presets …`` and ``secondear render --preset``, in process through :func:`ui.cli.main`,
on real files in ``tmp_path`` (the preset folder from ``$SECONDEAR_PRESET_DIR`` or ``--dir``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from presets import PresetStore, preset_to_dict
from signals import pink_noise, write_float_wav
from ui.cli import main

RATE = 48000


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SECONDEAR_PRESET_DIR", str(tmp_path / "presets"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(tmp_path / "index.json"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_PATH", str(tmp_path / "vst3"))
    return tmp_path / "presets"


@pytest.fixture(scope="module")
def noise_wav(tmp_path_factory):
    """Four seconds of stereo pink noise at −14 dBFS RMS per channel (a hot master), 32-bit float."""
    path = tmp_path_factory.mktemp("presets-cli") / "noise.wav"
    write_float_wav(path, pink_noise(np.random.default_rng(12), 4.0, RATE, level_dbfs=-14.0), RATE)
    return path


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_show_save_delete(folder, capsys, tmp_path):
    code, out, _ = run(capsys, "presets", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and listed["folder"] == str(folder)
    assert [(p["name"], p["origin"]) for p in listed["presets"]] == [
        ("Kick tighten", "factory"), ("Mix bus glue", "factory"), ("Streaming master −14 LUFS", "factory"),
        ("Vocal clean-up", "factory")]  # fmt: skip
    code, out, err = run(capsys, "presets", "save", "Vox verse", "--move", "peak freq_hz=300 gain_db=-2",
                         "--move", "highpass freq_hz=90", "--tag", "vocal", "--tag", "verse", "--note", "tight")
    assert code == 0 and "saved 'Vox verse': 2 slot(s)" in out, err
    code, out, _ = run(capsys, "presets", "show", "vox VERSE")
    assert code == 0 and "0  highpass 90 Hz 12 dB/oct" in out and "1  peak 300 Hz -2.0 dB" in out
    assert "tags: vocal, verse" in out and "notes: tight" in out and "(user;" in out
    code, out, _ = run(capsys, "presets", "show", "Mix bus glue")
    assert code == 0 and "factory, read-only" in out and "source: Ratio 1.5-4:1" in out
    code, out, _ = run(capsys, "presets", "show", "vox verse", "--json")
    assert json.loads(out)["chain"]["slots"][0]["move"]["kind"] == "highpass"
    code, out, _ = run(capsys, "presets", "list")
    assert code == 0 and "Vox verse" in out and "user" in out and "[vocal, verse]" in out
    # the same name again needs --force
    code, _, err = run(capsys, "presets", "save", "VOX verse", "--move", "gain gain_db=-1")
    assert code == 2 and "overwrite it explicitly (--force)" in err
    assert run(capsys, "presets", "save", "VOX verse", "--move", "gain gain_db=-1", "--force")[0] == 0
    # factory presets are read-only; a user one of the same name shadows it
    code, _, err = run(capsys, "presets", "delete", "kick tighten")
    assert code == 2 and "read-only" in err
    assert run(capsys, "presets", "save", "Kick tighten", "--move", "gain gain_db=-2")[0] == 0
    code, out, _ = run(capsys, "presets", "list")
    assert "user*" in out and "shadows the factory preset" in out
    code, out, _ = run(capsys, "presets", "delete", "kick tighten")
    assert code == 0 and "the factory preset of that name shows again" in out
    code, _, err = run(capsys, "presets", "show", "vox vers")
    assert code == 2 and "did you mean: 'VOX verse'" in err
    code, _, err = run(capsys, "presets", "save", "x")
    assert code == 2 and "either --chain" in err
    code, _, err = run(capsys, "presets", "save", "x", "--move", "peak freq_hz=99999 gain_db=1")
    assert code == 2 and "freq_hz" in err


def test_save_from_a_chain_file_rename_export_import(folder, capsys, tmp_path):
    from analyzers.moves import Move
    from bridge.chain import chain_from_moves, save_chain

    chain = save_chain(chain_from_moves([Move("compressor", {"threshold_db": -20, "ratio": 2})]), tmp_path / "c.json")
    assert run(capsys, "presets", "save", "Bus", "--chain", chain)[0] == 0
    code, out, _ = run(capsys, "presets", "rename", "bus", "Bus glue 2")
    assert code == 0 and "renamed 'bus' to 'Bus glue 2'" in out and (folder / "bus-glue-2.json").exists()
    code, out, _ = run(capsys, "presets", "export", "bus glue 2", "-o", tmp_path / "out.json")
    assert code == 0 and json.loads((tmp_path / "out.json").read_text())["name"] == "Bus glue 2"
    code, out, _ = run(capsys, "presets", "import", tmp_path / "out.json", "--name", "Copied", "--dir", tmp_path / "other")
    assert code == 0 and (tmp_path / "other" / "copied.json").exists()
    # a file from a newer Second Ear: refused with the update message, nothing written
    data = json.loads((tmp_path / "out.json").read_text())
    data["schema_version"] = 3
    (tmp_path / "newer.json").write_text(json.dumps(data))
    code, _, err = run(capsys, "presets", "import", tmp_path / "newer.json", "--name", "Never")
    assert code == 1 and "written by a newer Second Ear (schema 3, this reads up to 1); update to open it" in err
    assert not (folder / "never.json").exists()
    code, _, err = run(capsys, "presets", "import", chain)
    assert code == 1 and "is a chain file, not a preset" in err


def test_render_a_preset_and_measure_it(folder, capsys, noise_wav, tmp_path):
    out = tmp_path / "master.wav"
    code, text, err = run(capsys, "render", noise_wav, "-o", out, "--preset", "streaming master −14 lufs", "--json")
    assert code == 0, err
    d = json.loads(text)
    assert d["chain"]["slots"][0]["move"]["kind"] == "limiter"
    assert d["after"]["true_peak_dbtp"] <= -1.0  # measured by the analyzers on the written file
    code, text, err = run(capsys, "render", noise_wav, "-o", out, "--preset", "Vocal clean-up", "--json")
    assert code == 0, err
    checks = {c["band_hz"]: c for c in json.loads(text)["checks"]}
    assert checks[315.0]["error_db"] < 0.5 and checks[5000.0]["error_db"] < 0.5
    code, _, err = run(capsys, "render", noise_wav, "-o", out, "--preset", "vocal clenup")
    assert code == 2 and "did you mean: 'Vocal clean-up'" in err
    code, _, err = run(capsys, "render", noise_wav, "-o", out, "--preset", "x", "--move", "gain gain_db=1")
    assert code == 2 and "--preset NAME" in err


def test_render_refuses_a_preset_whose_plugin_lies_outside_the_plugin_folders(folder, capsys, noise_wav, tmp_path):
    evil = tmp_path / "evil.vst3"
    (evil / "Contents").mkdir(parents=True)
    store = PresetStore()
    from bridge.chain import Chain, PluginSlotSpec
    from presets import Preset

    store.save(Preset(name="Evil", chain=Chain((PluginSlotSpec(name="Evil", path=str(evil)),))))
    out = tmp_path / "never.wav"
    code, _, err = run(capsys, "render", noise_wav, "-o", out, "--preset", "evil")
    assert code == 1 and "neither a plugin the plugin index" in err and not out.exists()
    data = preset_to_dict(store.load("evil"))
    data["chain"]["slots"][0]["path"] = "/tmp/evil.so"
    (folder / "evil.json").write_text(json.dumps(data))
    code, _, err = run(capsys, "render", noise_wav, "-o", out, "--preset", "evil")
    assert code == 1 and "a vst3 plugin is a .vst3 bundle, not /tmp/evil.so" in err and not out.exists()
