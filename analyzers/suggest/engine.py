"""The suggestion engine: every rule, then restraint.

:func:`suggest` runs the rules (corrective EQ, tonal balance against a genre or a
reference, dynamics, loudness, stereo, the engineer's words), then:

* resolves conflicts — the engineer's words win over automatic moves on the same band,
  and two EQ moves in opposite directions within a third of an octave never both stay;
* ranks by severity and confidence and keeps at most :data:`MAX_SUGGESTIONS`;
* reports every figure it checked and found inside its tolerance as a ``leave_alone``
  verdict with its reason.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..context import Context
from ..moves import TONAL_EQ_KINDS, Move
from ..records import Analysis
from .common import CENTRES, NOMINAL, band_key, band_levels, band_span, confidence, freq_label, hz, severity
from .corrective import band_limit_notes, bumps, dc_highpass, has_dc, rumble
from .deess import sibilance
from .dynamics import crest, loudness, lra, peaks
from .fine import fine, judged_span_hz, limits
from .intent import intent_suggestions
from .matching import Match, match_suggestions
from .questions import question
from .records import SEVERITY_RANK, Advice, LeaveAlone, Suggestion
from .repair import hum, noise, rumble_is_hum
from .ride import ride
from .stereo import stereo
from .tonal import band_grid, band_response, fit_moves, smooth_octave

MAX_SUGGESTIONS = 6
#: Tonal balance against a genre: tolerance (dB), strength (share of the gap closed), cap (dB).
GENRE_TONAL = (6.0, 0.5, 3.0)
#: Tonal balance against a reference track.
REFERENCE_TONAL = (1.0, 0.8, 6.0)


def suggest(analysis: Analysis, ctx: Context) -> Advice:
    """Everything Second Ear proposes for one piece of audio, and what it leaves alone.

    Parameters
    ----------
    analysis : Analysis
        The measurement of the audio (``analyzers.analyze`` or ``bridge.measure.analyze_file``).
    ctx : Context
        Role, genre, destination, reference and intent (``analyzers.context.make_context``).
    """
    found: list[Suggestion] = []
    keep: list[LeaveAlone] = []
    notes: list[str] = []

    if analysis.loudness.integrated_lufs is None:
        why = "no signal above the −70 LUFS gate" if analysis.num_samples >= 0.4 * analysis.sample_rate_hz else (
            f"{analysis.duration_s:.2f} s is too short to judge (400 ms at least)")  # fmt: skip
        return Advice(suggestions=(), leave_alone=(LeaveAlone(aspect="everything", why=why),),
                      notes=("nothing to suggest: " + why,))  # fmt: skip
    if analysis.duration_s < 3.0:
        notes.append(f"{analysis.duration_s:.1f} s is short: tonal and dynamics figures are rough")

    intent_moves, intent_notes, protected, requests = intent_suggestions(analysis, ctx)
    notes += intent_notes

    s, k = rumble(analysis, ctx)
    found += s
    keep += k
    notes += band_limit_notes(analysis, ctx)
    for rule in (hum, noise):  # repair: mains hum, background noise
        s, k = rule(analysis, ctx)
        found += s
        keep += k
    if any(x.aspect == "hum" for x in found):
        for x in [x for x in found if x.aspect == "rumble" and rumble_is_hum(analysis, x)]:
            found.remove(x)
            notes.append(f"no {x.move.describe()}: the energy under it is the hum's own lines, which the dehum move notches")
            if has_dc(analysis):  # the high-pass also took the DC offset: that still needs its move
                found.append(dc_highpass(analysis, ctx))
    if ctx.reference is None:
        s, k = bumps(analysis, ctx)
        if ctx.role.name in ("mix", "master"):
            # A mix's spectrum is its arrangement: a bump may be the synth the song is built
            # on, and on real mixes such bumps are as large as any EQ mistake. A bump is an
            # observation for the engineer's ears, not a move (restraint; see README); a
            # genre target judges only the broad balance, a reference decides.
            hint = ("the genre target judges only the broad balance; give --reference to decide"
                    if ctx.genre is not None else "give --reference or --genre to decide")  # fmt: skip
            notes += [f"{x.why} — on a whole mix that may be the arrangement: judge by ear ({hint})" for x in s]
            if not s:
                keep += k
        else:
            found += s
            keep += k
    matched, matched_moves, same = match_suggestions(analysis, ctx)
    found += matched
    s, k = _tonal(analysis, ctx, matched_moves, same)
    found += s
    keep += k
    s, k = sibilance(analysis, ctx)
    found += s
    keep += k
    s, k, ride_crest_db = ride(analysis, ctx)
    found += s
    keep += k
    s, k = crest(analysis, ctx, ride_crest_db=ride_crest_db)
    found += s
    keep += k
    s, k = loudness(analysis, ctx, change_lu=requests.get("change_lu"))
    found += s
    keep += k
    s, k = peaks(analysis, ctx)
    found += s
    keep += k
    keep += lra(analysis, ctx)
    s, k = stereo(analysis, ctx)
    found += s
    keep += k
    found += _stereo_requests(analysis, requests.get("stereo", []))
    found += _section_lift(analysis, requests.get("section"), notes)
    if analysis.hygiene.clipped_samples:
        notes.append(
            f"{analysis.hygiene.clipped_samples} samples are clipped ({analysis.hygiene.clip_runs} runs): "
            "no move restores them; export again from before the clip"
        )

    found = _one_answer_to_sibilance(found, analysis, notes)
    found = _resolve(intent_moves, found, protected, notes)
    found = _unique_ids(found)
    ranked = sorted(found, key=lambda s: (SEVERITY_RANK[s.severity], -s.confidence))
    if len(ranked) > MAX_SUGGESTIONS:
        ranked = _keep_expander(ranked, notes)
        notes += [f"also considered, ranked lower: {s.move.describe()} ({s.aspect})" for s in ranked[MAX_SUGGESTIONS:]]
        ranked = ranked[:MAX_SUGGESTIONS]
    answered = {s.aspect for s in ranked}
    keep = [k for k in keep if k.aspect not in answered]
    keep = [_asked_for(k, ranked) for k in keep]
    ranked = [_evidence(s, analysis) for s in ranked]
    notes = list(dict.fromkeys(notes))  # the same note once
    asked = question(analysis, ctx, notes)
    return Advice(suggestions=tuple(ranked), leave_alone=tuple(keep), notes=tuple(notes),
                  questions=() if asked is None else (asked,))  # fmt: skip


def _asked_for(k: LeaveAlone, ranked: list[Suggestion]) -> LeaveAlone:
    """A dynamics verdict beside a compressor the engineer's words asked for ("more glue"):
    the compressor is there because it was asked for, not because the dynamics need it."""
    asked = next((s for s in ranked if s.aspect.startswith("intent:") and s.move.kind == "compressor"), None)
    if asked is None or k.aspect != "dynamics" or "no compression needed" not in k.why:
        return k
    words = asked.why.split(":", 1)[0]
    return replace(k, why=k.why.replace("no compression needed", f"no compression needed for the dynamics; "
                                        f"{asked.id} is there because {words} asks for it"))  # fmt: skip


#: Confidence cap by length: 0.35 for a blip, rising to the full scale at FULL_EVIDENCE_S.
FULL_EVIDENCE_S = 6.0


def _evidence(s: Suggestion, analysis: Analysis) -> Suggestion:
    """Confidence falls with the evidence: a short or truncated file is a rough measurement."""
    cap = 0.35 + 0.55 * min(1.0, analysis.duration_s / FULL_EVIDENCE_S)
    if any("truncat" in w for w in analysis.warnings):
        cap = min(cap, 0.5)
    return s if s.confidence <= cap else replace(s, confidence=round(cap, 2))


def _tonal(analysis: Analysis, ctx: Context, matched: tuple[Move, ...] | list[Move] = (), same: Match | None = None,
           ) -> tuple[list[Suggestion], list[LeaveAlone]]:  # fmt: skip
    """Broad moves towards the reference or the genre target; what the ``matched`` bells (a
    same-source reference's, :mod:`.matching`) already undo is left out of the gap."""
    if ctx.reference is not None:
        target, _ = band_levels(ctx.reference)
        name = "the reference"
        tol, strength, cap = REFERENCE_TONAL
        source = "--reference"
    elif ctx.genre is not None and ctx.role.name in ("mix", "master"):
        target = np.array(ctx.genre.band_level_db)
        name = f"the {ctx.genre.name} target"
        tol, strength, cap = GENRE_TONAL
        source = f"genres.json: {ctx.genre.name} — {ctx.genre.source}"
    else:
        return [], []
    level, valid = band_levels(analysis)
    valid = valid & np.isfinite(target)
    # a band beyond a roll-off (a codec's low-pass at 16 kHz, a high-passed bottom) is not a
    # deficit to boost, nor to cut: the balance is judged where the material and the
    # reference both have content, and what was left out is said
    lim = limits(*fine(analysis))
    edges = [(judged_span_hz(lim), lim, "this file")]
    if ctx.reference is not None:
        rlim = limits(*fine(ctx.reference))
        edges.append((judged_span_hz(rlim), rlim, "the reference"))
    for (lo_hz, hi_hz), _, _ in edges:
        valid &= (CENTRES >= lo_hz) & (CENTRES <= hi_hz)
    in_range = valid & (CENTRES >= TONAL_RANGE_HZ[0]) & (CENTRES <= min(TONAL_RANGE_HZ[1], 0.45 * analysis.sample_rate_hz))
    if in_range.sum() < 6:
        return [], [LeaveAlone(aspect="tonal_balance", why=(
            f"not judged against {name}: {_left_out(edges) or 'too few bands with content in both'}"))]  # fmt: skip
    judged = np.flatnonzero(in_range)
    judged_over, left = f"over {band_span(int(judged[0]), int(judged[-1]))}", _left_out(edges)
    span = judged_over + (f" ({left})" if left else "")
    for move in matched:  # the level once the matching bells are in
        level = level + band_response(move, band_grid(analysis.sample_rate_hz), analysis.sample_rate_hz)
    diff = np.where(valid, target - level, 0.0)
    if same is not None and same.same_source:
        strength = 1.0  # the same source: what was done to it is undone whole, not nudged
    moves, residual = fit_moves(diff, valid, sample_rate_hz=analysis.sample_rate_hz, tolerance_db=tol,
                                strength=strength, cap_db=cap, max_moves=4 if ctx.reference is not None else 3,
                                range_hz=TONAL_RANGE_HZ)  # fmt: skip
    out = []
    # the deviation each move answers, before any move: two moves justified by the same
    # region never together close more of it than the cap (strength) allows
    d0 = smooth_octave(diff, valid)
    d0 = np.where(valid, d0 - np.nanmean(np.where(valid, d0, np.nan)), np.nan)
    total = np.zeros(CENTRES.size)
    for tm in moves:
        tm = _within_share(tm, d0, valid, strength, analysis.sample_rate_hz)
        if tm is None:
            continue
        centres = [o.centre_index for o in out] + [tm.centre_index]
        # scaled down (to 30 % at most) until, with the moves already kept, no region it
        # touches is closed past the share or pushed the other way
        for factor in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3):
            trial_tm = tm if factor == 1.0 else _scaled_tonal(tm, factor, analysis.sample_rate_hz)
            if trial_tm is None:
                break
            trial = total + trial_tm.band_change_db
            trial_rel = trial - np.nanmean(np.where(valid, trial, np.nan))
            over = [k for k in centres if np.isfinite(d0[k]) and (abs(trial_rel[k]) > strength * abs(d0[k]) + 0.5
                                                                  or np.sign(trial_rel[k]) != np.sign(d0[k]))]  # fmt: skip
            if not over:
                out.append(trial_tm)
                total = trial
                break
    # a move the others undo at its own centre (it closes under a tenth of its gap once they
    # are in) does nothing there the rest does not: left out
    net = [_share(total, valid, d0, tm.centre_index) for tm in out]
    kept = [tm for tm, x in zip(out, net) if x >= 0.1] if len(out) > 1 else out
    for tm in out:
        if not any(k is tm for k in kept):
            total = total - tm.band_change_db
    out = []
    for tm in kept:
        j = tm.centre_index
        # the span the move answers: neighbours deviating the same way by at least half
        lo_j = hi_j = j
        smooth = float(d0[j])
        while lo_j > 0 and valid[lo_j - 1] and np.sign(target[lo_j - 1] - level[lo_j - 1]) == np.sign(smooth) and abs(target[lo_j - 1] - level[lo_j - 1]) >= abs(smooth) / 2:
            lo_j -= 1
        while hi_j < CENTRES.size - 1 and valid[hi_j + 1] and np.sign(target[hi_j + 1] - level[hi_j + 1]) == np.sign(smooth) and abs(target[hi_j + 1] - level[hi_j + 1]) >= abs(smooth) / 2:
            hi_j += 1
        where = "above" if smooth < 0 else "below"
        own = float(tm.band_change_db[j] - np.nanmean(np.where(valid, tm.band_change_db, np.nan)))
        share_all = float((total[j] - np.nanmean(np.where(valid, total, np.nan))) / smooth * 100)
        why = (f"{band_span(lo_j, hi_j)} sits {abs(smooth):.1f} dB {where} {name} (octave-smoothed, judged "
               f"{judged_over}" + (f"; {left}" if left else "") + "); "
               f"a {tm.move.describe()} closes {own / smooth * 100:.0f} % of it"
               + (f" ({share_all:.0f} % with the other tonal moves)" if len(kept) > 1 and abs(share_all - own / smooth * 100) >= 5 else ""))  # fmt: skip
        predicted = {band_key(k): float(tm.band_change_db[k]) for k in range(lo_j, hi_j + 1)}
        out.append(Suggestion(
            id=_tone_id(tm.move), move=tm.move, why=why,
            confidence=confidence(abs(smooth) - tol, 4.0, base=0.4, top=0.8 if ctx.reference is not None else 0.6),
            severity=severity(abs(smooth), tol + 1.5, tol + 4.0), aspect=f"tonal:{freq_label(NOMINAL[j])}",
            predicted=predicted, source=source,
        ))  # fmt: skip
    if not out:
        worst = float(np.nanmax(np.abs(residual))) if np.isfinite(residual).any() else 0.0
        fine_words = ""
        if same is not None and same.same_source:
            fine_words = (f"; it is this same source (the fine shapes correlate, r {same.r:.2f}), and "
                          + ("besides the matching bells " if matched else "")
                          + f"no bell-shaped difference stands out: the largest left is {same.left_db:.1f} dB")  # fmt: skip
        missing = _top_missing(lim, edges, name)
        if missing:  # the file lacks what the reference has: that is the verdict, not "within"
            return [], [LeaveAlone(aspect="tonal_balance", why=(
                f"{missing}; {span} the balance is within ±{tol:g} dB of {name} (octave-smoothed; largest gap "
                f"{worst:.1f} dB)"))]  # fmt: skip
        return [], [LeaveAlone(aspect="tonal_balance", why=(
            f"tonal balance is within ±{tol:g} dB of {name} {span} (octave-smoothed; "
            f"largest gap {worst:.1f} dB){fine_words}"))]  # fmt: skip
    return out, []


