"""Dynamics: compression from the crest factor, restoration of over-compressed material,
and gain plus limiting to reach a destination's loudness under its true-peak ceiling.

Compressor times follow Giannoulis, Massberg & Reiss (2013, JAES 61(10)): attack and
release scale with 1/C², the squared crest factor, so peakier material gets faster times.
The role's default times (``roles.json``) anchor the formula at the middle of the role's
crest range; the style then bounds them (drums keep their attack, vocals ride smoothly,
bus glue stays slow). The threshold is placed where pedalboard's compressor, as measured
(:func:`compressor_crest_drop_db`), brings the crest factor into the role's range, or as far
as it can at the attack; ratios stay low by default.
"""

from __future__ import annotations

import math

from ..context import Context
from ..moves import KINDS, Move
from ..records import Analysis
from ..rhythm import TEMPO_CONFIDENT
from .common import confidence, db, severity
from .records import LeaveAlone, Suggestion

_STYLE_BOUNDS_MS = {  # (attack min, attack max, release min, release max)
    "punch": (15.0, 60.0, 50.0, 250.0),
    "ride": (3.0, 15.0, 40.0, 200.0),
    "glue": (10.0, 100.0, 100.0, 800.0),
    "even": (5.0, 40.0, 60.0, 400.0),
}
#: What pedalboard's Compressor (JUCE's: a peak detector) does to the crest factor (sample
#: peak over RMS), measured on 16 voices, instruments and mixes at attacks of 3, 10 and 30 ms,
#: ratios 2 and 4 and thresholds 3–20 dB under the sample peak
#: (``benchmarks/compressor_crest.py``): nothing within 4 dB of the peak, then about 0.4 dB
#: per dB of threshold, no more than 2.5 dB at a 3 ms attack, scaled by (3 ms / attack)^0.8
#: for slower attacks (the sharpest peaks pass before the detector reacts); the ratio barely
#: matters. 86 % of the measurements fall within ±1.5 dB of this model.
_CREST_DEAD_DB = 4.0
_CREST_PER_DB = 0.4
_CREST_MAX_DROP_DB = 2.5
_CREST_ATTACK_REF_MS = 3.0
_CREST_ATTACK_EXP = 0.8


def compressor_crest_drop_db(peak_dbfs: float, threshold_db: float, attack_ms: float) -> float:
    """The crest factor's fall (dB, ≥ 0) that pedalboard's compressor delivers with its
    threshold ``peak_dbfs − threshold_db`` under the sample peak, at ``attack_ms``."""
    scale = min(1.0, (_CREST_ATTACK_REF_MS / attack_ms) ** _CREST_ATTACK_EXP)
    depth = min(max(0.0, _CREST_PER_DB * (peak_dbfs - threshold_db - _CREST_DEAD_DB)), _CREST_MAX_DROP_DB)
    return scale * depth


def _threshold_for_drop(peak_dbfs: float, drop_db: float, attack_ms: float) -> tuple[float, float]:
    """The threshold (dB) at which the compressor brings the crest factor down ``drop_db``,
    or as far as it can at ``attack_ms``; and the drop it delivers there."""
    scale = min(1.0, (_CREST_ATTACK_REF_MS / attack_ms) ** _CREST_ATTACK_EXP)
    depth = min(drop_db / scale, _CREST_MAX_DROP_DB)
    threshold = max(-60.0, min(-1.0, peak_dbfs - _CREST_DEAD_DB - depth / _CREST_PER_DB))
    return threshold, compressor_crest_drop_db(peak_dbfs, round(threshold, 1), attack_ms)
#: Loudness inside this many LU of the destination is left alone.
LOUDNESS_TOLERANCE_LU = 0.5
#: Headroom kept under the ceiling by the limiter (pedalboard's limiter reads sample peaks).
LIMITER_MARGIN_DB = 0.5
#: The most peak limiting (dB) asked of material that is already over-compressed or clipped.
SQUASHED_LIMIT_DB = 0.5


#: Release as a fraction of a beat, per style, when the tempo is sure (glue: an eighth
#: note, punch: a sixteenth; riding vocals follow the phrase, not the beat).
_RELEASE_BEATS = {"glue": 0.5, "punch": 0.25, "even": 0.5}


