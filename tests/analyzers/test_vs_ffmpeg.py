"""Cross-check against ffmpeg's ``ebur128`` filter, an independent BS.1770 / R128 meter.

Each case generates a signal (seeded), writes it as a 32-bit float WAV, measures it with
``ffmpeg … -filter_complex ebur128=peak=true`` and with :func:`analyzers.analyze`, and
compares the integrated loudness (±0.1 LU), the loudness range (±0.5 LU, where ffmpeg
reports one) and the true peak (±0.5 dB).

Two things limit how close the figures can be:

* ffmpeg prints its summary to one decimal, so its figures carry up to ±0.05 of rounding;
* ffmpeg's "true peak" is the sample peak after libswresample has resampled the audio to
  192 kHz (not the BS.1770-4 Annex 2 4× FIR that we use): about 4.35× at 44.1 kHz, only
  2× at 96 kHz and no oversampling at all at 192 kHz, where it is the plain sample peak.
  So the true-peak check is a looser one than the loudness checks.

ffmpeg's K-weighting is designed for the sample rate from the same analogue prototype
constants as ours (see :mod:`analyzers.kweighting`), and it weights the channels from the
file's channel layout: 0 for LFE, 1.41 for back and side channels, 1.0 otherwise.

``test_last_100ms_segment_is_measured`` pins a disagreement on files that end exactly on
a 100 ms boundary (ffmpeg measures the last segment; at the time of writing we did not).
"""

from __future__ import annotations

import math
import re
import subprocess
import time

import numpy as np
import pytest
from pedalboard.io import AudioFile

import analyzers
from analyzers.loudness_meter import integrated_lufs
from signals import require_executable, sine

pytestmark = pytest.mark.ffmpeg

RATES_HZ = (44100, 48000, 88200, 96000, 192000)

INTEGRATED_TOL_LU = 0.1
LRA_TOL_LU = 0.5
TRUE_PEAK_TOL_DB = 0.5  # ffmpeg resamples to 192 kHz for its true peak: a looser check


# --------------------------------------------------------------------------- signals


def _db(level_db: float) -> float:
    return 10.0 ** (level_db / 20.0)


def _pink(rng: np.random.Generator, channels: int, n: int, rate: int) -> np.ndarray:
    """Independent pink-ish noise per channel (1/f power from 20 Hz up), unit RMS, float64."""
    spec = np.fft.rfft(rng.standard_normal((channels, n)), axis=1)
    f = np.fft.rfftfreq(n, 1.0 / rate)
    shape = np.where(f >= 20.0, 1.0 / np.sqrt(np.maximum(f, 20.0)), 0.0)
    x = np.fft.irfft(spec * shape, n, axis=1)
    return x / np.sqrt(np.mean(x * x, axis=1, keepdims=True))


def white_noise(rate: int, rng: np.random.Generator) -> np.ndarray:
    """12 s of independent stereo white noise at −20 dBFS RMS."""
    n = 12 * rate
    return (_db(-20.0) * rng.standard_normal((2, n))).astype(np.float32)


#: Section levels (dB RMS) of the pink noise, 5 s each. The quietest level twice and the
#: loudest for 5 s: the 10th and 95th percentiles of the short-term loudness fall on
#: plateaus, not on the 3 s ramps between sections, where a nearest-rank percentile
#: (ffmpeg) and an interpolated one (ours) could differ by more than the noise.
PINK_SECTIONS_DB = (-32.0, -22.0, -32.0, -18.0)
PINK_SECTION_S = 5


def pink_sections(rate: int, rng: np.random.Generator) -> np.ndarray:
    """20 s of stereo pink-ish noise in 5 s sections at different levels (LRA ≈ 14 LU)."""
    seg = PINK_SECTION_S * rate
    gain = np.repeat([_db(v) for v in PINK_SECTIONS_DB], seg)
    return (_pink(rng, 2, gain.size, rate) * gain).astype(np.float32)


def tone_1k(rate: int, rng: np.random.Generator) -> np.ndarray:
    """12 s stereo 1 kHz sine at −23 dBFS peak (EBU Tech 3341 case 1: −23.0 LUFS)."""
    return sine(1000.0, -23.0, 12.0, rate, channels=2)


MULTI_TONE_HZ = (50.0, 200.0, 1000.0, 3150.0, 8000.0, 15000.0)


def multi_tone(rate: int, rng: np.random.Generator) -> np.ndarray:
    """12 s of six tones (50 Hz … 15 kHz) at −26 dBFS each, random phase per channel."""
    t = np.arange(12 * rate) / rate
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(2, len(MULTI_TONE_HZ)))
    x = np.zeros((2, t.size))
    for c in range(2):
        for f, ph in zip(MULTI_TONE_HZ, phases[c]):
            x[c] += _db(-26.0) * np.sin(2.0 * np.pi * f * t + ph)
    return x.astype(np.float32)


