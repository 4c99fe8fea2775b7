"""Bad and borderline input to the pure API: what is measured, what is refused, what is said."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from analyzers import Analyzer, AnalyzerError, ParameterError, analyze
from signals import sine

RATE = 48000


def nonfinite_fields(obj, path: str = "analysis") -> list[str]:
    """Paths of every float in the record (nested dataclasses and tuples) that is inf or NaN."""
    if dataclasses.is_dataclass(obj):
        return [p for f in dataclasses.fields(obj) for p in nonfinite_fields(getattr(obj, f.name), f"{path}.{f.name}")]
    if isinstance(obj, tuple):
        return [p for i, v in enumerate(obj) for p in nonfinite_fields(v, f"{path}[{i}]")]
    if isinstance(obj, float) and not math.isfinite(obj):
        return [f"{path}={obj}"]
    return []


# --- NaN / Inf ---------------------------------------------------------------------------


def test_nonfinite_samples_are_counted_zeroed_and_reported():
    x = sine(1000.0, -23.0, 10.0, RATE)
    x[0, 1000] = np.nan
    x[0, 200_000] = np.inf
    x[1, 200_001] = -np.inf
    x[1, 300_000:300_004] = np.nan  # 4 more, one channel
    a = analyze(x, RATE)
    assert a.hygiene.nonfinite_samples == 7
    warning = [w for w in a.warnings if "NaN/Inf" in w]
    assert len(warning) == 1 and "7" in warning[0] and "0.021 s" in warning[0]  # first at sample 1000
    # measured exactly as the same audio with those 7 samples set to 0 ...
    zeroed = analyze(np.where(np.isfinite(x), x, np.float32(0.0)), RATE)
    assert a.loudness == zeroed.loudness
    assert a.levels == zeroed.levels
    assert a.spectrum == zeroed.spectrum
    # ... which reads what the sine reads: 7 missing samples change nothing that matters
    # (the true peak does rise a little: a one-sample dropout is a click between samples)
    assert a.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert a.levels.sample_peak_dbfs == pytest.approx(-23.0, abs=0.01)
    assert -23.05 <= a.levels.true_peak_dbtp <= -20.0
    assert a.hygiene.over_full_scale_samples == 0
    assert nonfinite_fields(a) == []


def test_all_nan_input_is_no_signal():
    x = np.full((2, RATE), np.nan, dtype=np.float32)
    a = analyze(x, RATE)
    assert a.hygiene.nonfinite_samples == 2 * RATE
    assert a.loudness.integrated_lufs is None
    assert any("no signal" in w for w in a.warnings)
    assert nonfinite_fields(a) == []


def test_nonfinite_count_does_not_depend_on_push_blocks():
    x = sine(1000.0, -23.0, 1.0, RATE)
    x[:, 100:110] = np.nan
    x[0, 30_000] = np.inf
    an = Analyzer(RATE, 2)
    for i in range(0, x.shape[1], 7):
        an.push(x[:, i : i + 7])
    assert an.finish().hygiene.nonfinite_samples == 21


# --- no signal, too short --------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0.5, 5.0])
def test_all_zeros_is_no_signal_never_minus_inf(seconds):
    a = analyze(np.zeros((2, int(seconds * RATE)), dtype=np.float32), RATE)
    loud = a.loudness
    assert (loud.integrated_lufs, loud.momentary_max_lufs, loud.short_term_max_lufs, loud.lra_lu) == (
        None, None, None, None,
    )  # fmt: skip
    assert set(loud.momentary_lufs) <= {None}
    assert (a.levels.sample_peak_dbfs, a.levels.true_peak_dbtp, a.levels.rms_dbfs) == (None, None, None)
    assert a.stereo.correlation is None
    assert any("no signal" in w for w in a.warnings), a.warnings
    assert nonfinite_fields(a) == []


@pytest.mark.parametrize("num_samples", [1, int(0.2 * RATE)], ids=["1 sample", "0.2 s"])
def test_too_short_for_loudness_but_peaks_are_measured(num_samples):
    x = sine(1000.0, -6.0, 1.0, RATE, phase_rad=math.pi / 2)[:, :num_samples]  # starts at its peak
    a = analyze(x, RATE)
    loud = a.loudness
    assert (loud.integrated_lufs, loud.momentary_max_lufs, loud.short_term_max_lufs, loud.lra_lu) == (
        None, None, None, None,
    )  # fmt: skip
    assert loud.momentary_lufs == () and loud.short_term_lufs == ()
    assert any("shorter than" in w and "400 ms" in w for w in a.warnings), a.warnings
    assert a.levels.sample_peak_dbfs == pytest.approx(-6.0, abs=0.01)
    assert a.levels.true_peak_dbtp is not None and a.levels.true_peak_dbtp >= -6.01
    assert a.num_samples == num_samples
    assert nonfinite_fields(a) == []


def test_exactly_one_block_has_a_loudness():
    # 0.4 s is one whole 400 ms block: the shortest input that has an integrated loudness
    a = analyze(sine(1000.0, -23.0, 0.4, RATE), RATE)
    assert a.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1), a.warnings
    assert not any("no signal" in w for w in a.warnings), a.warnings


def test_under_3s_has_no_short_term_and_says_so():
    a = analyze(sine(1000.0, -23.0, 2.0, RATE), RATE)
    assert a.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert a.loudness.short_term_max_lufs is None and a.loudness.lra_lu is None
    assert any("shorter than 3 s" in w for w in a.warnings)


def test_empty_input_is_measured_as_nothing():
    a = analyze(np.zeros((2, 0), dtype=np.float32), RATE)
    assert a.num_samples == 0 and a.loudness.integrated_lufs is None
    assert any("no samples" in w for w in a.warnings)
    assert nonfinite_fields(a) == []


# --- refused input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(2, 3, 4800), (1, 2, 3, 4)], ids=["3-D", "4-D"]
)
def test_wrong_number_of_dimensions(shape):
    with pytest.raises(ParameterError) as err:
        analyze(np.zeros(shape, dtype=np.float32), RATE)
    assert str(shape) in str(err.value)


def test_scalar_is_refused():
    with pytest.raises(ParameterError, match=r"\(\)"):
        analyze(np.float32(0.5), RATE)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.uint8, bool])
def test_integer_samples_are_refused(dtype):
    x = np.zeros((2, 4800), dtype=dtype)
    with pytest.raises(ParameterError) as err:
        analyze(x, RATE)
    assert np.dtype(dtype).name in str(err.value)


@pytest.mark.parametrize("rate", [0, 0.0, float("nan"), 1000, -48000, float("inf")])
def test_bad_sample_rate(rate):
    with pytest.raises(ParameterError) as err:
        analyze(sine(1000.0, -20.0, 0.5, RATE), rate)
    assert f"sample_rate_hz={rate!r}" in str(err.value)


def test_samples_by_channels_layout_is_refused_with_a_hint():
    x = sine(1000.0, -20.0, 2.0, RATE).T.copy()  # (96000, 2)
    with pytest.raises(ParameterError) as err:
        analyze(x, RATE)
    message = str(err.value)
    assert ".T" in message and str(x.shape) in message


def test_too_many_channels_is_refused():
    with pytest.raises(ParameterError, match="65"):
        analyze(np.zeros((65, 4800), dtype=np.float32), RATE)


def test_parameter_error_is_in_both_families():
    with pytest.raises(ValueError):
        analyze(np.zeros((2, 10), dtype=np.int16), RATE)
    with pytest.raises(AnalyzerError):
        analyze(np.zeros((2, 10), dtype=np.int16), RATE)


def test_push_with_the_wrong_channel_count():
    an = Analyzer(RATE, 2)
    with pytest.raises(ParameterError, match=r"\(3, 100\)"):
        an.push(np.zeros((3, 100), dtype=np.float32))


def test_analyzer_is_single_use():
    an = Analyzer(RATE, 2)
    an.push(sine(1000.0, -20.0, 0.5, RATE))
    an.finish()
    with pytest.raises(ParameterError):
        an.push(sine(1000.0, -20.0, 0.5, RATE))
    with pytest.raises(ParameterError):
        an.finish()


@pytest.mark.parametrize("weights", [(1.0,), (1.0, -1.0), (1.0, float("nan"))])
def test_bad_channel_weights(weights):
    with pytest.raises(ParameterError, match="channel_weights"):
        Analyzer(RATE, 2, channel_weights=weights)


# --- channel counts that are measured ----------------------------------------------------


@pytest.mark.parametrize("as_1d", [True, False], ids=["1-D", "(1, n)"])
def test_mono_is_measured(as_1d):
    x = sine(1000.0, -23.0, 5.0, RATE, channels=1)
    a = analyze(x[0] if as_1d else x, RATE)
    assert a.num_channels == 1
    # one channel carries half the power of the EBU stereo pair: −23 − 3.01
    assert a.loudness.integrated_lufs == pytest.approx(-26.01, abs=0.1)
    assert a.levels.sample_peak_dbfs == pytest.approx(-23.0, abs=0.01)
    assert a.stereo.correlation is None


def test_six_channels_are_measured_as_5_1():
    x = sine(1000.0, -23.0, 5.0, RATE, channels=6)
    a = analyze(x, RATE)
    assert a.num_channels == 6
    assert a.loudness.channel_weights == (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
    # L R C at −23 each, Ls Rs at −23 weighted 1.41: 10·log10((3 + 2·1.41)/2) ≈ +4.64 LU
    assert a.loudness.integrated_lufs == pytest.approx(-23.0 + 10 * math.log10((3 + 2 * 1.41) / 2), abs=0.1)
    assert len(a.levels.true_peak_per_channel_dbtp) == 6
    assert not any("layout" in w for w in a.warnings)


def test_unusual_channel_count_is_measured_with_a_warning():
    a = analyze(sine(1000.0, -23.0, 1.0, RATE, channels=7), RATE)
    assert a.loudness.channel_weights == (1.0,) * 7
    assert any("no standard layout" in w for w in a.warnings)
