"""The engineer's words ("warmer but not muddy", "more glue") as moves.

:func:`parse_intent` turns text into descriptors, each wanted or refused; unknown words
raise :class:`~analyzers.context.UnknownNameError` listing the known descriptors and the
nearest matches. :func:`intent_suggestions` maps each wanted descriptor to its moves
(``analyzers/data/intents.json``: regions, shapes, nominal amounts, sources), scaled by what
the analysis shows is already there: a region already above the neutral curve by d dB
gets d dB less boost, down to none. A refused descriptor ("not muddy") protects its region:
no boost lands there, and if the region is already high it gets its own cut.

The neutral curve and every region are judged only where the material has content
(:func:`.fine.limits`, half an octave inside a roll-off, as the tonal rules): a region
beyond a low-pass or a high-pass is answered in words ("the top is missing"), never cut or
boosted. Two wishes whose bells would work against each other (their half-gain spans
overlap, :func:`.fine.half_gain_span_hz`) make one curve: the boost moves beside the cut.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

import numpy as np

from ..context import Context, UnknownNameError, load_data
from ..eq_response import band_response_db, move_response_db
from ..moves import Move
from ..records import Analysis
from ..spectrum import NOMINAL_CENTRES_HZ
from .common import CENTRES, band_key, band_levels, hz, trend
from .dynamics import compressor_crest_drop_db
from .fine import Limits, fine, half_gain_span_hz, judged_span_hz, limits
from .records import Suggestion

#: A cut-only wish ("less muddy") whose region stands less than this (dB) above its
#: neutral level is already met: a note with the measured figure, no move.
ALREADY_THERE_DB = 1.0
_SPLIT = re.compile(r"\s*(?:,|;|\bbut\b|\band\b|\bwith\b|&|\+)\s*")


@dataclass(frozen=True, slots=True)
class Wish:
    """One descriptor from the engineer's words, wanted (True) or refused (False)."""

    descriptor: str
    wanted: bool
    words: str


def _names() -> dict[str, str]:
    table = load_data("intents")["descriptors"]
    names: dict[str, str] = {}
    for name, entry in table.items():
        names[name] = name
        for alias in entry.get("aliases", []):
            names[alias] = name
    return names


def parse_intent(text: str) -> list[Wish]:
    """Parse free text into wishes. ``"warmer but not muddy"`` →
    ``[Wish("warmer", True), Wish("less muddy", False)]``."""
    names = _names()
    negations = set(load_data("intents")["negations"])
    wishes: list[Wish] = []
    for clause in _SPLIT.split(text.lower().strip()):
        clause = re.sub(r"[^a-z0-9&'\- ]", " ", clause).strip()
        clause = re.sub(r"^(make it|make|a bit|a little|slightly|much|more of|i want|please|it|sound)\s+", "", clause)
        clause = re.sub(r"\s+(please|a bit|a little)$", "", clause).strip()
        if not clause:
            continue
        if clause in names:
            wishes.append(Wish(names[clause], True, clause))
            continue
        first, _, rest = clause.partition(" ")
        if first in negations and rest:
            rest = rest.strip()
            key = rest if rest in names else ("less " + rest if "less " + rest in names else None)
            if key is None and rest.startswith("too "):
                key = rest[4:] if rest[4:] in names else None
            if key is not None:
                # "not muddy", "no harshness", "without brightness": that quality is refused
                wishes.append(Wish(names[key], False, clause))
                continue
        if clause.startswith("more ") and clause[5:] in names:
            wishes.append(Wish(names[clause[5:]], True, clause))
            continue
        near = difflib.get_close_matches(clause, list(names), n=3, cutoff=0.5)
        known = ", ".join(load_data("intents")["descriptors"])
        raise UnknownNameError(
            f"unknown intent {clause!r}; known: {known}" + (f" (nearest: {', '.join(near)})" if near else "")
        )
    return wishes


