"""Repair: mains hum answered with notches, background noise with a gate or noise reduction.

* Hum (:mod:`analyzers.hum`): a ``dehum`` move — a narrow notch at the measured
  fundamental and at every harmonic that stands out — never a high-pass, which would
  leave 100 and 150 Hz in place and thin the low end.
* Noise (:mod:`analyzers.noise`): a floor in the pauses above :data:`NOISE_FLOOR_DBFS`
  and either less than :data:`NOISE_SNR_DB` under the active parts or above
  :data:`ACX_FLOOR_DBFS`. Material that stops cleanly
  (the level falls to the floor within :data:`GATE_DECAY_MS`, as speech does) gets a
  ``gate`` whose threshold sits between the floor and the quietest active parts; material
  with tails (a slow decay, no clean stops, too little room under the quietest parts, a
  low SNR or a whole mix) gets spectral ``noise_reduction``, which keeps the tails. A floor
  that is the hum itself is left to the dehum move.
"""

from __future__ import annotations

from ..context import Context
from ..moves import Move, harmonic_mask
from ..noise import STEADY_SPREAD_DB
from ..records import Analysis
from .common import CENTRES, confidence, severity
from .records import LeaveAlone, Suggestion

#: A floor in the pauses above this level (dBFS) may be noise worth treating …
NOISE_FLOOR_DBFS = -75.0
#: … when it is less than this far (dB) under the active parts …
NOISE_SNR_DB = 45.0
#: … or above this level whatever the SNR (ACX's audiobook limit: floor ≤ −60 dB RMS).
ACX_FLOOR_DBFS = -60.0
#: A gate when the level falls from the active parts to the floor within this time (ms).
GATE_DECAY_MS = 300.0
#: Below this SNR (dB) the noise is heard under the signal too: a gate would leave it there.
GATE_MIN_SNR_DB = 25.0
#: The gate's threshold sits at least this far (dB) over the floor and this far under the quietest active parts.
GATE_OVER_FLOOR_DB = 6.0
GATE_UNDER_SIGNAL_DB = 3.0
#: Where the treated pauses should end up (dBFS): the gate's range and the reduction aim here.
TARGET_FLOOR_DBFS = -80.0
#: The notches' width (Hz, −3 dB): narrow enough to leave the music (a 2 Hz notch at
#: 250 Hz takes 0.1 dB from its 1/3-octave band), wide enough for mains drift (±0.1 Hz
#: still loses 20 dB).
DEHUM_WIDTH_HZ = 2.0
_NR_ROLES = ("mix", "master")