SIGNALS = {
    "white": white_noise,
    "pink_sections": pink_sections,
    "tone_1k": tone_1k,
    "multi_tone": multi_tone,
}

#: 5.1 in WAVE order L R C LFE Ls Rs, dB RMS per channel. The LFE is the loudest channel:
#: weighted 1 instead of 0 it would raise the integrated loudness by 3.2 LU, and the
#: surrounds weighted 1.0 instead of 1.41 would lower it by 0.4 LU; both far outside ±0.1.
SURROUND_LEVELS_DB = (-26.0, -26.0, -23.0, -18.0, -28.0, -28.0)


def surround_51(rate: int, rng: np.random.Generator) -> np.ndarray:
    """12 s of independent pink-ish noise per channel of a 5.1 layout."""
    x = _pink(rng, 6, 12 * rate, rate)
    return (x * np.array([_db(v) for v in SURROUND_LEVELS_DB])[:, None]).astype(np.float32)


# --------------------------------------------------------------------------- ffmpeg

_SUMMARY_PATTERNS = {
    "integrated_lufs": r"Integrated loudness:\s*I:\s*(\S+)\s+LUFS",
    "lra_lu": r"Loudness range:\s*LRA:\s*(\S+)\s+LU\b",
    "true_peak_dbtp": r"True peak:\s*Peak:\s*(\S+)\s+dBFS",
}
_INPUT_STREAM = re.compile(r"Stream #0:0[^:]*: Audio: (\w+)[^\n]*?, (\d+) Hz, ([^,\n]+),")


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def write_wav_with_layout(path, x: np.ndarray, rate: int) -> None:
    """32-bit float WAV through pedalboard, which writes WAVE_FORMAT_IEEE_FLOAT for stereo
    and WAVE_FORMAT_EXTENSIBLE with the 5.1 mask 0x3F for six channels.

    Not ``signals.write_float_wav``: its plain format-tag-3 header has no channel mask, so
    ffmpeg reads six channels as "6 channels" with no layout and weights them all 1.0
    (LFE included). :func:`run_ebur128` checks the codec, rate and layout ffmpeg reads.
    """
    with AudioFile(str(path), "w", rate, x.shape[0], bit_depth=32) as f:
        f.write(x)


