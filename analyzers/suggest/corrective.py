"""Corrective EQ: rumble below the role's range, and bumps that stand out of the spectrum.

* Rumble: energy below the role's lowest useful frequency (``roles.json: highpass_hz``),
  or a sub-bass band louder than the bass above it, is answered with a high-pass whose
  corner is chosen from the content: just above the rumble and below the music.
* Bumps: a bump of the fine (1/24-octave) spectrum more than :data:`BUMP_DB` above its
  broad trend (:mod:`.fine`) between 100 Hz and 12 kHz is named by its region (mud,
  boxiness, nasal, harshness, sibilance, or a resonance) and answered with a bell cut
  fitted to it, centred where the bump peaks. The role's own register is left alone (a
  kick's 60 Hz is the point of a kick), and so is the knee of any roll-off. A bump must
  also be there in three frames in four (:data:`HELD_DB`): a note that comes back often
  piles its partials up in the long-term spectrum, a fixed bell lifts every frame.
* Steady bumps on a voice: a bell that stands :data:`STEADY_BUMP_DB` or more in at least
  three frames in four (:mod:`analyzers.steady`) is a fixed filter — an EQ, the microphone,
  the room — since a voice's own resonances move with every vowel. It is answered like a
  bump even where the long-term spectrum's roughness (its formants) would hide it, and a
  long-term bump that is not steady is left alone. Clean voices of ``../shared/corpus-real``
  read at most +2.9 dB (espeak-ng's +5.9); +8 dB, Q 2 bells at 500 Hz +7.2 to +9.5.
  Instruments and mixes hold steady resonances of their own (+6.7 to +17 dB clean), so
  there the figure is not used.
* Band limits: a spectrum that stops (a low-pass, a codec, a high-pass, a thin source) gets
  a verdict, never a cut at its edge (:func:`band_limit_notes`).
"""

from __future__ import annotations

import math

import numpy as np

from ..analysis import DC_WARN
from ..context import Context
from ..eq_response import band_response_db
from ..moves import Move
from ..records import Analysis
from .common import CENTRES, band_key, band_levels, confidence, freq_label, hz, predicted_bands, severity
from .fine import Limits, bell_width_oct, features, fine, limits, trend
from .records import LeaveAlone, Suggestion

#: A bump this far (dB) above the fine spectrum's broad trend is worth answering …
BUMP_DB = 3.5
#: … if it also stands this many times the source's own roughness above it.
ROUGHNESS_FACTOR = 6.0
#: On a voice, a bell this high (dB) in three frames in four is a fixed filter's: the clean
#: voices of corpus-real read at most +2.9 dB, espeak-ng's (a formant synthesiser's fixed
#: source filter) +5.9 dB; +8 dB, Q 2 bells at 500 Hz on the real voices +7.2 to +9.5 dB.
STEADY_BUMP_DB = 6.5
#: On any source, a long-term bump must also stand this high (dB) in three frames in four
#: (:mod:`analyzers.steady`): an EQ's, a microphone's or a room's bell lifts every frame by
#: its gain, while a note that comes back often piles its partials up in the long-term
#: spectrum without being there most of the time. On the tonal benchmark's cases every bump
#: found at an added +8 dB bell read +4.7 dB or more; two clean LMMS stems' cuts (+1.0 and
#: −1.6 dB) go.
HELD_DB = 3.5
#: A flank this steep (dB/oct) beside a steady bump is a filter's knee, not a bell.
FLANK_DB_OCT = 15.0
#: Qs a steady cut may take (narrower than fitted when the long-term bump is narrower).
QS_STEADY = (1.0, 1.4, 2.0, 2.8, 4.0, 5.6)
#: Roles whose own resonances move (formants): steady bumps are judged on these.
STEADY_ROLES = ("vocal",)
#: The cut closes this share of the fitted bump, and is never deeper than CUT_CAP_DB.
CUT_STRENGTH = 0.8
CUT_CAP_DB = 8.0
#: A top that stops below this (Hz) on a voice or an instrument is "top missing".
TOP_MISSING_HZ = 3000.0
#: A bottom that stops above this (Hz, and above 3× the role's lowest note) is "thin".
THIN_MIN_HZ = 200.0
#: Energy below the role's high-pass frequency above this share of the total (dB) is rumble.
RUMBLE_SHARE_DB = -30.0
#: Everything under 35 Hz (the 20–31.5 Hz bands and the infrasonic rest) closer than this
#: (dB) to the whole 40–160 Hz region is rumble: at least half the bass region's power. The
#: closest clean song in the corpus sits at −7.1 dB (its sub-bass is music), the demo at
#: −22 dB, pink noise from 20 Hz at −3.7 dB.
RUMBLE_VS_BASS_DB = -3.0
#: With a reference: this much more energy under 35 Hz (dB) than the reference is rumble.
RUMBLE_OVER_REF_DB = 4.0
#: The high-pass that removes a DC offset when there is no rumble to answer (Hz, 12 dB/oct).
DC_HIGHPASS_HZ = 15.0
#: A DC offset this far (dB) over analyze's warning level (0.001, −60 dBFS) is a medium fault
#: (−40 dBFS: 1 % of full scale, a headroom and clipping matter) …
DC_MEDIUM_DB = 20.0
#: … and this far a high one (−30 dBFS, 3 %).
DC_HIGH_DB = 30.0
_SUB_BASS_ROLES = ("mix", "master", "bass", "kick", "drums", "keys", "synth", "other")

