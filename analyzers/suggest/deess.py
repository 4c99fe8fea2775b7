"""Sibilance: a de-esser when the bursts come and go, a static cut when the excess is constant.

Reads :class:`analyzers.sibilance.SibilanceResult` (``Analysis.sibilance``). Only voices
(role ``vocal``) are judged: on a mix or a cymbal the 4–10 kHz bursts are the music.
"""

from __future__ import annotations

import math

from ..context import Context
from ..moves import Move
from ..records import Analysis
from ..sibilance import BAND_HZ, PEAK_LIMIT_DB, band_change_db
from .common import confidence, hz, severity
from .records import LeaveAlone, Suggestion

#: Where a de-esser brings the loud esses' loudest third of an octave against the vowels (dB):
#: the voices of ``../shared/corpus-real`` as recorded measure −16.4…−18.7 dB (README, "Sibilance").
TARGET_PEAK_DB = -18.0
_RATIO = 8.0
_Q = 2.15
SOURCE = "problems.md §3 (SABINE, CATHAR detection; WDS split-band, AVID after the compressor)"


def sibilance(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """A de-esser (or a static cut) for a sibilant voice; a verdict for a clean one."""
    sib = analysis.sibilance
    if sib is None or ctx.role.name != "vocal":
        return [], []
    if analysis.sample_rate_hz < 2.2 * BAND_HZ[0]:
        return [], [LeaveAlone(aspect="sibilance", why="the sample rate leaves no 4–10 kHz band to judge sibilance in")]
    if not sib.sibilant:
        if sib.peak_db is None:
            why = f"{sib.bursts} esses (4–10 kHz bursts): too few to judge" if sib.bursts else "no esses (4–10 kHz bursts)"
        else:
            why = (f"{sib.bursts} esses (4–10 kHz bursts), the loud ones peaking at {sib.peak_db:+.1f} dB against the "
                   f"vowels in a third of an octave: under {PEAK_LIMIT_DB:+g} dB, not sibilant; no de-esser needed")  # fmt: skip
        return [], [LeaveAlone(aspect="sibilance", why=why)]
    excess, peak = sib.excess_db, sib.peak_db
    centre = sib.centre_hz
    over = peak - PEAK_LIMIT_DB
    if sib.constant:
        # the voice's other fricatives carry the esses' peak: a steady excess, a static cut answers it
        cut = -round(min(12.0, max(2.0, peak - TARGET_PEAK_DB)), 1)
        move = Move("peak", {"freq_hz": round(centre, 0), "gain_db": cut, "q": 2.0})
        why = (f"sibilance: {sib.bursts} bursts, the loud ones peaking at {peak:+.1f} dB against the vowels, but around "
               f"{hz(centre)} the voice's other fricatives carry {100 * sib.peak_share:.0f} % of the esses' peak: "
               f"a constant excess (a bright mic or EQ), so a static {move.describe()}, not a de-esser")  # fmt: skip
        # time-resolved evidence: it outranks a bump found on the long-term spectrum alone
        return [Suggestion(id=f"sibilance-cut-{_k(centre)}", move=move, why=why,
                           confidence=confidence(over, 6.0, base=0.6, top=0.9), severity=severity(over, 2.0, 5.0),
                           aspect="sibilance", source=SOURCE)], []  # fmt: skip
    burst, between = sib.burst_centre_dbfs, sib.between_centre_dbfs
    threshold = 0.5 * (burst + between)  # halfway: the 5 ms detector reads the vowels' peaks above their 20 ms mean
    # as much as wanted, and no more than the median burst passes the threshold by
    reach = (burst - threshold) * (1 - 1 / _RATIO)
    range_db = round(max(1.0, min(12.0, peak - TARGET_PEAK_DB, reach)), 1)
    move = Move("deesser", {"freq_hz": round(centre, 0), "threshold_db": round(threshold, 1), "range_db": range_db,
                            "q": _Q, "ratio": _RATIO, "attack_ms": 1.0, "release_ms": 60.0})  # fmt: skip
    # the band's reduction at the median burst, and what it takes off the whole 4–10 kHz band
    at_median = min(range_db, max(0.0, reach))
    rate = analysis.sample_rate_hz
    band_drop = -band_change_db(sib.burst_spectrum_db, rate,
                                lambda f: 1 + (10 ** (-at_median / 20) - 1) * _bandpass(f, centre, _Q, rate))  # fmt: skip
    why = (f"sibilance that comes and goes: {sib.bursts} bursts, the loud ones peaking at {peak:+.1f} dB against the "
           f"vowels in a third of an octave, loudest at {hz(centre)} (voices recorded clean stay under "
           f"{PEAK_LIMIT_DB:+g} dB); "
           f"a split-band {move.describe()} — the threshold sits between the bursts ({burst:.1f} dB) and the "
           f"band between them ({between:.1f} dB), so only the esses are turned down")  # fmt: skip
    if sib.peak_share is not None:
        # what tells it from a constant excess (a bright mic or EQ puts its peak into every sound)
        why += (f"; the voice's other fricatives carry only {100 * max(0.0, sib.peak_share):.0f} % of the esses' "
                f"peak: it comes and goes, not a constant excess")  # fmt: skip
    return [Suggestion(
        id=f"deess-{_k(centre)}", move=move, why=why, confidence=confidence(over, 6.0, base=0.5, top=0.85),
        severity=severity(over, 2.0, 5.0), aspect="sibilance",
        predicted={"sibilance_excess_db": round(excess - band_drop, 1)}, source=SOURCE,
    )], []  # fmt: skip


def _bandpass(f_hz: float, centre_hz: float, q: float, rate: float) -> complex:
    """The RBJ band-pass (0 dB at its centre) the de-esser splits the band with, at ``f_hz``."""
    w0 = 2 * math.pi * min(centre_hz, 0.49 * rate) / rate
    alpha = math.sin(w0) / (2 * q)
    z = complex(math.cos(2 * math.pi * f_hz / rate), -math.sin(2 * math.pi * f_hz / rate))  # z^-1
    return (alpha - alpha * z * z) / ((1 + alpha) - 2 * math.cos(w0) * z + (1 - alpha) * z * z)


def _k(f: float) -> str:
    return f"{f / 1000:.1f}k".replace(".0k", "k")