def intent_suggestions(
    analysis: Analysis, ctx: Context, *, neutral_db: np.ndarray | None = None
) -> tuple[list[Suggestion], list[str], list[tuple[float, float]], dict]:
    """Moves for the wanted descriptors.

    Returns the suggestions, notes (why a wish produced no move), the protected frequency
    regions (for the engine to keep other boosts out), and the loudness/stereo requests.
    """
    if not ctx.intent:
        return [], [], [], {}
    wishes = parse_intent(ctx.intent)
    table = load_data("intents")["descriptors"]
    level, valid = band_levels(analysis)
    lim = limits(*fine(analysis))
    span_lo, span_hi = judged_span_hz(lim)
    valid = valid & (CENTRES >= span_lo) & (CENTRES <= span_hi)  # empty bands pull no curve down
    if neutral_db is None:
        neutral_db = trend(level, valid, half_width=6, gap=2)
    above = np.where(valid, level - neutral_db, 0.0)
    above = np.nan_to_num(above)
    protected: list[tuple[float, float]] = []
    out: list[Suggestion] = []
    notes: list[str] = []
    requests: dict = {}
    rate = analysis.sample_rate_hz
    vague = readings_of(wishes)
    for w in wishes:
        e = table[w.descriptor]
        if vague is not None and w is wishes[0]:
            out += _alternatives(w, vague, analysis, level, valid, above, notes, lim)
            continue
        if not w.wanted:
            lo, hi = e.get("region_hz", (0, 0))
            protected.append((float(lo), float(hi)))
            if w.descriptor.startswith("less ") or e.get("cut_only"):
                # "but not muddy": protect, and cut if the region is already high
                region = valid & (CENTRES >= lo) & (CENTRES <= hi)
                if not region.any():
                    notes.append(missing_note(w.words, lo, hi, lim, cut=True))
                    continue
                excess = float(above[region].max()) if region.any() else 0.0
                if excess >= 1.5:
                    out += _eq_moves(w, e, analysis, level, valid, above, scale=min(1.0, excess / 3.0), lim=lim,
                                     missing=notes)
                else:
                    notes.append(f"'{w.words}': {hz(lo)}–{hz(hi)} is not above its neutral level ({excess:+.1f} dB): "
                                 "kept out of every boost, no cut needed")  # fmt: skip
            continue
        if "loudness" in e:
            requests["change_lu"] = float(e["loudness"]["change_lu"])
            requests["loudness_words"] = w.words
        if "stereo" in e:
            requests.setdefault("stereo", []).append((w, e["stereo"]))
        if "section" in e:
            requests["section"] = (w, e["section"])
        if "dynamics" in e:
            out.append(_compressor(w, e, analysis))
        if "eq" in e:
            lo, hi = e.get("region_hz", (0, 0))
            region = valid & (CENTRES >= lo) & (CENTRES <= hi)
            if e.get("cut_only") and not region.any():
                notes.append(missing_note(w.words, lo, hi, lim, cut=True))
                continue
            excess = float(above[region].max()) if region.any() else 0.0
            if e.get("cut_only") and excess < ALREADY_THERE_DB:
                # "less muddy" on lean low-mids: nothing stands out to take away
                notes.append(f"'{w.words}': already there — nothing in {hz(lo)}–{hz(hi)} stands above its "
                             f"neutral level (the highest band {excess:+.1f} dB against the spectrum's own "
                             "trend), so no cut")  # fmt: skip
                continue
            missing: list[str] = []
            moves = _eq_moves(w, e, analysis, level, valid, above, scale=None, lim=lim, missing=missing)
            notes += missing
            if not moves and not missing:
                # the figure the move is scaled by (the region's mean), beside its highest band
                mean = float(above[region].mean()) if region.any() else 0.0
                notes.append(f"'{w.words}': already there — {hz(lo)}–{hz(hi)} sits {mean:+.1f} dB on average "
                             f"against its neutral level (its highest band {excess:+.1f} dB), which leaves under "
                             "0.5 dB to move: no move")  # fmt: skip
            out += moves
    out = _one_curve(out, rate, notes)
    # keep boosts out of protected regions
    kept = []
    for s in out:
        g = s.move.params.get("gain_db", 0.0)
        f = s.move.params.get("freq_hz", 0.0)
        if s.move.kind in ("peak", "low_shelf", "high_shelf") and g > 0 and any(lo <= f <= hi for lo, hi in protected):
            lo, hi = next((lo, hi) for lo, hi in protected if lo <= f <= hi)
            if s.move.kind != "high_shelf" and lo > 60:
                # move the boost under the protected region as a low shelf whose response at
                # the region's lower edge stays under 0.25 dB
                new = _shelf_below(lo, g * 0.7, rate)
                if new is None:
                    notes.append(f"dropped {s.move.describe()}: no shelf under {hz(lo)} keeps clear of the refused region")
                else:
                    moved = _replace_move(s, new, rate, f"moved under {hz(lo)}: {hz(lo)}–{hz(hi)} was refused")
                    # one coherent curve: no boost just under a cut the refusal asked for
                    # ("warmer but not muddy" must not boost 89 Hz and cut 158 Hz)
                    cut = next((c for c in out if c.move.kind in ("peak", "low_shelf", "high_shelf")
                                and c.move.params["gain_db"] < 0 and lo <= c.move.params["freq_hz"] <= hi
                                and c.move.params["freq_hz"] <= 2 * new.params["freq_hz"] * 2), None)  # fmt: skip
                    if cut is not None:
                        notes.append(f"'{s.aspect.split(':', 1)[-1]}': left out {new.describe()} under the refused "
                                     f"{hz(lo)}–{hz(hi)}: it would work against {cut.move.describe()} ({cut.id}) "
                                     "an octave away; the cut and the rest of the words carry it")  # fmt: skip
                    else:
                        kept.append(moved)
            else:
                notes.append(f"dropped {s.move.describe()}: it would boost the refused {hz(lo)}–{hz(hi)} region")
            continue
        kept.append(s)
    return kept, notes, protected, requests