def compressor_times(crest_db: float, ctx: Context, analysis: Analysis | None = None) -> tuple[float, float, str]:
    """Attack and release (ms) and how they were set.

    The role's defaults scaled by C²_role / C² (Giannoulis, Massberg & Reiss 2013); with a
    sure tempo (confidence at least :data:`~analyzers.rhythm.TEMPO_CONFIDENT`) the release
    is a fraction of a beat instead (the compressor recovers with the groove); an unsure
    tempo is not used, and ``how`` says which. Dense transients (more than 3 a second)
    lengthen the attack so each hit keeps its front. Both stay inside the style's bounds.
    """
    role = ctx.role
    mid = sum(role.crest_db) / 2
    scale = 10 ** ((mid - crest_db) / 10)  # C²_role / C², both as power ratios
    a_lo, a_hi, r_lo, r_hi = _STYLE_BOUNDS_MS[role.style]
    attack = role.attack_ms * scale
    release = role.release_ms * scale
    how = "times from the crest factor"
    if analysis is not None and role.style in ("punch", "glue") and analysis.onsets_per_s > 3.0:
        attack *= min(1.5, analysis.onsets_per_s / 3.0)
        how += f", attack lengthened for {analysis.onsets_per_s:.1f} transients a second"
    if analysis is not None and role.style in _RELEASE_BEATS:
        sure = analysis.tempo_confidence >= TEMPO_CONFIDENT
        if analysis.tempo_bpm and sure:
            beats = _RELEASE_BEATS[role.style]
            release = 60000.0 / analysis.tempo_bpm * beats
            how += f", release {'an eighth' if beats == 0.5 else 'a sixteenth'} note at {analysis.tempo_bpm:.0f} BPM"
        elif analysis.tempo_bpm:
            how += (
                f", not from the tempo ({analysis.tempo_bpm:.0f} BPM, not sure: "
                f"confidence {analysis.tempo_confidence:.2f})"
            )
        else:
            how += ", not from the tempo (no beat clear enough to time it by)"
    attack = min(a_hi, max(a_lo, attack))
    release = min(r_hi, max(r_lo, release))
    return round(attack, 1), round(release / 5) * 5.0, how


