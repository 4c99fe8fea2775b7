"""Placing accepted moves on the engineer's plugins (real zam-plugins, scanned here)."""

from __future__ import annotations

import pytest

from analyzers.moves import parse_move
from bridge.chain import BuiltinSlot, PluginSlotSpec
from bridge.plugins import scan_plugins
from bridge.plugins.mapping import map_for, map_moves
from analyzers.moves import DYNAMICS_KINDS, EQ_KINDS
from bridge.plugins.placement import place_moves, realises
from tests.bridge.test_plugins_scan import require_fetched

MOVES = ["highpass freq_hz=40", "peak freq_hz=300 gain_db=-3", "peak freq_hz=2000 gain_db=2",
         "peak freq_hz=5000 gain_db=1", "high_shelf freq_hz=8000 gain_db=2",
         "compressor threshold_db=-18 ratio=2", "limiter ceiling_dbtp=-1"]  # fmt: skip


@pytest.fixture(scope="module")
def zam(tmp_path_factory):
    folder = require_fetched("ZamEQ2", "ZamCompX2")
    report = scan_plugins([folder / "ZamEQ2.vst3", folder / "ZamCompX2.vst3"], remember=False,
                          index_path=tmp_path_factory.mktemp("index") / "plugin-index.json")  # fmt: skip
    return {p.name: (p, map_for(p)) for p in report.plugins}


def _describe(chain):
    return [(s.name, [m.kind for m in s.moves]) if isinstance(s, PluginSlotSpec) else ("builtin", s.move.kind)
            for s in chain.slots]  # fmt: skip


def test_moves_go_on_the_plugins_that_realise_them_the_rest_built_in(zam):
    chain = place_moves([parse_move(t) for t in MOVES], [zam["ZamEQ2"], zam["ZamCompX2"]], sample_rate_hz=48000)
    # ZamEQ2 has two bells and two shelves, no high-pass: the third bell overflows onto the
    # built-in filters right after it (EQ filters commute), the limiter has no plugin here
    assert _describe(chain) == [
        ("builtin", "highpass"), ("ZamEQ2", ["peak", "peak", "high_shelf"]), ("builtin", "peak"),
        ("ZamCompX2", ["compressor"]), ("builtin", "limiter"),
    ]  # fmt: skip
    eq_slot = chain.slots[1]
    plugin, plugin_map = zam["ZamEQ2"]
    assert dict(eq_slot.params) == map_moves(eq_slot.moves, plugin, plugin_map, sample_rate_hz=48000)
    assert sorted(m.kind for m in chain.moves) == sorted(parse_move(t).kind for t in MOVES)  # nothing lost


def test_without_plugins_everything_is_built_in_and_kinds_are_checked(zam):
    chain = place_moves([parse_move(t) for t in MOVES], [], sample_rate_hz=48000)
    assert all(isinstance(s, BuiltinSlot) for s in chain.slots) and len(chain.slots) == len(MOVES)
    assert realises(zam["ZamEQ2"][1], EQ_KINDS) and not realises(zam["ZamEQ2"][1], DYNAMICS_KINDS)
    assert realises(zam["ZamCompX2"][1], DYNAMICS_KINDS) and not realises(None, EQ_KINDS)


def test_a_gate_goes_on_zamgatex2_and_the_repairs_no_plugin_takes_stay_built_in(tmp_path):
    from bridge.chain import load_chain, save_chain

    folder = require_fetched("ZamGateX2", "ZamCompX2")
    report = scan_plugins([folder / "ZamGateX2.vst3", folder / "ZamCompX2.vst3"], remember=False,
                          index_path=tmp_path / "plugin-index.json")  # fmt: skip
    plugins = {p.name: (p, map_for(p)) for p in report.plugins}
    moves = [parse_move(t) for t in ("dehum freq_hz=50 harmonic_mask=7", "noise_reduction profile_below_db=-56",
                                     "gate threshold_db=-50 range_db=20 release_ms=120",
                                     "compressor threshold_db=-18 ratio=2")]  # fmt: skip
    chain = place_moves(moves, [plugins["ZamGateX2"], plugins["ZamCompX2"]], sample_rate_hz=48000)
    assert _describe(chain) == [("builtin", "dehum"), ("builtin", "noise_reduction"), ("ZamGateX2", ["gate"]),
                                ("ZamCompX2", ["compressor"])]  # fmt: skip
    gate = chain.slots[2]
    assert gate.params["threshold_db"] == -50 and gate.params["max_gate_close_db"] == -20
    assert gate.params["release_ms"] == 120 and gate.params["mode_open_shut"] == 0
    assert realises(plugins["ZamGateX2"][1], DYNAMICS_KINDS)
    back = load_chain(save_chain(chain, tmp_path / "chain.json"))  # presets and chain files keep the moves
    assert [m.to_dict() for m in back.moves] == [m.to_dict() for m in chain.moves]
