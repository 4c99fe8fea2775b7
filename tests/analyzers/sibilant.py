"""What the sibilance tests share: a sentence full of esses, the vocal context, the meter's
reading of a voice, the narrowband version of a voice (espeak-ng voices, tests/voices.py),
and a bell on a whole voice or on its esses only (pedalboard's ``PeakFilter``)."""

from __future__ import annotations

import numpy as np
import pedalboard as pb
from scipy.signal import resample_poly
from voices import RATE

from analyzers.context import make_context
from analyzers.sibilance import SibilanceMeter

SIBILANT = "She sells sea shells by the sea shore, and the sun sets slowly on the sandy coast."
VOCAL = make_context(role_name="vocal")


def reading(x: np.ndarray):
    """The sibilance meter's reading of ``x`` (``(channels, samples)`` at :data:`RATE`)."""
    m = SibilanceMeter(RATE, x.shape[0])
    m.process(x)
    return m.finish()


def narrowband(x: np.ndarray) -> np.ndarray:
    """Through 16 kHz and back (scipy's polyphase filter): nothing above ~7.5 kHz, as a
    wideband-telephone or G.722 voice-over, or corpus-real v01 and v06."""
    y = resample_poly(resample_poly(x.astype(np.float64), 1, 3, axis=1), 3, 1, axis=1)
    return y.astype(np.float32)


def bell(x: np.ndarray, centre_hz: float, gain_db: float = 12.0, q: float = 3.0) -> np.ndarray:
    """``x`` through a bell at ``centre_hz``: on every sound, as an EQ or a bright microphone."""
    return pb.PeakFilter(cutoff_frequency_hz=centre_hz, gain_db=gain_db, q=q)(x, RATE)


def on_esses(x: np.ndarray, centre_hz: float, gain_db: float = 12.0) -> np.ndarray:
    """``x`` with the same bell (Q 3) on its own esses only (the meter's bursts, 20 ms wider,
    5 ms cross-fades): esses made louder, the vowels untouched."""
    w = np.zeros(x.shape[1])
    for a, b in reading(x).burst_times_s:
        w[max(0, int((a - 0.02) * RATE)) : int((b + 0.02) * RATE)] = 1.0
    fade = int(0.005 * RATE)
    w = np.convolve(w, np.ones(fade) / fade, mode="same")
    return (x * (1 - w) + bell(x, centre_hz, gain_db) * w).astype(np.float32)