#: Where the tonal balance is judged at most (Hz): the 1/3-octave bands from 40 Hz to 16 kHz.
TONAL_RANGE_HZ = (40.0, 16000.0)


def _left_out(edges) -> str:
    """What the roll-offs of the file or the reference left out of the judged range, in words:
    on each side, the one that narrows it most."""
    out = []
    top = min(edges, key=lambda e: e[0][1])
    if top[0][1] < TONAL_RANGE_HZ[1]:
        lim = top[1]
        kind = "a codec's low-pass" if lim.codec else "a low-pass or a dull source"
        out.append(f"above it {top[2]}'s top is missing: it falls {lim.high_slope_db_oct:.0f} dB in the octave "
                   f"above {hz(lim.high_hz)}, {kind}")  # fmt: skip
    bottom = max(edges, key=lambda e: e[0][0])
    if bottom[0][0] > TONAL_RANGE_HZ[0]:
        lim = bottom[1]
        out.append(f"below it {bottom[2]}'s bottom is missing: it falls {lim.low_slope_db_oct:.0f} dB in the "
                   f"octave below {hz(lim.low_hz)}")  # fmt: skip
    return "; ".join(out)


def _top_missing(lim, edges, name: str) -> str:
    """The verdict when this file's top stops an octave or more under the reference's: what
    is not there, no EQ move brings back."""
    if len(edges) < 2 or lim.high_hz is None:
        return ""
    ref_top = edges[1][1].high_hz or TONAL_RANGE_HZ[1]
    if ref_top < 2 * lim.high_hz:
        return ""
    return (f"the top is missing against {name}: this file falls {lim.high_slope_db_oct:.0f} dB in the octave "
            f"above {hz(lim.high_hz)}, where {name} carries content up to {hz(ref_top)}; no EQ move brings back "
            "what is not there (check the filter or the source: export again before the low-pass)")