REGIONS = (  # (low Hz, high Hz, name, what it sounds like)
    (60.0, 120.0, "boom", "boomy"),
    (120.0, 450.0, "mud", "muddy"),
    (450.0, 1100.0, "boxiness", "boxy"),
    (1100.0, 2000.0, "nasal", "nasal, honky"),
    (2000.0, 5000.0, "harshness", "harsh"),
    (5000.0, 10000.0, "sibilance", "sibilant, splashy"),
)


def rumble(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Sub-sonic energy the role does not use, answered with a high-pass chosen from the content.

    Three tests, the first that holds wins:

    * with a reference: the bands under 35 Hz hold more than :data:`RUMBLE_OVER_REF_DB`
      more of the energy than in the reference;
    * energy in the bands that lie wholly under the role's high-pass frequency
      (``roles.json``) above :data:`RUMBLE_SHARE_DB` of the total;
    * for roles whose music reaches the sub-bass (mix, master, bass, kick, drums, keys,
      synth): a band under 35 Hz within :data:`RUMBLE_VS_BASS_DB` of the whole bass
      region above it (40–160 Hz) — music has a sub-bass, but not one as loud as its bass.

    The high-pass goes just above the highest band that carries the rumble, and never above
    the role's lowest notes by more than a third of an octave.
    """
    level, valid = band_levels(analysis)
    if not valid.any():
        return [], []
    role = ctx.role
    hp = role.highpass_hz
    share = np.where(valid, 10 ** (np.where(valid, level, -200) / 10), 0.0)
    upper_edge = CENTRES * 2 ** (1 / 6)
    sub = valid & (CENTRES < 35)
    below_role = valid & (upper_edge <= hp * 1.001)
    bass = valid & (CENTRES >= 40) & (CENTRES <= 160)
    found_j: int | None = None
    why = ""
    amount = 0.0
    # a reference whose own bottom is missing (a narrowband voice, a high-passed stem) says
    # nothing about how much sub-bass is intended: the tests without one decide
    ref = ctx.reference
    if ref is not None and (limits(*fine(ref)).low_hz or 0.0) > 2 * 35.0:
        ref = None
    if ref is not None:
        rl, rv = band_levels(ref)
        rshare = np.where(rv, 10 ** (np.where(rv, rl, -200) / 10), 0.0)
        ours = share[sub].sum() + _infra(analysis)
        theirs = rshare[sub & rv].sum() + _infra(ref)
        excess = _db(ours) - _db(theirs)
        if excess > RUMBLE_OVER_REF_DB and _db(ours) > -40:
            found_j = int(np.flatnonzero(sub)[np.argmax(level[sub] - np.where(rv[sub], rl[sub], -120))])
            why = f"below 35 Hz there is {excess:.1f} dB more energy than in the reference: rumble"
            amount = excess
    # with a reference, the reference alone says how much sub-bass is intended
    if found_j is None and ref is None and below_role.any() and _db(share[below_role].sum()) > RUMBLE_SHARE_DB:
        found_j = int(np.flatnonzero(below_role)[-1])
        amount = _db(share[below_role].sum()) - RUMBLE_SHARE_DB
        why = (f"{_db(share[below_role].sum()):.0f} dB of the energy lies below {hz(hp)}, under a "
               f"{role.name}'s lowest notes: rumble")  # fmt: skip
    if found_j is None and ref is None and role.name in _SUB_BASS_ROLES and bass.any() and sub.any():
        bass_db = _db(share[bass].sum())
        sub_db = _db(share[sub].sum() + _infra(analysis))
        gap = sub_db - bass_db
        if gap > RUMBLE_VS_BASS_DB and sub_db > -30:
            found_j = int(np.flatnonzero(sub)[np.argmax(level[sub])])
            amount = gap - RUMBLE_VS_BASS_DB
            why = (f"everything under 35 Hz together is only {-gap:.1f} dB under the whole bass region "
                   f"(40–160 Hz): sub-sonic rumble, not music")  # fmt: skip
    dc = max((abs(v) for v in analysis.hygiene.dc_offset), default=0.0)
    if found_j is None and dc > DC_WARN:
        # the same threshold as analyze's warning: a DC offset is answered, never "no high-pass"
        return [dc_highpass(analysis, ctx)], []
    if found_j is None:
        # the bands wholly under the role's high-pass and, for a high-pass under 25 Hz, the
        # infrasonic rest (``below_20hz_db``), so that the figure agrees with the spectrum's
        under = share[below_role].sum() + (_infra(analysis) if hp <= 25.0 else 0.0)
        measured = f"{_db(under):.0f} dB" if under > 0 else "nothing measurable"
        return [], [LeaveAlone(
            aspect="rumble",
            why=f"below {hz(hp)} there is {measured} of the energy, and no sub-bass band rivals the bass: no high-pass needed",
        )]  # fmt: skip
    top = max(k for k in np.flatnonzero(valid) if k <= found_j or (CENTRES[k] < 35 and k > found_j and level[k] > level[found_j] - 6))
    freq = CENTRES[top] * 2 ** (1 / 3)
    freq = min(freq, max(hp, role.fundamental_hz[0]) * 2 ** (1 / 3))
    freq = float(max(20.0, min(freq, 0.45 * analysis.sample_rate_hz)))
    move = Move("highpass", {"freq_hz": round(freq), "slope_db_oct": 24.0})
    predicted = {}
    for k in np.flatnonzero(valid & (CENTRES < freq * 2)):
        predicted[band_key(k)] = band_response_db(move, CENTRES[k], analysis.sample_rate_hz)
    if dc > DC_WARN:
        why += f" (and the DC offset of {dc:.4f} with it)"
    return [Suggestion(
        id="hpf", move=move, why=why + f"; a 24 dB/oct high-pass at {hz(freq)} removes it",
        confidence=confidence(amount, 10.0, base=0.55), severity=severity(amount, 4.0, 10.0),
        aspect="rumble", predicted=predicted, source=f"roles.json: {role.name}",
    )], []  # fmt: skip


def dc_highpass(analysis: Analysis, ctx: Context) -> Suggestion:
    """A 12 dB/oct high-pass at :data:`DC_HIGHPASS_HZ` for a DC offset over analyze's warning
    level; its severity grows with the offset (dB over that level: :data:`DC_MEDIUM_DB`,
    :data:`DC_HIGH_DB`), and so do the words."""
    dc = max((abs(v) for v in analysis.hygiene.dc_offset), default=0.0)
    dc_db = 20 * math.log10(max(dc, 1e-12))
    over_db = dc_db - 20 * math.log10(DC_WARN)
    move = Move("highpass", {"freq_hz": DC_HIGHPASS_HZ, "slope_db_oct": 12.0})
    harm = ("it wastes headroom, clicks at edits and clips asymmetrically" if over_db >= DC_MEDIUM_DB else
            f"small ({over_db:.0f} dB over the {20 * math.log10(DC_WARN):.0f} dBFS warning level): it costs next "
            "to no headroom, but a hard edit on it can click")  # fmt: skip
    what = {"mix": "the music", "master": "the music", "vocal": "the voice", "other": "the sound"}.get(
        ctx.role.name, f"the {ctx.role.name}")  # fmt: skip
    return Suggestion(
        id="dc-highpass", move=move,
        why=(f"DC offset of {dc:.4f} ({dc_db:.1f} dBFS): {harm}; a 12 dB/oct high-pass at {hz(DC_HIGHPASS_HZ)} "
             f"removes it and leaves {what} alone"),
        confidence=0.9, severity=severity(over_db, DC_MEDIUM_DB, DC_HIGH_DB), aspect="dc_offset",
        predicted={"dc_offset": 0.0}, source="analyze: DC offset warning; SOS glossary (HPF under 20 Hz)",
    )  # fmt: skip


def has_dc(analysis: Analysis) -> bool:
    """A DC offset above analyze's warning level (:data:`analyzers.analysis.DC_WARN`)."""
    return max((abs(v) for v in analysis.hygiene.dc_offset), default=0.0) > DC_WARN


def _infra(analysis: Analysis) -> float:
    """Infrasonic power (DC to the 20 Hz band) as a share of all bands."""
    v = analysis.spectrum.below_20hz_db
    return 0.0 if v is None else 10 ** (v / 10)


def _db(power: float) -> float:
    return 10 * math.log10(power) if power > 1e-30 else -300.0


def bumps(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Bumps standing out of the fine spectrum's broad trend, answered with fitted bell cuts.

    Located on the 1/24-octave spectrum (:mod:`.fine`): the centre is interpolated between
    points 1/24 octave apart, the bell's gain and Q are fitted to the bump over the chord
    between its sides. Never inside the role's own register (:func:`protected_hz`), never
    within half an octave of a roll-off (:func:`.fine.limits`: the knee of a low-pass
    or a high-pass is not a bump), and only a bump that stands out of the source's own
    roughness (:data:`ROUGHNESS_FACTOR` × the median deviation from the trend): a recorded
    instrument's spectrum is full of its notes' partials, which are not faults.
    """
    f, level = fine(analysis)
    if f.size == 0:
        return [], []
    lim = limits(f, level)
    lo_z, hi_z = zone_hz(analysis, lim)
    found = features(f, level, sample_rate_hz=analysis.sample_rate_hz, zone_hz=(lo_z, hi_z), min_db=BUMP_DB)
    rough = roughness(f, level, (lo_z, hi_z))
    need = max(BUMP_DB, ROUGHNESS_FACTOR * rough)
    guard = protected_hz(ctx)
    out: list[Suggestion] = []
    # on a voice the frames decide: a long-term bump that is not there in three frames in
    # four is the voice's own formants (steady_bumps below answers the ones that are)
    by_frames = analysis.steady is not None and ctx.role.name in STEADY_ROLES
    for x in found:
        if by_frames or (guard is not None and guard[0] <= x.freq_hz <= guard[1]):
            continue
        if x.height_db < need or _fleeting(analysis, x.freq_hz):
            continue
        if _shoulder(x, lim):
            continue
        # the fitted depth, but never deeper than the bump stands out of the trend: on a rough
        # spectrum the chord under a bump can lie deep in a neighbouring valley
        gain = round(max(-CUT_CAP_DB, CUT_STRENGTH * x.depth_db, -x.height_db), 1)
        if gain > -1.0:
            continue
        move = Move("peak", {"freq_hz": round(x.freq_hz, 1), "gain_db": gain, "q": x.q})
        name, sound = region_name(x.freq_hz, x.q, ctx)
        why = (f"{hz(x.lo_hz)}–{hz(x.hi_hz)} stands {x.height_db:.1f} dB above the spectrum's broad "
               f"shape, peaking at {hz(x.freq_hz)} ({name}: sounds {sound}); a {gain:.1f} dB bell at "
               f"{hz(x.freq_hz)}, Q {x.q:g}, evens it")  # fmt: skip
        predicted = predicted_bands(move, analysis.sample_rate_hz)
        out.append(Suggestion(
            id=f"cut-{_slug(name)}-{freq_label(x.freq_hz)}", move=move, why=why,
            confidence=confidence(x.height_db - need, 4.0, base=0.45, top=0.85),
            severity=severity(gain, 4.0, 6.5), aspect=f"bump:{x.freq_hz:.0f}", predicted=predicted,
            source="corrective: bump above the fine spectrum's broad trend",
        ))  # fmt: skip
        if len(out) >= 3:
            break
    shown = features(f, level, sample_rate_hz=analysis.sample_rate_hz, zone_hz=(lo_z, hi_z), min_db=BUMP_DB)
    for x in steady_bumps(analysis, ctx, (lo_z, hi_z), guard):
        if len(out) >= 3 or any(abs(math.log2(x[0] / o.move.params["freq_hz"])) <= 1 / 3 for o in out):
            continue
        # the long-term bump it shows as (BUMP_DB high at least): the cut is never deeper nor
        # wider than that, and a narrowband source's shoulder is not a resonance (steady or not)
        bump = min(shown, key=lambda z: abs(math.log2(z.freq_hz / x[0])), default=None)
        if bump is None or abs(math.log2(bump.freq_hz / x[0])) > 1 / 6 or _shoulder(bump, lim):
            continue
        out.append(_steady_suggestion(x, bump, analysis, ctx))
    if not out:
        outside = [x for x in found if guard is None or not guard[0] <= x.freq_hz <= guard[1]]
        shoulders = [x for x in outside if x.height_db >= need and _shoulder(x, lim)]
        fleeting = [x for x in outside if x.height_db >= need and x not in shoulders and _fleeting(analysis, x.freq_hz)]
        outside = [x for x in outside if x not in shoulders and x not in fleeting]
        other = "other " if shoulders or fleeting else ""
        worst = f"largest {other}{max(x.height_db for x in outside):+.1f} dB" if outside else f"none {other}reaches {BUMP_DB:g} dB"
        extra = f"; the spectrum's own roughness is ±{rough:.1f} dB" if need > BUMP_DB else ""
        # the range searched, said as it is: a register that covers the zone's bottom moves it up
        span, tail = f"{hz(lo_z)} and {hz(hi_z)}", ""
        where = f" outside a {ctx.role.name}'s own register ({hz(guard[0])}–{hz(guard[1])})" if guard else ""
        if guard and guard[0] <= lo_z < guard[1] < hi_z:
            span, where = f"{hz(guard[1])} and {hz(hi_z)}", ""
            tail = f"; a {ctx.role.name}'s own register ({hz(guard[0])}–{hz(guard[1])}) is not searched"
        if by_frames:
            inside = [p[1] for p in analysis.steady.peaks(-100.0, (lo_z, hi_z))
                      if (guard is None or not guard[0] <= p[0] <= guard[1]) and not _filter_flank(f, level, p[0])]  # fmt: skip
            steadiest = f"; the most, {max(inside):+.1f} dB" if inside else ""
            bumps_seen = f" (the long-term spectrum's {worst.replace('largest other ', 'largest ').replace('largest ', 'largest bump ')} comes and goes)" if outside else ""
            return [], [LeaveAlone(
                aspect="resonances",
                why=f"no bell between {span}{where} stands {STEADY_BUMP_DB:g} dB or more in three "
                    f"moments in four{steadiest}: a voice's own resonances move with the vowels{bumps_seen}{tail}",
            )]  # fmt: skip
        but = " but the passband's shoulder" if shoulders else ""
        but += (" or bumps that come and go" if shoulders else " but bumps that come and go") if fleeting else ""
        shoulder = "".join(
            f"; {hz(x.lo_hz)}–{hz(x.hi_hz)} (+{x.height_db:.1f} dB) is there in fewer than three moments in four "
            f"(a bell there stands {_steady_near(analysis, x.freq_hz):+.1f} dB in three in four): notes that come "
            "back often pile up in the long-term spectrum, a fixed resonance lifts every moment"
            for x in fleeting[:1])  # fmt: skip
        shoulder += "".join(
            f"; {hz(x.lo_hz)}–{hz(x.hi_hz)} (+{x.height_db:.1f} dB) lies within an octave of the edge of a narrowband "
            f"source (its content runs {hz(lim.low_hz)}–{hz(lim.high_hz)}): the passband's own shape, not a resonance"
            for x in shoulders[:1])  # fmt: skip
        return [], [LeaveAlone(
            aspect="resonances",
            why=f"nothing between {span} stands {need:.1f} dB or more above the "
                f"spectrum's broad shape{where}{but} ({worst}{extra}){shoulder}{tail}",
        )]  # fmt: skip
    return out, []


def steady_bumps(analysis: Analysis, ctx: Context, zone: tuple[float, float],
                 guard: tuple[float, float] | None) -> list[tuple[float, float, float]]:
    """Steady bumps ``(freq_hz, gain_db, q)`` on a voice: :data:`STEADY_BUMP_DB` or more in
    three frames in four (:mod:`analyzers.steady`), inside ``zone`` and outside ``guard``; one
    per third of an octave, largest first."""
    st = analysis.steady
    if st is None or ctx.role.name not in STEADY_ROLES:
        return []
    f, level = fine(analysis)
    out: list[tuple[float, float, float]] = []
    for p in st.peaks(STEADY_BUMP_DB, zone):
        if guard is not None and guard[0] <= p[0] <= guard[1]:
            continue
        if _filter_flank(f, level, p[0]):
            continue
        if all(abs(math.log2(p[0] / o[0])) > 1 / 3 for o in out):
            out.append(p)
    return out


def _steady_near(analysis: Analysis, freq_hz: float, within_oct: float = 1 / 12) -> float | None:
    """The most a bell within ``within_oct`` octave of ``freq_hz`` stands in three frames in
    four (dB), or None when the frames were not measured there."""
    st = analysis.steady
    if st is None:
        return None
    f = np.array(st.centres_hz)
    near = np.abs(np.log2(f / freq_hz)) <= within_oct
    return float(np.max(np.array(st.gain_db)[near])) if near.any() else None


def _fleeting(analysis: Analysis, freq_hz: float) -> bool:
    """A long-term bump that is not there in three frames in four (a bell there stands under
    :data:`HELD_DB` in the frames' lower quartile): notes that come back often, not a fixed
    filter. False when the frames were not measured there (a short file, under 100 Hz)."""
    held = _steady_near(analysis, freq_hz)
    return held is not None and held < HELD_DB


def _filter_flank(f: np.ndarray, level: np.ndarray, freq_hz: float) -> bool:
    """The octave from 1/2 to 1 1/2 octaves below ``freq_hz`` rises :data:`FLANK_DB_OCT` or
    more, or the one above falls as much: a filter's slope (a 2nd-order filter's is 12 dB/oct),
    whose knee a line + bell fit reads as a bump."""
    def at(hz: float) -> float:
        return float(np.interp(math.log2(hz), np.log2(f), level)) if f.size else math.nan

    below = at(freq_hz * 2**-0.5) - at(freq_hz * 2**-1.5)
    above = at(freq_hz * 2**1.5) - at(freq_hz * 2**0.5)
    return bool(below >= FLANK_DB_OCT or above <= -FLANK_DB_OCT)


def _steady_suggestion(x: tuple[float, float, float], bump, analysis: Analysis, ctx: Context) -> Suggestion:
    """The cut for a steady bell ``x``, placed on the long-term ``bump`` it shows as (its
    centre when within 1/12 octave, no deeper than it stands, no wider than its edges)."""
    freq, gain_db, q = x
    if abs(math.log2(bump.freq_hz / freq)) > 1 / 12:
        freq = bump.freq_hz
    width = math.log2(bump.hi_hz / bump.lo_hz)
    q = next((v for v in sorted(set(QS_STEADY) | {q}) if v >= q and bell_width_oct(v) <= width), bump.q)
    gain = round(max(-CUT_CAP_DB, -CUT_STRENGTH * gain_db, -bump.height_db), 1)
    move = Move("peak", {"freq_hz": round(freq, 1), "gain_db": gain, "q": q})
    name, sound = region_name(freq, q, ctx)
    why = (f"a bell {gain_db:.1f} dB high at {hz(freq)} is there in three moments in four ({name}: sounds "
           f"{sound}); a voice's own resonances move with every vowel, so a steady one is the EQ, the "
           f"microphone or the room; a {gain:.1f} dB bell at {hz(freq)}, Q {q:g}, evens it")  # fmt: skip
    return Suggestion(
        id=f"cut-{_slug(name)}-{freq_label(freq)}", move=move, why=why,
        confidence=confidence(gain_db - STEADY_BUMP_DB, 4.0, base=0.45, top=0.8),
        severity=severity(gain, 4.0, 6.5), aspect=f"bump:{freq:.0f}",
        predicted=predicted_bands(move, analysis.sample_rate_hz),
        source="corrective: a bell there in every frame (analyzers/steady.py)",
    )  # fmt: skip
#: A source whose content starts and stops within this many octaves is narrowband (a
#: telephone band is 3.5 octaves; corpus-real v01, a 7 kHz voice-over, measures 4.6, and 5.3
#: with its esses made louder; the full-band voice v03 and the guitar i04 5.75).
NARROWBAND_OCT = 5.5


def _shoulder(x, lim: Limits) -> bool:
    """On a narrowband source, a bump whose half-height edges reach within an octave of
    either knee is the passband's own shoulder (the band-pass and the voice's register), not
    a resonance."""
    if lim.low_hz is None or lim.high_hz is None or math.log2(lim.high_hz / lim.low_hz) >= NARROWBAND_OCT:
        return False
    return x.lo_hz < 2 * lim.low_hz or x.hi_hz > lim.high_hz / 2


def zone_hz(analysis: Analysis, lim: Limits) -> tuple[float, float]:
    """Where bumps are looked for: 100 Hz–12 kHz, half an octave inside any roll-off (a
    high-pass on a falling spectrum makes a hump just above its corner: not a resonance)."""
    lo = max(100.0, lim.low_hz * 2 ** (1 / 2) if lim.low_hz else 0.0)
    hi = min(12000.0, 0.45 * analysis.sample_rate_hz, lim.high_hz * 2 ** (-1 / 2) if lim.high_hz else 1e9)
    return lo, max(lo, hi)


def roughness(f: np.ndarray, level: np.ndarray, zone: tuple[float, float]) -> float:
    """Median absolute deviation of the smoothed fine spectrum from its broad trend (dB)."""
    r = level - trend(f, level)
    m = np.isfinite(r) & (f >= zone[0]) & (f <= zone[1])
    return float(np.median(np.abs(r[m]))) if m.sum() >= 12 else 0.0


def protected_hz(ctx: Context) -> tuple[float, float] | None:
    """The role's own register (its lowest two octaves of fundamentals): a piano's low notes,
    a kick's body or a tabla's boom are the instrument, not a resonance. None for a mix."""
    if ctx.role.name in ("mix", "master"):
        return None
    lo, hi = ctx.role.fundamental_hz
    return lo / 1.12, min(hi, 4 * lo) * 1.12


def region_name(freq_hz: float, q: float, ctx: Context) -> tuple[str, str]:
    """The engineer's word for a bump at ``freq_hz`` (a narrow one is a resonance)."""
    region = next((r for r in REGIONS if r[0] <= freq_hz < r[1]), None)
    name, sound = (region[2], region[3]) if region else ("resonance", "ringing")
    if name == "sibilance" and ctx.role.name not in ("vocal",):
        name, sound = "brittle top", "splashy, brittle"
    if q >= 4.0 and name != "resonance":  # narrow: it rings ("ringing" once, not "ringing, ringing")
        name, sound = f"{name} resonance", "ringing, " + sound
    return name, sound


def band_limit_notes(analysis: Analysis, ctx: Context) -> list[str]:
    """Verdicts on a spectrum that stops: top missing, thin, or a codec's low-pass.

    A region that is low because a filter removed it (or the source never had it) is said
    so; nothing is cut at the edge of the roll-off, and nothing is boosted beyond it.
    """
    f, level = fine(analysis)
    lim = limits(f, level)
    out = []
    if lim.high_hz is not None:
        fall = f"falls {lim.high_slope_db_oct:.0f} dB in the octave above {hz(lim.high_hz)}"
        if lim.codec:
            out.append(f"the top stops at {hz(lim.high_hz)} (it {fall}: a lossy codec's or converter's "
                       "low-pass): not a deficit to boost; the tonal balance is judged below it")  # fmt: skip
        elif lim.high_hz < TOP_MISSING_HZ and ctx.role.name not in ("bass", "kick"):
            out.append(f"top missing: the spectrum {fall} (a low-pass filter or a dull source); there is "
                       "nothing up there to cut, and a boost would mostly raise noise — check the filter, "
                       "the microphone or the source")  # fmt: skip
    if lim.low_hz is not None and ctx.role.name not in ("mix", "master", "kick", "bass"):
        lo = ctx.role.fundamental_hz[0]
        if lim.low_hz > max(THIN_MIN_HZ, 3 * lo):
            out.append(f"thin: the spectrum falls {lim.low_slope_db_oct:.0f} dB in the octave below "
                       f"{hz(lim.low_hz)} (a high-pass filter or a thin source), well above a "
                       f"{ctx.role.name}'s lowest notes ({hz(lo)}); nothing to cut down there — "
                       "check the high-pass or the microphone")  # fmt: skip
    return out




def _slug(name: str) -> str:
    return name.replace(" ", "-")
