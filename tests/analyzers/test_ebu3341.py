"""EBU Tech 3341 (2016) minimum-requirement cases, synthesised (no test files needed).

Expected values and tolerances: ``/work/shared/reference/loudness.md`` §5.1. "dBFS" in the
EBU cases is the peak level of the 1 kHz sine in each channel, so a stereo sine at
−23 dBFS reads −23.0 LUFS. Cases 7 and 8 need the EBU's programme files and are not here.

Cases 10, 11, 13 and 14 come as 20 files each in the EBU set; each file places its burst
at a different offset from the start, so that the burst falls differently on a meter's
update grid. The offsets used here (0.15 s steps for the 3 s bursts, 0.02 s steps for the
0.4 s bursts) follow public test suites that rebuild these cases; what matters is that
some bursts do not start on a 100 ms boundary.
"""

from __future__ import annotations

import numpy as np
import pytest

from analyzers import analyze

LOUDNESS_TOL_LU = 0.1
TP_TOL_ABOVE_DB, TP_TOL_BELOW_DB = 0.2, 0.4


def tone_steps(steps, sample_rate_hz: float, *, channels: int = 2, freq_hz: float = 1000.0) -> np.ndarray:
    """One continuous 1 kHz sine whose peak level steps through ``steps``.

    ``steps`` is a sequence of ``(level_dbfs or None, seconds)``; None is digital silence.
    Step edges fall on ``round(cumulative seconds × rate)``. Shaped (channels, samples), float32.
    """
    edges = np.round(np.cumsum([0.0] + [d for _, d in steps]) * sample_rate_hz).astype(int)
    gain = np.zeros(edges[-1])
    for (level, _), a, b in zip(steps, edges[:-1], edges[1:]):
        gain[a:b] = 0.0 if level is None else 10.0 ** (level / 20.0)
    t = np.arange(edges[-1]) / sample_rate_hz
    one = (gain * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return np.tile(one, (channels, 1))


def _within(series, lo: float, hi: float) -> list[float]:
    """Values of ``series`` outside [lo, hi] (None counts as outside)."""
    return [v for v in series if v is None or not (lo <= v <= hi)]


# --- cases 1–5: integrated, and M/S for 1–2 ------------------------------------------------

INTEGRATED_CASES = {
    "3341-1": ([(-23.0, 20.0)], -23.0),
    "3341-2": ([(-33.0, 20.0)], -33.0),
    "3341-3": ([(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)], -23.0),
    "3341-4": ([(-72.0, 10.0), (-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0), (-72.0, 10.0)], -23.0),
    "3341-5": ([(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)], -23.0),
}
# 44.1 kHz (4410 samples per 100 ms): the steady tones, both gates (case 4), the 20.1 s step
RATE_CASES = [(c, 48000) for c in INTEGRATED_CASES] + [(c, 44100) for c in ("3341-1", "3341-2", "3341-4", "3341-5")]


@pytest.mark.parametrize("case,sample_rate_hz", RATE_CASES, ids=[f"{c}-{r}Hz" for c, r in RATE_CASES])
def test_integrated_loudness(case, sample_rate_hz):
    steps, expected = INTEGRATED_CASES[case]
    a = analyze(tone_steps(steps, sample_rate_hz), sample_rate_hz)
    assert a.loudness.integrated_lufs == pytest.approx(expected, abs=LOUDNESS_TOL_LU)
    if case in ("3341-1", "3341-2"):
        lo, hi = expected - LOUDNESS_TOL_LU, expected + LOUDNESS_TOL_LU
        assert a.loudness.momentary_max_lufs == pytest.approx(expected, abs=LOUDNESS_TOL_LU)
        assert a.loudness.short_term_max_lufs == pytest.approx(expected, abs=LOUDNESS_TOL_LU)
        # M and S read the level at every step, not only at their maximum
        assert _within(a.loudness.momentary_lufs, lo, hi) == []
        assert _within(a.loudness.short_term_lufs, lo, hi) == []


SERIES_LENGTHS = [(20.0, 48000), (20.0, 44100), (15.0, 48000), (3.0, 48000), (0.4, 48000)]


@pytest.mark.parametrize("duration_s,sample_rate_hz", SERIES_LENGTHS)
def test_momentary_and_short_term_series_cover_the_whole_file(duration_s, sample_rate_hz):
    # with a 100 ms step, a file of d seconds has d/0.1 − 3 momentary (400 ms) windows and
    # d/0.1 − 29 short-term (3 s) windows; the last of each ends with the file
    a = analyze(tone_steps([(-23.0, duration_s)], sample_rate_hz), sample_rate_hz)
    segments = round(duration_s / 0.1)
    assert len(a.loudness.momentary_lufs) == segments - 3
    assert len(a.loudness.short_term_lufs) == max(0, segments - 29)
    assert a.loudness.integrated_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOL_LU)


