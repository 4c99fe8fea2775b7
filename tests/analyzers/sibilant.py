"""What the sibilance tests share: a sentence full of esses, the vocal context, the meter's
reading of a voice, and the narrowband version of a voice (espeak-ng voices, tests/voices.py)."""

from __future__ import annotations

import numpy as np
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