def _share(total: np.ndarray, valid: np.ndarray, d0: np.ndarray, j: int) -> float:
    """The share of the smoothed deviation at band ``j`` that the moves' ``total`` closes."""
    rel = total[j] - np.nanmean(np.where(valid, total, np.nan))
    return float(rel / d0[j]) if np.isfinite(d0[j]) and d0[j] != 0 else 0.0


def _scaled_tonal(tm, factor: float, rate: float):
    """``tm`` with its gain times ``factor``; None when that is under 0.5 dB."""
    gain = round(tm.move.params["gain_db"] * factor, 1)
    if abs(gain) < 0.5:
        return None
    move = Move(tm.move.kind, {**tm.move.params, "gain_db": gain})
    return replace(tm, move=move, band_change_db=band_response(move, band_grid(rate), rate))


def _within_share(tm, d0: np.ndarray, valid: np.ndarray, strength: float, rate: float):
    """The move scaled so that alone it closes no more than ``strength`` of the deviation at its
    centre (the documented cap: 80 % of a reference's gap, half a genre target's); None when
    what is left is under 0.5 dB."""
    j = tm.centre_index
    own = float(tm.band_change_db[j] - np.nanmean(np.where(valid, tm.band_change_db, np.nan)))
    if not np.isfinite(d0[j]) or d0[j] == 0 or abs(own) <= strength * abs(d0[j]):
        return tm
    return _scaled_tonal(tm, strength * abs(d0[j]) / abs(own) - 0.05 / abs(tm.move.params["gain_db"]), rate)