# --- case 6: 5.0 and 5.1 -----------------------------------------------------------------

CASE6_LEVELS = {"L": -28.0, "R": -28.0, "C": -24.0, "Ls": -30.0, "Rs": -30.0}


def _multichannel(order: tuple[str, ...], sample_rate_hz: int, lfe_dbfs: float | None) -> np.ndarray:
    rows = []
    for name in order:
        level = lfe_dbfs if name == "LFE" else CASE6_LEVELS[name]
        rows.append(tone_steps([(level, 20.0)], sample_rate_hz, channels=1)[0])
    return np.stack(rows)


@pytest.mark.parametrize("sample_rate_hz", [48000, 44100])
def test_case6_five_channels(sample_rate_hz):
    x = _multichannel(("L", "R", "C", "Ls", "Rs"), sample_rate_hz, None)
    a = analyze(x, sample_rate_hz)
    assert a.loudness.channel_weights == (1.0, 1.0, 1.0, 1.41, 1.41)
    assert a.loudness.integrated_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOL_LU)


@pytest.mark.parametrize("lfe_dbfs", [None, -6.0], ids=["silent LFE (EBU file)", "LFE at -6 dBFS"])
def test_case6_six_channel_wave_order_ignores_lfe(lfe_dbfs):
    # WAVE_FORMAT_EXTENSIBLE 5.1 order: L R C LFE Ls Rs. A 1 kHz tone at −6 dBFS in the LFE
    # would lift the reading to about −6 LUFS if it were weighted like a front channel.
    x = _multichannel(("L", "R", "C", "LFE", "Ls", "Rs"), 48000, lfe_dbfs)
    a = analyze(x, 48000)
    assert a.loudness.channel_weights == (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
    assert a.loudness.integrated_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOL_LU)


# --- case 9: short-term constant after 3 s -------------------------------------------------


@pytest.mark.parametrize("sample_rate_hz", [48000, 44100])
def test_case9_short_term_constant_after_3s(sample_rate_hz):
    x = tone_steps([(-20.0, 1.34), (-30.0, 1.66)] * 5, sample_rate_hz)
    s = analyze(x, sample_rate_hz).loudness
    # element i of the short-term series ends at (i + 30) × 0.1 s: all of it is after 3 s
    assert s.short_term_max_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOL_LU)
    assert _within(s.short_term_lufs, -23.0 - LOUDNESS_TOL_LU, -23.0 + LOUDNESS_TOL_LU) == []
    # the signal repeats every 3 s, so an exact 3 s window reads a constant
    spread = max(s.short_term_lufs) - min(s.short_term_lufs)
    assert spread <= 0.05, f"short-term spread {spread:.3f} LU"


# --- cases 10 and 11: maximum short-term of 3 s bursts ------------------------------------


def _burst(level_dbfs: float, burst_s: float, before_s: float, after_s: float, sample_rate_hz: int) -> np.ndarray:
    return tone_steps([(None, before_s), (level_dbfs, burst_s), (None, after_s)], sample_rate_hz)


@pytest.mark.parametrize("file_no", [1, 2, 7, 14, 20])
def test_case10_max_short_term_of_shifted_burst(file_no):
    x = _burst(-23.0, 3.0, 0.15 * file_no, 1.0, 48000)
    s = analyze(x, 48000).loudness
    assert s.short_term_max_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOL_LU)


CASE11 = [(i, -38.0 + i) for i in (0, 3, 8, 13, 19)]


@pytest.mark.parametrize("i,level", CASE11, ids=[f"{lv:.0f}dBFS" for _, lv in CASE11])
def test_case11_max_short_term_steps(i, level):
    x = _burst(level, 3.0, 0.5 + 0.15 * i, 1.0, 48000)
    s = analyze(x, 48000).loudness
    assert s.short_term_max_lufs == pytest.approx(level, abs=LOUDNESS_TOL_LU)


