"""PresetStore over a real folder: save, load, list, delete, rename, export, import; names,
traversal, factory presets, files from a newer Second Ear, and a full disk (simulated with
``os.replace`` raising ENOSPC, and for real on a 64 KiB tmpfs in a user namespace)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analyzers.moves import Move
from bridge.chain import BuiltinSlot, Chain
from presets import (
    Preset,
    PresetExistsError,
    PresetFormatError,
    PresetNotFoundError,
    PresetStore,
    PresetStoreError,
    ReadOnlyPresetError,
    UnsupportedSchemaError,
    default_preset_dir,
    factory_presets,
    preset_to_dict,
)
from presets.names import file_stem, name_key

ROOT = Path(__file__).resolve().parents[2]


def chain(gain_db: float = -3.0) -> Chain:
    return Chain((BuiltinSlot(Move("gain", {"gain_db": gain_db})),))


@pytest.fixture
def store(tmp_path) -> PresetStore:
    return PresetStore(tmp_path / "presets")


def test_the_folder_comes_from_the_argument_the_environment_or_the_user_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SECONDEAR_PRESET_DIR", raising=False)
    assert default_preset_dir().parts[-2:] == ("secondear", "presets")
    monkeypatch.setenv("SECONDEAR_PRESET_DIR", str(tmp_path / "env"))
    assert PresetStore().folder == tmp_path / "env"
    assert PresetStore(tmp_path / "arg").folder == tmp_path / "arg"


def test_save_load_list_delete(store):
    assert not store.folder.exists()  # made on the first save
    entry = store.save(Preset(name="Bright Vox", chain=chain(), tags=("vocal",)))
    assert entry.origin == "user" and Path(entry.path) == store.folder / "bright-vox.json" and entry.slots == 1
    assert store.load("bright vox").chain == chain() and store.load("  BRIGHT   VOX ").name == "Bright Vox"
    names = [(e.name, e.origin) for e in store.list()]
    assert ("Bright Vox", "user") in names and ("Mix bus glue", "factory") in names
    assert [e.name for e in store.list()] == sorted((e.name for e in store.list()), key=name_key)
    with pytest.raises(PresetExistsError, match="overwrite it explicitly"):
        store.save(Preset(name="bright VOX", chain=chain(-6)))
    store.save(Preset(name="bright VOX", chain=chain(-6)), overwrite=True)
    assert store.load("Bright Vox").chain == chain(-6) and store.load("Bright Vox").name == "bright VOX"
    assert sorted(p.name for p in store.folder.iterdir()) == ["bright-vox.json"]  # same file, no temporaries
    assert store.delete("BRIGHT vox") == store.folder / "bright-vox.json"
    assert not store.exists("bright vox") and list(store.folder.iterdir()) == []


def test_a_miss_names_the_nearest_presets(store):
    store.save(Preset(name="Snare crack", chain=chain()))
    with pytest.raises(PresetNotFoundError, match=r"no preset named 'snare crak'; did you mean: 'Snare crack'\?"):
        store.load("snare crak")
    with pytest.raises(PresetNotFoundError, match="did you mean: 'Vocal clean-up'"):
        store.load("vocal cleanup")
    empty = PresetStore(store.folder / "none", factory=False)
    with pytest.raises(PresetNotFoundError, match="there are no presets in"):
        empty.load("anything")


@pytest.mark.parametrize("name", ["../../etc/x", "..", "/etc/passwd", "a/../../b", "C:\\Windows\\x", "~root/.ssh",
                                  ".hidden", "con", "NUL", "!!!", "低音", "x" * 100, "vox\\..\\..\\evil"])  # fmt: skip
def test_names_never_escape_the_folder(store, tmp_path, name):
    entry = store.save(Preset(name=name, chain=chain()))
    path = Path(entry.path)
    assert path.parent == store.folder and path.resolve().parent == store.folder.resolve()
    assert path.suffix == ".json" and not path.name.startswith(".")
    assert set(path.stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") and len(path.stem) <= 75
    assert store.load(name).name == name.strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["presets"]  # nothing written beside it
    assert not Path("/etc/x.json").exists()


def test_names_whose_file_names_collide_get_files_of_their_own(store):
    a = store.save(Preset(name="Vocal: clean", chain=chain(-1)))
    b = store.save(Preset(name="Vocal clean", chain=chain(-2)))
    assert file_stem("Vocal: clean") == file_stem("Vocal clean") and a.path != b.path
    assert store.load("vocal: clean").chain == chain(-1) and store.load("vocal clean").chain == chain(-2)


def test_bad_names_are_refused():
    for name, message in (("", "empty"), ("   ", "empty"), ("a\nb", "control character"), ("x" * 101, "at most 100")):
        with pytest.raises(PresetFormatError, match=message):
            Preset(name=name, chain=chain())


def test_factory_presets_are_read_only_and_shadowed_by_the_users(store):
    factory = {p.name for _, p in factory_presets()}
    assert factory == {"Vocal clean-up", "Mix bus glue", "Streaming master −14 LUFS", "Kick tighten"}
    original = store.load("Vocal clean-up")
    with pytest.raises(ReadOnlyPresetError, match="factory presets are read-only"):
        store.delete("vocal clean-up")
    with pytest.raises(ReadOnlyPresetError, match="read-only"):
        store.rename("Mix bus glue", "Mine")
    entry = store.save(Preset(name="VOCAL CLEAN-UP", chain=chain()))  # the same name as a factory preset
    assert entry.shadows_factory
    listed = [e for e in store.list() if name_key(e.name) == "vocal clean-up"]
    assert [(e.origin, e.shadows_factory) for e in listed] == [("user", True)]
    assert store.load("vocal clean-up").chain == chain()
    store.delete("vocal clean-up")
    assert store.load("vocal clean-up") == original  # the factory one is back
    assert PresetStore(store.folder, factory=False).list() == []


def test_rename(store):
    store.save(Preset(name="Old", chain=chain(-1), tags=("t",)))
    store.save(Preset(name="Taken", chain=chain(-2)))
    with pytest.raises(PresetExistsError):
        store.rename("old", "taken")
    entry = store.rename("old", "New name")
    assert entry.name == "New name" and Path(entry.path).name == "new-name.json"
    assert not (store.folder / "old.json").exists() and not store.exists("old")
    assert store.load("new name").tags == ("t",) and store.load("new name").chain == chain(-1)
    store.rename("new name", "NEW NAME")  # only the spelling: the same file
    assert store.load("new name").name == "NEW NAME" and (store.folder / "new-name.json").exists()
    store.rename("new name", "taken", overwrite=True)
    assert store.load("taken").chain == chain(-1) and sorted(p.name for p in store.folder.iterdir()) == ["taken.json"]
    with pytest.raises(PresetFormatError, match="empty"):
        store.rename("taken", "  ")
    with pytest.raises(PresetNotFoundError):
        store.rename("nothing like it", "x")


def test_export_and_import(store, tmp_path):
    out = store.export("streaming master −14 lufs", tmp_path / "shared.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["name"] == "Streaming master −14 LUFS" and data["licence"].startswith("GPL-3.0-or-later")
    entry = store.import_file(out, name="Loud master")
    assert entry.origin == "user" and store.load("loud master").chain == store.load("Streaming master −14 LUFS").chain
    with pytest.raises(PresetExistsError):
        store.import_file(out, name="loud master")
    store.import_file(out, name="loud master", overwrite=True)
    newer = dict(data, schema_version=2)
    (tmp_path / "newer.json").write_text(json.dumps(newer), encoding="utf-8")
    with pytest.raises(UnsupportedSchemaError, match="update to open it"):
        store.import_file(tmp_path / "newer.json", name="never")
    assert not store.exists("never")


def test_a_newer_file_in_the_folder_is_listed_refused_and_never_overwritten(store):
    store.save(Preset(name="Mine", chain=chain()))
    newer = store.folder / "from-the-future.json"
    data = preset_to_dict(Preset(name="Future", chain=chain()))
    data.update(schema_version=2, chain={"graph": "something new"})
    newer.write_text(json.dumps(data), encoding="utf-8")
    damaged = store.folder / "damaged.json"
    damaged.write_text('{"format": "secondear-preset", "schema_version": 1, "name": "Damaged", "chain"', encoding="utf-8")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (newer, damaged)}
    by_name = {e.name: e for e in store.list()}
    assert "newer Second Ear (schema 2, this reads up to 1)" in by_name["Future"].error
    assert "not valid JSON" in by_name["damaged"].error and by_name["Mine"].error is None
    with pytest.raises(UnsupportedSchemaError, match="update to open it"):
        store.load("future")
    for overwrite in (False, True):
        with pytest.raises(PresetExistsError, match="cannot be read .* it is left untouched"):
            store.save(Preset(name="FUTURE", chain=chain()), overwrite=overwrite)
    with pytest.raises(UnsupportedSchemaError):
        store.rename("future", "past")
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (newer, damaged)} == before


def test_a_full_disk_raises_clearly_and_keeps_the_old_file(store, monkeypatch):
    entry = store.save(Preset(name="Keep me", chain=chain(-1)))
    path = Path(entry.path)
    before = path.read_bytes()

    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    monkeypatch.setattr(os, "fsync", lambda fd: full(None, None))  # a new name is fsynced, then linked
    with pytest.raises(PresetStoreError, match="the disk is full; the previous file is unchanged") as err:
        store.save(Preset(name="keep me", chain=chain(-9)), overwrite=True)
    assert isinstance(err.value, OSError) and str(path) in str(err.value)
    with pytest.raises(PresetStoreError, match="the disk is full; nothing was written"):
        store.save(Preset(name="Another", chain=chain()))
    monkeypatch.undo()
    assert path.read_bytes() == before and store.load("keep me").chain == chain(-1)
    assert sorted(p.name for p in store.folder.iterdir()) == ["keep-me.json"]  # temporaries removed


_FULL_DISK = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from analyzers.moves import Move
    from bridge.chain import BuiltinSlot, Chain
    from presets import Decision, Preset, PresetStore, PresetStoreError, TasteLog

    root = Path(sys.argv[1])
    store = PresetStore(root / "presets")
    store.save(Preset(name="Keep me", chain=Chain((BuiltinSlot(Move("gain", {"gain_db": -1})),))))
    log = TasteLog(root / "taste.jsonl")
    log.append(Decision(verdict="accepted", suggestion_id="hpf", kind="highpass", proposed={"freq_hz": 80.0}))
    path = root / "presets" / "keep-me.json"
    before, log_before = path.read_bytes(), log.path.read_bytes()
    fd = os.open(root / "filler", os.O_WRONLY | os.O_CREAT)   # fill the file system
    try:
        while os.write(fd, b"\\0" * 4096):
            pass
    except OSError:
        pass
    os.close(fd)
    out = {}
    big = Preset(name="Keep me", notes="x" * 3000, chain=Chain(tuple(BuiltinSlot(Move("gain", {"gain_db": -g}))
                                                                     for g in range(40))))
    try:
        store.save(big, overwrite=True)
        out["save"] = "saved"
    except PresetStoreError as exc:
        out["save"] = str(exc)
    try:
        # more than the log's last 4 KiB page can still hold, so the file system must give a page
        many = {f"band_{i}_gain_db": -3.0 for i in range(400)}
        log.append(Decision(verdict="rejected", suggestion_id="eq-315", kind="peak", proposed=many))
        out["append"] = "appended"
    except PresetStoreError as exc:
        out["append"] = str(exc)
    out["intact"] = path.read_bytes() == before and log.path.read_bytes() == log_before
    out["files"] = sorted(p.name for p in (root / "presets").iterdir())
    out["decisions"] = len(log.read().decisions)
    print(json.dumps(out))
""")


def test_a_real_full_disk_on_a_tiny_tmpfs(tmp_path):
    """A 64 KiB tmpfs mounted in a user and mount namespace (``unshare -rm``), filled up."""
    from signals import require_mount_namespace

    require_mount_namespace()
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    script = tmp_path / "inner.py"
    script.write_text(_FULL_DISK)
    run = subprocess.run(["unshare", "-rm", "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$1" && exec "$2" "$3" "$1" "$4"',
                          "sh", str(mnt), sys.executable, str(script), str(ROOT)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert "the disk is full; the previous file is unchanged" in out["save"]
    assert "the disk is full; the log is as it was" in out["append"]
    assert out["intact"] and out["files"] == ["keep-me.json"] and out["decisions"] == 1