def hum(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Mains hum answered with a ``dehum`` move (notches at the lines that stand out)."""
    h = analysis.hum
    if h is None:
        return [], []
    if not h.found and h.undecided:
        top = max(h.undecided, key=lambda ln: ln.prominence_db)
        at = ", ".join(f"{ln.freq_hz:.0f}" for ln in h.undecided)
        return [], [LeaveAlone(aspect="hum", why=(
            f"not named mains hum: a steady line at {at} Hz stands {top.prominence_db:.0f} dB over the spectrum "
            f"around it and holds its frequency, but {top.freq_hz:.0f} Hz is a harmonic of 50 and of 60 Hz alike and "
            "no other harmonic stands out to tell which; listen for a buzz there (a held note would read the same)"))]  # fmt: skip
    if not h.found:
        return [], [LeaveAlone(aspect="hum", why=(
            "no mains hum: no line at 50 or 60 Hz or their harmonics stands out as hum does (10 dB over the "
            "spectrum around it, steady, holding its frequency, with another harmonic beside it or alone by a wide "
            "margin; a comb of equal lines is a part repeated at a tempo, not hum)"))]  # fmt: skip
    lines = sorted(h.lines, key=lambda ln: ln.harmonic)
    top = max(ln.prominence_db for ln in lines)
    f0 = h.fundamental_hz
    move = Move("dehum", {"freq_hz": round(f0, 2), "harmonic_mask": harmonic_mask([ln.harmonic for ln in lines]),
                          "width_hz": DEHUM_WIDTH_HZ})  # fmt: skip
    what = describe_hum(analysis)
    each = "a notch at each line" if len(lines) > 1 else "a notch on the line"
    why = (f"{what}; {each}, {DEHUM_WIDTH_HZ:g} Hz wide, removes it and leaves the music around it "
           f"(a high-pass would leave the harmonics in place)")  # fmt: skip
    return [Suggestion(
        id=f"dehum-{int(h.mains_hz)}", move=move, why=why,
        confidence=confidence(top - 10.0, 15.0, base=0.55, top=0.9), severity=severity(top, 14.0, 20.0),
        aspect="hum", predicted={"hum_lines": 0.0},
        source="problems.md §1: notch the fundamental and the harmonics that stand out",
    )], []  # fmt: skip


def describe_hum(analysis: Analysis) -> str:
    """``50 Hz mains hum with harmonics at 100, 150, 250 Hz, 18 dB above the floor`` (or ``no mains hum``)."""
    h = analysis.hum
    if h is None or not h.found:
        return "no mains hum"
    lines = sorted(h.lines, key=lambda ln: ln.harmonic)
    top = max(ln.prominence_db for ln in lines)
    kind = "buzz" if sum(ln.harmonic > 5 for ln in lines) >= 2 else "hum"
    drift = f" (measured {h.fundamental_hz:.2f} Hz)" if abs(h.fundamental_hz - h.mains_hz) >= 0.05 else ""
    upper = [f"{ln.freq_hz:.0f}" for ln in lines if ln.harmonic > 1]
    fundamental = any(ln.harmonic == 1 for ln in lines)
    text = f"{h.mains_hz:.0f} Hz mains {kind}{drift}"
    if upper:
        text += f" with {'harmonics' if fundamental else 'only its harmonics'} at {', '.join(upper)} Hz"
    return text + f", up to {top:.0f} dB above the floor"


def describe_noise(analysis: Analysis) -> str:
    """``hiss at −62 dBFS in the pauses, SNR 38 dB`` (or why there is nothing to say)."""
    nr = analysis.noise
    if nr is not None and not nr.has_pauses and nr.silence_s >= 0.5:
        return f"the pauses are digital silence ({nr.silence_s:.1f} s): no noise in them"
    if nr is None or not nr.has_pauses:
        return "no pauses to measure a noise floor in (no run of 185 ms near the quietest level)"
    name = {"hiss": "hiss", "hum": "hum", "rumble": "low rumble", "broadband": "broadband noise"}[nr.shape]
    return f"{name} at {nr.floor_dbfs:.1f} dBFS in the pauses ({nr.pause_s:.1f} s of them), SNR {nr.snr_db:.0f} dB"


def noise(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    """Background noise answered with a ``gate`` or with ``noise_reduction``."""
    nr = analysis.noise
    if nr is None:
        return [], []
    if not nr.has_pauses:
        return [], [LeaveAlone(aspect="noise", why=describe_noise(analysis))]
    what = describe_noise(analysis)
    if nr.floor_dbfs <= NOISE_FLOOR_DBFS or (nr.snr_db >= NOISE_SNR_DB and nr.floor_dbfs <= ACX_FLOOR_DBFS):
        return [], [LeaveAlone(aspect="noise", why=(
            f"{what}: {NOISE_SNR_DB:.0f} dB or more under the signal and under {ACX_FLOOR_DBFS:.0f} dBFS, "
            "clean enough"))]  # fmt: skip
    if nr.shape == "hum" and analysis.hum is not None and analysis.hum.found:
        return [], [LeaveAlone(aspect="noise", why=f"{what}: the floor is the hum, which the dehum move answers")]
    if ctx.role.name in _NR_ROLES and nr.spread_db is not None and nr.spread_db > STEADY_SPREAD_DB:
        return [], [LeaveAlone(aspect="noise", why=(
            f"the quietest passages ({nr.floor_dbfs:.1f} dBFS, {nr.pause_s:.1f} s) move {nr.spread_db:.1f} dB from "
            f"moment to moment in their octaves, where a noise floor holds within {STEADY_SPREAD_DB:g} dB: on a whole "
            "mix that is music, not noise to reduce"))]  # fmt: skip
    floor, quietest = nr.floor_dbfs, nr.quietest_active_dbfs
    room = quietest - floor
    excess = floor - NOISE_FLOOR_DBFS
    clean_stops = nr.decay_ms is not None and nr.decay_ms <= GATE_DECAY_MS
    gate_ok = (ctx.role.name not in _NR_ROLES and clean_stops and nr.snr_db >= GATE_MIN_SNR_DB
               and room >= GATE_OVER_FLOOR_DB + GATE_UNDER_SIGNAL_DB)  # fmt: skip
    common = dict(confidence=confidence(excess, 15.0, base=0.5, top=0.85), severity=severity(excess, 8.0, 15.0),
                  aspect="noise", source="problems.md §2: gate just above the floor; spectral NR for steady noise")  # fmt: skip
    if gate_ok:
        threshold = floor + max(GATE_OVER_FLOOR_DB, min(12.0, room / 3))
        threshold = min(threshold, quietest - GATE_UNDER_SIGNAL_DB)
        range_db = float(min(40.0, max(10.0, round(floor - TARGET_FLOOR_DBFS))))
        # steep enough to reach the range 2 dB under the threshold's distance to the floor
        ratio = float(min(100.0, max(2.0, round(1 + range_db / max(1.0, threshold - floor - 2.0), 1))))
        move = Move("gate", {"threshold_db": round(threshold, 1), "ratio": ratio, "range_db": range_db,
                             "attack_ms": 1.0, "hold_ms": 80.0, "release_ms": 150.0, "hysteresis_db": 4.0})  # fmt: skip
        why = (f"{what}; the level falls to the floor within {nr.decay_ms:.0f} ms of the end of each phrase, "
               f"so a gate opening at {threshold:.1f} dBFS (between the floor and the quietest parts, "
               f"{quietest:.1f} dBFS) turns the pauses down {range_db:.0f} dB and leaves the rest alone")  # fmt: skip
        return [Suggestion(id="gate", move=move, why=why, predicted={"noise_floor_dbfs": round(floor - range_db, 1)},
                           **common)], []  # fmt: skip
    reduction = float(min(18.0, max(6.0, round(floor - TARGET_FLOOR_DBFS))))
    if ctx.role.name in _NR_ROLES:
        reason = "on a whole mix a gate would chop the music"
    elif not clean_stops:
        reason = ("the level does not fall cleanly to the floor (tails, sustain)" if nr.decay_ms is None else
                  f"the level takes {nr.decay_ms:.0f} ms to fall to the floor (tails, sustain)") + ": a gate would chop them"  # fmt: skip
    elif nr.snr_db < GATE_MIN_SNR_DB:
        reason = "the noise is heard under the signal too: a gate would leave it there"
    else:
        reason = "the quietest parts sit too close to the floor for a gate's threshold"
    move = Move("noise_reduction", {"reduction_db": reduction, "profile_below_db": round(floor + 4.0, 1)})
    why = (f"{what}; {reason}, so spectral noise reduction instead ({reduction:.0f} dB, its profile from the pauses): "
           "it lowers the noise between and under the notes and leaves them whole")  # fmt: skip
    return [Suggestion(id="denoise", move=move, why=why, predicted={"noise_floor_dbfs": round(floor - reduction, 1)},
                       **common)], []  # fmt: skip


def rumble_is_hum(analysis: Analysis, highpass: Suggestion) -> bool:
    """Whether the energy a rumble high-pass answers is the hum's own lines (then the dehum
    move answers it, and a high-pass would cut the low end for nothing): the lines under the
    high-pass's corner carry at least half the power of the 1/3-octave bands there."""
    h, sp = analysis.hum, analysis.spectrum
    if h is None or not h.found or sp.total_dbfs is None:
        return False
    corner = highpass.move.params["freq_hz"]
    bands = sum(10 ** ((lv + sp.total_dbfs) / 10) for fc, lv in zip(CENTRES, sp.level_db)
                if lv is not None and fc * 2 ** (1 / 6) <= corner * 1.12)  # fmt: skip
    lines = sum(10 ** (ln.level_dbfs / 10) for ln in h.lines if ln.level_dbfs is not None and ln.freq_hz < corner)
    return bands > 0 and lines >= 0.5 * bands
