"""1/3-octave spectrum, stereo relation, technical hygiene and sections, on synthetic signals."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from analyzers import Analyzer, analyze
from analyzers.levels import OVER_FULL_SCALE, LevelMeter
from analyzers.spectrum import NOMINAL_CENTRES_HZ
from signals import pink_noise, sine

RATE = 48000
BAND_1K = NOMINAL_CENTRES_HZ.index(1000.0)


def shaped_noise(rng: np.random.Generator, num_samples: int, *, power_slope: float, channels: int = 2,
                 rms_dbfs: float = -20.0) -> np.ndarray:
    """Gaussian noise whose power goes as f^−power_slope (0 white, 1 pink), shaped in the
    frequency domain, scaled to ``rms_dbfs`` RMS. Float32, (channels, samples)."""
    spec = np.fft.rfft(rng.standard_normal((channels, num_samples)), axis=1)
    f = np.fft.rfftfreq(num_samples)
    f[0] = f[1]
    y = np.fft.irfft(spec / f ** (power_slope / 2.0), num_samples, axis=1)
    y *= 10 ** (rms_dbfs / 20.0) / np.sqrt(np.mean(y**2))
    return y.astype(np.float32)


def white(rng: np.random.Generator, seconds: float, rms_dbfs: float, channels: int = 2) -> np.ndarray:
    n = int(round(seconds * RATE))
    return (10 ** (rms_dbfs / 20.0) * rng.standard_normal((channels, n))).astype(np.float32)


# --- 1/3-octave levels -----------------------------------------------------------------


@pytest.mark.parametrize("sample_rate_hz", [48000, 44100])
def test_sine_puts_its_power_in_its_band(sample_rate_hz):
    spec = analyze(sine(1000.0, -20.0, 4.0, sample_rate_hz), sample_rate_hz).spectrum
    shares = [10 ** (v / 10.0) for v in spec.level_db if v is not None]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)  # levels are shares of the total
    assert 10 ** (spec.level_db[BAND_1K] / 10.0) > 0.999
    others = sum(10 ** (v / 10.0) for i, v in enumerate(spec.level_db) if v is not None and i != BAND_1K)
    assert others < 0.001


def test_pink_noise_reads_flat(rng):
    spec = analyze(shaped_noise(rng, RATE * 10, power_slope=1.0), RATE).spectrum
    levels = [lv for fc, lv in zip(NOMINAL_CENTRES_HZ, spec.level_db) if 50.0 <= fc <= 10000.0]
    assert len(levels) == 24 and None not in levels
    mean = float(np.mean(levels))
    # equal power per band: each of 31 bands holds about 1/31 of it (−14.9 dB)
    assert mean == pytest.approx(-10 * math.log10(31), abs=0.5)
    assert all(abs(lv - mean) <= 1.5 for lv in levels), levels
    assert spec.tilt_db_per_oct == pytest.approx(0.0, abs=0.3)


def test_white_noise_rises_3db_per_octave(rng):
    spec = analyze(white(rng, 10.0, -20.0), RATE).spectrum
    assert spec.tilt_db_per_oct == pytest.approx(10 * math.log10(2), abs=0.3)
    # and band by band: 1 dB more per third of an octave
    lv = spec.level_db
    assert lv[NOMINAL_CENTRES_HZ.index(8000.0)] - lv[NOMINAL_CENTRES_HZ.index(1000.0)] == pytest.approx(9.0, abs=0.6)


def test_bands_above_nyquist_are_none_at_8k(rng):
    x = (0.1 * rng.standard_normal((2, 8000 * 5))).astype(np.float32)
    spec = analyze(x, 8000).spectrum
    for fc, lv, crest, loss in zip(NOMINAL_CENTRES_HZ, spec.level_db, spec.crest_db, spec.mono_loss_db):
        # a band is measured only if its upper edge (fc · 10^(1/20)) is below 4 kHz
        if fc >= 4000.0:
            assert (lv, crest, loss) == (None, None, None), f"{fc} Hz band at 8 kHz: {lv}"
        else:
            assert lv is not None and crest is not None and loss is not None, f"{fc} Hz band missing"
    assert spec.tilt_db_per_oct is not None


# --- stereo ------------------------------------------------------------------------------


def test_identical_channels(rng):
    one = white(rng, 5.0, -20.0, channels=1)
    a = analyze(np.concatenate([one, one]), RATE)
    assert a.stereo.correlation == 1.0
    assert a.stereo.width == 0.0
    # no side at all: −∞ dB, reported as None or (float residue of L² − 2LR + R²) far below
    assert a.stereo.side_to_mid_db is None or a.stereo.side_to_mid_db <= -100.0
    assert a.stereo.polarity_suspect is False
    assert set(a.stereo.correlation_series) == {1.0}
    losses = [v for v in a.spectrum.mono_loss_db if v is not None]
    assert len(losses) == 31 and all(v == pytest.approx(0.0, abs=0.01) for v in losses)
    assert not any("polarity" in w for w in a.warnings)


def test_uncorrelated_noise(rng):
    a = analyze(white(rng, 10.0, -20.0), RATE)
    assert a.stereo.correlation == pytest.approx(0.0, abs=0.02)
    assert a.stereo.width == pytest.approx(0.5, abs=0.02)
    assert a.stereo.side_to_mid_db == pytest.approx(0.0, abs=0.2)
    assert a.stereo.polarity_suspect is False
    losses = [v for fc, v in zip(NOMINAL_CENTRES_HZ, a.spectrum.mono_loss_db) if fc >= 100.0]
    assert all(v == pytest.approx(-3.01, abs=0.5) for v in losses), losses
    assert float(np.mean(losses)) == pytest.approx(-3.01, abs=0.15)


def test_inverted_right_channel(rng):
    left = white(rng, 5.0, -20.0, channels=1)
    a = analyze(np.concatenate([left, -left]), RATE)
    assert a.stereo.correlation == -1.0
    assert a.stereo.width == 1.0
    assert a.stereo.polarity_suspect is True
    assert any("polarity" in w for w in a.warnings), a.warnings
    losses = [v for v in a.spectrum.mono_loss_db if v is not None]
    assert len(losses) == 31 and all(v <= -40.0 for v in losses)


def test_mono_has_no_stereo_figures(rng):
    a = analyze(white(rng, 2.0, -20.0, channels=1), RATE)
    assert (a.stereo.correlation, a.stereo.width, a.stereo.correlation_series) == (None, None, ())
    assert all(v is None for v in a.spectrum.mono_loss_db)


# --- DC ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dc", [0.0, 0.01, -0.01])
def test_dc_offset_is_measured(dc):
    x = sine(997.0, -20.0, 2.0, RATE) + np.float32(dc)  # 1994 whole periods: mean 0 but for dc
    a = analyze(x, RATE)
    assert a.hygiene.dc_offset == pytest.approx((dc, dc), abs=1e-4)
    warned = any("DC offset" in w for w in a.warnings)
    assert warned is (dc != 0.0), a.warnings


# --- clipping ------------------------------------------------------------------------------

CLIP_LIN = 10 ** (-0.01 / 20)  # documented clip level, −0.01 dBFS


def expected_clipping(x: np.ndarray, *, level_lin: float = CLIP_LIN, min_run: int = 3) -> tuple[int, int]:
    """(samples in runs of ≥ min_run samples at or above level_lin, number of such runs)."""
    samples = runs = 0
    for channel in x:
        for hot, group in itertools.groupby(np.abs(channel) >= level_lin):
            length = sum(1 for _ in group)
            if hot and length >= min_run:
                samples += length
                runs += 1
    return samples, runs


def clipped_tones(seconds: float = 0.25) -> np.ndarray:
    """L: 100 Hz driven 6 dB into ±1.0 (long flat tops, ~160 samples); R: 997 Hz driven
    0.1 dB into ±1.0 (flat tops of 1 to 4 samples, some shorter than a run)."""
    t = np.arange(int(seconds * RATE)) / RATE
    left = np.clip(2.0 * np.sin(2 * np.pi * 100.0 * t), -1.0, 1.0)
    right = np.clip(1.012 * np.sin(2 * np.pi * 997.0 * t + 0.3), -1.0, 1.0)
    return np.stack([left, right]).astype(np.float32)


def test_clip_signal_has_short_and_long_flat_tops():
    # guard: the right channel holds flat tops both shorter and longer than a run
    lengths = [sum(1 for _ in g) for hot, g in itertools.groupby(np.abs(clipped_tones()[1]) >= CLIP_LIN) if hot]
    assert min(lengths) < 3 <= max(lengths)


def test_clipped_samples_count_runs_of_three_or_more():
    x = clipped_tones()
    a = analyze(x, RATE)
    samples, runs = expected_clipping(x)
    assert (a.hygiene.clipped_samples, a.hygiene.clip_runs) == (samples, runs)
    assert samples > 0
    assert any("clipped" in w for w in a.warnings)
    assert a.hygiene.over_full_scale_samples == 0


@pytest.mark.parametrize("block", [160, 1001])
def test_runs_across_push_blocks_count_once(block):
    x = clipped_tones()
    an = Analyzer(RATE, 2, chunk_samples=block)  # the meters see every block as pushed
    for i in range(0, x.shape[1], block):
        an.push(x[:, i : i + block])
    h = an.finish().hygiene
    assert (h.clipped_samples, h.clip_runs) == expected_clipping(x)


@pytest.mark.parametrize("block", [1, 2, 3, 5, 37])
def test_level_meter_runs_across_tiny_blocks(block):
    x = clipped_tones(0.1).astype(np.float64)
    meter = LevelMeter(2)
    for i in range(0, x.shape[1], block):
        meter.process(x[:, i : i + block])
    meter.finish()
    assert (meter.clipped_samples, meter.clip_runs) == expected_clipping(x)


def test_no_clipping_on_a_clean_loud_sine():
    a = analyze(sine(997.0, -0.1, 1.0, RATE), RATE)
    assert (a.hygiene.clipped_samples, a.hygiene.clip_runs) == (0, 0)
    assert not any("clipped" in w for w in a.warnings)


def test_float_overs_are_counted_and_are_no_clip():
    x = sine(100.0, 0.0, 0.5, RATE) * np.float32(1.5)
    a = analyze(x, RATE)
    assert a.hygiene.over_full_scale_samples == int(np.count_nonzero(np.abs(x) > OVER_FULL_SCALE))
    assert a.hygiene.over_full_scale_samples > 0.2 * x.size  # a third of a sine at 1.5 lies beyond 1
    # the float file still holds those samples: nothing is clipped (no flat tops either)
    assert (a.hygiene.clipped_samples, a.hygiene.clip_runs) == (0, 0)



# --- silence at the ends, noise floor -----------------------------------------------------


@pytest.mark.parametrize("gap", ["digital silence", "hiss at -80 dBFS"])
def test_leading_and_trailing_silence(gap, rng):
    body = sine(1000.0, -20.0, 2.0, RATE)
    head = np.zeros((2, int(1.5 * RATE)), dtype=np.float32)
    tail = np.zeros((2, int(0.7 * RATE)), dtype=np.float32)
    if gap != "digital silence":
        head += white(rng, 1.5, -80.0)
        tail += white(rng, 0.7, -80.0)
    h = analyze(np.concatenate([head, body, tail], axis=1), RATE).hygiene
    assert h.leading_silence_s == pytest.approx(1.5, abs=0.01)
    assert h.trailing_silence_s == pytest.approx(0.7, abs=0.01)


def test_noise_floor_of_quiet_stretches(rng):
    parts = []
    for _ in range(5):
        parts += [white(rng, 2.0, -15.0), white(rng, 1.0, -60.0)]
    h = analyze(np.concatenate(parts, axis=1), RATE).hygiene
    assert h.noise_floor_dbfs == pytest.approx(-60.0, abs=2.0)


def test_noise_floor_leaves_out_digital_silence(rng):
    x = np.concatenate([white(rng, 3.0, -20.0), np.zeros((2, 3 * RATE), dtype=np.float32)], axis=1)
    h = analyze(x, RATE).hygiene
    assert h.noise_floor_dbfs is not None and h.noise_floor_dbfs > -40.0


# --- sections ------------------------------------------------------------------------------


def test_two_levels_make_two_sections(rng):
    x = np.concatenate([white(rng, 20.0, -30.0), white(rng, 20.0, -18.0)], axis=1)
    sections = analyze(x, RATE).sections
    assert len(sections) == 2, sections
    first, second = sections
    assert first.start_s == 0.0 and second.end_s == pytest.approx(40.0, abs=1e-3)
    assert first.end_s == second.start_s == pytest.approx(20.0, abs=2.0)
    assert second.loudness_lufs - first.loudness_lufs == pytest.approx(12.0, abs=1.0)


def test_steady_noise_is_one_section(rng):
    sections = analyze(white(rng, 40.0, -24.0), RATE).sections
    assert len(sections) == 1, sections
    assert (sections[0].start_s, sections[0].end_s) == (0.0, 40.0)
    assert sections[0].loudness_lufs is not None


# --- a clip turned down afterwards: flat tops below full scale -------------------------------


def _flat_runs_at(x: np.ndarray, level: float) -> tuple[int, int]:
    """Runs of 3+ samples exactly at ``level`` (magnitude), counted with itertools per channel."""
    samples = runs = 0
    for ch in np.abs(x):
        for hot, g in itertools.groupby(ch == np.float32(level)):
            n = sum(1 for _ in g)
            if hot and n >= 3:
                samples, runs = samples + n, runs + 1
    return samples, runs


def _clipped_then_turned_down(rng) -> tuple[np.ndarray, float]:
    noise = pink_noise(rng, 5.0, RATE)  # music-like: the clip cuts into the waveform where it moves
    noise /= np.abs(noise).max()
    x = (0.7 * np.clip(noise, -0.5, 0.5)).astype(np.float32)  # clipped at 0.5, then turned down 3 dB
    return x, float(np.float32(0.7 * 0.5))


@pytest.mark.parametrize("block", [None, 1, 7, 4096])
def test_a_clip_turned_down_is_clipping(rng, block):
    """Flat runs at the file's own peak, below full scale, many of them: a clip that was turned
    down (before: 'clipped samples 0' on a voice clipped at −3.1 dBFS, 2.8 % of it flat)."""
    x, level = _clipped_then_turned_down(rng)
    if block is None:
        a = analyze(x, RATE)
        h = a.hygiene
        samples, runs = h.clipped_samples, h.clip_runs
        assert h.flat_top_dbfs == pytest.approx(20 * math.log10(level), abs=0.01)
        assert any("clipped, then turned down" in w for w in a.warnings)
    else:
        x = x[:, : RATE] if block < 100 else x  # tiny blocks: one second is enough (and fast)
        meter = LevelMeter(2)
        for i in range(0, x.shape[1], block):
            meter.process(x[:, i : i + block].astype(np.float64))
        meter.finish()
        samples, runs = meter.flat_top_samples, meter.flat_top_runs
    assert (samples, runs) == _flat_runs_at(x, level)
    assert runs >= 10


@pytest.mark.parametrize("freq_hz", [20.0, 40.0])
def test_a_quantised_low_sine_is_not_clipping(freq_hz):
    """The control: a 16-bit sine near −6 dBFS (its crest 0.4 LSB over a step) has 3–5 equal
    samples at every crest, all at one level, but they are entered by a step of one LSB, not
    cut into: no clipping."""
    t = np.arange(10 * RATE) / RATE
    x = (np.round(16383.9 * np.sin(2 * np.pi * freq_hz * t)) / 32767).astype(np.float32)[None, :]
    level = float(np.abs(x).max())
    assert _flat_runs_at(x, level)[1] >= 10  # the trap is there: many flat crests at the peak
    h = analyze(x, RATE).hygiene
    assert (h.clipped_samples, h.clip_runs, h.flat_top_dbfs) == (0, 0, None)