# --- case 12: momentary constant after 1 s -------------------------------------------------


@pytest.mark.parametrize("sample_rate_hz", [48000, 44100])
def test_case12_momentary_constant_after_1s(sample_rate_hz):
    x = tone_steps([(-20.0, 0.18), (-30.0, 0.22)] * 25, sample_rate_hz)
    m = analyze(x, sample_rate_hz).loudness
    # element i of the momentary series ends at (i + 4) × 0.1 s: from 1 s on is i ≥ 6
    after_1s = m.momentary_lufs[6:]
    assert m.momentary_max_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOL_LU)
    assert _within(after_1s, -23.0 - LOUDNESS_TOL_LU, -23.0 + LOUDNESS_TOL_LU) == []


# --- cases 13 and 14: maximum momentary of 0.4 s bursts ------------------------------------


@pytest.mark.parametrize("file_no", [1, 2, 5, 10, 20])
def test_case13_max_momentary_of_shifted_burst(file_no):
    before = 0.02 * file_no
    x = _burst(-23.0, 0.4, before, 1.0, 48000)
    m = analyze(x, 48000).loudness
    assert m.momentary_max_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOL_LU), (
        f"burst from {before:.2f} s to {before + 0.4:.2f} s"
    )


CASE14 = [(i, -38.0 + i) for i in (0, 5, 9, 13, 19)]


@pytest.mark.parametrize("i,level", CASE14, ids=[f"{lv:.0f}dBFS" for _, lv in CASE14])
def test_case14_max_momentary_steps(i, level):
    before = 0.5 + 0.02 * i
    x = _burst(level, 0.4, before, 1.0, 48000)
    m = analyze(x, 48000).loudness
    assert m.momentary_max_lufs == pytest.approx(level, abs=LOUDNESS_TOL_LU), (
        f"burst from {before:.2f} s to {before + 0.4:.2f} s"
    )


# --- cases 15–19: true peak ----------------------------------------------------------------

# (case, frequency as a fraction of fs, phase in degrees, sine amplitude, expected dBTP)
TRUE_PEAK_CASES = [
    ("3341-15", 1 / 4, 0.0, 10 ** (-6 / 20), -6.0),
    ("3341-16", 1 / 4, 45.0, 10 ** (-6 / 20), -6.0),
    ("3341-17", 1 / 6, 60.0, 10 ** (-6 / 20), -6.0),
    ("3341-18", 1 / 8, 67.5, 10 ** (-6 / 20), -6.0),
    ("3341-19", 1 / 4, 45.0, 1.41, 3.0),
]
TP_PARAMS = [(c, r) for c in TRUE_PEAK_CASES for r in (48000, 44100)]


@pytest.mark.parametrize("case,sample_rate_hz", TP_PARAMS, ids=[f"{c[0]}-{r}Hz" for c, r in TP_PARAMS])
def test_true_peak(case, sample_rate_hz):
    _, fraction, phase_deg, amplitude, expected = case
    n = sample_rate_hz // 2
    t = np.arange(n)
    # 20 ms raised-cosine fades: a tone that starts or stops abruptly overshoots between
    # samples by itself (an ideal reconstruction of a hard-started fs/8 tone peaks 0.7 dB
    # above it), which is the tone's real true peak but not what these cases test
    ramp = np.minimum(1.0, np.minimum(t, n - 1 - t) / (0.02 * sample_rate_hz))
    fade = 0.5 - 0.5 * np.cos(np.pi * ramp)
    one = fade * amplitude * np.sin(2 * np.pi * fraction * t + np.deg2rad(phase_deg))
    x = np.tile(one.astype(np.float32), (2, 1))
    lv = analyze(x, sample_rate_hz).levels
    lo, hi = expected - TP_TOL_BELOW_DB, expected + TP_TOL_ABOVE_DB
    assert lo <= lv.true_peak_dbtp <= hi, f"{lv.true_peak_dbtp} dBTP, expected {expected} (+0.2/−0.4)"
    assert all(lo <= v <= hi for v in lv.true_peak_per_channel_dbtp)
    # the samples alone would not show it: the sample peak is what the sine hits on the grid
    on_grid = amplitude * np.max(np.abs(np.sin(2 * np.pi * fraction * np.arange(48) + np.deg2rad(phase_deg))))
    assert lv.sample_peak_dbfs == pytest.approx(20 * np.log10(on_grid), abs=0.01)
