"""Masking of a focus track (the vocal, say) by the other stems, in the 24 critical bands of
Zwicker, and complementary cuts on the tracks that mask it.

:func:`masking` compares the focus's band levels with each other track's excitation (its
band energies spread with the MPEG-1 spreading function) where the focus plays, and answers
with complementary ``peak`` cuts on the masking tracks: the idea of Neutron's Unmask, with
the MPEG psychoacoustic model's spreading.

Pure numpy: no I/O. Sources: ISO/IEC 11172-3 (MPEG-1 audio) psychoacoustic model and
Johnston (1988) for the spreading function; Zwicker (1961) for the critical-band edges;
mixing-research.md §4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..eq_response import move_response_db
from ..errors import ParameterError
from ..moves import Move
from .common import confidence as _confidence
from .records import LeaveAlone, Suggestion
from .tracks import TINY as _TINY
from .tracks import CrossTrackAdvice
from .tracks import fmt_hz as _fmt_hz
from .tracks import mono64 as _mono64
from .tracks import slug as _slug

#: Zwicker's critical-band edges (Hz): band k spans Bark k … k+1, k = 0 … 23.
BARK_EDGES_HZ = (
    0.0, 100.0, 200.0, 300.0, 400.0, 510.0, 630.0, 770.0, 920.0, 1080.0, 1270.0, 1480.0, 1720.0,
    2000.0, 2320.0, 2700.0, 3150.0, 3700.0, 4400.0, 5300.0, 6400.0, 7700.0, 9500.0, 12000.0, 15500.0,
)  # fmt: skip
#: Zwicker's centre frequencies (Hz) of the 24 critical bands.
BARK_CENTRES_HZ = (
    50.0, 150.0, 250.0, 350.0, 450.0, 570.0, 700.0, 840.0, 1000.0, 1170.0, 1370.0, 1600.0, 1850.0,
    2150.0, 2500.0, 2900.0, 3400.0, 4000.0, 4800.0, 5800.0, 7000.0, 8500.0, 10500.0, 13500.0,
)  # fmt: skip
NUM_BANDS = 24

#: A focus band is important when within this many dB of its loudest band.
IMPORTANT_WITHIN_DB = 10.0
#: Another track masks a focus band when its excitation is within this many dB of it, or above.
MASKING_MARGIN_DB = 3.0
#: Cut depth (dB) from the masking margin's −3 dB … +3 dB; never deeper than the second.
CUT_DB = (2.0, 4.0)
MAX_CUTS_PER_TRACK = 2
MAX_CUTS = 4
#: Widest cut, in critical bands.
MAX_CUT_BANDS = 3
#: Frames quieter than this (dBFS, mean power) are not "the focus playing".
_ACTIVE_FLOOR_DB = -70.0
#: Frames more than this far (dB) under the focus's loud frames (95th percentile) are left out.
_ACTIVE_RANGE_DB = 30.0

MASKING_SOURCE = ("MPEG-1 psychoacoustic model spreading function (ISO/IEC 11172-3; Johnston 1988) over "
                  "Zwicker's 24 critical bands; complementary cuts as in Neutron's Unmask")  # fmt: skip


def spreading_db(dz_bark: np.ndarray | float) -> np.ndarray:
    """MPEG-1 spreading function (dB) at ``dz = z_maskee − z_masker`` (Bark).

    ``15.81 + 7.5(dz + 0.474) − 17.5·√(1 + (dz + 0.474)²)``: 0 dB at dz = 0, about −4 dB
    one Bark above the masker and −8 dB one Bark below (masking spreads upwards).
    """
    d = np.asarray(dz_bark, dtype=float) + 0.474
    return 15.81 + 7.5 * d - 17.5 * np.sqrt(1.0 + d * d)


def bark_band_matrix(sample_rate_hz: float, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """``(bins, 24)`` 0/1 weights of each rFFT bin's band, and the bands below Nyquist."""
    f = np.fft.rfftfreq(n_fft, 1.0 / sample_rate_hz)
    edges = np.array(BARK_EDGES_HZ)
    w = np.zeros((f.size, NUM_BANDS))
    for k in range(NUM_BANDS):
        w[:, k] = (f >= max(edges[k], 1e-9)) & (f < edges[k + 1])
    valid = (edges[1:] <= sample_rate_hz / 2.0) & (w.sum(axis=0) > 0)
    return w, valid


