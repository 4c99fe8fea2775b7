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

REGIONS = (  # (low Hz, high Hz, name, what it sounds like)
    (120.0, 450.0, "mud", "muddy"),
    (450.0, 1100.0, "boxiness", "boxy"),
    (1100.0, 2000.0, "nasal", "nasal, honky"),
    (2000.0, 5000.0, "harshness", "harsh"),
    (5000.0, 10000.0, "sibilance", "sibilant, splashy"),
)


def rumble(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    level, valid = band_levels(analysis)
    if not valid.any():
        return [], []
    role = ctx.role
    hp = role.highpass_hz
    share = 10 ** (np.where(valid, level, -200) / 10)
    below = valid & (CENTRES < hp / 2 ** (1 / 6))
    sub_db = 10 * math.log10(share[below].sum()) if below.any() and share[below].sum() > 0 else -120.0
    ref_sub_db = None
    if ctx.reference is not None:
        rl, rv = band_levels(ctx.reference)
        rs = 10 ** (np.where(rv, rl, -200) / 10)
        ref_sub_db = 10 * math.log10(max(rs[below & rv].sum(), 1e-12)) if (below & rv).any() else -120.0
    # a sub-bass band (< 45 Hz) louder than anything in the octave above it
    bump_j = None
    for j in np.flatnonzero(valid & (CENTRES < 45)):
        above = valid & (CENTRES > CENTRES[j] * 1.2) & (CENTRES < CENTRES[j] * 2.6)
        if above.any() and level[j] > level[above].max() + 3.0 and level[j] > -30:
            bump_j = j if bump_j is None or level[j] > level[bump_j] else bump_j
    excess = sub_db - (RUMBLE_SHARE_DB if ref_sub_db is None else max(RUMBLE_SHARE_DB, ref_sub_db + 6))
    if bump_j is None and excess <= 0:
        return [], [LeaveAlone(
            aspect="rumble",
            why=f"below {hz(hp)} there is {sub_db:.0f} dB of the total energy "
                f"(under {RUMBLE_SHARE_DB:.0f} dB for a {role.name}): no high-pass needed",
        )]  # fmt: skip
    if bump_j is not None:
        # just above the rumble, never above the role's own high-pass point by more than 1/3 oct
        freq = min(CENTRES[bump_j] * 2 ** (1 / 3), max(hp, 40.0))
        why = (f"the {hz(NOMINAL[bump_j])} band is {level[bump_j] - level[valid & (CENTRES > CENTRES[bump_j] * 1.2) & (CENTRES < CENTRES[bump_j] * 2.6)].max():.1f} dB "
               f"louder than the bass above it: sub-sonic rumble, not music")  # fmt: skip
        amount = level[bump_j] + 30
    else:
        freq = hp
        why = f"{sub_db:.0f} dB of the energy lies below {hz(hp)}, under a {role.name}'s lowest notes: rumble"
        amount = excess
    freq = float(max(20.0, min(freq, 0.45 * analysis.sample_rate_hz)))
    move = Move("highpass", {"freq_hz": round(freq), "slope_db_oct": 24.0})
    from ..eq_response import band_response_db

    predicted = {}
    for j in np.flatnonzero(valid & (CENTRES < freq * 2)):
        predicted[band_key(j)] = band_response_db(move, CENTRES[j], analysis.sample_rate_hz)
    return [Suggestion(
        id="hpf", move=move, why=why + f"; a 24 dB/oct high-pass at {hz(freq)} removes it",
        confidence=confidence(amount, 15.0, base=0.55), severity=severity(amount, 6.0, 15.0),
        aspect="rumble", predicted=predicted, source=f"roles.json: {role.name}",
    )], []  # fmt: skip


def bumps(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Bands standing out of the spectrum's own shape, answered with fitted bell cuts."""
    level, valid = band_levels(analysis)
    if valid.sum() < 12:
        return [], []
    shape = trend(level, valid)
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
        moves, _ = fit_moves(
            np.where(window, diff, 0.0), valid & window, sample_rate_hz=analysis.sample_rate_hz,
            tolerance_db=1.0, strength=0.8, cap_db=8.0, max_moves=1,
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
