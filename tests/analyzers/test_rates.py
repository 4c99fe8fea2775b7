"""The same audio reads the same at every sample rate and however it is pushed.

BS.1770-4 tabulates K-weighting at 48 kHz only and asks that other rates use coefficients
"chosen to provide the same frequency response that the specified filter provides at
48 kHz". So the same band-limited audio, sampled at any supported rate, should read the
same loudness; and :class:`analyzers.Analyzer` should not care how the audio is cut into
blocks.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest

from analyzers import Analyzer, analyze
from signals import sine

RATES_HZ = (8000, 44100, 48000, 88200, 96000, 192000, 384000)
REFERENCE_RATE_HZ = 48000
AGREEMENT_LU = 0.1


def band_limited_noise(sample_rate_hz: int, duration_s: float, *, seed: int = 440) -> np.ndarray:
    """Stereo pink-ish noise (−3 dB/octave) from 20 Hz to 3 kHz, −20 dBFS RMS, float32.

    Built in the frequency domain on the bins k / duration_s with seeded phases, so every
    rate gets samples of the same continuous signal (everything lies below 4 kHz, the
    Nyquist frequency of 8 kHz).
    """
    n = int(round(duration_s * sample_rate_hz))
    k_lo, k_hi = int(math.ceil(20.0 * duration_s)), int(3000.0 * duration_s)
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0.0, 2 * np.pi, (2, k_hi - k_lo + 1))
    k = np.arange(k_lo, k_hi + 1)
    spec = np.zeros((2, n // 2 + 1), dtype=complex)
    spec[:, k_lo : k_hi + 1] = np.exp(1j * phases) / np.sqrt(k)
    x = np.fft.irfft(spec, n, axis=1)
    x *= 0.1 / np.sqrt(np.mean(x**2))
    return x.astype(np.float32)


@functools.cache
def _integrated(kind: str, sample_rate_hz: int) -> float | None:
    if kind == "sine":
        x = sine(1000.0, -23.0, 2.0, sample_rate_hz)
    else:
        x = band_limited_noise(sample_rate_hz, 3.0)
    return analyze(x, sample_rate_hz).loudness.integrated_lufs


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
def test_sine_reads_minus_23_at_every_rate(sample_rate_hz):
    assert _integrated("sine", sample_rate_hz) == pytest.approx(-23.0, abs=AGREEMENT_LU)


# At 8 kHz the bilinear-transform K-weighting departs from the 48 kHz response (the RLB
# stage has +0.26 dB of passband gain and the shelf is warped near Nyquist): broadband noise
# reads 0.24 LU louder than at 48 kHz. ffmpeg's ebur128 shows the same gap (−17.7 against
# −17.9). A documented limit of the per-rate design, kept visible as a strict xfail.
_KNOWN_8K = pytest.mark.xfail(strict=True, reason="K-weighting designed at 8 kHz reads noise 0.24 LU high (ffmpeg too)")


@pytest.mark.parametrize(
    ("sample_rate_hz", "kind"),
    [
        pytest.param(r, k, marks=_KNOWN_8K) if (r, k) == (8000, "noise") else (r, k)
        for r in RATES_HZ
        if r != REFERENCE_RATE_HZ
        for k in ("sine", "noise")
    ],
)
def test_same_audio_reads_the_same_as_at_48k(kind, sample_rate_hz):
    reference = _integrated(kind, REFERENCE_RATE_HZ)
    got = _integrated(kind, sample_rate_hz)
    assert reference is not None and got is not None
    assert got == pytest.approx(reference, abs=AGREEMENT_LU), (
        f"{kind} at {sample_rate_hz} Hz reads {got} LUFS, at 48 kHz {reference} LUFS"
    )


def test_noise_signal_is_the_same_audio_at_every_rate():
    # guard for the test above: the 8 kHz and 48 kHz versions are samples of one signal
    lo, hi = band_limited_noise(8000, 3.0), band_limited_noise(48000, 3.0)
    np.testing.assert_allclose(hi[:, ::6], lo, rtol=0, atol=2e-6)


# --- block independence -----------------------------------------------------------------


def _gapped_noise(sample_rate_hz: int, rng: np.random.Generator) -> np.ndarray:
    """3 s noise, 3 s digital silence, 2 s noise (stereo, partly correlated, float32).

    Every level edge falls on a 100 ms boundary, as in edited material.
    """
    n = int(8 * sample_rate_hz)
    common = rng.standard_normal(n)
    x = 0.1 * np.stack([common + 0.5 * rng.standard_normal(n), common + 0.5 * rng.standard_normal(n)])
    x[:, 3 * sample_rate_hz : 6 * sample_rate_hz] = 0.0
    return x.astype(np.float32)


# name: (block length in seconds or "primes", chunk_samples option)
SPLITS = {
    "1 s blocks": (1.0, None),
    "0.1 s blocks, chunk of 0.1 s": (0.1, "block"),
    "0.25 s blocks, chunk of 0.25 s": (0.25, "block"),
    "7919-sample blocks, chunk 10007": (7919, 10007),
    "irregular blocks": ("irregular", None),
}


def _block_sizes(spec, sample_rate_hz: int, total: int) -> list[int]:
    if spec == "irregular":
        rng = np.random.default_rng(1)
        sizes = list(rng.integers(1, 30000, size=2000))
    elif isinstance(spec, float):
        sizes = [int(round(spec * sample_rate_hz))] * (total // int(round(spec * sample_rate_hz)) + 1)
    else:
        sizes = [spec] * (total // spec + 1)
    out, used = [], 0
    for s in sizes:
        if used >= total:
            break
        out.append(int(min(s, total - used)))
        used += out[-1]
    assert used == total
    return out


def _assert_same(a, b, path: str = "analysis") -> None:
    """Field by field: equal None-ness, floats within 1e-6, everything else equal."""
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), f"{path}: {len(a)} vs {len(b)} items"
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_same(u, v, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(a, bool):
        assert isinstance(b, float) and abs(a - b) <= 1e-6, f"{path}: {a!r} in one block vs {b!r} pushed in blocks"
    else:
        assert a == b, f"{path}: {a!r} in one block vs {b!r} pushed in blocks"


@pytest.mark.parametrize("split", list(SPLITS))
@pytest.mark.parametrize("sample_rate_hz", [48000, 44100])
def test_result_does_not_depend_on_push_blocks(sample_rate_hz, split, rng):
    x = _gapped_noise(sample_rate_hz, rng)
    whole = analyze(x, sample_rate_hz)
    block_spec, chunk = SPLITS[split]
    sizes = _block_sizes(block_spec, sample_rate_hz, x.shape[1])
    an = Analyzer(sample_rate_hz, 2, chunk_samples=sizes[0] if chunk == "block" else chunk)
    pos = 0
    for size in sizes:
        an.push(x[:, pos : pos + size])
        pos += size
    pushed = an.finish()
    assert whole.loudness.integrated_lufs is not None
    _assert_same(whole, pushed)