def _stereo_requests(analysis: Analysis, wishes) -> list[Suggestion]:
    out = []
    st = analysis.stereo
    for w, spec in wishes:
        if analysis.num_channels < 2 or st.width is None:
            continue
        side = float(spec.get("side_gain_db", 0.0))
        mono_below = float(spec.get("mono_below_hz", 0.0))
        if side > 0 and st.width > 0.4:
            side = round(side * 0.5, 1)  # already wide: half the nominal widening
        predicted_w = st.width
        if side:
            g = 10 ** (side / 10) * st.width / max(1e-6, 1 - st.width)
            predicted_w = g / (1 + g)
        move = Move("width", {"side_gain_db": side, "mono_below_hz": mono_below})
        out.append(Suggestion(
            id=w.descriptor.replace(" ", "-"), move=move,
            why=f"'{w.words}': {move.describe()} (the side carries {100 * st.width:.0f} % of the energy now)",
            confidence=0.6, severity="low", aspect=f"intent:{w.descriptor}",
            predicted={"width": round(predicted_w, 3)}, source=f"intents.json: {w.descriptor}",
        ))  # fmt: skip
    return out


def _section_lift(analysis: Analysis, request, notes: list[str]) -> list[Suggestion]:
    if request is None:
        return []
    w, spec = request
    secs = [s for s in analysis.sections if s.loudness_lufs is not None]
    if len(secs) < 2:
        notes.append(f"'{w.words}': no chorus found — the level does not change by 3 LU or more for 8 s anywhere")
        return []
    chorus = max(secs, key=lambda s: s.loudness_lufs)
    region = (chorus.start_s, chorus.end_s)
    where = f"{chorus.start_s:.1f}–{chorus.end_s:.1f} s, the loudest section ({chorus.loudness_lufs:.1f} LUFS)"
    out = [Suggestion(
        id="lift-gain", move=Move("gain", {"gain_db": float(spec["gain_db"])}),
        why=f"'{w.words}': {float(spec['gain_db']):+.1f} dB on {where}", confidence=0.55, severity="low",
        aspect="intent:chorus lift", region_s=region,
        predicted={"section_lufs": round(chorus.loudness_lufs + float(spec["gain_db"]), 2)},
        source="intents.json: chorus lift",
    ), Suggestion(
        id="lift-air", move=Move("high_shelf", {"freq_hz": 8000.0, "gain_db": float(spec["high_shelf_db"]), "q": 0.707}),
        why=f"'{w.words}': a little top on {where}", confidence=0.5, severity="low",
        aspect="intent:chorus lift air", region_s=region, source="intents.json: chorus lift",
    )]  # fmt: skip
    if analysis.num_channels >= 2:
        out.append(Suggestion(
            id="lift-width", move=Move("width", {"side_gain_db": float(spec["side_gain_db"]), "mono_below_hz": 0.0}),
            why=f"'{w.words}': a little width on {where}", confidence=0.5, severity="low",
            aspect="intent:chorus lift width", region_s=region, source="intents.json: chorus lift",
        ))  # fmt: skip
    return out