def crest(analysis: Analysis, ctx: Context, *,
          ride_crest_db: float | None = None) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Compress when peakier than the role (or genre, or reference) keeps; restore when squashed.

    ``ride_crest_db``: a ride is proposed and changes the crest factor by this much (dB,
    :func:`analyzers.suggest.ride.crest_after_ride`): the compressor answers only what is
    left after it, or is not needed.
    """
    lv = analysis.levels
    if lv.crest_db is None or analysis.loudness.integrated_lufs is None:
        return [], []
    c = lv.crest_db
    lo, hi = ctx.role.crest_db
    basis = f"a {ctx.role.name}'s usual {lo:g}–{hi:g} dB"
    squashed_vs_ref = None
    if ctx.reference is not None and ctx.reference.levels.crest_db is not None:
        rc = ctx.reference.levels.crest_db
        lo, hi = rc - 1.5, rc + 1.5
        basis = f"the reference's {rc:.1f} dB (±1.5)"
        # the crest factor alone misleads after heavy compression (it can even rise on noise);
        # loudness range and PLR against the reference tell squashed material apart
        squashed_vs_ref = _squashed_against(analysis, ctx.reference)
    elif ctx.genre is not None and ctx.role.name in ("mix", "master"):
        lo, hi = ctx.genre.crest_db
        basis = f"{ctx.genre.name}'s usual {lo:g}–{hi:g} dB"
    if squashed_vs_ref is not None:
        return _expander_move(analysis, ctx, squashed_vs_ref, deficit=3.0)
    if lo <= c <= hi:
        return [], [LeaveAlone(aspect="dynamics", why=f"crest factor {c:.1f} dB is inside {basis}: no compression needed")]
    ridden = ""
    if c > hi and ride_crest_db is not None and ride_crest_db < 0:
        after = c + ride_crest_db
        ridden = (f"; the ride first takes it to about {after:.1f} dB, so the compressor answers only the rest, "
                  f"at the role's {ctx.role.ratio:g}:1")  # fmt: skip
        if after <= hi:
            return [], [LeaveAlone(aspect="dynamics", why=(
                f"crest factor {c:.1f} dB is above {basis}, but the ride proposed evens the phrases and takes "
                f"it to about {after:.1f} dB: ride first, no compressor needed"))]  # fmt: skip
    if c > hi and analysis.hygiene.clipped_samples:
        return [], [LeaveAlone(aspect="dynamics", why=(
            f"crest factor {c:.1f} dB is above {basis}, but {analysis.hygiene.clipped_samples} samples are "
            "clipped: no compressor on clipped material (it would only squash what is left)"))]  # fmt: skip
    if c > hi:
        excess = (c + min(0.0, ride_crest_db or 0.0)) - hi + 1.0  # aim one dB inside the range
        # a ride evens the phrases first: the compressor stays at the role's ratio
        ratio = ctx.role.ratio if excess < 4 or ridden else min(ctx.role.ratio * 1.5, 6.0)
        attack, release, how = compressor_times(c, ctx, analysis)
        # the threshold where pedalboard's compressor brings the crest factor down by the
        # excess, or as far as it can at this attack (compressor_crest_drop_db)
        threshold, drop = _threshold_for_drop(lv.sample_peak_dbfs, excess, attack)
        move = Move("compressor", {
            "threshold_db": round(threshold, 1), "ratio": round(ratio, 1),
            "attack_ms": attack, "release_ms": release, "makeup_db": 0.0,
        })  # fmt: skip
        short = (f"; no more at this attack, {excess - drop:.1f} dB short of the range (its detector lets "
                 "the sharpest peaks through)" if excess - drop > 0.5 else "")  # fmt: skip
        why = (
            f"crest factor {c:.1f} dB is above {basis}; a {ratio:.1f}:1 compressor from "
            f"{threshold:.1f} dB (attack {attack:g} ms, release {release:g} ms: {how}) brings it down "
            f"about {drop:.1f} dB{short}{ridden}"
        )
        return [Suggestion(
            id="comp", move=move, why=why, confidence=confidence(c - hi, 6.0, base=0.45, top=0.8),
            severity=severity(c - hi, 3.0, 6.0), aspect="crest_db",
            predicted={} if ridden else {"crest_db": round(c - drop, 1)},
            source="Giannoulis, Massberg & Reiss 2013 (attack, release ∝ 1/C²); roles.json",
        )], []  # fmt: skip
    deficit = lo - c
    if deficit < 1.5:
        return [], [LeaveAlone(aspect="dynamics", why=(
            f"crest factor {c:.1f} dB is a little under {basis} ({deficit:.1f} dB): too little to act on"))]  # fmt: skip
    return _expander_move(analysis, ctx, f"crest factor {c:.1f} dB is below {basis}", deficit=deficit)


def _squashed_against(analysis: Analysis, ref: Analysis) -> str | None:
    """A reason when the audio is clearly more compressed than the reference, else None."""
    lo, rlo = analysis.loudness, ref.loudness
    lv, rlv = analysis.levels, ref.levels
    if lo.lra_lu is not None and rlo.lra_lu is not None and rlo.lra_lu >= 2.0 and lo.lra_lu < rlo.lra_lu - 1.5:
        return f"loudness range {lo.lra_lu:.1f} LU against the reference's {rlo.lra_lu:.1f} LU"
    if lv.plr_db is not None and rlv.plr_db is not None and lv.plr_db < rlv.plr_db - 2.0:
        return f"peak-to-loudness ratio {lv.plr_db:.1f} dB against the reference's {rlv.plr_db:.1f} dB"
    return None


def _expander_move(analysis: Analysis, ctx: Context, reason: str, *, deficit: float):
    """Over-compressed: no more compression; an upward expander gives the transients back."""
    lv = analysis.levels
    ratio = round(min(2.0, 1.2 + deficit / 8.0), 2)
    threshold = max(-60.0, (lv.rms_dbfs or -20.0) - 12.0)  # below it, no expansion (noise, tails)
    move = Move("expander", {"threshold_db": round(threshold, 1), "ratio": ratio, "attack_ms": 1.0, "release_ms": 60.0})
    why = (
        f"{reason}: over-compressed. Do not compress further; an upward expander on the transients "
        f"({ratio:g}:1 on how far each hit rises above the material around it) gives some of them "
        "back — better still, back off the compressor or limiter that squashed it"
    )
    c = lv.crest_db or 0.0
    return [Suggestion(
        id="expand", move=move, why=why, confidence=confidence(deficit, 5.0, base=0.35, top=0.7),
        severity=severity(deficit, 2.0, 4.0), aspect="crest_db",
        predicted={"crest_db": round(c + min(deficit, 4.0 * (ratio - 1.0) * 3.0), 1)},
        source="roles.json crest ranges; [IZ-CF]; reference LRA/PLR",
    )], []  # fmt: skip


def loudness(analysis: Analysis, ctx: Context, *, change_lu: float | None = None) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Gain, or gain into a limiter, to reach the destination (or ``change_lu`` from now)."""
    lo = analysis.loudness.integrated_lufs
    tp = analysis.levels.true_peak_dbtp
    if lo is None or tp is None:
        return [], []
    dest = ctx.destination
    ceiling = dest.ceiling_dbtp if dest is not None else -1.0
    if change_lu is not None:
        target = lo + change_lu
        goal = f"{change_lu:+.1f} LU as asked"
    elif dest is not None:
        target = dest.lufs
        # a numeric --target is named by its figure already ("-14 LUFS"): not "-14 LUFS's -14 LUFS"
        goal = dest.name if dest.name == f"{dest.lufs:g} LUFS" else f"{dest.name}'s {dest.lufs:g} LUFS"
    else:
        return [], []
    need = target - lo
    if abs(need) <= LOUDNESS_TOLERANCE_LU and tp <= ceiling:
        return [], [LeaveAlone(
            aspect="loudness",
            why=f"integrated {lo:.1f} LUFS is within {LOUDNESS_TOLERANCE_LU} LU of {goal} and the "
                f"true peak {db(tp)} dBTP is under {ceiling:g} dBTP",
        )]  # fmt: skip
    note = ""
    if dest is not None and dest.normalises in ("both", "down") and need < 0 and change_lu is None:
        note = f"; {dest.name} would turn it down by {-need:.1f} dB anyway, so this only keeps the true peak honest"
    wanted, reaches = need, "reaches"
    for kind in ("gain", "limiter"):  # the move's own range bounds it: as far as one move goes
        if kind == "gain" or tp + need > ceiling - LIMITER_MARGIN_DB:
            spec = KINDS[kind]["gain_db"]
            need = min(spec.high, max(spec.low, need))
    if need != wanted:
        target, reaches = lo + need, "moves it towards"
        note += (f"; {wanted:+.1f} dB would be needed, more than one move should do ({need:+.0f} dB): "
                 "fix the level where the audio is made")  # fmt: skip
    squashed = _squashed(analysis, ctx)
    if squashed and tp + need - ceiling > SQUASHED_LIMIT_DB and need > 0:
        # more limiting than the material can take: the least damaging option is less loudness
        wanted_lufs = target
        need = round(ceiling - LIMITER_MARGIN_DB - tp, 2)  # gain only: the true peak just under the ceiling
        target = lo + need
        move = Move("gain", {"gain_db": need})
        why = (f"integrated {lo:.1f} LUFS: reaching {goal} would take {wanted_lufs - lo:+.1f} dB and "
               f"{tp + (wanted_lufs - lo) - ceiling:.1f} dB of peak limiting, more than this material can take "
               f"({squashed}). The least damaging option: {need:+.1f} dB of gain only, to {target:.1f} LUFS with "
               f"the true peak at {tp + need:.1f} dBTP, and no further squashing; louder only from a less "
               "compressed source, or after the expander gives the transients back")  # fmt: skip
        return [Suggestion(
            id="loudness", move=move, why=why, confidence=0.8, severity=severity(wanted_lufs - lo, 1.5, 4.0),
            aspect="integrated_lufs", predicted={"integrated_lufs": round(target, 2), "true_peak_dbtp": round(tp + need, 2)},
            source="destinations.json; problems.md §6 (PLR, crest factor)",
        )], []  # fmt: skip
    if tp + need <= ceiling - LIMITER_MARGIN_DB:
        move = Move("gain", {"gain_db": round(need, 2)})
        why = f"integrated {lo:.1f} LUFS; {need:+.1f} dB of gain {reaches} {goal} with the true peak at {db(tp + need)} dBTP{note}"
        predicted = {"integrated_lufs": round(target, 2), "true_peak_dbtp": round(tp + need, 2)}
    else:
        over = tp + need - ceiling
        move = Move("limiter", {"ceiling_dbtp": ceiling, "gain_db": round(need, 2), "release_ms": 100.0})
        why = (
            f"integrated {lo:.1f} LUFS, true peak {db(tp)} dBTP: {need:+.1f} dB {reaches} {goal}, "
            f"but the peaks would go {over:.1f} dB over {ceiling:g} dBTP, so a limiter holds them "
            f"(about {over:.1f} dB of peak reduction){note}"
        )
        predicted = {"integrated_lufs": round(target, 2), "true_peak_dbtp": ceiling}
    return [Suggestion(
        id="loudness", move=move, why=why, confidence=0.9 if change_lu is None else 0.7,
        severity=severity(need, 1.5, 4.0), aspect="integrated_lufs", predicted=predicted,
        source="destinations.json" if dest is not None else "intents.json",
    )], []  # fmt: skip