def run_ebur128(ffmpeg: str, path, rate: int, layout: str) -> dict[str, float]:
    """ffmpeg's summary figures for ``path``; fails with the stderr tail if unreadable."""
    cmd = [
        ffmpeg, "-nostats", "-hide_banner", "-i", str(path),
        "-filter_complex", "ebur128=peak=true:framelog=verbose", "-f", "null", "-",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    err = proc.stderr
    if proc.returncode != 0:
        pytest.fail(f"ffmpeg exited with {proc.returncode}:\n{_tail(err)}")
    # the file must reach ffmpeg as float at our rate and layout, or the comparison is moot
    stream = _INPUT_STREAM.search(err)
    if stream is None:
        pytest.fail(f"no input stream line in ffmpeg's output:\n{_tail(err)}")
    codec, hz, got_layout = stream.group(1), int(stream.group(2)), stream.group(3).strip()
    assert (codec, hz, got_layout) == ("pcm_f32le", rate, layout), (
        f"ffmpeg reads the WAV as {codec}, {hz} Hz, {got_layout!r}; "
        f"expected pcm_f32le, {rate} Hz, {layout!r}"
    )
    # the last summary: ffmpeg 5.1 can print an empty one first (-70 LUFS) from a graph
    # instance it configures and drops before the run
    at = err.rfind("Summary:")
    if at < 0:
        pytest.fail(f"no 'Summary:' in ffmpeg's output:\n{_tail(err)}")
    summary = err[at:]
    out = {}
    for key, pattern in _SUMMARY_PATTERNS.items():
        m = re.search(pattern, summary)
        try:
            out[key] = float(m.group(1)) if m else None
        except ValueError:
            out[key] = None
        if out[key] is None:
            pytest.fail(f"cannot read {key} from ffmpeg's summary:\n{_tail(err)}")
    return out


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return require_executable("ffmpeg")


def _fmt(v: float | None, digits: int = 2) -> str:
    return "None" if v is None else f"{v:+.{digits}f}"


def check_against_ffmpeg(ffmpeg: str, x: np.ndarray, rate: int, layout: str, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}_{rate}.wav"
    write_wav_with_layout(path, x, rate)
    t0 = time.perf_counter()
    ff = run_ebur128(ffmpeg, path, rate, layout)
    t1 = time.perf_counter()
    ours = analyzers.analyze(x, rate)
    t2 = time.perf_counter()
    mine = {
        "integrated_lufs": ours.loudness.integrated_lufs,
        "lra_lu": ours.loudness.lra_lu,
        "true_peak_dbtp": ours.levels.true_peak_dbtp,
    }
    figures = (
        f"{name} @ {rate} Hz: I ours {_fmt(mine['integrated_lufs'])} / ffmpeg {_fmt(ff['integrated_lufs'], 1)} LUFS; "
        f"LRA ours {_fmt(mine['lra_lu'])} / ffmpeg {_fmt(ff['lra_lu'], 1)} LU; "
        f"TP ours {_fmt(mine['true_peak_dbtp'])} / ffmpeg {_fmt(ff['true_peak_dbtp'], 1)} dB "
        f"(ffmpeg {t1 - t0:.2f} s, ours {t2 - t1:.2f} s)"
    )
    print(figures)

    assert mine["integrated_lufs"] is not None, figures
    assert math.isfinite(ff["integrated_lufs"]), figures
    assert abs(mine["integrated_lufs"] - ff["integrated_lufs"]) <= INTEGRATED_TOL_LU, f"integrated: {figures}"
    quick = integrated_lufs(x, rate)  # the A/B's and the loudness move's meter: the same figure
    assert quick is not None and abs(quick - ff["integrated_lufs"]) <= INTEGRATED_TOL_LU, f"quick {quick}: {figures}"
    if ff["lra_lu"] != 0.0:
        assert mine["lra_lu"] is not None, f"LRA: {figures}"
        assert abs(mine["lra_lu"] - ff["lra_lu"]) <= LRA_TOL_LU, f"LRA: {figures}"
    assert mine["true_peak_dbtp"] is not None and math.isfinite(ff["true_peak_dbtp"]), figures
    assert abs(mine["true_peak_dbtp"] - ff["true_peak_dbtp"]) <= TRUE_PEAK_TOL_DB, f"true peak: {figures}"


@pytest.mark.parametrize("rate", RATES_HZ)
@pytest.mark.parametrize("signal", list(SIGNALS))
def test_stereo_matches_ffmpeg_ebur128(ffmpeg, tmp_path, rng, signal, rate):
    x = SIGNALS[signal](rate, rng)
    check_against_ffmpeg(ffmpeg, x, rate, "stereo", tmp_path, signal)


def test_pink_sections_have_a_real_loudness_range(ffmpeg, tmp_path, rng):
    """Guard on the test signal itself: the LRA comparison must not be vacuous."""
    x = pink_sections(48000, rng)
    path = tmp_path / "pink_sections_48000.wav"
    write_wav_with_layout(path, x, 48000)
    assert run_ebur128(ffmpeg, path, 48000, "stereo")["lra_lu"] >= 10.0


def test_surround_51_matches_ffmpeg_ebur128(ffmpeg, tmp_path, rng):
    """5.1 in WAVE order: ffmpeg skips the LFE and weights the back pair by 1.41, like us."""
    x = surround_51(48000, rng)
    assert analyzers.analyze(x[:, :48000], 48000).loudness.channel_weights == (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
    check_against_ffmpeg(ffmpeg, x, 48000, "5.1", tmp_path, "surround_51")


@pytest.mark.parametrize("rate", RATES_HZ)
def test_last_100ms_segment_is_measured(ffmpeg, tmp_path, rate):
    """A file that ends exactly on a 100 ms boundary: its last segment is complete.

    9.6 s of digital silence, then a 400 ms stereo 1 kHz burst at −23 dBFS (10.0 s in
    all). Four 400 ms blocks hold some of the burst: a quarter, a half, three quarters and
    (the last block, 9.6–10.0 s) all of it, i.e. −29.0, −26.0, −24.2 and −23.0 LUFS. All
    pass both gates, so the integrated loudness is −23 + 10·log10(2.5 / 4) = −25.04 LUFS;
    ffmpeg reads −25.0. Without the final segment the last block is missing and the
    three others give −23 + 10·log10(1.5 / 3) = −26.03 LUFS.

    Only the integrated loudness is compared: with only four short-term values above
    its gate ffmpeg 5.1 reports LRA 22 LU, its "LRA low" being its gate threshold
    (−53.8 LUFS), so its LRA is no reference for so short a burst.
    """
    silence = np.zeros((2, int(round(9.6 * rate))), dtype=np.float32)
    x = np.concatenate([silence, sine(1000.0, -23.0, 0.4, rate, channels=2)], axis=1)
    assert x.shape[1] == 10 * rate
    path = tmp_path / f"burst_at_end_{rate}.wav"
    write_wav_with_layout(path, x, rate)
    ff = run_ebur128(ffmpeg, path, rate, "stereo")
    ours = analyzers.analyze(x, rate).loudness.integrated_lufs
    print(f"burst_at_end @ {rate} Hz: I ours {_fmt(ours)} / ffmpeg {_fmt(ff['integrated_lufs'], 1)} LUFS")
    assert ours is not None
    assert abs(ours - ff["integrated_lufs"]) <= INTEGRATED_TOL_LU, (
        f"integrated {ours} LUFS, ffmpeg {ff['integrated_lufs']} LUFS: the last 100 ms segment "
        "of a file that ends on a segment boundary is left out"
    )