def _resolve(intent_moves: list[Suggestion], found: list[Suggestion], protected, notes: list[str]) -> list[Suggestion]:
    """The engineer's words first; then no opposite EQ moves within a third of an octave."""
    kept: list[Suggestion] = []
    for s in intent_moves:  # words that contradict each other: the first one said wins
        if s.move.kind in TONAL_EQ_KINDS:
            f, g = s.move.params["freq_hz"], s.move.params["gain_db"]
            clash = next((k for k in kept if k.move.kind in TONAL_EQ_KINDS
                          and abs(math.log2(k.move.params["freq_hz"] / f)) <= 1 / 3 + 1e-6
                          and np.sign(k.move.params["gain_db"]) != np.sign(g)), None)  # fmt: skip
            if clash is not None:
                notes.append(f"'{s.aspect.split(':', 1)[-1]}' contradicts '{clash.aspect.split(':', 1)[-1]}' "
                             f"on the same band: kept {clash.move.describe()}, left out {s.move.describe()}")  # fmt: skip
                continue
        kept.append(s)
    for s in sorted(found, key=lambda s: (SEVERITY_RANK[s.severity], -s.confidence)):
        if s.move.kind in TONAL_EQ_KINDS:
            f, g = s.move.params["freq_hz"], s.move.params["gain_db"]
            if g > 0 and any(lo <= f <= hi for lo, hi in protected):
                notes.append(f"left out {s.move.describe()}: it boosts a region the engineer refused")
                continue
            clash = next((k for k in kept if k.move.kind in TONAL_EQ_KINDS
                          and abs(math.log2(k.move.params["freq_hz"] / f)) <= 1 / 3 + 1e-6), None)  # fmt: skip
            if clash is not None:
                opposite = np.sign(clash.move.params["gain_db"]) != np.sign(g)
                notes.append(f"left out {s.move.describe()}: {'it works against' if opposite else 'it overlaps'} "
                             f"{clash.move.describe()} ({clash.id})")  # fmt: skip
                continue
        if s.move.kind in ("compressor", "expander") and any(k.move.kind in ("compressor", "expander") for k in kept):
            notes.append(f"left out {s.move.describe()}: one dynamics move at a time")
            continue
        if s.move.kind == "width" and s.region_s is None and any(
                k.move.kind == "width" and k.region_s is None for k in kept):  # fmt: skip
            other = next(k for k in kept if k.move.kind == "width" and k.region_s is None)
            if s.id == "mono-bass" and other.move.params["mono_below_hz"] == 0:
                merged = Move("width", {"side_gain_db": other.move.params["side_gain_db"],
                                        "mono_below_hz": s.move.params["mono_below_hz"]})  # fmt: skip
                kept[kept.index(other)] = replace(other, move=merged, why=other.why + "; " + s.why,
                                                  predicted={**other.predicted, **s.predicted})  # fmt: skip
            continue
        kept.append(s)
    return kept


