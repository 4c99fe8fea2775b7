"""The limiter block by block (:class:`bridge.limiter.LimiterStream`) against the limiter on
the whole signal (:func:`bridge.limiter.limit_true_peak`): the same samples to float32
rounding of the gain, whatever the block sizes, and the ceiling held (measured with the
BS.1770 meter, :class:`analyzers.truepeak.TruePeakMeter`)."""

from __future__ import annotations

import numpy as np
import pytest

from analyzers.truepeak import TruePeakMeter
from bridge.limiter import LimiterStream, limit_true_peak, release
from signals import drum_loop, pink_noise

RATE = 48000


def _meter_dbtp(x: np.ndarray) -> float:
    m = TruePeakMeter(x.shape[0])
    m.process(np.asarray(x, dtype=np.float64))
    return float(20 * np.log10(m.finish().max()))


def _streamed(x: np.ndarray, sizes, **kw) -> np.ndarray:
    s = LimiterStream(RATE, x.shape[0], **kw)
    out, i, k = [], 0, 0
    while i < x.shape[1]:
        n = sizes[k % len(sizes)]
        out.append(s.process(x[:, i : i + n]))
        i, k = i + n, k + 1
    out.append(s.flush())
    return np.concatenate(out, axis=1)


def _material(seconds: float) -> np.ndarray:
    """Drums over pink noise, with a loud stretch, a silent one and an odd length."""
    rng = np.random.default_rng(8)
    x = drum_loop(rng, seconds, RATE) + 0.3 * pink_noise(rng, seconds, RATE)
    x = x.astype(np.float32)
    n = x.shape[1]
    x[:, n // 3 : n // 3 + RATE] *= 3.0  # a stretch the limiter works hard on
    x[:, n // 2 : n // 2 + RATE // 2] = 0.0  # silence: the release recovers through it
    return x[:, : n - 17]


@pytest.mark.parametrize("sizes", [[65536], [4096, 1000, 77777, 31], [LimiterStream.STREAM_FRAMES * 3 + 5]])
@pytest.mark.parametrize(("drive_db", "release_ms"), [(9.0, 100.0), (3.0, 400.0)])
def test_stream_equals_whole(sizes, drive_db, release_ms):
    x = _material(20.0)
    kw = dict(ceiling_dbtp=-1.3, gain_db=drive_db, release_ms=release_ms)
    whole = limit_true_peak(x, RATE, **kw)
    streamed = _streamed(x, sizes, **kw)
    assert streamed.shape == whole.shape
    # the limiter does work here: gain reductions of several dB in many blocks
    driven = np.abs(x * np.float32(10 ** (drive_db / 20))).max(axis=0)
    loud = driven > 0.5
    reduction_db = 20 * np.log10(driven[loud] / np.abs(whole).max(axis=0)[loud])
    assert np.percentile(reduction_db, 90) > 2.0
    diff = np.abs(streamed - whole)
    assert float(diff.max()) <= 4 * np.finfo(np.float32).eps * float(np.abs(whole).max()), float(diff.max())
    assert _meter_dbtp(streamed) <= -1.3 + 1e-4


def test_stream_without_any_limiting_is_the_driven_input():
    x = (0.1 * _material(6.0)).astype(np.float32)
    out = _streamed(x, [10000], ceiling_dbtp=-1.0, gain_db=2.0)
    assert np.array_equal(out, x * np.float32(10 ** (2.0 / 20)))


def test_release_from_a_state_equals_the_recursion():
    """The state carried between stretches: the release started from ``initial`` equals the
    loop ``g[i] = min(t[i], a·g[i−1] + (1−a)·t[i])`` from g[−1] = initial."""
    rng = np.random.default_rng(3)
    t = np.minimum(1.0, rng.uniform(0.2, 1.6, 5000))
    t[:1000] = 1.0
    a = 0.97
    g, ref = 0.35, []
    for v in t:
        g = min(v, a * g + (1 - a) * v)
        ref.append(g)
    assert np.allclose(release(t, a, initial=0.35), ref, rtol=0, atol=1e-12)
    whole = release(t, a)
    assert np.allclose(np.concatenate([release(t[:2500], a), release(t[2500:], a, initial=whole[2499])]), whole,
                       rtol=0, atol=1e-12)  # fmt: skip
