"""Stereo and phase: polarity, mono compatibility of the lows, width."""

from __future__ import annotations

import numpy as np

from ..context import Context
from ..eq_response import band_response_db
from ..moves import Move
from ..records import Analysis
from .common import CENTRES, NOMINAL, band_key, confidence, hz, severity
from .records import LeaveAlone, Suggestion

#: Bands below this lose this much (dB) in mono before "mono the lows" is proposed.
MONO_BASS_BELOW_HZ = 160.0
MONO_BASS_LOSS_DB = -2.0
#: Side share of the energy above which a mix is called too wide.
TOO_WIDE = 0.45
#: Side share of the energy under which a stereo file is mono in two channels, or near-mono.
NEAR_MONO = 0.001
NARROW = 0.03


def mono_below_change_db(mono_loss_db: float, move: Move, centre_hz: float, sample_rate_hz: float) -> float:
    """A band's level change (dB, per channel) when a ``width`` move removes the side below
    its ``mono_below_hz`` (a 4th-order Butterworth high-pass on the side) and scales it by its
    ``side_gain_db``.

    The band's power is mid plus side; ``mono_loss_db`` is the mid's share of it
    (:attr:`analyzers.records.SpectrumResult.mono_loss_db`). The side that is left is the
    high-pass's power response over the band, so the band falls towards the mono level:
    10·log10(m + (1 − m)·|H|²), with m the mid's share — the level the band has in mono,
    never louder than it was.
    """
    mid_share = 10.0 ** (mono_loss_db / 10.0)
    side_hp = Move("highpass", {"freq_hz": move.params["mono_below_hz"], "slope_db_oct": 24.0})
    side_db = band_response_db(side_hp, centre_hz, sample_rate_hz) + move.params["side_gain_db"]
    return round(float(10.0 * np.log10(mid_share + (1.0 - mid_share) * 10.0 ** (side_db / 10.0))), 2)