def _one_answer_to_sibilance(found: list[Suggestion], analysis: Analysis, notes: list[str]) -> list[Suggestion]:
    """The time-resolved sibilance measurement decides: a de-esser answers sibilance that comes
    and goes (no static cut within a third of an octave of it too), and when the esses measure
    under the limit, a cut the long-term spectrum asks for there is a steady bright band, not
    "sibilance"."""
    de = [s for s in found if s.move.kind == "deesser"]
    sib = analysis.sibilance
    calm = not de and sib is not None and sib.peak_db is not None and not sib.sibilant
    out = []
    for s in found:
        if s.move.kind == "peak" and s.move.params["gain_db"] < 0:
            f = s.move.params["freq_hz"]
            if any(abs(math.log2(f / d.move.params["freq_hz"])) <= 1 / 3 + 1e-6 for d in de):
                notes.append(f"left out {s.move.describe()} ({s.id}): the sibilance there comes and goes, "
                             f"and {de[0].id} answers it only when it does")  # fmt: skip
                continue
            if calm and "(sibilance:" in s.why:
                # the band stands out all the time: a steady brightness, which the cut answers
                start = s.why.index("(sibilance:")
                end = s.why.index(")", start) + 1
                s = replace(s, why=s.why[:start] + f"(a steady bright band, not sibilance: the esses peak at "
                            f"{sib.peak_db:+.1f} dB against the vowels)" + s.why[end:])  # fmt: skip
        out.append(s)
    return out


