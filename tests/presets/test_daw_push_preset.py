"""``secondear daw push --chain FILE | --preset NAME`` against a fake DAW on 127.0.0.1.

The fake DAW answers the generic profile's documented requests (``bridge/daw/profiles/
generic.json``), as ``tests/bridge/daw/test_daw_profiles.py`` does for ``--move``: the chain's
slots become moves and go through the same :func:`bridge.daw.push_moves` path.
"""

from __future__ import annotations

import json
import time

import pytest

from analyzers.moves import Move
from bridge.chain import BuiltinSlot, Chain, PluginSlotSpec, save_chain
from presets import Preset, PresetStore
from tests.bridge.daw.test_daw_profiles import FakeDaw
from ui.cli import main


def _answers():
    return {
        "/tracks": lambda a: [("/tracks", ["Bass", "Vox"])],
        "/track/2/plugins": lambda a: [("/track/2/plugins", ["ZamCompX2"])],
        "/track/2/plugin/1/parameters": lambda a: [("/track/2/plugin/1/parameters",
                                                    ["Attack", "Release", "Knee", "Ratio", "Threshold"])],
    }  # fmt: skip


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("SECONDEAR_PRESET_DIR", str(tmp_path / "presets"))
    return PresetStore()


def _push(daw, *extra):
    return main(["daw", "push", "--profile", "generic", "--host", "127.0.0.1", "--port", str(daw.port),
                 "--timeout", "1", "--track", "Vox", *extra, "--json"])  # fmt: skip


def _plugin_sets(daw, n=0, timeout_s=2.0):
    """The plugin parameters the fake DAW received, once ``n`` of them have arrived (UDP: the
    CLI returns when it has sent them, not when the DAW has read them)."""
    deadline = time.monotonic() + timeout_s
    while True:
        sets = {m[0]: m[1] for m in list(daw.received) if m[0].startswith("/track/2/plugin/1/param/")}
        if len(sets) >= n or time.monotonic() > deadline:
            return sets
        time.sleep(0.005)


def test_push_a_factory_preset_puts_its_compressor_on_the_tracks_plugin(store, capsys):
    with FakeDaw(_answers()) as daw:
        assert _push(daw, "--preset", "mix BUS glue") == 0, capsys.readouterr().err
        (report,) = json.loads(capsys.readouterr().out)
        assert report["target"] == "ZamCompX2" and report["moves"] == [
            "compressor -20.0 dB 2.0:1 attack 30 ms release 250 ms"]  # fmt: skip
        sets = _plugin_sets(daw, len(report["set"]))
        # Threshold is the DAW's 5th parameter, Ratio the 4th, Attack the 1st (generic: 1-based)
        assert sets["/track/2/plugin/1/param/5"] == [-20.0] and sets["/track/2/plugin/1/param/4"] == [2.0]
        assert sets["/track/2/plugin/1/param/1"] == [30.0]


def test_push_a_chain_file_and_a_user_preset_the_same_way_as_moves(store, tmp_path, capsys):
    chain = Chain((BuiltinSlot(Move("gain", {"gain_db": -4.5})),
                   PluginSlotSpec(name="ZamCompX2", path="/nowhere/ZamCompX2.vst3", params={"threshold_db": -30.0},
                                  moves=(Move("compressor", {"threshold_db": -24, "ratio": 3}),))))  # fmt: skip
    path = save_chain(chain, tmp_path / "chain.json")
    store.save(Preset(name="Vox push", chain=chain))
    for how in (["--chain", str(path)], ["--preset", "vox push"]):
        with FakeDaw(_answers()) as daw:
            assert _push(daw, *how) == 0, capsys.readouterr().err
            fader, comp = json.loads(capsys.readouterr().out)
            assert fader == {"target": "fader", "moves": ["gain -4.5 dB"], "set": [{"name": "gain_db", "value": -4.5}],
                             "unmatched": []}  # fmt: skip
            assert comp["target"] == "ZamCompX2"
            # the slot's recorded moves are pushed, never its plugin parameters (those are not the DAW's)
            assert _plugin_sets(daw, len(comp["set"]))["/track/2/plugin/1/param/5"] == [-24.0]
            assert ("/track/2/gain_db", [-4.5]) in daw.received


def test_push_usage_errors_say_what_to_give(store, tmp_path, capsys):
    with FakeDaw(_answers()) as daw:
        assert _push(daw) == 2
        assert "--move SPEC" in capsys.readouterr().err
        assert _push(daw, "--preset", "Mix bus glue", "--move", "gain gain_db=-1") == 2
        capsys.readouterr()
        assert _push(daw, "--preset", "mix bus glu") == 2
        assert "did you mean: 'Mix bus glue'" in capsys.readouterr().err
        only_params = Chain((PluginSlotSpec(name="ZamCompX2", path="/x/ZamCompX2.vst3", params={"ratio": 2.0}),))
        assert _push(daw, "--chain", str(save_chain(only_params, tmp_path / "p.json"))) == 2
        assert "records no moves" in capsys.readouterr().err
        # "Vocal clean-up" needs an EQ and a high-pass on the track: a clear error naming what is there
        assert _push(daw, "--preset", "Vocal clean-up") == 2
        assert "no plugin on track 'Vox' realises a highpass move (there: ZamCompX2)" in capsys.readouterr().err
        assert not _plugin_sets(daw, timeout_s=0)