def stereo(analysis: Analysis, ctx: Context) -> tuple[list[Suggestion], list[LeaveAlone]]:
    st = analysis.stereo
    if analysis.num_channels < 2 or st.correlation is None:
        if analysis.num_channels == 1 and ctx.role.name in ("mix", "master"):
            return [], [LeaveAlone(aspect="width", why="one channel: a mono file, no stereo image to judge")]
        return [], []
    out: list[Suggestion] = []
    keep: list[LeaveAlone] = []
    corr = st.correlation
    if corr < -0.3:
        out.append(Suggestion(
            id="polarity", move=Move("polarity", {"channel": 1}),
            why=f"correlation {corr:+.2f}: the right channel is mostly opposite in polarity to the left; "
                "in mono the track cancels. Flipping the right channel's polarity makes it "
                f"{-corr:+.2f}",
            confidence=confidence(corr + 0.3, 0.5, base=0.5, top=0.95), severity="high" if corr < -0.5 else "medium",
            aspect="correlation", predicted={"correlation": round(-corr, 2)},
            source="phase-meter practice: a negative correlation means opposite polarity",
        ))  # fmt: skip
        return out, keep
    loss = np.array([np.nan if v is None else v for v in analysis.spectrum.mono_loss_db], dtype=float)
    low = (CENTRES <= MONO_BASS_BELOW_HZ) & (CENTRES >= 30) & np.isfinite(loss)
    level = np.array([np.nan if v is None else v for v in analysis.spectrum.level_db], dtype=float)
    audible = low & (level > -40)
    if audible.any() and np.nanmin(loss[audible]) < MONO_BASS_LOSS_DB:
        worst = int(np.flatnonzero(audible)[np.nanargmin(loss[audible])])
        cross = float(min(MONO_BASS_BELOW_HZ, max(80.0, CENTRES[worst] * 1.6)))
        move = Move("width", {"side_gain_db": 0.0, "mono_below_hz": round(cross)})
        predicted = {band_key(j): mono_below_change_db(float(loss[j]), move, float(CENTRES[j]), analysis.sample_rate_hz)
                     for j in np.flatnonzero(audible) if loss[j] < -0.5}  # fmt: skip
        out.append(Suggestion(
            id="mono-bass", move=move,
            why=f"the {hz(NOMINAL[worst])} band loses {-loss[worst]:.1f} dB when summed to mono: the lows are "
                f"wide or out of phase. Mono below {hz(cross)} keeps them whole on a club system or a phone",
            confidence=confidence(loss[worst] - MONO_BASS_LOSS_DB, 4.0, base=0.5),
            severity=severity(loss[worst], 3.0, 6.0), aspect="mono_loss_low", predicted=predicted,
            source="mono compatibility of the low end ⚠ practice",
        ))  # fmt: skip
    else:
        keep.append(LeaveAlone(aspect="mono_compatibility", why=(
            f"correlation {corr:+.2f} and the lows lose under {-MONO_BASS_LOSS_DB:g} dB in mono: mono-compatible")))
    width = st.width
    if width is not None and ctx.role.name in ("mix", "master"):
        ref_w = ctx.reference.stereo.width if ctx.reference is not None else None
        if ref_w is not None:
            target_lo, target_hi, basis = ref_w - 0.05, ref_w + 0.05, f"the reference's {100 * ref_w:.0f} %"
        else:
            target_lo, target_hi, basis = 0.0, TOO_WIDE, f"{100 * TOO_WIDE:.0f} %"
        if width > target_hi:
            side_db = _side_gain_for(width, (target_lo + target_hi) / 2 if ref_w is not None else 0.35)
            out.append(Suggestion(
                id="width", move=Move("width", {"side_gain_db": round(side_db, 1), "mono_below_hz": 0.0}),
                why=f"the side carries {100 * width:.0f} % of the energy, above {basis}: the mix is wide "
                    f"enough to feel hollow in the centre and thin in mono; {side_db:+.1f} dB on the side fixes it",
                confidence=0.55, severity=severity(width - target_hi, 0.05, 0.15), aspect="width",
                predicted={"width": round((target_lo + target_hi) / 2 if ref_w is not None else 0.35, 2)},
                source="mid/side balance ⚠ practice",
            ))  # fmt: skip
        elif ref_w is not None and width < target_lo:
            side_db = _side_gain_for(width, ref_w)
            out.append(Suggestion(
                id="width", move=Move("width", {"side_gain_db": round(side_db, 1), "mono_below_hz": 0.0}),
                why=f"the side carries {100 * width:.0f} % of the energy against {basis}: {side_db:+.1f} dB on the side matches it",
                confidence=0.5, severity=severity(target_lo - width, 0.05, 0.15), aspect="width",
                predicted={"width": round(ref_w, 2)}, source="--reference",
            ))  # fmt: skip
        else:
            keep.append(LeaveAlone(aspect="width", why=f"the side carries {100 * width:.0f} % of the energy: inside {basis}"
                                   if ref_w is not None else _image(width)))  # fmt: skip
    return out, keep


def _image(width: float) -> str:
    """What a width figure means, in words (a mono file in two channels is said so)."""
    if width < NEAR_MONO:
        return (f"the side carries {100 * width:.1f} % of the energy: the two channels are the same (mono "
                "in two channels) — fine if meant, otherwise pan or widen the parts")  # fmt: skip
    if width < NARROW:
        return f"the side carries {100 * width:.0f} % of the energy: near-mono, a narrow image"
    return f"the side carries {100 * width:.0f} % of the energy: a normal stereo image"


def _side_gain_for(width: float, target: float) -> float:
    """Side gain (dB) that moves the side share from ``width`` to ``target``."""
    width = min(max(width, 1e-4), 0.9999)
    target = min(max(target, 1e-4), 0.9999)
    # width = S/(M+S) → S/M = w/(1−w); the gain scales S/M
    g = (target / (1 - target)) / (width / (1 - width))
    return float(np.clip(10 * np.log10(g), -12.0, 6.0))
