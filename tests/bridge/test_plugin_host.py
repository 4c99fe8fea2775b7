"""The chain host: third-party plugins in worker processes, isolated, with real plugins.

The well-behaved plugins are Debian's zam-plugins and dragonfly-reverb VST3 builds that
``scripts/fetch-plugins`` extracts into the user cache. The misbehaving ones are built by
``scripts/build-test-plugins`` from ``tests/plugins/src`` with Debian's dpf-source:
``SecondEarAbort`` calls ``abort()`` and ``SecondEarHang`` never returns from its process
call once their ``trigger`` parameter is above 0.5. ``scripts/setup-system`` runs both
scripts, so CI has them; locally a missing one is a skip that says which script to run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from analyzers.moves import Move
from bridge.errors import BridgeError, PluginCrashError, PluginHangError
from bridge.plugins import fetch_cache_dir, fetched_plugin_folder
from bridge.plugins.host import ChainHost, PluginHostError, PluginSlot
from bridge.plugins.params import set_parameter
from bridge.render import render_move
from signals import pink_noise

pedalboard = pytest.importorskip("pedalboard")

RATE = 48000
HANG_TIMEOUT_S = 2.5


def real(name: str) -> str:
    path = fetched_plugin_folder() / f"{name}.vst3"
    if not path.is_dir():
        pytest.skip(f"VST3 plugin {name} is not in {path.parent}: run scripts/fetch-plugins "
                    "(scripts/setup-system runs it; CI does)")  # fmt: skip
    return str(path)


def built(name: str) -> str:
    path = fetch_cache_dir() / "test-vst3" / f"{name}.vst3"
    if not any(path.glob("Contents/*-linux/*.so")):
        pytest.skip(f"the test plugin {name} is not built in {path.parent}: run scripts/build-test-plugins "
                    "(it apt-get installs dpf-source and g++ when missing; scripts/setup-system runs it; CI does)")  # fmt: skip
    return str(path)


def children() -> set[int]:
    """Process ids whose parent is this process (zombies included), read from /proc."""
    me, found = os.getpid(), set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.add(int(entry.name))
    return found


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture(scope="module")
def host():
    with ChainHost() as h:
        yield h


@pytest.fixture(scope="module")
def music() -> np.ndarray:
    """Ten seconds of stereo pink noise, −20 dBFS RMS, then −12 dBFS for the second half."""
    x = pink_noise(np.random.default_rng(7), 10.0, RATE, channels=2)
    x = np.asarray(x, dtype=np.float32)
    x[:, x.shape[1] // 2 :] *= 2.5
    return x


def in_process(path: str, x: np.ndarray, **params: float) -> np.ndarray:
    plugin = pedalboard.load_plugin(path)
    for k, v in params.items():
        set_parameter(plugin, k, v)  # the exact setting the host uses
    return plugin.process(x, RATE)


# --- real plugins ---------------------------------------------------------------------------


def test_zamcompx2_in_the_worker_renders_what_in_process_pedalboard_renders(host, music):
    path = real("ZamCompX2")
    params = {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 80.0, "makeup_db": 3.0}
    result = host.render(music, RATE, [PluginSlot(path=path, parameters=params)])
    expected = in_process(path, music, **params)
    assert result.ok and result.slots[0].mode == "stereo"
    assert result.slots[0].worker_pid not in (None, os.getpid())
    assert result.audio.shape == music.shape and result.audio.dtype == np.float32
    assert np.max(np.abs(result.audio - expected)) < 1e-6
    assert np.max(np.abs(result.audio - music)) > 0.01  # it did compress


def test_mono_zameq2_on_stereo_runs_dual_mono(host, music):
    path = real("ZamEQ2")
    params = {"boost_cut_l_db": 6.0, "frequency_l_hz": 200.0, "boost_cut_h_db": -4.0}
    x = music[:, : 2 * RATE]
    result = host.render(x, RATE, [PluginSlot(path=path, parameters=params)])
    assert result.ok and result.slots[0].mode == "dual_mono" and result.audio.shape == x.shape
    # each channel is what a mono instance makes of it in process (NaN included: ZamEQ2 4.2
    # outputs NaN under pedalboard whatever it is given; the report counts them)
    for c in (0, 1):
        assert np.array_equal(result.audio[c : c + 1], in_process(path, x[c : c + 1], **params), equal_nan=True)
    assert result.slots[0].nonfinite_samples == int(np.count_nonzero(~np.isfinite(result.audio)))


def test_dual_mono_channels_stay_apart_and_share_settings(host, music):
    path = real("ZamComp")  # mono, and finite
    params = {"threshold_db": -35.0, "ratio": 6.0, "makeup_db": 2.0}
    x = music[:, : 2 * RATE].copy()
    x[1] *= 0.25
    result = host.render(x, RATE, [PluginSlot(path=path, parameters=params)])
    assert result.slots[0].mode == "dual_mono"
    for c in (0, 1):
        assert np.max(np.abs(result.audio[c : c + 1] - in_process(path, x[c : c + 1], **params))) < 1e-6
    silent = x.copy()
    silent[1] = 0.0
    assert np.max(np.abs(host.render(silent, RATE, [PluginSlot(path=path, parameters=params)]).audio[1])) == 0.0


def test_a_stereo_plugin_on_a_mono_track_duplicates_then_averages(host, music):
    path = real("ZamCompX2")
    mono = music[:1, : 2 * RATE]
    result = host.render(mono, RATE, [PluginSlot(path=path, parameters={"threshold_db": -30.0, "ratio": 4.0})])
    assert result.slots[0].mode == "stereo_on_mono" and result.audio.shape == mono.shape
    expected = in_process(path, np.repeat(mono, 2, axis=0), threshold_db=-30.0, ratio=4.0).mean(axis=0, keepdims=True)
    assert np.max(np.abs(result.audio - expected)) < 1e-6


def test_dragonfly_room_reverb_renders_a_tail_longer_than_the_input(host, music):
    path = real("DragonflyRoomReverb")
    x = music[:, :RATE]
    slot = PluginSlot(path=path, parameters={"decay_s": 2.0, "dry_level": 0.0}, tail_s=5.0)
    result = host.render(x, RATE, [slot])
    assert result.slots[0].tail_samples == 5 * RATE
    assert PluginSlot(path=path).effective_tail_s == 5.0  # the default for Dragonfly reverbs
    assert PluginSlot(path=real("ZamCompX2")).effective_tail_s == 0.0
    assert result.audio.shape == (2, 6 * RATE)
    rms = lambda a: float(np.sqrt(np.mean(np.square(a))))  # noqa: E731
    after = result.audio[:, RATE : RATE + RATE // 2]  # the half second after the input ends
    assert rms(after) > 0.01 * rms(result.audio[:, :RATE])
    assert rms(result.audio[:, -RATE // 10 :]) < rms(after)  # and it decays


@pytest.mark.parametrize("rate", [48000, 44100])
def test_zamaximx2_latency_is_reported_and_compensated(host, rate):
    path = real("ZaMaximX2")
    x = np.zeros((2, rate), dtype=np.float32)
    clicks = [0, 777, rate - 100]
    x[:, clicks] = 0.25
    result = host.render(x, rate, [PluginSlot(path=path, parameters={"threshold_db": 0.0})])
    report = result.slots[0]
    if rate == 48000:
        assert report.latency_samples == 480  # as plugins.md records it
    assert report.latency_samples > 0
    assert result.audio.shape == x.shape
    peaks = np.flatnonzero(np.abs(result.audio[0]) > 0.1)
    assert len(peaks) == len(clicks)
    for got, want in zip(peaks, clicks, strict=True):
        assert abs(int(got) - want) <= 1  # the impulse comes out where it went in


# --- state -------------------------------------------------------------------------------------


def test_snapshot_then_restore_reproduces_the_render_bit_for_bit(music):
    comp, eq = real("ZamCompX2"), real("ZamGEQ31")
    x = music[:, : 3 * RATE]
    chain = [Move("peak", {"freq_hz": 3000, "gain_db": -2, "q": 1.0}),
             PluginSlot(path=comp, parameters={"threshold_db": -28.0, "ratio": 3.0, "knee_db": 4.0}),
             PluginSlot(path=eq, parameters={"3986hz_db": 4.0, "126hz_db": -3.0, "master_gain_db": -1.0})]  # fmt: skip
    with ChainHost() as first:
        original = first.render(x, RATE, chain).audio
        snap = first.snapshot()
    assert snap[0] == chain[0]
    assert isinstance(snap[1], PluginSlot) and snap[1].raw_state
    assert snap[1].parameters["threshold_db"] == pytest.approx(-28.0, abs=1e-3)
    assert snap[2].parameters["3986hz_db"] == pytest.approx(4.0, abs=0.05)  # the plugin quantizes
    assert np.isfinite(original).all() and np.max(np.abs(original - x)) > 0.01
    with ChainHost() as second:
        # a different render first, so the restored state must really replace it
        second.render(x, RATE, [chain[0], PluginSlot(path=comp, parameters={"threshold_db": -50.0}), chain[2]])
        restored = second.render(x, RATE, snap).audio
        state_only = second.render(x, RATE, [s if not isinstance(s, PluginSlot) else PluginSlot(path=s.path, raw_state=s.raw_state)
                                             for s in snap]).audio  # fmt: skip
    assert np.array_equal(restored, original)
    assert np.array_equal(state_only, original)  # the raw state alone carries the settings


def test_snapshot_restore_is_exact_for_a_delay_whose_values_requantize_and_a_reverb_with_a_choice(music):
    delay, plate = real("ZamDelay"), real("DragonflyPlateReverb")
    x = music[:, :RATE]
    chain = [PluginSlot(path=delay, parameters={"time_ms": 250.0, "feedback": 0.3}, tail_s=1.0),
             PluginSlot(path=plate, parameters={"decay_s": 1.5}, tail_s=2.0)]  # fmt: skip
    with ChainHost() as first:
        original = first.render(x, RATE, chain).audio
        snap = first.snapshot()
    assert original.shape == (2, 4 * RATE)
    assert isinstance(snap[1].parameters["algorithm"], str)  # a choice, as its text
    with ChainHost() as second:
        assert np.array_equal(second.render(x, RATE, snap).audio, original)


# --- misbehaving plugins ------------------------------------------------------------------------


def test_an_aborting_plugin_is_a_crash_error_and_nothing_else_is_lost(host, music):
    abort = built("SecondEarAbort")
    comp = real("ZamCompX2")
    x = music[:, : 2 * RATE]
    kept = x.copy()
    gain, comp_slot = Move("gain", {"gain_db": -3}), PluginSlot(path=comp, parameters={"threshold_db": -30.0})
    chain = [gain, comp_slot, PluginSlot(path=abort, parameters={"trigger": 1.0}), Move("gain", {"gain_db": 1})]
    before = children()
    started = time.monotonic()
    with pytest.raises(PluginCrashError) as caught:
        host.render(x, RATE, chain)
    crash_s = time.monotonic() - started
    err = caught.value
    assert isinstance(err, BridgeError)
    assert err.plugin == "SecondEarAbort" and err.slot == 2
    assert "SecondEarAbort" in str(err) and "slot 2" in str(err) and "SIGABRT" in str(err)
    result = err.result
    assert [s.status for s in result.slots] == ["ok", "ok", "failed", "ok"]
    assert result.slots[2].error_type == "PluginCrashError"
    # the other slots' output is there, the failed slot bypassed; the input is untouched
    without = host.render(x, RATE, [chain[0], chain[1], chain[3]]).audio
    assert np.array_equal(result.audio, without)
    assert np.array_equal(result.input_audio, kept) and np.array_equal(x, kept)
    assert 2 not in host.worker_pids and not (children() - before - set(host.worker_pids.values()))
    # the host survives: the next render works (a new worker for the slot)
    again = host.render(x, RATE, [gain, comp_slot, PluginSlot(path=abort, parameters={"trigger": 0.0})])
    assert again.ok
    assert np.array_equal(again.audio, host.render(x, RATE, [gain, comp_slot]).audio)
    # bypass mode returns instead of raising
    bypassed = host.render(x, RATE, chain, on_failure="bypass")
    assert [s.ok for s in bypassed.slots] == [True, True, False, True] and len(bypassed.errors) == 1
    assert crash_s < 10.0
    print(f"crash detected in {crash_s:.2f} s (render of 4 slots included)")


def test_a_hanging_plugin_is_a_hang_error_within_the_timeout_and_leaves_no_process(music):
    hang = built("SecondEarHang")
    x = music[:, :RATE]
    before = children()
    with ChainHost(timeout_s=HANG_TIMEOUT_S) as h:
        gain = Move("gain", {"gain_db": -6})
        ok = h.render(x, RATE, [gain, PluginSlot(path=hang, parameters={"trigger": 0.0})])
        assert ok.ok and np.array_equal(ok.audio, render_move(x, RATE, gain))  # passes audio through
        pid = h.worker_pids[1]
        started = time.monotonic()
        with pytest.raises(PluginHangError) as caught:
            h.render(x, RATE, [gain, PluginSlot(path=hang, parameters={"trigger": 1.0})])
        hang_s = time.monotonic() - started
        assert caught.value.plugin == "SecondEarHang" and caught.value.slot == 1
        assert "SecondEarHang" in str(caught.value) and "slot 1" in str(caught.value)
        assert HANG_TIMEOUT_S <= hang_s < HANG_TIMEOUT_S + 3.0
        assert gone(pid) and not (children() - before)  # killed and reaped: no stray process
        assert np.array_equal(caught.value.result.audio, render_move(x, RATE, Move("gain", {"gain_db": -6})))
        assert h.render(x, RATE, [PluginSlot(path=hang, parameters={"trigger": 0.0})]).ok
    assert not (children() - before)
    print(f"hang detected in {hang_s:.2f} s with a {HANG_TIMEOUT_S} s timeout")


def test_an_unknown_parameter_is_a_host_error_that_names_the_slot(host):
    path = built("SecondEarAbort")
    with pytest.raises(PluginHostError, match=r"slot 0.*no parameter 'trigerr'.*trigger"):
        host.render(np.zeros((2, 1000), np.float32), RATE, [PluginSlot(path=path, parameters={"trigerr": 1.0})])


def test_closing_the_host_stops_every_worker(music):
    path = real("ZamCompX2")
    before = children()
    h = ChainHost()
    h.render(music[:, :RATE], RATE, [PluginSlot(path=path), PluginSlot(path=path)])
    pids = set(h.worker_pids.values())
    assert len(pids) == 2 and pids <= children()
    h.close()
    assert all(gone(p) for p in pids) and not (children() - before)
