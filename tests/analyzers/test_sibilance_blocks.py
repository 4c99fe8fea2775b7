"""The sibilance measurement reads its frames a block at a time (memory that does not grow
with the file): the same figures as measuring one float64 array of every frame's powers,
the way it was done before, and each block-wise reduction equal to numpy's on that array."""

from __future__ import annotations

import numpy as np
import pytest

from analyzers.sibilance import FineFrames, SibilanceMeter, measure_sibilance
from voices import RATE, speak, with_esses

TEXT = "Some say the sea is silent, yet she sings softly in the shallows, so listen."


@pytest.mark.parametrize("centre_hz", [6000.0, 8500.0])
def test_block_measurement_equals_the_whole_array(centre_hz):
    voice = speak(TEXT)
    x, _ = with_esses(np.tile(voice, (1, 3)), np.random.default_rng(4), centre_hz=centre_hz, level_db=-2.0, count=9)
    m = SibilanceMeter(RATE, x.shape[0])
    for a in range(0, x.shape[1], 1 << 15):  # the meter's chunks: several, as a file's
        m.process(x[:, a : a + (1 << 15)])
    assert len(m._fine) > 3
    total = np.concatenate(m._totals).astype(np.float64)
    wide = np.concatenate(m._wides).astype(np.float64)
    whole = 10 ** (np.concatenate(m._fine).astype(np.float64) / 10)  # every frame, float64, at once
    ref = measure_sibilance(total, whole, frame_step_s=m.frame_step_s, sample_rate_hz=RATE, wide=wide)
    got = m.finish()
    assert got.bursts >= 5 and got.burst_centre_dbfs is not None and got.peak_db is not None  # everything measured
    assert got == ref
    fine = FineFrames(m._fine)
    keep = np.random.default_rng(1).random(total.size) < 0.2
    assert np.allclose(fine.mean_power(keep), whole[keep].mean(axis=0), rtol=1e-12, atol=0)
    for a, b in [(0, 7), (500, 1300), (total.size - 40, total.size)]:  # across the chunks' edges too
        assert np.array_equal(fine.rows(a, b), whole[a:b])
    assert np.array_equal(fine.per_frame(lambda p: p[:, 3:9].sum(axis=1)), whole[:, 3:9].sum(axis=1))
    rows = np.random.default_rng(0).random(total.size) < 0.6
    for n in (int(rows.sum()), int(rows.sum()) - 1):  # even and odd counts of frames
        r = rows.copy()
        r[np.flatnonzero(r)[n:]] = False
        median = np.median(10 * np.log10(whole[r] + 1e-15), axis=0)
        assert np.allclose(fine.median_db(r, 1e-15), median, rtol=0, atol=1e-9)  # log10 of 2 values vs many: ulps
