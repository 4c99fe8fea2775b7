"""Plugin discovery, the out-of-process scan and the index, with real VST3 plugins.

The plugins are Debian's zam-plugins and dragonfly-reverb VST3 builds that
``scripts/fetch-plugins`` extracts into the user cache (``scripts/setup-system`` runs it,
so CI has them). Tests scan copies of a few bundles in a temporary folder, never the whole
cache: ZamVerb alone takes most of a minute to load. Expected parameters and ranges are
those ``/work/shared/reference/plugins.md`` records, written the same way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from bridge.plugins import (
    SCHEMA_VERSION,
    PluginIndex,
    PluginIndexError,
    UnsupportedIndexSchemaError,
    bundle_fingerprint,
    fetched_plugin_folder,
    find_bundles,
    find_plugins,
    load_index,
    plugin_folders,
    save_index,
    scan_plugins,
    standard_folders,
)
from bridge.plugins.discovery import bundle_vendor

# As plugins.md lists them: bundle | channels | parameters (range), meta parameters left out.
EXPECTED = {
    "ZamCompX2": ("stereo", "attack_ms [0.1..100.0], release_ms [1.0..500.0], knee_db [0.0..8.0], ratio [1.0..20.0], threshold_db [-80.0..0.0], makeup_db [0.0..30.0], slew [1.0..150.0], stereo_detection [0.0..1.0], sidechain [0.0..1.0], gain_reduction_db [0.0..20.0], output_level_db [-45.0..20.0]"),
    "ZaMaximX2": ("stereo", "release_ms [1.0..100.0], output_ceiling_db [-30.0..0.0], threshold_db [-30.0..0.0], gain_reduction_db [0.0..40.0], output_level_db [-45.0..0.0]"),
    "ZamEQ2": ("mono", "boost_cut_1_db [-50.0..20.0], bandwidth_1 [0.1..6.0], frequency_1_hz [20.0..14000.0], boost_cut_2_db [-50.0..20.0], bandwidth_2 [0.1..6.0], frequency_2_hz [20.0..14000.0], boost_cut_l_db [-50.0..20.0], frequency_l_hz [20.0..14000.0], boost_cut_h_db [-50.0..20.0], frequency_h_hz [20.0..14000.0], master_gain_db [-12.0..12.0], peaks_on [0.0..1.0]"),
    "DragonflyRoomReverb": ("stereo", "dry_level [0.0..100.0], early_level [0.0..100.0], early_send [0.0..100.0], late_level [0.0..100.0], size_m [8.0..32.0], width [50.0..150.0], predelay_ms [0.0..100.0], decay_s [0.1..10.0], diffuse [0.0..100.0], spin_hz [0.0..5.0], wander [0.0..100.0], high_cut_hz [1000.0..16000.0], early_damp_hz [1000.0..16000.0], late_damp_hz [1000.0..16000.0], low_boost [0.0..100.0], boost_freq_hz [50.0..1050.0], low_cut_hz [0.0..200.0]"),
}  # fmt: skip
VENDORS = {"ZamCompX2": "Damien Zammit", "ZaMaximX2": "Damien Zammit", "ZamEQ2": "Damien Zammit",
           "DragonflyRoomReverb": "Michael Willis"}  # fmt: skip


def parse_ranges(text: str) -> list[tuple[str, float, float]]:
    return [(n, float(lo), float(hi)) for n, lo, hi in re.findall(r"(\w+) \[([-\d.]+)\.\.([-\d.]+)\]", text)]


def require_fetched(*names: str) -> Path:
    """The folder holding the fetched bundles, or a skip (a failure under CI) saying how to get them."""
    folder = fetched_plugin_folder()
    missing = [n for n in names if not (folder / f"{n}.vst3").is_dir()]
    if missing:
        pytest.skip(f"VST3 plugins {', '.join(missing)} are not in {folder}: run scripts/fetch-plugins "
                    "(scripts/setup-system runs it; CI does)")  # fmt: skip
    return folder


def copy_bundles(dest: Path, *names: str) -> Path:
    src = require_fetched(*names)
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copytree(src / f"{n}.vst3", dest / f"{n}.vst3")
    return dest


def make_fake_bundle(folder: Path, name: str = "NotAPlugin") -> Path:
    """A folder shaped like a Linux VST3 bundle whose binary is not a shared library."""
    binary = folder / f"{name}.vst3" / "Contents" / "x86_64-linux" / f"{name}.so"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"this is not an ELF file\n" * 100)
    return folder / f"{name}.vst3"


# --- functions the child runs instead of describe_bundle (importable by name: spawn) ------


def crash_in_child(path: str) -> dict:
    print("about to crash: segmentation of nothing", flush=True)
    os.abort()


def hang_in_child(path: str) -> dict:
    time.sleep(600)
    return {}


# --- the four plugins, scanned once ------------------------------------------------------


@pytest.fixture(scope="module")
def first_scan(tmp_path_factory):
    folder = copy_bundles(tmp_path_factory.mktemp("plugins"), *EXPECTED)
    make_fake_bundle(folder)
    index_path = tmp_path_factory.mktemp("index") / "plugin-index.json"
    return scan_plugins([folder], index_path=index_path), folder


@pytest.mark.parametrize("bundle", list(EXPECTED))
def test_scan_finds_the_plugin_with_the_parameters_and_ranges_plugins_md_lists(first_scan, bundle):
    report, folder = first_scan
    channels, ranges = EXPECTED[bundle]
    (plugin,) = [p for p in report.plugins if Path(p.path).name == f"{bundle}.vst3"]
    assert plugin.format == "VST3" and plugin.path == str(folder / f"{bundle}.vst3")
    assert plugin.vendor == VENDORS[bundle] and plugin.vendor_source == "plugin"
    assert plugin.identifier.startswith(f"VST3-{plugin.name}-")
    assert plugin.channels == channels
    got = [(q.name, q.min_value, q.max_value) for q in plugin.sound_parameters]
    assert got == [(n, pytest.approx(lo), pytest.approx(hi)) for n, lo, hi in parse_ranges(ranges)]
    for q in plugin.sound_parameters:  # defaults lie in range; steps are positive when known
        assert q.kind == "float" and q.min_value <= q.default <= q.max_value
        assert (q.step or q.approx_step) > 0


def test_mono_refusal_is_recorded_and_stereo_plugins_have_no_note(first_scan):
    report, _ = first_scan
    by_name = {p.name: p for p in report.plugins}
    assert by_name["ZamEQ2"].num_channels == 1
    assert "2-channel buffer refused" in by_name["ZamEQ2"].channel_note
    assert by_name["ZamCompX2"].num_channels == 2 and by_name["ZamCompX2"].channel_note is None


def test_latency_defaults_meters_and_meta_parameters(first_scan):
    report, _ = first_scan
    by_name = {p.name: p for p in report.plugins}
    maxim = by_name["ZaMaximX2"]
    assert maxim.latency_samples == 480 and maxim.latency_sample_rate_hz == 48000  # its 10 ms look-ahead
    assert by_name["ZamCompX2"].latency_samples == 0
    assert not maxim.parameter("gain_reduction_db").automatable  # a meter, read-only
    assert maxim.parameter("threshold_db").automatable
    assert {q.name for q in maxim.parameters if q.meta} == {"buffer_size_frames", "sample_rate_frames",
                                                           "latency_frames", "current_program"}  # fmt: skip
    program = maxim.parameter("current_program")
    assert program.kind == "choice" and program.default in program.choices
    eq = by_name["ZamEQ2"]
    assert eq.parameter("frequency_1_hz").default == pytest.approx(500.0)
    assert eq.parameter("frequency_1_hz").units == "Hz"
    assert eq.parameter("master_gain_db").default == pytest.approx(0.0, abs=1e-5)
    assert eq.parameter("master_gain_db").default_raw == pytest.approx(0.5)
    assert eq.parameter("peaks_on").step == 1.0
    room = by_name["Dragonfly Room Reverb"]
    assert room.parameter("decay_s").units == "s" and room.parameter("dry_level").units == "%"


def test_a_bundle_that_is_not_a_plugin_is_recorded_as_failed_and_the_scan_goes_on(first_scan):
    report, folder = first_scan
    (failed,) = report.failed
    assert failed.path == str(folder / "NotAPlugin.vst3")
    assert failed.status == "failed" and not failed.plugins
    assert "ImportError" in failed.error and len(failed.error) > 20
    assert len(report.plugins) == len(EXPECTED)
    assert report.children_started == len(EXPECTED) + 1  # one short-lived process per bundle


def test_the_index_file_holds_what_the_scan_returned(first_scan):
    report, folder = first_scan
    index = load_index(report.index_path)
    assert index == report.index
    assert index.folders == (str(folder),)
    data = json.loads(report.index_path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION and len(data["bundles"]) == len(EXPECTED) + 1
    assert [p.name for p in find_plugins(index.plugins, "dragonfly room reverb")[0]] == ["Dragonfly Room Reverb"]
    assert find_plugins(index.plugins, "ZAMEQ2")[0][0].name == "ZamEQ2"
    assert find_plugins(index.plugins, "zamqe2") == ([], ["ZamEQ2"])
    assert [e for e in report.index_path.parent.iterdir() if e.name.endswith(".tmp")] == []  # atomic write


def test_an_unchanged_folder_is_answered_from_the_index_without_a_child(first_scan):
    report, folder = first_scan
    again = scan_plugins([folder], index_path=report.index_path)
    assert again.children_started == 0 and again.scanned == ()
    assert sorted(again.reused) == sorted(e.path for e in report.index.bundles)
    assert {e.path: e.scanned_at for e in again.index.bundles} == {e.path: e.scanned_at for e in report.index.bundles}
    assert again.index == report.index  # the failed bundle stays failed, not retried


# --- refresh ---------------------------------------------------------------------------------


def test_a_bundle_whose_mtime_or_size_changed_is_scanned_again_alone(tmp_path):
    folder = copy_bundles(tmp_path / "plugins", "ZamEQ2", "ZamCompX2")
    index_path = tmp_path / "index.json"
    first = scan_plugins([folder], index_path=index_path)
    assert first.children_started == 2
    eq = str(folder / "ZamEQ2.vst3")
    before = {e.path: e.scanned_at for e in first.index.bundles}

    later = time.time() + 60
    os.utime(eq, (later, later))
    second = scan_plugins([folder], index_path=index_path)
    assert second.scanned == (eq,) and second.reused == (str(folder / "ZamCompX2.vst3"),)
    assert second.index.entry(eq).scanned_at > before[eq]
    assert second.index.entry(eq).fingerprint.mtime_ns == os.stat(eq).st_mtime_ns

    (folder / "ZamEQ2.vst3" / "Contents" / "notes.txt").write_text("a new file: the bundle grew\n")
    third = scan_plugins([folder], index_path=index_path)
    assert third.scanned == (eq,)
    assert third.index.entry(eq).fingerprint.size_bytes > second.index.entry(eq).fingerprint.size_bytes
    assert third.index.entry(eq).ok and third.index.entry(eq).plugins[0].name == "ZamEQ2"


def test_a_removed_bundle_leaves_the_index(tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    fake = make_fake_bundle(folder, "Gone")
    index_path = tmp_path / "index.json"
    assert len(scan_plugins([folder], index_path=index_path).index.bundles) == 1
    shutil.rmtree(fake)
    report = scan_plugins([folder], index_path=index_path)
    assert report.removed == (str(fake),) and report.index.bundles == ()


# --- a crashing or hanging plugin cannot take the scan down -----------------------------------


def test_a_crash_in_the_child_is_recorded_with_its_signal_and_what_it_printed(tmp_path, capfd):
    folder = tmp_path / "plugins"
    folder.mkdir()
    make_fake_bundle(folder, "Crashes")
    report = scan_plugins([folder], index_path=tmp_path / "index.json", describe=crash_in_child)
    (entry,) = report.failed
    assert "crashed (SIGABRT)" in entry.error and "about to crash" in entry.error
    assert "about to crash" not in capfd.readouterr().out  # the child's printing stays in its log


def test_a_hanging_child_is_killed_at_the_timeout(tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    make_fake_bundle(folder, "Hangs")
    started = time.monotonic()
    report = scan_plugins([folder], index_path=tmp_path / "index.json", describe=hang_in_child, timeout_s=1.0)
    (entry,) = report.failed
    assert entry.error.startswith("timed out: still loading after 1 s, killed")
    assert time.monotonic() - started < 30
    again = scan_plugins([folder], index_path=tmp_path / "index.json", describe=hang_in_child, timeout_s=1.0)
    assert again.children_started == 0  # a hanging bundle costs its timeout once
    retry = scan_plugins([folder], index_path=tmp_path / "index.json", retry_failed=True,
                         describe=crash_in_child)  # fmt: skip
    assert retry.children_started == 1 and "crashed" in retry.index.bundles[0].error


# --- the index file --------------------------------------------------------------------------


def test_an_index_from_a_newer_schema_is_a_clear_error_and_is_left_alone(tmp_path):
    path = tmp_path / "plugin-index.json"
    text = json.dumps({"schema_version": SCHEMA_VERSION + 1, "written_by": "secondear 9.0", "bundles": {}})
    path.write_text(text)
    with pytest.raises(UnsupportedIndexSchemaError) as err:
        load_index(path)
    message = str(err.value)
    assert str(path) in message and f"schema version {SCHEMA_VERSION + 1}" in message
    assert "secondear 9.0" in message and "Upgrade Second Ear" in message
    with pytest.raises(UnsupportedIndexSchemaError):
        scan_plugins([tmp_path / "nothing-here"], index_path=path)
    assert path.read_text() == text  # never overwritten by the older program


@pytest.mark.parametrize("text", ["{not json", "[]", '{"schema_version": 1}', '{"schema_version": 1, "bundles": [{}]}'])
def test_a_damaged_index_is_a_clear_error(tmp_path, text):
    path = tmp_path / "plugin-index.json"
    path.write_text(text)
    with pytest.raises(PluginIndexError, match="plugin index .* rebuild it"):
        load_index(path)


def test_a_missing_index_is_empty_and_saving_creates_its_folder(tmp_path):
    path = tmp_path / "deep" / "er" / "plugin-index.json"
    assert load_index(path) == PluginIndex()
    save_index(PluginIndex(folders=("/x",)), path)
    assert load_index(path).folders == ("/x",)
    assert sorted(p.name for p in path.parent.iterdir()) == ["plugin-index.json"]


# --- discovery (no plugin code) --------------------------------------------------------------


def test_standard_folders_per_os():
    home = Path("/home/engineer")
    assert standard_folders("Linux", home=home) == (home / ".vst3", Path("/usr/lib/vst3"), Path("/usr/local/lib/vst3"))
    mac = standard_folders("Darwin", home=home)
    assert home / "Library/Audio/Plug-Ins/VST3" in mac and Path("/Library/Audio/Plug-Ins/VST3") in mac
    assert home / "Library/Audio/Plug-Ins/Components" in mac and Path("/Library/Audio/Plug-Ins/Components") in mac
    win = standard_folders("Windows", env={"COMMONPROGRAMFILES": r"D:\Common"}, home=home)
    assert win[0] == Path(r"D:\Common") / "VST3"


def test_plugin_folders_add_the_fetch_cache_the_env_path_and_user_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("SECONDEAR_PLUGIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_PATH", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    folders = plugin_folders([tmp_path / "mine", tmp_path / "a"])
    assert folders[: len(standard_folders())] == standard_folders()
    assert folders[len(standard_folders()):] == (tmp_path / "cache/usr/lib/vst3", tmp_path / "a",
                                                 tmp_path / "b", tmp_path / "mine")  # fmt: skip


def test_find_bundles_searches_subfolders_but_not_inside_bundles(tmp_path):
    make_fake_bundle(tmp_path / "Vendor")
    inner = tmp_path / "Vendor" / "NotAPlugin.vst3" / "Contents" / "Nested.vst3"
    inner.mkdir()
    (tmp_path / "OldStyle.vst3").write_bytes(b"a single-file VST3 from Windows")
    (tmp_path / "readme.txt").write_text("not a bundle")
    found = find_bundles([tmp_path, tmp_path / "missing", tmp_path / "OldStyle.vst3"])
    assert found == [tmp_path / "Vendor" / "NotAPlugin.vst3", tmp_path / "OldStyle.vst3"]


def test_fingerprint_sees_a_replaced_binary_inside_an_unchanged_folder(tmp_path):
    bundle = make_fake_bundle(tmp_path)
    binary = next(bundle.rglob("*.so"))
    fp = bundle_fingerprint(bundle)
    os.utime(binary, ns=(fp.content_mtime_ns + 5_000_000_000, fp.content_mtime_ns + 5_000_000_000))
    os.utime(bundle, ns=(fp.mtime_ns, fp.mtime_ns))
    changed = bundle_fingerprint(bundle)
    assert changed.mtime_ns == fp.mtime_ns and changed != fp


def test_vendor_from_moduleinfo_json_and_info_plist(tmp_path):
    import plistlib

    vst3 = make_fake_bundle(tmp_path, "Meta")
    (vst3 / "Contents" / "Resources").mkdir()
    (vst3 / "Contents" / "Resources" / "moduleinfo.json").write_text(
        '{"Name": "Meta", "Factory Info": {"Vendor": "Factory Co",},\n'
        ' "Classes": [{"CID": "0123", "Name": "Meta", "Vendor": "Class Co",},],}'
    )
    assert bundle_vendor(vst3, "Meta") == "Class Co"
    assert bundle_vendor(vst3, "Other") == "Factory Co"
    au = tmp_path / "Thing.component" / "Contents"
    au.mkdir(parents=True)
    with (au / "Info.plist").open("wb") as f:
        plistlib.dump({"AudioComponents": [{"name": "Acme Audio: Thing", "manufacturer": "Acme"}]}, f)
    assert bundle_vendor(au.parent) == "Acme Audio"
    assert bundle_vendor(tmp_path / "Nothing.vst3") is None


def _sleep_for_ever(path: str) -> dict:
    import time as _time

    while True:
        _time.sleep(0.05)


def _compute_then_answer(path: str) -> dict:
    import time as _time

    end = _time.monotonic() + 4.0
    while _time.monotonic() < end:  # busy: uses CPU all along
        sum(range(10000))
    return {"plugins": [], "errors": ["computed"]}


def test_a_bundle_whose_loader_uses_no_cpu_is_killed_as_hung_after_the_stall_time():
    """A loader that waits for ever (no CPU) is killed after ``stall_s`` (10 s by default,
    2 s here), not after the 120 s timeout; one that computes keeps its time."""
    from bridge.plugins.scan import _run_children

    started = time.monotonic()
    hung = _run_children(["/nowhere/Hang.vst3"], describe=_sleep_for_ever, timeout_s=120.0, jobs=1,
                         progress=None, stall_s=2.0)  # fmt: skip
    took = time.monotonic() - started
    assert hung["/nowhere/Hang.vst3"]["errors"][0].startswith("hung: used no CPU for 2 s")
    assert took < 60.0
    busy = _run_children(["/nowhere/Busy.vst3"], describe=_compute_then_answer, timeout_s=120.0, jobs=1,
                         progress=None, stall_s=2.0)  # fmt: skip
    assert busy["/nowhere/Busy.vst3"]["errors"] == ["computed"]