def readings_of(wishes: list[Wish]) -> dict | None:
    """The readings of a vague word said alone ("warmer", "bigger": ``intents.json``
    ``readings``), or None when the words are more specific than that."""
    if len(wishes) != 1 or not wishes[0].wanted:
        return None
    for entry in load_data("intents").get("readings", {}).values():
        if isinstance(entry, dict) and wishes[0].words in entry.get("words", ()):
            return entry
    return None


def _alternatives(w: Wish, vague: dict, analysis: Analysis, level, valid, above, notes: list[str], lim: Limits,
                  ) -> list[Suggestion]:  # fmt: skip
    """One card per reading of a vague word, each named, to audition against each other."""
    e = load_data("intents")["descriptors"][w.descriptor]
    slug = vague["words"][0].replace(" ", "-")
    out: list[Suggestion] = []
    for r in vague["readings"]:
        sid = f"{slug}-{r['slug']}"
        name = f"reading '{r['name']}'"
        source = f"intents.json: readings of {w.words} — {r['source']}"
        if "eq" in r:
            missing: list[str] = []
            moves = _eq_moves(w, {**e, "eq": r["eq"], "source": r["source"]}, analysis, level, valid, above,
                              scale=None, lim=lim, missing=missing)  # fmt: skip
            notes += [f"'{w.words}', {name}: {m.split(': ', 1)[1]}" for m in missing]
            if not moves and not missing:
                lo, hi = r["eq"][0]["range_hz"]
                region = valid & (CENTRES >= lo) & (CENTRES <= hi)
                x = float(above[region].mean()) if region.any() else 0.0
                notes.append(f"'{w.words}', {name}: already there — {hz(lo)}–{hz(hi)} sits {x:+.1f} dB against its "
                             "neutral level")  # fmt: skip
            for i, m in enumerate(moves):
                out.append(replace(m, id=sid if len(moves) == 1 else f"{sid}-{i + 1}", why=f"{name}: {m.why}",
                                   confidence=0.5, source=source))  # fmt: skip
        elif "stereo" in r:
            st = analysis.stereo
            if analysis.num_channels < 2 or st.width is None:
                notes.append(f"'{w.words}', {name}: the audio is mono, there is no side to raise")
                continue
            side = float(r["stereo"]["side_gain_db"]) * (0.5 if st.width > 0.4 else 1.0)
            g = 10 ** (side / 10) * st.width / max(1e-6, 1 - st.width)
            move = Move("width", {"side_gain_db": round(side, 1), "mono_below_hz": 0.0})
            out.append(Suggestion(
                id=sid, move=move, confidence=0.5, severity="low", aspect=f"intent:{w.descriptor}",
                why=f"{name}: '{w.words}': {move.describe()} (the side carries {100 * st.width:.0f} % of the energy now)",
                predicted={"width": round(g / (1 + g), 3)}, source=source,
            ))  # fmt: skip
        elif "dynamics" in r:
            d = r["dynamics"]
            lv = analysis.levels
            threshold = max(-60.0, (lv.rms_dbfs or -20.0) - 12.0)
            move = Move(d["kind"], {"threshold_db": round(threshold, 1), "ratio": float(d["ratio"]),
                                    "attack_ms": float(d["attack_ms"]), "release_ms": float(d["release_ms"])})  # fmt: skip
            crest = lv.crest_db or 0.0
            out.append(Suggestion(
                id=sid, move=move, confidence=0.5, severity="low", aspect=f"intent:{w.descriptor}",
                why=f"{name}: '{w.words}': {move.describe()} gives the transients back (crest {crest:.1f} dB now)",
                predicted={"crest_db": round(crest + 3.0 * (float(d["ratio"]) - 1.0), 1)}, source=source,
            ))  # fmt: skip
    if out:
        listed = ", ".join(f"{s.why.split(':', 1)[0].removeprefix('reading ')} ({s.id})" for s in out)
        n = len({s.why.split(':', 1)[0] for s in out})
        each = (f"{n} standard readings, each its own card to audition against the others" if n > 1 else
                "one standard reading this material leaves room for")  # fmt: skip
        notes.append(f"'{w.words}' has {each}: {listed}" + (f"; {vague['unrendered']}" if vague.get("unrendered") else ""))  # fmt: skip
    return out