def _squashed(analysis: Analysis, ctx: Context) -> str:
    """Why the material can take no more limiting ('' when it can): clipped, or a crest factor
    1.5 dB or more under the role's (or genre's) range, the expander's own condition."""
    h, lv = analysis.hygiene, analysis.levels
    if h.clipped_samples:
        return f"{h.clipped_samples} clipped samples"
    lo, _ = ctx.genre.crest_db if ctx.genre is not None and ctx.role.name in ("mix", "master") else ctx.role.crest_db
    if lv.crest_db is not None and lv.crest_db < lo - 1.5:
        return f"crest factor {lv.crest_db:.1f} dB, under the {lo:g} dB a {ctx.role.name} keeps: already over-compressed"
    return ""


def peaks(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """With no destination: a true peak above 0 dBTP is a fault (it clips in the converter
    or the codec) answered with a limiter to −1 dBTP; −1…0 dBTP is a caution; under −1, safe.
    With a destination, :func:`loudness` owns the ceiling."""
    tp = analysis.levels.true_peak_dbtp
    if tp is None or ctx.destination is not None:
        return [], []
    if tp <= -1.0:
        return [], [LeaveAlone(aspect="true_peak", why=f"true peak {db(tp)} dBTP leaves headroom under −1 dBTP")]
    over = analysis.hygiene.over_full_scale_samples
    # both answers to a true peak over 0 dBTP bring it to −1 dBTP
    to_minus_1 = dict(confidence=0.9, severity=severity(tp + 1.0, 1.0, 2.0), aspect="true_peak",
                      predicted={"true_peak_dbtp": -1.0}, source="EBU R128 / AES TD1008: −1 dBTP")  # fmt: skip
    if tp > 0.0 and over and not analysis.hygiene.clipped_samples:
        gain = -round(tp + 1.0, 1)
        return [Suggestion(
            id="float-over-gain", move=Move("gain", {"gain_db": gain}),
            why=f"{over} samples lie beyond full scale (true peak {tp:+.1f} dBTP); this float file still holds "
                f"them whole, but a fixed-point export or a converter clips them: {gain:.1f} dB of gain brings the "
                "true peak to −1 dBTP and leaves the peaks' shape alone (a limiter would change it)",
            **to_minus_1,
        )], []  # fmt: skip
    if tp > 0.0:
        move = Move("limiter", {"ceiling_dbtp": -1.0, "gain_db": 0.0, "release_ms": 100.0})
        return [Suggestion(
            id="true-peak-limit", move=move,
            why=f"true peak {tp:+.1f} dBTP is above 0 dBTP: it clips when converted or encoded; a limiter "
                f"with its ceiling at −1 dBTP takes {tp + 1.0:.1f} dB off those peaks (a --target sizes "
                "it for a destination)",
            **to_minus_1,
        )], []  # fmt: skip
    return [], [LeaveAlone(
        aspect="true_peak",
        why=f"true peak {db(tp, signed=True)} dBTP is above −1 dBTP (under 0): a caution, not a fault; give a --target to "
            "get a limiter move sized for it",
    )]  # fmt: skip


def lra(analysis: Analysis, ctx: Context) -> list[LeaveAlone]:
    """Loudness range against the genre: reported as a verdict, never forced."""
    value = analysis.loudness.lra_lu
    if value is None or ctx.genre is None or ctx.role.name not in ("mix", "master"):
        return []
    lo, hi = ctx.genre.lra_lu
    if lo <= value <= hi:
        return [LeaveAlone(aspect="lra", why=f"loudness range {value:.1f} LU is inside {ctx.genre.name}'s usual {lo:g}–{hi:g} LU")]
    side = "wider" if value > hi else "narrower"
    return [LeaveAlone(
        aspect="lra",
        why=f"loudness range {value:.1f} LU is {side} than {ctx.genre.name}'s usual {lo:g}–{hi:g} LU; "
            "that is an arrangement choice (ride faders or automate) more than a processor's job",
    )]  # fmt: skip


def _db(x: float) -> float:
    return 20 * math.log10(x)