def masking(
    focus: tuple[str, np.ndarray],
    others: Mapping[str, np.ndarray],
    sample_rate_hz: float,
) -> CrossTrackAdvice:
    """Where other tracks mask the focus, and complementary cuts on them.

    Parameters
    ----------
    focus : (name, samples)
        The track to keep clear; samples ``(channels, samples)`` or 1-D.
    others : mapping of name to samples
        The tracks that may mask it, at the same rate.
    sample_rate_hz : float

    Returns
    -------
    CrossTrackAdvice
        ``mask-<track>-<band>`` ``peak`` cuts on the masking tracks (−2 … −4 dB, at most
        :data:`MAX_CUTS_PER_TRACK` per track and :data:`MAX_CUTS` in all, ranked by how
        much they mask); the predicted ``focus_to_masker_db`` is the focus's level over the
        masker's excitation in the most masked band after the cut (``…_before_db``: now).
        When nothing masks, a ``masking`` verdict on the focus.

    Notes
    -----
    Spectra are Hann-windowed power spectra (~85 ms frames, 50 % overlap) averaged over the
    frames where the focus plays (within 30 dB of its loud frames), so a guitar solo over a
    silent vocal does not count. Band energies are summed per critical band; a masker's
    excitation in band z is ``Σ_z' E(z')·10^(Sm(z − z')/10)`` with the MPEG-1 spreading Sm.
    A focus band is masked when it is within 10 dB of the focus's loudest band and the
    excitation is within 3 dB of it or above. The cut goes where the masker's energy comes
    from (the band contributing most to the excitation), over at most 3 neighbouring bands.
    """
    focus_name, focus_x = focus
    view = _FocusView.of(focus_x, sample_rate_hz)
    if view is None:
        return CrossTrackAdvice(notes=(f"masking: {focus_name} is silent (under {_ACTIVE_FLOOR_DB:g} dBFS); "
                                       "nothing to keep clear",))  # fmt: skip
    n_fft, bands, valid, active, lf, rate = view.n_fft, view.bands, view.valid, view.active, view.level_db, view.rate
    top = float(np.max(lf[valid]))
    important = valid & (lf >= top - IMPORTANT_WITHIN_DB)
    spread = _spread_matrix()
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)

    cuts: list[dict] = []
    closest: tuple[float, str, int] | None = None
    wide: dict[str, int] = {}
    for name, x in others.items():
        spec_o = _mean_spectrum(_mono64(x), n_fft, active)
        e_o = (spec_o @ bands) * valid
        contrib = spread * e_o[None, :]
        excitation = contrib.sum(axis=1)
        margin = _band_db(excitation) - lf  # masker's excitation over the focus (dB)
        margin = np.where(important, margin, -np.inf)
        worst = int(np.argmax(margin))
        if closest is None or margin[worst] > closest[0]:
            closest = (float(margin[worst]), name, worst)
        masked = np.flatnonzero(margin >= -MASKING_MARGIN_DB)
        if masked.size == 0:
            continue
        if masked.size > max(3, important.sum() // 2):
            wide[name] = int(masked.size)
        source = {int(m): int(np.argmax(contrib[m])) for m in masked}
        sources = set(source.values())
        covered: set[int] = set()
        for m in sorted(masked, key=lambda m: -margin[m]):
            s = source[int(m)]
            if s in covered:
                continue
            lo = hi = s
            while hi - lo + 1 < MAX_CUT_BANDS:
                up = hi + 1 if hi + 1 in sources and hi + 1 not in covered else None
                down = lo - 1 if lo - 1 in sources and lo - 1 not in covered else None
                if up is None and down is None:
                    break
                if down is None or (up is not None and e_o[up] >= e_o[down]):
                    hi = up  # type: ignore[assignment]
                else:
                    lo = down
            covered.update(range(lo, hi + 1))
            answered = [int(q) for q in masked if lo <= source[int(q)] <= hi]
            cuts.append(_cut(name, focus_name, lo, hi, answered, margin, lf, top, spec_o, bands, valid,
                             spread, freqs, rate))  # fmt: skip

    if not cuts:
        why = f"no other track comes within {MASKING_MARGIN_DB:g} dB of {focus_name} in the bands where it carries its energy"
        if closest is not None and math.isfinite(closest[0]):
            m, name, j = closest
            why += f" (closest: {name}, {-m:.1f} dB under it at {_span(j, j)})"
        return CrossTrackAdvice(leave_alone=((focus_name, LeaveAlone(aspect="masking", why=why)),))
    cuts.sort(key=lambda c: (-c["margin"], -c["importance"]))
    kept: list[dict] = []
    left: list[dict] = []
    per_track: dict[str, int] = {}
    for c in cuts:
        if len(kept) < MAX_CUTS and per_track.get(c["track"], 0) < MAX_CUTS_PER_TRACK:
            kept.append(c)
            per_track[c["track"]] = per_track.get(c["track"], 0) + 1
        else:
            left.append(c)
    notes = [f"also masking {focus_name}, ranked lower: {c['suggestion'].move.describe()} on {c['track']} "
             f"({c['margin']:+.1f} dB at {c['where']})" for c in left[:3]]  # fmt: skip
    if len(left) > 3:
        notes.append(f"… and {len(left) - 3} more cuts ranked lower")
    n_important = int(important.sum())
    for name, count in wide.items():
        notes.append(f"{name} masks {focus_name} in {count} of the {n_important} critical bands where {focus_name} "
                     "carries its energy: a question of level or arrangement more than of EQ")  # fmt: skip
    return CrossTrackAdvice(suggestions=tuple((c["track"], c["suggestion"]) for c in kept), notes=tuple(notes))


def masking_margin_db(focus: np.ndarray, other: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Per critical band (24): ``other``'s spread excitation minus ``focus``'s level, in dB.

    Measured as :func:`masking` does (where the focus plays); positive: the other track sits
    above the focus there. NaN for bands above Nyquist, and everywhere when the focus is silent.
    """
    view = _FocusView.of(focus, sample_rate_hz)
    if view is None:
        return np.full(NUM_BANDS, np.nan)
    e_o = (_mean_spectrum(_mono64(other), view.n_fft, view.active) @ view.bands) * view.valid
    margin = _band_db(_spread_matrix() @ e_o) - view.level_db
    return np.where(view.valid, margin, np.nan)


@dataclass(frozen=True, slots=True, kw_only=True)
class _FocusView:
    """The focus's frames and band levels: what every masking figure is measured against."""

    rate: float
    n_fft: int
    bands: np.ndarray
    valid: np.ndarray
    active: np.ndarray
    level_db: np.ndarray

    @classmethod
    def of(cls, focus: np.ndarray, sample_rate_hz: float) -> _FocusView | None:
        rate = float(sample_rate_hz)
        if rate <= 0:
            raise ParameterError(f"sample_rate_hz={sample_rate_hz} must be positive")
        n_fft = 1 << max(8, int(round(math.log2(rate * 0.085))))
        bands, valid = bark_band_matrix(rate, n_fft)
        fx = _mono64(focus)
        power = _frame_powers(fx, n_fft)
        if power.size == 0:
            return None
        loud = float(np.percentile(power, 95))
        active = power > max(10 ** (_ACTIVE_FLOOR_DB / 10), loud * 10 ** (-_ACTIVE_RANGE_DB / 10))
        if not active.any():
            return None
        level = _band_db(_mean_spectrum(fx, n_fft, active) @ bands)
        return cls(rate=rate, n_fft=n_fft, bands=bands, valid=valid, active=active, level_db=level)


def _spread_matrix() -> np.ndarray:
    """``[maskee, masker]`` power weights of the spreading function between band indices (Bark)."""
    z = np.arange(NUM_BANDS)
    return 10 ** (spreading_db(z[:, None] - z[None, :]) / 10)


def _cut(masker, focus_name, lo, hi, answered, margin, lf, top, spec_o, bands, valid, spread, freqs, rate) -> dict:
    edges = BARK_EDGES_HZ
    f_lo, f_hi = max(edges[lo], 20.0), edges[hi + 1]
    fc = math.sqrt(f_lo * f_hi)
    q = float(np.clip(fc / (f_hi - f_lo), 0.3, 8.0))
    m_worst = max(answered, key=lambda j: margin[j])
    m = float(margin[m_worst])
    depth = float(np.clip(CUT_DB[0] + (CUT_DB[1] - CUT_DB[0]) * (m + MASKING_MARGIN_DB) / (2 * MASKING_MARGIN_DB),
                          *CUT_DB))  # fmt: skip
    move = Move("peak", {"freq_hz": round(fc, 1), "gain_db": -round(depth, 1), "q": round(q, 2)})
    gain = 10 ** (move_response_db(move, freqs, rate) / 10)
    e_after = ((spec_o * gain) @ bands) * valid
    margin_after = float(_band_db(spread[m_worst] @ e_after) - lf[m_worst])
    a_lo, a_hi = min(answered), max(answered)
    where = _span(a_lo, a_hi)
    rel = float(lf[m_worst] - top)
    word = _region(BARK_CENTRES_HZ[m_worst])
    label = _label(fc)
    placement = (f"sits {m:.1f} dB above" if m >= 0 else f"sits only {-m:.1f} dB under")
    why = (f"{masker} {placement} {focus_name} in {where}, where {focus_name} carries its {word} "
           f"({'its loudest band' if rel > -0.05 else f'{-rel:.1f} dB under its loudest band'}); "
           f"with {move.describe()} on {masker}, " + (
               f"{focus_name} stands {-margin_after:.1f} dB clear of it there" if margin_after <= 0
               else f"{masker} stays {margin_after:.1f} dB above {focus_name} there (a level question too)"))  # fmt: skip
    suggestion = Suggestion(
        id=f"mask-{_slug(masker)}-{label}", move=move, why=why,
        confidence=_confidence(m + MASKING_MARGIN_DB, 2 * MASKING_MARGIN_DB, base=0.4, top=0.7),
        severity="high" if m >= MASKING_MARGIN_DB else "medium" if m >= 0 else "low",
        aspect=f"masking:{focus_name}:{BARK_CENTRES_HZ[m_worst]:.0f}",
        predicted={"focus_to_masker_db": -margin_after, "focus_to_masker_before_db": -m},
        source=MASKING_SOURCE,
    )  # fmt: skip
    return {"track": masker, "suggestion": suggestion, "margin": m, "importance": rel, "where": where}


def _frame_powers(x: np.ndarray, n_fft: int) -> np.ndarray:
    """Mean power of each frame (hop ``n_fft // 2``; the last partial frame zero-padded)."""
    hop = n_fft // 2
    if x.size == 0:
        return np.zeros(0)
    count = max(1, -(-(x.size - n_fft) // hop) + 1) if x.size > n_fft else 1
    xp = np.pad(x, (0, (count - 1) * hop + n_fft - x.size))
    c = np.concatenate([[0.0], np.cumsum(xp * xp)])
    starts = np.arange(count) * hop
    return np.maximum(c[starts + n_fft] - c[starts], 0.0) / n_fft


def _mean_spectrum(x: np.ndarray, n_fft: int, active: np.ndarray) -> np.ndarray:
    """Mean Hann-windowed power spectrum (per rFFT bin) over the ``active`` frames."""
    hop = n_fft // 2
    count = active.size
    need = (count - 1) * hop + n_fft
    xp = np.pad(x[:need], (0, max(0, need - x.size)))
    frames = np.lib.stride_tricks.sliding_window_view(xp, n_fft)[::hop][:count]
    idx = np.flatnonzero(active)
    window = np.hanning(n_fft + 1)[:-1]
    norm = 1.0 / (np.sum(window**2) * n_fft)  # a bin sum equals the frame's mean power
    acc = np.zeros(n_fft // 2 + 1)
    for s in range(0, idx.size, 256):
        spec = np.fft.rfft(frames[idx[s : s + 256]] * window, axis=1)
        p = (spec.real**2 + spec.imag**2) * norm
        p[:, 1:-1] *= 2.0
        acc += p.sum(axis=0)
    return acc / max(1, idx.size)


def _band_db(e: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(e, _TINY))


def _label(f: float) -> str:
    return (f"{f / 1000:.1f}".rstrip("0").rstrip(".") + "k") if f >= 1000 else f"{f:.0f}"


def _span(lo: int, hi: int) -> str:
    """``2–3.15 kHz`` for critical bands lo … hi."""
    f_lo, f_hi = BARK_EDGES_HZ[lo], BARK_EDGES_HZ[hi + 1]
    if f_lo >= 1000:
        return f"{f_lo / 1000:.3g}–{f_hi / 1000:.3g} kHz"
    if f_hi < 1000:
        return f"{f_lo:.0f}–{f_hi:.0f} Hz"
    return f"{_fmt_hz(f_lo)}–{_fmt_hz(f_hi)}"


def _region(f: float) -> str:
    """What a mixing engineer calls the region: weight, body, midrange, presence, definition, air."""
    for limit, word in ((150, "weight"), (500, "body"), (2000, "midrange"), (5000, "presence"), (10000, "definition")):
        if f < limit:
            return word
    return "air"