def _eq_moves(w: Wish, e: dict, analysis: Analysis, level, valid, above, *, scale: float | None, lim: Limits,
              missing: list[str]) -> list[Suggestion]:  # fmt: skip
    """The descriptor's EQ moves, each scaled by what its region holds already; a region
    beyond a roll-off (no judged band in it) gets a note in ``missing`` instead."""
    out = []
    rate = analysis.sample_rate_hz
    for i, spec in enumerate(e["eq"]):
        lo, hi = spec["range_hz"]
        region = valid & (CENTRES >= lo) & (CENTRES <= hi)
        if not region.any():
            missing.append(missing_note(w.words, lo, hi, lim, cut=float(spec["gain_db"]) < 0))
            continue
        if spec.get("seek") == "max":
            j = int(np.flatnonzero(region)[np.argmax(above[region])])
            freq = float(CENTRES[j])
        else:
            freq = float(spec["freq_hz"])
        already = float(above[region].mean())
        nominal = float(spec["gain_db"])
        if scale is not None:
            gain = nominal * scale
        elif nominal > 0:
            gain = max(0.0, nominal - max(0.0, already))  # already bright: less boost
        else:
            gain = min(0.0, nominal - 0.5 * already)  # already muddy: more cut; already lean: less
        gain = float(np.clip(gain, -e.get("max_db", 5), e.get("max_db", 5)))
        if abs(gain) < 0.5:
            continue
        move = Move(spec["shape"], {"freq_hz": round(min(freq, 0.45 * rate)), "gain_db": round(gain, 1), "q": spec.get("q", 0.707)})
        state = f"{hz(lo)}–{hz(hi)} sits {already:+.1f} dB against its neutral level"
        why = f"'{w.words}': {move.describe()} — {state}, so {gain:+.1f} dB where the nominal move is {nominal:+.1f} dB"
        predicted = {band_key(j): band_response_db(move, CENTRES[j], rate) for j in np.flatnonzero(region)}
        out.append(Suggestion(
            id=f"{w.descriptor.replace(' ', '-')}-{i + 1}" if len(e["eq"]) > 1 else w.descriptor.replace(" ", "-"),
            move=move, why=why, confidence=0.6, severity="low", aspect=f"intent:{w.descriptor}",
            predicted=predicted, source=f"intents.json: {w.descriptor} — {e['source']}",
        ))  # fmt: skip
    return out


def missing_note(words: str, lo_hz: float, hi_hz: float, lim: Limits, *, cut: bool) -> str:
    """``'more air': the top is missing — …``: a wish whose region lies beyond a roll-off."""
    top = lim.high_hz is not None and hi_hz > judged_span_hz(lim)[1]
    if top:
        why = "a lossy codec's low-pass" if lim.codec else "a low-pass filter or a dull source"
        where = (f"the top is missing: the spectrum falls {lim.high_slope_db_oct:.0f} dB in the octave above "
                 f"{hz(lim.high_hz)} ({why})")  # fmt: skip
    else:
        low = lim.low_hz or 0.0
        where = (f"the bottom is missing: the spectrum falls {lim.low_slope_db_oct:.0f} dB in the octave below "
                 f"{hz(low)} (a high-pass filter or a thin source)")  # fmt: skip
    return f"'{words}': {where}, so {hz(lo_hz)}–{hz(hi_hz)} has nothing there to {'cut' if cut else 'boost'}: no move"


