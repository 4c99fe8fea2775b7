"""Chain files: the JSON form round-trips, a newer schema is refused, validation names the
slot, and a plugin path from a chain file is loaded only from a known place.

The plugin index and the plugin folders are pointed at temporary ones (environment
variables), so the machine's own plugins play no part; no plugin is loaded here.
"""

from __future__ import annotations

import json
import os

import pytest

from analyzers.moves import Move
from bridge.chain import (
    SCHEMA_VERSION,
    BuiltinSlot,
    Chain,
    ChainError,
    PluginSlotSpec,
    UnsupportedChainSchemaError,
    chain_from_moves,
    load_chain,
    save_chain,
)
from bridge.slots import build_slots
from bridge.plugins.host import PluginSlot


@pytest.fixture
def plugin_folder(tmp_path, monkeypatch):
    """An empty index, no fetch cache, no ~/.vst3; one allowed folder holding a fake bundle."""
    folder = tmp_path / "vst3"
    (folder / "Fake.vst3" / "Contents").mkdir(parents=True)
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(tmp_path / "index.json"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_PATH", str(folder))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return folder


def sample_chain(path: str) -> Chain:
    return Chain((
        BuiltinSlot(Move("highpass", {"freq_hz": 40})),
        PluginSlotSpec(name="Fake", path=path, params={"gain_db": -3.0, "mode": "Vintage", "on": True},
                       state=b"\x00\x01opaque\xff", tail_s=1.5, moves=(Move("peak", {"freq_hz": 500, "gain_db": 2}),)),
        BuiltinSlot(Move("gain", {"gain_db": -1.5})),
    ))  # fmt: skip


def test_a_chain_round_trips_through_its_file(tmp_path, plugin_folder):
    chain = sample_chain(str(plugin_folder / "Fake.vst3"))
    path = save_chain(chain, tmp_path / "chain.json")
    data = json.loads(path.read_text())
    assert data["schema"] == SCHEMA_VERSION == 1
    assert [s["kind"] for s in data["slots"]] == ["builtin", "plugin", "builtin"]
    assert data["slots"][1]["format"] == "vst3" and isinstance(data["slots"][1]["state_b64"], str)
    loaded = load_chain(path)
    assert loaded == chain
    assert loaded.to_dict() == chain.to_dict()
    assert loaded.moves == (Move("highpass", {"freq_hz": 40}), Move("peak", {"freq_hz": 500, "gain_db": 2}),
                            Move("gain", {"gain_db": -1.5}))  # fmt: skip
    # atomic: written again over the old file, no temporary file left behind
    save_chain(chain_from_moves([Move("gain", {"gain_db": 1})]), path)
    assert load_chain(path).moves == (Move("gain", {"gain_db": 1}),)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["chain.json"]


def test_build_slots_gives_moves_and_plugin_slots_for_the_host(plugin_folder):
    slots = build_slots(sample_chain(str(plugin_folder / "Fake.vst3")))
    assert slots[0] == Move("highpass", {"freq_hz": 40}) and slots[2] == Move("gain", {"gain_db": -1.5})
    p = slots[1]
    assert isinstance(p, PluginSlot)
    assert p.path == os.path.realpath(plugin_folder / "Fake.vst3") and p.name == "Fake"
    assert dict(p.parameters) == {"gain_db": -3.0, "mode": "Vintage", "on": True}
    assert p.raw_state == b"\x00\x01opaque\xff" and p.tail_s == 1.5


def test_moves_become_a_builtin_chain_in_chain_order():
    chain = chain_from_moves([Move("gain", {"gain_db": -2}), Move("peak", {"freq_hz": 1000, "gain_db": 3})])
    assert [s.move.kind for s in chain.slots] == ["peak", "gain"]
    assert build_slots(chain) == [s.move for s in chain.slots]


def test_a_newer_schema_is_refused_clearly(tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"schema": SCHEMA_VERSION + 1, "slots": [{"kind": "teleporter"}]}))
    with pytest.raises(UnsupportedChainSchemaError, match=rf"schema {SCHEMA_VERSION + 1}.*newer Second Ear.*upgrade"):
        load_chain(path)


@pytest.mark.parametrize(
    ("slot", "message"),
    [
        ({"kind": "builtin", "move": {"kind": "peak", "params": {"freq_hz": 1000, "gain_db": 99}}}, r"slot 1 \(builtin\).*gain_db"),
        ({"kind": "builtin", "move": {"kind": "peak", "params": {"freq": 1000}}}, r"slot 1 \(builtin\).*freq_hz"),
        ({"kind": "reverb"}, r"slot 1: kind must be 'builtin' or 'plugin'"),
        ({"kind": "plugin", "name": "X", "path": "/usr/lib/vst3/X.vst3", "params": {"a": [1]}}, r"slot 1 \(plugin X\).*'a'"),
        ({"kind": "plugin", "name": "X", "path": "/usr/lib/vst3/X.so"}, r"slot 1 \(plugin X\).*\.vst3 bundle"),
        ({"kind": "plugin", "name": "X", "path": "/usr/lib/vst3/X.vst3", "state_b64": "%%%"}, r"slot 1 \(plugin X\).*base64"),
        ({"kind": "plugin", "name": "X", "path": "/usr/lib/vst3/X.vst3", "parms": {}}, r"slot 1 \(plugin X\).*parms"),
    ],
    ids=["range", "name", "kind", "value", "suffix", "state", "typo"],
)
def test_validation_errors_name_the_file_and_the_slot(tmp_path, slot, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"schema": 1, "slots": [{"kind": "builtin", "move": {"kind": "gain", "params": {"gain_db": 1}}}, slot]}))
    with pytest.raises(ChainError, match=message) as caught:
        load_chain(path)
    assert str(path) in str(caught.value)


def test_not_a_chain_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(ChainError, match="not JSON"):
        load_chain(path)
    path.write_text(json.dumps({"slots": []}))
    with pytest.raises(ChainError, match="no integer 'schema'"):
        load_chain(path)


def test_a_plugin_path_outside_the_index_and_the_plugin_folders_is_rejected(tmp_path, plugin_folder):
    elsewhere = tmp_path / "downloads" / "Evil.vst3"
    (elsewhere / "Contents").mkdir(parents=True)
    chain = Chain((BuiltinSlot(Move("gain", {"gain_db": 1})), PluginSlotSpec(name="Evil", path=str(elsewhere))))
    with pytest.raises(ChainError, match=r"slot 1 \(plugin Evil\).*neither a plugin the plugin index.*plugins scan"):
        build_slots(chain)
    # a symbolic link inside a plugin folder does not make an outside bundle allowed
    link = plugin_folder / "Link.vst3"
    link.symlink_to(elsewhere)
    with pytest.raises(ChainError, match=r"slot 0 \(plugin Link\)"):
        build_slots(Chain((PluginSlotSpec(name="Link", path=str(link)),)))
    # nor does climbing out of one with ..
    sneaky = plugin_folder / ".." / "downloads" / "Evil.vst3"
    with pytest.raises(ChainError, match="neither a plugin"):
        build_slots(Chain((PluginSlotSpec(name="Evil", path=str(sneaky)),)))
    # a plugin folder's missing bundle is a clear error too
    with pytest.raises(ChainError, match="no such plugin bundle"):
        build_slots(Chain((PluginSlotSpec(name="Gone", path=str(plugin_folder / "Gone.vst3")),)))
