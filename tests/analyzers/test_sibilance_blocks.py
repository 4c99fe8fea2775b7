"""The sibilance measurement reads its frames a block at a time (memory that does not grow
with the file): the same figures as measuring the whole float64 array at once, the way it
was done before (kept here as the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from analyzers.sibilance import (ACTIVE_RANGE_DB, BAND_HZ, BURST_OVER_MEDIAN_DB, CENTRES_HZ, FineFrames, SibilanceMeter,
                                  _dilate, _runs, measure_sibilance)

from voices import RATE, speak, with_esses

TEXT = "Some say the sea is silent, yet she sings softly in the shallows, so listen."


def _reference(total: np.ndarray, fine_db16: np.ndarray, meter: SibilanceMeter) -> dict:
    """The figures from the whole arrays: float64 powers of every frame, numpy's median and
    mean over axis 0 (what ``SibilanceMeter.finish`` computed before it read in blocks)."""
    fine = 10 ** (fine_db16.astype(np.float64) / 10)
    tiny = 1e-15
    res = measure_sibilance(total, fine, frame_step_s=meter.frame_step_s, sample_rate_hz=RATE)
    # the parts measure_sibilance now takes block by block, recomputed whole
    in_band = (CENTRES_HZ >= BAND_HZ[0]) & (CENTRES_HZ <= BAND_HZ[1])
    total_db = 10 * np.log10(total + tiny)
    band_db = 10 * np.log10(fine[:, in_band].sum(axis=1) + tiny)
    rest_db = 10 * np.log10(np.maximum(total - fine[:, in_band].sum(axis=1), 0.0) + tiny)
    active = total_db > max(-70.0, float(np.percentile(total_db, 95)) - ACTIVE_RANGE_DB)
    burst = active & (band_db > rest_db) & (band_db > float(np.median(band_db[active])) + BURST_OVER_MEDIAN_DB)
    keep = np.zeros_like(burst)
    for a, b in _runs(burst, bridge=2, shortest=2):
        keep[a:b] = True
    others = active & ~_dilate(keep, 5)
    return {
        "result": res,
        "burst_spec": 10 * np.log10(fine[keep].mean(axis=0) + tiny),
        "steady_spec": np.median(10 * np.log10(fine[others] + tiny), axis=0),
    }


@pytest.mark.parametrize("centre_hz", [6000.0, 8500.0])
def test_block_measurement_equals_the_whole_array(centre_hz):
    voice = speak(TEXT)
    x, _ = with_esses(np.tile(voice, (1, 3)), np.random.default_rng(4), centre_hz=centre_hz, level_db=-2.0, count=9)
    m = SibilanceMeter(RATE, x.shape[0])
    for a in range(0, x.shape[1], 1 << 15):  # the meter's chunks: several, as a file's
        m.process(x[:, a : a + (1 << 15)])
    assert len(m._fine) > 3
    total = np.concatenate(m._totals).astype(np.float64)
    ref = _reference(total, np.concatenate(m._fine), m)
    got = m.finish()
    assert got.bursts >= 5 and got.burst_centre_dbfs is not None  # a measurement with everything in it
    assert got == ref["result"]
    # the spectra behind burst_spectrum_db and the bumps, before rounding
    fine = FineFrames(m._fine)
    whole = 10 ** (np.concatenate(m._fine).astype(np.float64) / 10)
    keep = np.random.default_rng(1).random(total.size) < 0.2
    assert np.allclose(fine.mean_power(keep), whole[keep].mean(axis=0), rtol=1e-12, atol=0)
    rows = np.random.default_rng(0).random(total.size) < 0.6
    for n in (int(rows.sum()), int(rows.sum()) - 1):  # even and odd counts of frames
        r = rows.copy()
        r[np.flatnonzero(r)[n:]] = False
        whole = np.median(10 * np.log10(10 ** (np.concatenate(m._fine)[r].astype(np.float64) / 10) + 1e-15), axis=0)
        assert np.allclose(fine.median_db(r, 1e-15), whole, rtol=0, atol=1e-9)  # log10 of 2 values vs many: ulps
    assert np.array_equal(ref["burst_spec"].round(2), np.array(got.burst_spectrum_db))
