"""Taste: what this engineer accepted, tweaked and rejected before, as a confidence nudge.

Pure, no I/O: the summary comes in as plain data (the form of
:func:`presets.taste.summarize`, which reads the decision log)::

    {"by_rule": {"eq": {"accepted": 5, "tweaked": 2, "rejected": 1, "total": 8, ...}},
     "by_kind_role": {"peak": {"vocal": {"accepted": 5, ...}}}}

:func:`taste_adjusted` moves each suggestion's confidence towards what the engineer did
with the same kind of move on the same role (else with the same rule), never drops or
changes a move, re-ranks as the engine does when it changed anything, and says what it
changed in the notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .records import SEVERITY_RANK, Advice, rule_id

#: Fewer decisions than this on a (kind, role) or a rule change nothing.
MIN_DECISIONS = 3
#: The largest change of confidence taste makes (when every decision went one way).
MAX_SHIFT = 0.2
#: Decisions at which the shift reaches half its weight (``n / (n + HALF_WEIGHT_AT)``).
HALF_WEIGHT_AT = 5


def _shift(stats: Mapping[str, Any]) -> tuple[float, int]:
    yes = int(stats.get("accepted", 0)) + int(stats.get("tweaked", 0))
    no = int(stats.get("rejected", 0))
    n = yes + no
    if n < MIN_DECISIONS:
        return 0.0, n
    rate = (yes + 1) / (n + 2)  # Laplace's rule of succession: a few decisions never read as certainty
    return MAX_SHIFT * (2 * rate - 1) * n / (n + HALF_WEIGHT_AT), n


def taste_adjusted(advice: Advice, summary: Mapping[str, Any], *, role: str) -> Advice:
    """``advice`` with confidences nudged by the engineer's past decisions, re-ranked.

    Parameters
    ----------
    advice : Advice
        What :func:`analyzers.suggest.suggest` answered.
    summary : mapping
        The taste summary (see the module's docstring); missing parts change nothing.
    role : str
        The role the advice is for (``vocal``, ``mix``…), as the context names it.

    The shift is ``MAX_SHIFT · (2p − 1) · n / (n + 5)``, with ``p = (yes + 1) / (n + 2)``
    the smoothed share of accepted-or-tweaked among ``n`` decisions, from the (kind,
    role) figures when they hold at least :data:`MIN_DECISIONS` decisions, else the
    rule's; the result stays within 0…1.
    """
    by_kind_role = summary.get("by_kind_role", {}) if isinstance(summary, Mapping) else {}
    by_rule = summary.get("by_rule", {}) if isinstance(summary, Mapping) else {}
    out = []
    notes = list(advice.notes)
    for s in advice.suggestions:
        rid = rule_id(s.id)
        candidates = [(f"{s.move.kind} moves on {role}", by_kind_role.get(s.move.kind, {}).get(role)),
                      (f"rule {rid}", by_rule.get(rid))]  # fmt: skip
        chosen = next(((label, st) for label, st in candidates
                       if isinstance(st, Mapping) and _shift(st)[1] >= MIN_DECISIONS), None)  # fmt: skip
        shift = 0.0 if chosen is None else _shift(chosen[1])[0]
        if chosen is None or not shift:
            out.append(s)
            continue
        label, stats = chosen
        new = round(min(1.0, max(0.0, s.confidence + shift)), 2)
        out.append(replace(s, confidence=new))
        tweak = stats.get("median_tweak", {})
        usual = ", ".join(f"{k} {v:+g}" for k, v in tweak.items() if k in ("gain_db", "freq_oct") and v)
        notes.append(f"taste: {s.id} confidence {s.confidence:.2f} → {new:.2f} ({stats.get('accepted', 0)} accepted, "
                     f"{stats.get('tweaked', 0)} tweaked, {stats.get('rejected', 0)} rejected: {label})"
                     + (f"; usually tweaked by {usual}" if usual else ""))  # fmt: skip
    if len(notes) == len(advice.notes):
        return advice  # nothing known about these moves: the engine's answer as it was
    ranked = sorted(out, key=lambda x: (SEVERITY_RANK[x.severity], -x.confidence))
    return replace(advice, suggestions=tuple(ranked), notes=tuple(notes))
