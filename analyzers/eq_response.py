"""Magnitude responses of the EQ moves, as pedalboard renders them.

pedalboard's filters are JUCE's: ``PeakFilter``, ``LowShelfFilter`` and ``HighShelfFilter``
are the RBJ "Audio EQ Cookbook" biquads (Robert Bristow-Johnson), and ``HighpassFilter`` /
``LowpassFilter`` are first-order (6 dB/octave) sections designed with the bilinear
transform. pedalboard has no steeper pass filter, so a ``highpass`` or ``lowpass`` of
12/18/24 dB/octave is rendered as a Butterworth filter of order 2/3/4, designed with the
bilinear transform (``scipy.signal.butter``); its magnitude is exactly
1 / (1 + (Ωc/Ω)^2n) with Ω = tan(π f / fs) (high-pass; Ω/Ωc for low-pass), −3 dB at
``freq_hz``. ``tests/bridge/test_render_response.py`` renders impulses through the real
renderer and checks these curves against the measurement.
"""

from __future__ import annotations

import math

import numpy as np

from .moves import Move


#: Filter corners are kept at or below this fraction of the sample rate (renderer and
#: predictions use the same clamp).
MAX_FREQ_FRACTION = 0.45


def clamp_freq_hz(freq_hz: float, sample_rate_hz: float) -> float:
    """``freq_hz`` kept under :data:`MAX_FREQ_FRACTION` of the rate."""
    return float(min(freq_hz, MAX_FREQ_FRACTION * sample_rate_hz))