def _keep_expander(ranked: list[Suggestion], notes: list[str]) -> list[Suggestion]:
    """The cap never drops the expander the analysis asked for (over-compressed material: it
    is what the rest depends on): it takes the place of the lowest-ranked move kept."""
    cut = ranked[MAX_SUGGESTIONS:]
    exp = next((s for s in cut if s.move.kind == "expander"), None)
    if exp is None:
        return ranked
    head = ranked[:MAX_SUGGESTIONS]
    out = head[:-1] + [exp]
    notes.append(f"kept {exp.move.describe()} ({exp.id}) within the {MAX_SUGGESTIONS}-move cap: over-compressed "
                 f"material needs it before anything louder; {head[-1].id} moved to the ranked-lower list")  # fmt: skip
    return out + [head[-1]] + [s for s in cut if s is not exp]


def _unique_ids(items: list[Suggestion]) -> list[Suggestion]:
    seen: dict[str, int] = {}
    out = []
    for s in items:
        n = seen.get(s.id, 0)
        seen[s.id] = n + 1
        out.append(s if n == 0 else replace(s, id=f"{s.id}-{n + 1}"))
    return out


def _tone_id(move: Move) -> str:
    """``lowshelf-boost-200``, ``bell-cut-1k``: what the move is, where."""
    shape = {"peak": "bell", "low_shelf": "lowshelf", "high_shelf": "highshelf"}.get(move.kind, move.kind)
    way = "boost" if move.params["gain_db"] > 0 else "cut"
    return f"{shape}-{way}-{freq_label(move.params['freq_hz'])}"
