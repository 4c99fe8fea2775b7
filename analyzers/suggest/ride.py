"""Inconsistent performance: a ride (a gain curve) when the phrases differ in level.

Reads :func:`analyzers.riding.performance`. The ride comes before compression: what it
evens, a compressor need not squash (:func:`crest_after_ride` tells the dynamics rule how
far the crest factor falls once the loudest phrases are ridden down).
"""

from __future__ import annotations

import math

from ..context import Context
from ..moves import Move
from ..records import Analysis
from ..riding import RIDE_ABOVE_DB, TARGET_SPREAD_DB, Performance, performance, ride_curve
from .common import confidence, severity
from .records import LeaveAlone, Suggestion

SOURCE = "EBU Tech 3342 percentiles on phrases; Vocal Rider ±12 dB (problems.md §4)"


def ride(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone], float | None]:
    """A ride when the phrase spread is over the role's limit; also the crest factor's change
    the ride brings (dB, negative), or None when there is no ride."""
    limit = RIDE_ABOVE_DB.get(ctx.role.name)
    if limit is None:
        return [], [], None
    perf = performance(analysis)
    if perf.spread_db is None:
        return [], [], None
    if perf.spread_db <= limit:
        return [], [LeaveAlone(aspect="performance", why=(
            f"{len(perf.phrases)} phrases within {perf.spread_db:.1f} dB of each other (10–90 %): an even "
            f"performance for a {ctx.role.name} (a ride from {limit:g} dB)"))], None  # fmt: skip
    curve = ride_curve(perf)
    gains = [g for _, g in curve]
    if not curve or max(abs(g) for g in gains) == 0.0:
        return [], [], None
    move = Move("ride", {"ramp_ms": 0.0}, curve)
    over = perf.spread_db - limit
    loud = max(perf.phrases, key=lambda p: p.loudness_lufs)
    quiet = min(perf.phrases, key=lambda p: p.loudness_lufs)
    why = (f"inconsistent performance: {len(perf.phrases)} phrases spread {perf.spread_db:.1f} dB (10–90 %; "
           f"the quietest {quiet.loudness_lufs:.1f} LUFS at {quiet.start_s:.1f} s, the loudest "
           f"{loud.loudness_lufs:.1f} LUFS at {loud.start_s:.1f} s); a ride moves each phrase towards their "
           f"median {perf.median_lufs:.1f} LUFS ({min(gains):+.1f}…{max(gains):+.1f} dB), a gain curve to "
           f"audition, before any heavier compression")  # fmt: skip
    return [Suggestion(
        id="ride", move=move, why=why, confidence=confidence(over, 6.0, base=0.5, top=0.85),
        severity=severity(over, 2.0, 5.0), aspect="performance",
        predicted={"phrase_spread_db": min(perf.spread_db, TARGET_SPREAD_DB)}, source=SOURCE,
    )], [], crest_after_ride(perf, curve)  # fmt: skip


def crest_after_ride(perf: Performance, curve) -> float:
    """How much the crest factor changes once ridden (dB): the loudest phrase (which holds the
    peak, most likely) moves by its gain, the RMS by the ride's change of mean power."""
    gain_of = {}
    for i, ph in enumerate(perf.phrases):
        gain_of[ph] = curve[2 * i][1] if 2 * i < len(curve) else 0.0
    loud = max(perf.phrases, key=lambda p: p.loudness_lufs)
    before = sum((p.end_s - p.start_s) * 10 ** (p.loudness_lufs / 10) for p in perf.phrases)
    after = sum((p.end_s - p.start_s) * 10 ** ((p.loudness_lufs + gain_of[p]) / 10) for p in perf.phrases)
    return round(gain_of[loud] - 10 * math.log10(after / before), 2)
