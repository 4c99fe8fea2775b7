"""Corrective EQ: rumble below the role's range, and bumps that stand out of the spectrum.

* Rumble: energy below the role's lowest useful frequency (``roles.json: highpass_hz``),
  or a sub-bass band louder than the bass above it, is answered with a high-pass whose
  corner is chosen from the content: just above the rumble and below the music.
* Bumps: a band that sits more than :data:`BUMP_DB` above the spectrum's own smooth shape
  (:func:`common.trend`) between 100 Hz and 12 kHz is named by its region (mud, boxiness,
  nasal, harshness, sibilance, or a resonance) and answered with a bell cut fitted to it.
  The role's fundamental region is left alone (a kick's 60 Hz is the point of a kick).
"""

from __future__ import annotations

import math

import numpy as np

from ..context import Context
from ..eq_response import band_response_db
from ..moves import Move
from ..records import Analysis
from .common import CENTRES, NOMINAL, band_key, band_levels, band_span, confidence, hz, severity, trend
from .records import LeaveAlone, Suggestion
from .tonal import fit_moves

#: A band this far above the spectrum's smooth shape (dB) is a bump worth answering.
BUMP_DB = 4.0
#: Neighbouring bands this far above the shape make a bump "broad" (two bands or more).
SHOULDER_DB = 2.0
#: Energy below the role's high-pass frequency above this share of the total (dB) is rumble.
RUMBLE_SHARE_DB = -30.0
#: Everything under 35 Hz (the 20–31.5 Hz bands and the infrasonic rest) closer than this
#: (dB) to the whole 40–160 Hz region is rumble: at least half the bass region's power. The
#: closest clean song in the corpus sits at −7.1 dB (its sub-bass is music), the demo at
#: −22 dB, pink noise from 20 Hz at −3.7 dB.
RUMBLE_VS_BASS_DB = -3.0
#: With a reference: this much more energy under 35 Hz (dB) than the reference is rumble.
RUMBLE_OVER_REF_DB = 4.0
_SUB_BASS_ROLES = ("mix", "master", "bass", "kick", "drums", "keys", "synth", "other")

