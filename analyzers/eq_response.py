"""Magnitude responses of the EQ moves, as pedalboard renders them.

pedalboard's filters are JUCE's: ``PeakFilter``, ``LowShelfFilter`` and ``HighShelfFilter``
are the RBJ "Audio EQ Cookbook" biquads (Robert Bristow-Johnson), and ``HighpassFilter`` /
``LowpassFilter`` are first-order (6 dB/octave) sections designed with the bilinear
transform. A ``highpass`` move of 12/18/24 dB/octave is rendered as 2/3/4 identical
first-order sections whose corner is moved so that the cascade is −3 dB at ``freq_hz``
(:func:`section_corner_hz`). ``tests/bridge/test_render_response.py`` renders sweeps through
pedalboard and checks these curves against the measurement.
"""

from __future__ import annotations

import math

import numpy as np

from .moves import Move


def section_corner_hz(freq_hz: float, sections: int, *, highpass: bool) -> float:
    """Corner of each of ``sections`` identical first-order sections for −3 dB at ``freq_hz``.

    Computed in the analogue domain: |H|² of one section at f is 1/(1+(fc/f)²) (high-pass),
    so n sections meet −3 dB where (fc/f)² = 2^(1/n) − 1.
    """
    k = math.sqrt(2.0 ** (1.0 / sections) - 1.0)
    return freq_hz * k if highpass else freq_hz / k


def biquad_coefficients(move: Move, sample_rate_hz: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(b, a), …]`` sections (``a[0] == 1``) that realise an EQ move at the rate."""
    k, p = move.kind, move.params
    if k in ("peak", "low_shelf", "high_shelf"):
        return [_rbj(k, p["freq_hz"], p["gain_db"], p["q"], sample_rate_hz)]
    if k in ("highpass", "lowpass"):
        n = int(p["slope_db_oct"] // 6)
        fc = min(section_corner_hz(p["freq_hz"], n, highpass=k == "highpass"), 0.49 * sample_rate_hz)
        return [_first_order(k, fc, sample_rate_hz)] * n
    if k == "gain":
        return [(np.array([10 ** (p["gain_db"] / 20)]), np.array([1.0]))]
    raise ValueError(f"{k} has no fixed frequency response")


def move_response_db(move: Move, freqs_hz: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Magnitude response in dB of an EQ move (``peak``, shelves, pass filters, ``gain``)."""
    f = np.asarray(freqs_hz, dtype=np.float64)
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
    w = 2 * math.pi * min(freq_hz, 0.49 * rate) / rate
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
