"""A mix's quiet passage is music, not noise; a DC offset is no noise floor.

Found by trying the product on an orchestral piece (a Wesnoth soundtrack): its soft passage,
16 dB under the rest, was read as "broadband noise at -30 dBFS in the pauses" and given 18 dB of
spectral noise reduction, which took 12–16 dB off that passage. A noise floor holds steady in
its octaves from frame to frame; notes that change do not.
"""

from __future__ import annotations

import numpy as np

from analyzers import analyze
from analyzers.context import make_context
from analyzers.noise import STEADY_SPREAD_DB
from analyzers.suggest import suggest

RATE = 48000


def _pink(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pink noise from 20 Hz up, at unit RMS."""
    w = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    x = np.fft.irfft(w * np.where(f >= 20.0, 1 / np.sqrt(np.maximum(f, 20.0)), 0.0), n)
    return x / np.sqrt(np.mean(x**2))


def _chords(rng: np.random.Generator, seconds: float, step_s: float) -> np.ndarray:
    """Chords of three random notes (four partials each) changing every ``step_s``, each at unit RMS."""
    n_step = int(step_s * RATE)
    t = np.arange(n_step) / RATE
    parts = []
    for _ in range(int(seconds / step_s)):
        x = np.zeros(n_step)
        for f0 in 110.0 * 2 ** (rng.integers(0, 48, 3) / 12):
            for k in range(1, 5):
                x += np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi)) / k
        parts.append(x / np.sqrt(np.mean(x**2)))
    return np.concatenate(parts)


def _mix(rng: np.random.Generator, quiet: np.ndarray) -> np.ndarray:
    loud = _chords(rng, 14.0, 0.5) * 10 ** (-12 / 20)
    x = np.concatenate([loud, quiet * 10 ** (-32 / 20)])
    return np.stack([x, x]).astype(np.float32)


def test_a_quiet_passage_of_changing_notes_is_music_not_noise(rng):
    a = analyze(_mix(rng, _chords(rng, 6.0, 0.3)), RATE)
    assert a.noise.has_pauses  # the passage is quiet enough to be taken for pauses …
    assert a.noise.spread_db > STEADY_SPREAD_DB  # … but it moves like music
    advice = suggest(a, make_context(role_name="mix"))
    assert not [s for s in advice.suggestions if s.move.kind in ("noise_reduction", "gate")]
    why = next(k.why for k in advice.leave_alone if k.aspect == "noise")
    assert "music, not noise" in why and f"{a.noise.spread_db:.1f} dB" in why


def test_the_same_passage_made_of_noise_is_reduced(rng):
    a = analyze(_mix(rng, _pink(rng, 6 * RATE)), RATE)
    assert a.noise.spread_db < 1.5
    moves = [s for s in suggest(a, make_context(role_name="mix")).suggestions if s.move.kind == "noise_reduction"]
    assert len(moves) == 1
    assert abs(a.noise.floor_dbfs - -32.0) < 1.0


def test_a_dc_offset_does_not_lift_the_noise_floor(rng):
    """Phrases with hiss at -60 dBFS in the pauses, and a DC offset of -34 dBFS over everything:
    the floor is the hiss (the offset has its own move), not -34 dBFS."""
    phrase, pause = int(2.0 * RATE), int(1.0 * RATE)
    x = np.concatenate([np.concatenate([np.zeros(pause), _chords(rng, phrase / RATE, 0.25) * 0.1]) for _ in range(6)])
    x = x + 10 ** (-60 / 20) * rng.standard_normal(x.size) + 10 ** (-34 / 20)
    a = analyze(x[None, :].astype(np.float32), RATE)
    assert a.noise.has_pauses
    assert abs(a.noise.floor_dbfs - -60.0) < 1.5, a.noise.floor_dbfs
    assert a.noise.shape == "hiss"