REGIONS = (  # (low Hz, high Hz, name, what it sounds like)
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
    if ctx.reference is not None:
        rl, rv = band_levels(ctx.reference)
        rshare = np.where(rv, 10 ** (np.where(rv, rl, -200) / 10), 0.0)
        ours = share[sub].sum() + _infra(analysis)
        theirs = rshare[sub & rv].sum() + _infra(ctx.reference)
        excess = _db(ours) - _db(theirs)
        if excess > RUMBLE_OVER_REF_DB and _db(ours) > -40:
            found_j = int(np.flatnonzero(sub)[np.argmax(level[sub] - np.where(rv[sub], rl[sub], -120))])
            why = f"below 35 Hz there is {excess:.1f} dB more energy than in the reference: rumble"
            amount = excess
    # with a reference, the reference alone says how much sub-bass is intended
    if found_j is None and ctx.reference is None and below_role.any() and _db(share[below_role].sum()) > RUMBLE_SHARE_DB:
        found_j = int(np.flatnonzero(below_role)[-1])
        amount = _db(share[below_role].sum()) - RUMBLE_SHARE_DB
        why = (f"{_db(share[below_role].sum()):.0f} dB of the energy lies below {hz(hp)}, under a "
               f"{role.name}'s lowest notes: rumble")  # fmt: skip
    if found_j is None and ctx.reference is None and role.name in _SUB_BASS_ROLES and bass.any() and sub.any():
        bass_db = _db(share[bass].sum())
        sub_db = _db(share[sub].sum() + _infra(analysis))
        gap = sub_db - bass_db
        if gap > RUMBLE_VS_BASS_DB and sub_db > -30:
            found_j = int(np.flatnonzero(sub)[np.argmax(level[sub])])
            amount = gap - RUMBLE_VS_BASS_DB
            why = (f"everything under 35 Hz together is only {-gap:.1f} dB under the whole bass region "
                   f"(40–160 Hz): sub-sonic rumble, not music")  # fmt: skip
    if found_j is None:
        measured = f"{_db(share[below_role].sum()):.0f} dB" if below_role.any() and share[below_role].sum() > 0 else "nothing measurable"
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
    return [Suggestion(
        id="hpf", move=move, why=why + f"; a 24 dB/oct high-pass at {hz(freq)} removes it",
        confidence=confidence(amount, 10.0, base=0.55), severity=severity(amount, 4.0, 10.0),
        aspect="rumble", predicted=predicted, source=f"roles.json: {role.name}",
    )], []  # fmt: skip


def _infra(analysis: Analysis) -> float:
    """Infrasonic power (DC to the 20 Hz band) as a share of all bands."""
    v = analysis.spectrum.below_20hz_db
    return 0.0 if v is None else 10 ** (v / 10)


def _db(power: float) -> float:
    return 10 * math.log10(power) if power > 1e-30 else -300.0


def bumps(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Bands standing out of the spectrum's own shape, answered with fitted bell cuts."""
    level, valid = band_levels(analysis)
    if valid.sum() < 12:
        return [], []
    shape = trend(level, valid, half_width=6, gap=2)
    resid = level - shape
    lo_f, hi_f = ctx.role.fundamental_hz
    protect = (CENTRES >= lo_f / 1.12) & (CENTRES <= min(hi_f, 4 * lo_f) * 1.12) if ctx.role.name not in (
        "mix", "master", "drums", "keys", "synth", "other") else np.zeros(CENTRES.size, bool)  # fmt: skip
    zone = valid & np.isfinite(resid) & (CENTRES >= 100) & (CENTRES <= 12000) & ~protect
    out: list[Suggestion] = []
    taken = np.zeros(CENTRES.size, bool)
    for j in np.argsort(-np.where(zone, resid, -np.inf)):
        if not zone[j] or resid[j] < BUMP_DB or taken[max(0, j - 1) : j + 2].any():
            continue
        shoulders = [k for k in (j - 1, j + 1) if 0 <= k < CENTRES.size and zone[k] and resid[k] >= SHOULDER_DB]
        if resid[j] < BUMP_DB + 1.5 and not shoulders:
            continue  # a lone band a little high: a note, not a fault
        lo_j = min([j, *shoulders])
        hi_j = max([j, *shoulders])
        # fit one bell to the bump against the shape around it
        diff = np.where(valid, -(resid.clip(min=0)), 0.0)
        window = np.zeros(CENTRES.size, bool)
        window[max(0, j - 4) : j + 5] = True
        diff[(np.arange(CENTRES.size) < lo_j) | (np.arange(CENTRES.size) > hi_j)] = 0.0  # the bump only
        moves, _ = fit_moves(
            np.where(window, diff, 0.0), valid & window, sample_rate_hz=analysis.sample_rate_hz,
            tolerance_db=1.0, strength=0.8, cap_db=8.0, max_moves=1, peaks_only=True,
            range_hz=(CENTRES[max(0, j - 4)], CENTRES[min(CENTRES.size - 1, j + 4)]),
        )  # fmt: skip
        if not moves or moves[0].move.params["gain_db"] >= 0:
            continue
        tm = moves[0]
        region = next((r for r in REGIONS if r[0] <= CENTRES[j] < r[1]), None)
        name, sound = (region[2], region[3]) if region else ("resonance", "ringing")
        if name == "sibilance" and ctx.role.name not in ("vocal",):
            name, sound = "brittle top", "splashy, brittle"
        kind = "resonance" if not shoulders and resid[j] >= BUMP_DB + 1.5 else name
        why = (
            f"{band_span(lo_j, hi_j)} sits {resid[j]:.1f} dB above the spectrum's own shape around it "
            f"({kind}: sounds {sound}); a {tm.move.params['gain_db']:.1f} dB bell at "
            f"{hz(tm.move.params['freq_hz'])}, Q {tm.move.params['q']:.1f}, evens it"
        )
        predicted = {band_key(k): float(tm.band_change_db[k]) for k in range(lo_j, hi_j + 1)}
        out.append(Suggestion(
            id=f"eq-{int(NOMINAL[j]) if NOMINAL[j] < 1000 else f'{NOMINAL[j] / 1000:g}k'}",
            move=tm.move, why=why, confidence=confidence(resid[j] - BUMP_DB, 4.0, base=0.45, top=0.85),
            severity=severity(resid[j], 5.5, 8.0), aspect=f"bump:{int(NOMINAL[j])}", predicted=predicted,
            source="corrective: band above the spectrum's median shape",
        ))  # fmt: skip
        taken[lo_j : hi_j + 1] = True
        if len(out) >= 3:
            break
    if not out:
        worst = float(np.nanmax(np.where(zone, resid, np.nan))) if zone.any() else 0.0
        return [], [LeaveAlone(
            aspect="resonances",
            why=f"no band between 100 Hz and 12 kHz stands more than {BUMP_DB:.0f} dB above the "
                f"spectrum's own shape (largest {worst:+.1f} dB)",
        )]  # fmt: skip
    return out, []
