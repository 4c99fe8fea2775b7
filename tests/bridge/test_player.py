"""The A/B player's callback: one position for both sides, a short crossfade, loops.

The callback body (``ABPlayer.fill``) is plain numpy and runs here without a sound card;
opening the real stream needs one, and ``play`` says clearly when there is none.
"""

from __future__ import annotations

import numpy as np
import pytest

from bridge.audition import PlaybackUnavailable
from bridge.player import SWITCH_FADE_S, ABPlayer


def _pair(n: int = 1000):
    a = np.tile(np.arange(n, dtype=np.float32) / n, (2, 1))  # a ramp
    b = -a  # B is A inverted: every sample says which side it came from
    return a, b


def test_a_then_b_continue_from_the_same_place_with_a_crossfade():
    a, b = _pair()
    p = ABPlayer(a, b, 48000.0)
    out = np.zeros((300, 2), dtype=np.float32)
    p.fill(out)
    assert np.array_equal(out[:, 0], a[0, :300])
    p.select("b")
    p.fill(out)
    fade = int(SWITCH_FADE_S * 48000)  # 240 frames
    assert np.array_equal(out[fade:, 0], b[0, 300 + fade : 600])  # B from where A stopped
    assert out[0, 0] == pytest.approx(a[0, 300] * (1 - 1 / fade) + b[0, 300] / fade, abs=1e-6)
    assert np.all(np.diff(out[:fade, 0]) < 0)  # a smooth slide from A's ramp to B's, no click


def test_it_loops_over_the_region_and_stops_when_not_looping():
    a, b = _pair(100)
    p = ABPlayer(a, b, 48000.0)
    out = np.zeros((250, 2), dtype=np.float32)
    p.fill(out)
    assert np.array_equal(out[100:200, 0], a[0]) and p.position == 50
    q = ABPlayer(a, b, 48000.0, loop=False)
    q.fill(out)
    assert np.array_equal(out[:100, 0], a[0]) and not out[100:].any() and q.finished


def test_seek_and_bad_input():
    a, b = _pair(48000)
    p = ABPlayer(a, b, 48000.0)
    p.seek(0.5)
    assert p.position == 24000
    with pytest.raises(ValueError, match="same shape"):
        ABPlayer(a, b[:, :10], 48000.0)
    with pytest.raises(ValueError, match="no samples"):
        ABPlayer(a[:, :0], b[:, :0], 48000.0)
    with pytest.raises(ValueError, match="one of 'a', 'b', not 'c'"):
        p.select("c")
    with pytest.raises(ValueError, match="solo .* same shape"):
        ABPlayer(a, b, 48000.0, sides={"solo": a[:, :10]})


def test_solo_and_bypass_switch_at_the_same_place_as_a_and_b():
    a, b = _pair()
    solo, bypass = 2 + a, 4 + a  # every sample says which side it came from
    p = ABPlayer(a, b, 48000.0, sides={"solo": solo, "bypass": bypass})
    assert p.side_names == ("a", "b", "solo", "bypass")
    out = np.zeros((300, 2), dtype=np.float32)
    fade = int(SWITCH_FADE_S * 48000)
    p.select("solo")
    p.fill(out)
    assert np.array_equal(out[fade:, 0], solo[0, fade:300])
    p.select("bypass")
    p.fill(out)
    assert np.array_equal(out[fade:, 0], bypass[0, 300 + fade : 600])  # bypass from where solo stopped
    p.select("a")
    p.fill(out)
    assert np.array_equal(out[fade:, 0], a[0, 600 + fade : 900]) and p.position == 900


def test_play_says_clearly_when_there_is_no_output_device():
    a, b = _pair()
    p = ABPlayer(a, b, 48000.0)
    try:
        p.play()
    except PlaybackUnavailable as exc:
        assert "no audio output device" in str(exc)
        assert not p.playing
    else:  # a machine with a sound card: it plays, and stops
        assert p.playing
        p.stop()
        assert not p.playing
