"""Taste: what this engineer accepted, tweaked and rejected before, as a confidence nudge
and in amounts.

Pure, no I/O: the summary comes in as plain data (the form of
:func:`presets.taste.summarize`, which reads the decision log)::

    {"by_rule": {"eq": {"accepted": 5, "tweaked": 2, "rejected": 1, "total": 8, ...}},
     "by_kind_role": {"peak": {"vocal": {"accepted": 5, ...}}}}

:func:`taste_adjusted` moves each suggestion's confidence towards what the engineer did
with the same kind of move on the same role (else with the same rule), never drops or
changes a move, re-ranks as the engine does when it changed anything, and says what it
changed in the notes. :func:`taste_amounts` scales each move's amount by the share of
suggested amounts this engineer keeps for that kind, direction, frequency region and role,
says so on the card, and leaves out the kinds they always reject on the role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..context import Context
from ..moves import AMOUNT_PARAMS, KINDS, Move
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


# --- taste in amounts ------------------------------------------------------------------------

#: Fewer accepted-or-tweaked decisions than this on an amount key change no amount.
MIN_AMOUNT_DECISIONS = 5
#: The share of its suggested amount taste may leave a move (never scaled beyond these).
KEPT_RANGE = (0.25, 2.0)
#: A kind rejected at least this share of the time on a role is left out…
REJECT_SHARE = 0.85
#: …once there are at least this many decisions on it.
REJECT_MIN_DECISIONS = 8
#: Regions a move's frequency is learnt by (upper edge in Hz, name).
REGIONS = ((120.0, "below 120 Hz"), (500.0, "at 120–500 Hz"), (2000.0, "at 500 Hz–2 kHz"), (8000.0, "at 2–8 kHz"),
           (float("inf"), "above 8 kHz"))  # fmt: skip
_LEARNT_KINDS = ("peak", "low_shelf", "high_shelf", "width", "compressor", "expander")


def region_of(freq_hz: float) -> str:
    """The region name a frequency is learnt in (``above 8 kHz``…)."""
    return next(name for edge, name in REGIONS if freq_hz < edge)


def amount_key(kind: str, params: Mapping[str, float], role: str | None) -> str | None:
    """``kind|direction|region|role`` for a move with one amount (``high_shelf|boost|above 8
    kHz|bass``); None for a kind taste learns no amount of, or a neutral amount."""
    if kind not in _LEARNT_KINDS:
        return None
    name, neutral = AMOUNT_PARAMS[kind]
    a = params.get(name)
    if a is None or a == neutral:
        return None
    direction = "boost" if a > neutral else "cut"
    region = region_of(float(params["freq_hz"])) if "freq_hz" in params else "all"
    return f"{kind}|{direction}|{region}|{role or 'any'}"


def kept_share(kind: str, proposed: Mapping[str, float], final: Mapping[str, float] | None) -> float | None:
    """The share of the suggested amount kept: (final − neutral) ÷ (proposed − neutral); 1
    for a move accepted as it was (``final`` None); None without an amount."""
    if kind not in AMOUNT_PARAMS:
        return None
    name, neutral = AMOUNT_PARAMS[kind]
    p = proposed.get(name)
    if p is None or p == neutral:
        return None
    f = p if final is None else final.get(name, p)
    return (f - neutral) / (p - neutral)


def describe_key(key: str) -> str:
    """``high_shelf|boost|above 8 kHz|bass`` → ``high-shelf boosts above 8 kHz on bass``."""
    kind, direction, region, role = key.split("|")
    what = {"width": {"boost": "widenings", "cut": "narrowings"},
            "compressor": {"boost": "compression ratios", "cut": "ratios"}}.get(kind, {}).get(direction)  # fmt: skip
    what = what or f"{kind.replace('_', '-')} {direction}s"
    where = "" if region == "all" else f" {region}"
    return f"{what}{where}" + ("" if role in ("any", "*") else f" on {role}")


def taste_amounts(advice: Advice, summary: Mapping[str, Any], *, role: str) -> Advice:
    """``advice`` with amounts scaled by what this engineer keeps, and kinds they always
    reject on this role left out, each said on the card or in the notes.

    ``summary["amounts"]`` maps :func:`amount_key` (role-specific, and with role ``*`` over
    every role) to ``{"n", "kept"}`` (the median kept share over ``n`` accepted or tweaked
    decisions); ``summary["by_kind_role"]`` gives the rejections. A key needs
    :data:`MIN_AMOUNT_DECISIONS`; the role's own figures come before every role's.
    """
    amounts = summary.get("amounts", {}) if isinstance(summary, Mapping) else {}
    by_kind_role = summary.get("by_kind_role", {}) if isinstance(summary, Mapping) else {}
    out, notes = [], list(advice.notes)
    for s in advice.suggestions:
        stats = by_kind_role.get(s.move.kind, {}).get(role)
        if isinstance(stats, Mapping):
            total, rejected = int(stats.get("total", 0)), int(stats.get("rejected", 0))
            if total >= REJECT_MIN_DECISIONS and rejected / total >= REJECT_SHARE:
                notes.append(f"taste: left out {s.id} ({s.move.describe()}): you rejected {rejected} of {total} "
                             f"{s.move.kind.replace('_', '-')} suggestions on {role} ('secondear taste reset' "
                             "brings it back)")  # fmt: skip
                continue
        key = amount_key(s.move.kind, s.move.params, role)
        learnt = None
        if key is not None:
            for k in (key, key.rsplit("|", 1)[0] + "|*"):
                v = amounts.get(k)
                if isinstance(v, Mapping) and int(v.get("n", 0)) >= MIN_AMOUNT_DECISIONS:
                    learnt = (k, v)
                    break
        if learnt is None or abs(float(learnt[1]["kept"]) - 1.0) < 0.05:
            out.append(s)
            continue
        k, v = learnt
        share = float(np.clip(float(v["kept"]), *KEPT_RANGE))
        name, neutral = AMOUNT_PARAMS[s.move.kind]
        spec = KINDS[s.move.kind][name]
        old = float(s.move.params[name])
        new_amount = float(np.clip(neutral + (old - neutral) * share, spec.low, spec.high))
        move = Move(s.move.kind, {**s.move.params, name: round(new_amount, 2)})
        predicted = {p: (x * share if p.startswith("band_") or p == "width" else x) for p, x in s.predicted.items()}
        why = (f"{s.why} — adjusted to your taste: you usually keep about {100 * share:.0f} % of suggested "
               f"{describe_key(k)} ({int(v['n'])} decisions), so {move.describe()}")  # fmt: skip
        out.append(replace(s, move=move, why=why, predicted=predicted))
    if len(out) == len(advice.suggestions) and all(a is b for a, b in zip(out, advice.suggestions)):
        return advice
    return replace(advice, suggestions=tuple(out), notes=tuple(notes))


#: Fewer loudness decisions than this for a destination change nothing…
MIN_LOUDNESS_DECISIONS = 3
#: …nor does a preferred offset smaller than this (dB).
LOUDNESS_OFFSET_MIN_DB = 0.3
#: The largest shift of a destination's loudness taste makes (dB).
LOUDNESS_OFFSET_MAX_DB = 3.0


def preferred_destination(context: Context, summary: Mapping[str, Any] | None) -> tuple[Context, str | None]:
    """``context`` with its destination's loudness moved to where this engineer finishes
    (the median of their tweaks to the loudness move for that destination, within
    ±:data:`LOUDNESS_OFFSET_MAX_DB`), and the sentence that says so; unchanged (None) without
    enough decisions."""
    dest = context.destination
    stats = (summary or {}).get("loudness", {}).get(dest.name) if dest is not None else None
    if not isinstance(stats, Mapping) or int(stats.get("n", 0)) < MIN_LOUDNESS_DECISIONS:
        return context, None
    offset = float(np.clip(float(stats["offset_db"]), -LOUDNESS_OFFSET_MAX_DB, LOUDNESS_OFFSET_MAX_DB))
    if abs(offset) < LOUDNESS_OFFSET_MIN_DB:
        return context, None
    lufs = dest.lufs + offset
    said = (f"taste: {dest.name} aimed at {lufs:.1f} LUFS, not {dest.lufs:g}: you usually finish "
            f"{abs(offset):.1f} dB {'louder' if offset > 0 else 'quieter'} ({int(stats['n'])} decisions)")
    return replace(context, destination=replace(dest, lufs=lufs)), said