def _one_curve(moves: list[Suggestion], rate: float, notes: list[str]) -> list[Suggestion]:
    """Wishes whose bells work against each other (a boost and a cut whose half-gain spans
    overlap: "warmer, less muddy" asks +2.5 dB at 250 Hz and a cut at 150–400 Hz) make one
    curve: the cut stays where it was asked, the boost becomes a shelf beside it — a bell or a
    low shelf goes under the cut's lower half-gain edge (warmth under the mud), a high shelf
    over its upper one (air over the harshness) — adding at most 0.25 dB at that edge; when
    no such shelf fits, the boost is left out."""
    eq = ("peak", "low_shelf", "high_shelf")
    out = list(moves)
    for c in [m for m in moves if m.move.kind in eq and m.move.params["gain_db"] < 0]:
        c_lo, c_hi = half_gain_span_hz(c.move, rate)
        for b in [m for m in out if m.move.kind in eq and m.move.params["gain_db"] > 0 and m.aspect != c.aspect]:
            b_lo, b_hi = half_gain_span_hz(b.move, rate)
            if b_hi <= c_lo or b_lo >= c_hi:
                continue
            g = b.move.params["gain_db"]
            below = b.move.kind != "high_shelf"
            new = _shelf_below(c_lo, g * 0.7, rate) if below else _shelf_above(c_hi, g * 0.7, rate)
            clash = (f"{b.move.describe()} (acting {hz(b_lo)}–{hz(b_hi)} at half its gain or more) would work "
                     f"against {c.move.describe()} ({hz(c_lo)}–{hz(c_hi)}, {c.id})")  # fmt: skip
            words = b.aspect.split(":", 1)[-1]
            if new is None:
                notes.append(f"'{words}': left out {clash}; no shelf {'under' if below else 'over'} it keeps clear")
                out.remove(b)
                continue
            side = f"under {hz(c_lo)}" if below else f"over {hz(c_hi)}"
            out[out.index(b)] = _replace_move(b, new, rate, f"moved {side}, one curve with the cut")
            notes.append(f"'{words}': {clash}: one curve instead, {new.describe()} {side}")
    return out


def _compressor(w: Wish, e: dict, analysis: Analysis) -> Suggestion:
    d = e["dynamics"]
    ratio = float(d["ratio"])
    reduction = float(d["reduction_db"])
    s_max = analysis.loudness.short_term_max_lufs or analysis.levels.rms_dbfs or -20.0
    crest = analysis.levels.crest_db or 12.0
    # loud passages sit near the short-term maximum; their peaks about half the crest above
    threshold = max(-60.0, min(-1.0, s_max + crest / 2 - reduction / (1 - 1 / ratio)))
    move = Move("compressor", {"threshold_db": round(threshold, 1), "ratio": ratio, "attack_ms": float(d["attack_ms"]),
                               "release_ms": float(d["release_ms"]), "makeup_db": 0.0})  # fmt: skip
    return Suggestion(
        id=w.descriptor.replace(" ", "-") + "-comp" if w.descriptor != "glue" else "glue",
        move=move,
        why=f"'{w.words}': {move.describe()}, about {reduction:g} dB of gain reduction on the loudest passages "
            f"(short-term max {s_max:.1f} LUFS, crest {crest:.1f} dB)",
        confidence=0.6, severity="low", aspect=f"intent:{w.descriptor}",
        predicted={"crest_db": round(crest - compressor_crest_drop_db(
            analysis.levels.sample_peak_dbfs or 0.0, move.params["threshold_db"], move.params["attack_ms"]), 1)},
        source=f"intents.json: {w.descriptor} — {e['source']}",
    )


def _shelf_below(edge_hz: float, gain_db: float, rate: float) -> Move | None:
    """A low shelf as high as possible under ``edge_hz`` that adds ≤ 0.25 dB at the edge."""
    freq = edge_hz / 1.5
    while freq >= 40.0:
        m = Move("low_shelf", {"freq_hz": round(freq), "gain_db": round(gain_db, 1), "q": 0.707})
        if float(move_response_db(m, np.array([edge_hz]), rate)[0]) <= 0.25:
            return m
        freq /= 1.12
    return None


def _shelf_above(edge_hz: float, gain_db: float, rate: float) -> Move | None:
    """A high shelf as low as possible over ``edge_hz`` that adds ≤ 0.25 dB at the edge."""
    freq = max(500.0, edge_hz * 1.5)  # a high shelf's lowest corner (moves.KINDS)
    while freq <= min(16000.0, 0.45 * rate):
        m = Move("high_shelf", {"freq_hz": round(freq), "gain_db": round(gain_db, 1), "q": 0.707})
        if float(move_response_db(m, np.array([edge_hz]), rate)[0]) <= 0.25:
            return m
        freq *= 1.12
    return None


def _replace_move(s: Suggestion, move: Move, rate: float, reason: str) -> Suggestion:
    from dataclasses import replace

    predicted = {k: band_response_db(move, _centre_from_key(k), rate) for k in s.predicted if k.startswith("band_")}
    words = s.why.split(":", 1)[0]
    return replace(s, move=move, why=f"{words}: {move.describe()} — {reason}", predicted=predicted)


def _centre_from_key(key: str) -> float:
    nominal = float(key.split("_")[1])
    return float(CENTRES[list(NOMINAL_CENTRES_HZ).index(nominal)])