def butterworth_sections(order: int, corner_hz: float, sample_rate_hz: float, *, highpass: bool
                         ) -> list[tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """Digital Butterworth pass filter as ``[(b, a), …]`` sections (``a[0] == 1``).

    The analogue prototype's poles exp(iπ(2k + n + 1)/2n) are scaled to the prewarped
    corner 2·fs·tan(π fc/fs) (inverted for a high-pass) and mapped with the bilinear
    transform; conjugate pairs become second-order sections, a real pole (odd orders) a
    first-order one. Equal to ``scipy.signal.butter(..., output="sos")`` (tests).
    """
    fs = float(sample_rate_hz)
    wc = 2 * fs * math.tan(math.pi * clamp_freq_hz(corner_hz, fs) / fs)
    sections = []
    for k in range(order // 2):
        p = wc * np.exp(1j * math.pi * (2 * k + order + 1) / (2 * order))  # analogue pole (left half)
        # H(s) = wc² / ((s - p)(s - p*)) for low-pass; s → wc²/s for high-pass
        pz = (2 * fs + p) / (2 * fs - p)  # bilinear-mapped pole
        a = np.array([1.0, -2 * pz.real, abs(pz) ** 2])
        if highpass:
            b = np.array([1.0, -2.0, 1.0])
            gain = np.polyval(a[::-1], -1.0) / np.polyval(b[::-1], -1.0)  # unity at Nyquist
        else:
            b = np.array([1.0, 2.0, 1.0])
            gain = a.sum() / b.sum()  # unity at DC
        sections.append((b * gain, a))
    if order % 2:
        pz = (2 * fs - wc) / (2 * fs + wc)
        a = np.array([1.0, -pz])
        if highpass:
            b = np.array([1.0, -1.0]) * (1 + pz) / 2
        else:
            b = np.array([1.0, 1.0]) * (1 - pz) / 2
        sections.append((b, a))
    return sections


def butterworth_response_db(freqs_hz: np.ndarray, corner_hz: float, order: int, sample_rate_hz: float,
                            *, highpass: bool) -> np.ndarray:  # fmt: skip
    """Magnitude (dB) of a bilinear-transform Butterworth pass filter."""
    f = np.clip(np.asarray(freqs_hz, dtype=np.float64), 1e-6, 0.4999 * sample_rate_hz)
    w = np.tan(np.pi * f / sample_rate_hz)
    wc = math.tan(math.pi * clamp_freq_hz(corner_hz, sample_rate_hz) / sample_rate_hz)
    ratio = wc / w if highpass else w / wc
    return -10.0 * np.log10(1.0 + ratio ** (2 * order))


def biquad_coefficients(move: Move, sample_rate_hz: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(b, a), …]`` sections (``a[0] == 1``) that realise an EQ move at the rate."""
    k, p = move.kind, move.params
    if k in ("peak", "low_shelf", "high_shelf"):
        return [_rbj(k, p["freq_hz"], p["gain_db"], p["q"], sample_rate_hz)]
    if k in ("highpass", "lowpass"):
        if p["slope_db_oct"] != 6.0:
            raise ValueError("steeper pass filters are Butterworth designs: use move_response_db")
        return [_first_order(k, clamp_freq_hz(p["freq_hz"], sample_rate_hz), sample_rate_hz)]
    if k == "gain":
        return [(np.array([10 ** (p["gain_db"] / 20)]), np.array([1.0]))]
    raise ValueError(f"{k} has no fixed frequency response")


def move_response_db(move: Move, freqs_hz: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Magnitude response in dB of an EQ move (``peak``, shelves, pass filters, ``gain``)."""
    f = np.asarray(freqs_hz, dtype=np.float64)
    if move.kind in ("highpass", "lowpass"):
        order = int(move.params["slope_db_oct"] // 6)
        return butterworth_response_db(f, move.params["freq_hz"], order, sample_rate_hz,
                                       highpass=move.kind == "highpass")  # fmt: skip
    z = np.exp(-2j * np.pi * f / sample_rate_hz)
    h = np.ones_like(z)
    for b, a in biquad_coefficients(move, sample_rate_hz):
        h = h * np.polyval(b[::-1], z) / np.polyval(a[::-1], z)
    return 20.0 * np.log10(np.maximum(np.abs(h), 1e-12))


def band_response_db(move: Move, centre_hz: float, sample_rate_hz: float, *, fraction: float = 1 / 3) -> float:
    """The move's power-averaged gain over a fractional-octave band around ``centre_hz``.

    This is what the band level of broadband material (equal power per Hz) changes by.
    """
    lo = centre_hz * 2 ** (-fraction / 2)
    hi = min(centre_hz * 2 ** (fraction / 2), 0.499 * sample_rate_hz)
    if hi <= lo:
        return 0.0
    f = np.linspace(lo, hi, 64)
    g = 10 ** (move_response_db(move, f, sample_rate_hz) / 10)
    return float(10 * np.log10(g.mean()))


def _rbj(kind: str, freq_hz: float, gain_db: float, q: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    a_lin = 10 ** (gain_db / 40)  # sqrt of the gain factor
    w = 2 * math.pi * clamp_freq_hz(freq_hz, rate) / rate
    cos_w, sin_w = math.cos(w), math.sin(w)
    if kind == "peak":
        alpha = sin_w / (2 * q)
        b = [1 + alpha * a_lin, -2 * cos_w, 1 - alpha * a_lin]
        a = [1 + alpha / a_lin, -2 * cos_w, 1 - alpha / a_lin]
    else:
        beta = sin_w * math.sqrt(a_lin) / q
        am, ap = a_lin - 1, a_lin + 1
        if kind == "low_shelf":
            b = [a_lin * (ap - am * cos_w + beta), 2 * a_lin * (am - ap * cos_w), a_lin * (ap - am * cos_w - beta)]
            a = [ap + am * cos_w + beta, -2 * (am + ap * cos_w), ap + am * cos_w - beta]
        else:
            b = [a_lin * (ap + am * cos_w + beta), -2 * a_lin * (am + ap * cos_w), a_lin * (ap + am * cos_w - beta)]
            a = [ap - am * cos_w + beta, 2 * (am - ap * cos_w), ap - am * cos_w - beta]
    b_arr, a_arr = np.array(b), np.array(a)
    return b_arr / a_arr[0], a_arr / a_arr[0]


def _first_order(kind: str, fc: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    n = math.tan(math.pi * fc / rate)
    if kind == "highpass":
        b = np.array([1.0, -1.0]) / (n + 1)
    else:
        b = np.array([n, n]) / (n + 1)
    a = np.array([1.0, (n - 1) / (n + 1)])
    return b, a
