"""Cross-track suggestions for several files at once (stems).

Two questions only a set of tracks can answer:

* **Related microphones** (kick in/out, snare top/bottom, bass DI/amp): the same source
  captured twice. :func:`align` finds the lag and sign at the peak of the normalised
  cross-correlation of two mono sums; :func:`related_pairs` keeps the pairs whose
  ``|r| ≥ 0.5`` and answers with a ``polarity`` flip on the later (or, when they arrive
  together, the quieter) track and a ``delay`` of ``|lag|`` samples on the earlier one, so
  that both arrive together and in polarity. Three or more related tracks are solved as
  one group along the strongest correlations (a maximum spanning tree), so that no track
  gets two contradictory moves: everything is delayed to meet the latest arrival, and
  flipped to match the earliest.
* **Masking** of a focus track (the vocal, say) by the others, in the 24 critical bands
  of Zwicker: :func:`masking` compares the focus's band levels with each other track's
  excitation (its band energies spread with the MPEG-1 spreading function) where the focus
  plays, and answers with complementary ``peak`` cuts on the masking tracks — the idea of
  Neutron's Unmask, with the MPEG psychoacoustic model's spreading.

Pure numpy and scipy: no I/O. Audio in is float32 ``(channels, samples)`` (or 1-D mono);
every function mono-sums (channel mean) what it is given, and every move applies to all
channels of its track (``channel = -1``).

Sources: ISO/IEC 11172-3 (MPEG-1 audio) psychoacoustic model and Johnston (1988) for the
spreading function; Zwicker (1961) for the critical-band edges; mixing-research.md §4.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.signal import correlate

from ..errors import ParameterError
from ..eq_response import move_response_db
from ..moves import Move
from .common import confidence as _confidence
from .common import severity as _severity
from .records import LeaveAlone, Suggestion

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

#: |normalised peak correlation| from which two tracks are the same source captured twice.
RELATED_CORRELATION = 0.5
#: A lag shorter than this (samples) is left alone.
MIN_DELAY_SAMPLES = 2
#: The search range of the cross-correlation (ms): ±20 ms is about 7 m of extra path.
MAX_LAG_MS = 20.0
#: At most this much audio (s), where both tracks of a pair play, goes into the correlation.
MAX_ANALYSIS_S = 30.0
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
_TINY = 1e-20
#: Predicted level changes are not reported below this (dB): an exact cancellation reads −60.
_FLOOR_DB = -60.0

PHASE_SOURCE = "cross-correlation of the mono sums, peak of |r| within ±20 ms"
MASKING_SOURCE = ("MPEG-1 psychoacoustic model spreading function (ISO/IEC 11172-3; Johnston 1988) over "
                  "Zwicker's 24 critical bands; complementary cuts as in Neutron's Unmask")  # fmt: skip


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True, kw_only=True)
class Alignment:
    """The peak of the normalised cross-correlation of two signals ``a`` and ``b``.

    Attributes
    ----------
    lag_samples : int
        Where ``|r|`` peaks: ``b`` arrives this many samples after ``a`` (negative: before).
    correlation : float
        The normalised correlation at that lag, −1 … 1, with its sign.
    sample_rate_hz : float
    at_edge : bool
        The peak sits on the edge of the search range: the true peak may lie beyond it.
    rival_lag_samples : int or None
        The lag of the next-highest local peak of ``|r|`` (None when there is none).
    rival_correlation : float
        ``r`` at that lag (0.0 when there is none); a rival nearly as high as the peak (a
        low, sustained note) makes the lag and the sign ambiguous.
    """

    lag_samples: int
    correlation: float
    sample_rate_hz: float
    at_edge: bool = False
    rival_lag_samples: int | None = None
    rival_correlation: float = 0.0

    @property
    def sign(self) -> int:
        """+1 in polarity, −1 inverted (0 when nothing correlates)."""
        return int(np.sign(self.correlation))

    @property
    def lag_ms(self) -> float:
        return 1000.0 * self.lag_samples / self.sample_rate_hz

    @property
    def ambiguous(self) -> bool:
        """A rival peak within 10 % of the main one."""
        return abs(self.rival_correlation) >= 0.9 * abs(self.correlation) > 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedPair:
    """Two tracks that hear the same source (``|r| ≥`` :data:`RELATED_CORRELATION`)."""

    a: str
    b: str
    alignment: Alignment


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossTrackAdvice:
    """Cross-track answer: each suggestion and verdict names the track it belongs to.

    Attributes
    ----------
    suggestions : tuple of (track, Suggestion)
        Ranked; the move applies to ``track``. Ids are unique across the whole answer.
    leave_alone : tuple of (track, LeaveAlone)
    pairs : tuple of RelatedPair
        Every related pair found (whether it needs a move or not).
    notes : tuple of str
    """

    suggestions: tuple[tuple[str, Suggestion], ...] = ()
    leave_alone: tuple[tuple[str, LeaveAlone], ...] = ()
    pairs: tuple[RelatedPair, ...] = ()
    notes: tuple[str, ...] = ()

    def for_track(self, name: str) -> tuple[Suggestion, ...]:
        """The suggestions whose move applies to ``name``."""
        return tuple(s for t, s in self.suggestions if t == name)

    def __add__(self, other: CrossTrackAdvice) -> CrossTrackAdvice:
        return CrossTrackAdvice(
            suggestions=self.suggestions + other.suggestions, leave_alone=self.leave_alone + other.leave_alone,
            pairs=self.pairs + other.pairs, notes=self.notes + other.notes,
        )  # fmt: skip


# --------------------------------------------------------------------------- alignment


def align(a: np.ndarray, b: np.ndarray, sample_rate_hz: float, *, max_lag_ms: float = MAX_LAG_MS) -> Alignment:
    """Lag and sign of ``b`` against ``a`` at the peak of ``|r|`` within ±``max_lag_ms``.

    Parameters
    ----------
    a, b : np.ndarray, shape (samples,) or (channels, samples)
        The two signals (mono-summed here: the mean of the channels). Lengths may differ;
        the shorter is taken as silent after its end.
    sample_rate_hz : float
    max_lag_ms : float
        Search range (ms) on each side.

    Returns
    -------
    Alignment
        ``r(lag) = Σ a[n]·b[n + lag] / √(Σa²·Σb²)``, exact (computed in blocks with
        ``scipy.signal.correlate(method="fft")``), at the lag where ``|r|`` is highest.
    """
    if sample_rate_hz <= 0:
        raise ParameterError(f"sample_rate_hz={sample_rate_hz} must be positive")
    if max_lag_ms < 0:
        raise ParameterError(f"max_lag_ms={max_lag_ms} must be ≥ 0")
    x, y = _mono64(a), _mono64(b)
    n = max(x.size, y.size)
    x, y = np.pad(x, (0, n - x.size)), np.pad(y, (0, n - y.size))
    energy = math.sqrt(float(np.dot(x, x)) * float(np.dot(y, y)))
    if n == 0 or energy <= 0.0:
        return Alignment(lag_samples=0, correlation=0.0, sample_rate_hz=sample_rate_hz)
    max_lag = max(0, min(int(round(max_lag_ms * 1e-3 * sample_rate_hz)), n - 1))
    r = _xcorr(x, y, max_lag) / energy
    mag = np.abs(r)
    i = int(np.argmax(mag))
    # the rival: the highest |r| outside the main lobe (the peak's run of one sign)
    same = np.sign(r) == np.sign(r[i])
    lo = i
    while lo > 0 and same[lo - 1]:
        lo -= 1
    hi = i
    while hi < r.size - 1 and same[hi + 1]:
        hi += 1
    outside = np.concatenate([mag[:lo], np.zeros(hi - lo + 1), mag[hi + 1 :]])
    rival_lag, rival_r = None, 0.0
    if outside.any():
        j = int(np.argmax(outside))
        rival_lag, rival_r = j - max_lag, float(r[j])
    return Alignment(
        lag_samples=i - max_lag, correlation=float(r[i]), sample_rate_hz=sample_rate_hz,
        at_edge=max_lag > 0 and i in (0, r.size - 1), rival_lag_samples=rival_lag, rival_correlation=rival_r,
    )  # fmt: skip


def _xcorr(x: np.ndarray, y: np.ndarray, max_lag: int, block: int = 1 << 15) -> np.ndarray:
    """``Σ x[n]·y[n + k]`` for k = −max_lag … max_lag, block by block (exact, bounded memory)."""
    yp = np.pad(y, (max_lag, max_lag))
    acc = np.zeros(2 * max_lag + 1)
    for s in range(0, x.size, block):
        blk = x[s : s + block]
        if not blk.any():
            continue
        seg = yp[s : s + blk.size + 2 * max_lag]
        acc += correlate(seg, blk, mode="valid", method="fft")
    return acc


def related_pairs(
    tracks: Mapping[str, tuple[np.ndarray, float]],
    *,
    max_lag_ms: float = MAX_LAG_MS,
    max_analysis_s: float = MAX_ANALYSIS_S,
) -> CrossTrackAdvice:
    """Related microphones among ``tracks``, and the polarity and delay moves that align them.

    Parameters
    ----------
    tracks : mapping of name to (samples, sample_rate_hz)
        Samples float ``(channels, samples)`` (or 1-D); every rate must be the same.
    max_lag_ms : float
        The cross-correlation's search range on each side.
    max_analysis_s : float
        Longer tracks are correlated over the ``max_analysis_s`` window where both play most.

    Returns
    -------
    CrossTrackAdvice
        ``polarity-<track>`` and ``delay-<track>`` suggestions, each on the track it
        applies to; ``phase_alignment`` verdicts for related tracks already aligned and in
        polarity; every related pair. The predicted effect (computed on the whole tracks
        with every move of the group applied) is ``correlation_before`` and
        ``correlation_after`` (zero-lag correlation with the partner), ``sum_gain_db``
        (level change of the group's sum) and ``sum_gain_alone_db`` (this move only).
    """
    rate = _common_rate(tracks)
    names = list(tracks)
    mono = {k: _mono(tracks[k][0], np.float32) for k in names}  # float32: stems are long
    notes: list[str] = []
    pairs: list[RelatedPair] = []
    env = {k: _envelope(mono[k], rate) for k in names}
    window = max(1, int(round(max_analysis_s)))
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            lo, hi = _joint_window(env[a], env[b], window, rate)
            al = align(mono[a][lo:hi], mono[b][lo:hi], rate, max_lag_ms=max_lag_ms)
            if abs(al.correlation) < RELATED_CORRELATION:
                continue
            if al.at_edge:
                notes.append(f"{a} and {b} correlate {_r(al.correlation)} but the peak sits at the ±{max_lag_ms:g} ms "
                             "edge of the search: not aligned (a distant or room microphone?)")  # fmt: skip
                continue
            pairs.append(RelatedPair(a=a, b=b, alignment=al))
    suggestions: list[tuple[str, Suggestion]] = []
    keep: list[tuple[str, LeaveAlone]] = []
    for group in _groups(names, pairs):
        s, k = _align_group(group, mono, rate)
        suggestions += s
        keep += k
    return CrossTrackAdvice(suggestions=tuple(suggestions), leave_alone=tuple(keep), pairs=tuple(pairs),
                            notes=tuple(notes))  # fmt: skip


def _groups(names: list[str], pairs: list[RelatedPair]) -> list[list[RelatedPair]]:
    """Maximum spanning forest over |r| (Kruskal): the tree edges of each connected group."""
    parent = {k: k for k in names}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    tree: list[RelatedPair] = []
    for p in sorted(pairs, key=lambda p: -abs(p.alignment.correlation)):
        ra, rb = root(p.a), root(p.b)
        if ra != rb:
            parent[ra] = rb
            tree.append(p)
    by_root: dict[str, list[RelatedPair]] = {}
    for p in tree:
        by_root.setdefault(root(p.a), []).append(p)
    return list(by_root.values())


def _align_group(
    edges: list[RelatedPair], mono: Mapping[str, np.ndarray], rate: float
) -> tuple[list[tuple[str, Suggestion]], list[tuple[str, LeaveAlone]]]:
    adj: dict[str, list[tuple[str, int, int, RelatedPair]]] = {}
    for p in edges:
        al = p.alignment
        adj.setdefault(p.a, []).append((p.b, al.lag_samples, al.sign, p))
        adj.setdefault(p.b, []).append((p.a, -al.lag_samples, al.sign, p))
    # arrival (samples) and polarity of every member, relative to any one of them
    first = edges[0].a
    arrival, polarity = {first: 0}, {first: 1}
    stack = [first]
    while stack:
        k = stack.pop()
        for other, lag, sign, _ in adj[k]:
            if other not in arrival:
                arrival[other], polarity[other] = arrival[k] + lag, polarity[k] * sign
                stack.append(other)
    members = list(arrival)
    level = {k: _power(mono[k]) for k in members}
    earliest = min(arrival.values())
    # polarity reference: the earliest arrival; among those arriving together, the loudest
    ref = max((k for k in members if arrival[k] - earliest < MIN_DELAY_SAMPLES), key=lambda k: level[k])
    latest = max(members, key=lambda k: arrival[k])
    flip = {k: polarity[k] != polarity[ref] for k in members}
    delay = {k: arrival[latest] - arrival[k] for k in members}
    delay = {k: (d if d >= MIN_DELAY_SAMPLES else 0) for k, d in delay.items()}
    moves: dict[str, list[Move]] = {k: [] for k in members}
    for k in members:
        if flip[k]:
            moves[k].append(Move("polarity", {"channel": -1}))
        if delay[k]:
            moves[k].append(Move("delay", {"delay_samples": min(delay[k], 48000), "channel": -1}))
    # tree parents, rooted at the reference: the pair each track's reason cites
    parent: dict[str, tuple[str, RelatedPair]] = {}
    seen, stack = {ref}, [ref]
    while stack:
        k = stack.pop()
        for other, _, _, p in adj[k]:
            if other not in seen:
                seen.add(other)
                parent[other] = (k, p)
                stack.append(other)

    n = max(mono[k].size for k in members)
    before = {k: np.pad(mono[k], (0, n - mono[k].size)) for k in members}
    after = {k: _apply(before[k], moves[k]) for k in members}
    sum_before = _power(sum(before.values()))
    sum_after = _power(sum(after.values()))
    group_gain = max(_FLOOR_DB, _db(sum_after / max(sum_before, _TINY)))
    group_flips = [k for k in members if flip[k]]

    out: list[tuple[str, Suggestion]] = []
    for k in members:
        if not moves[k]:
            continue
        partner, pair = parent[k] if k in parent else _strongest(k, adj)
        al = pair.alignment
        later = pair.b if al.lag_samples > 0 else pair.a if al.lag_samples < 0 else None
        how = f"{k} correlates {_r(al.correlation)} with {partner}" + (
            f" at {abs(al.lag_samples)} samples ({abs(al.lag_ms):.2f} ms, {later} later)" if later else " at zero lag")
        corr_before = _corr(before[k], before[partner])
        corr_after = _corr(after[k], after[partner])
        conf_base = min(0.9, 0.4 + 0.5 * abs(al.correlation))
        if al.ambiguous:
            conf_base = max(0.3, conf_base - 0.25)
        caveat = "" if not al.ambiguous else (
            f"; a rival peak of {_r(al.rival_correlation)} at {al.rival_lag_samples} samples makes it ambiguous: "
            "listen before accepting")  # fmt: skip
        for mv in moves[k]:
            alone = dict(before)
            alone[k] = _apply(before[k], [mv])
            gain_alone = max(_FLOOR_DB, _db(_power(sum(alone.values())) / max(sum_before, _TINY)))
            predicted = {
                "correlation_before": corr_before,
                "correlation_after": corr_after,
                "sum_gain_db": group_gain,
                "sum_gain_alone_db": gain_alone,
            }
            others = [m for m in members if m != k]
            if mv.kind == "polarity":
                others_moved = [m for m in others if moves[m]]
                why = (how + ": opposite polarity" + (
                    f" (and {partner} is itself {'flipped' if flip[partner] else 'kept'} to match {ref})"
                    if partner != ref else "") + "; flipped" + (
                    f" (with the moves on {_names(others_moved)})" if others_moved else "")
                    + f", the sum of {_names([k, *others])} gains {group_gain:+.1f} dB" + caveat)  # fmt: skip
                sid, aspect = f"polarity-{_slug(k)}", "phase_alignment"
            else:
                d = int(mv.params["delay_samples"])
                companions = [f"polarity-{_slug(m)}" for m in group_flips]
                why = (f"{k} arrives {d} samples ({1000 * d / rate:.2f} ms) before {latest} (cross-correlation with "
                       f"{partner}: peak {_r(al.correlation)} at {al.lag_samples:+d} samples); "
                       f"a {d}-sample delay makes them arrive together" + (
                           f" and, with {', '.join(companions)}, the sum gains {group_gain:+.1f} dB" if companions
                           else f": the sum gains {group_gain:+.1f} dB, and the comb filter of the two "
                           f"({_fmt_hz(rate / (2 * d))} notch, then every {_fmt_hz(rate / d)}) goes") + (
                           f"; without the flip it would lose {-gain_alone:.1f} dB: accept both" if companions
                           and gain_alone < 0 else "") + caveat)  # fmt: skip
                sid, aspect = f"delay-{_slug(k)}", "phase_alignment"
            out.append((k, Suggestion(
                id=sid, move=mv, why=why, confidence=round(conf_base, 2),
                severity=_severity(group_gain, 1.0, 3.0) if group_gain > 0 else "low",
                aspect=aspect, predicted=predicted, source=PHASE_SOURCE,
            )))  # fmt: skip
    keep: list[tuple[str, LeaveAlone]] = []
    for k in members:
        if moves[k]:
            continue
        ok = [(o, p) for o, lag, sign, p in adj[k] if not moves[o] and abs(lag) < MIN_DELAY_SAMPLES and sign > 0]
        if len(ok) != len(adj[k]):
            continue
        o, p = max(ok, key=lambda t: abs(t[1].alignment.correlation))
        al = p.alignment
        keep.append((k, LeaveAlone(aspect="phase_alignment", why=(
            f"in polarity and aligned with {o}: correlation {_r(al.correlation)} at a lag of "
            f"{al.lag_samples} sample{'' if abs(al.lag_samples) == 1 else 's'}; no flip, no delay"))))  # fmt: skip
    return out, keep


def _strongest(k: str, adj) -> tuple[str, RelatedPair]:
    o, _, _, p = max(adj[k], key=lambda t: abs(t[3].alignment.correlation))
    return o, p


def _apply(x: np.ndarray, moves: list[Move]) -> np.ndarray:
    """What the bridge renders for ``polarity`` and ``delay`` (a delay keeps the length)."""
    y = x
    for mv in moves:
        if mv.kind == "polarity":
            y = -y
        elif mv.kind == "delay":
            d = int(mv.params["delay_samples"])
            if d:
                y = np.concatenate([np.zeros(min(d, y.size), dtype=y.dtype), y[: max(0, y.size - d)]])
    return y


def _envelope(x: np.ndarray, rate: float) -> np.ndarray:
    """Mean power per second."""
    step = max(1, int(rate))
    m = -(-x.size // step)
    blocks = np.pad(x, (0, m * step - x.size)).reshape(m, step)
    return np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) / step


def _joint_window(ea: np.ndarray, eb: np.ndarray, seconds: int, rate: float) -> tuple[int, int]:
    """Sample range of the ``seconds``-long stretch where both tracks play most."""
    m = max(ea.size, eb.size)
    if m <= seconds:
        return 0, m * int(rate) + int(rate)
    joint = np.minimum(np.pad(ea, (0, m - ea.size)), np.pad(eb, (0, m - eb.size)))
    c = np.concatenate([[0.0], np.cumsum(joint)])
    start = int(np.argmax(c[seconds:] - c[:-seconds]))
    step = int(rate)
    return start * step, (start + seconds) * step


# --------------------------------------------------------------------------- masking


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


# --------------------------------------------------------------------------- both


def cross_track_advice(
    tracks: Mapping[str, tuple[np.ndarray, float]],
    *,
    focus: str | None = None,
    max_lag_ms: float = MAX_LAG_MS,
) -> CrossTrackAdvice:
    """Related microphones among ``tracks``, then masking of ``focus`` by the others.

    Tracks related to the focus (the same source, another microphone) are left out of the
    masking: they reinforce it rather than mask it. ``focus`` defaults to the first track.
    """
    if not tracks:
        return CrossTrackAdvice()
    rate = _common_rate(tracks)
    advice = related_pairs(tracks, max_lag_ms=max_lag_ms)
    focus = next(iter(tracks)) if focus is None else focus
    if focus not in tracks:
        raise ParameterError(f"focus {focus!r} is not one of the tracks: {', '.join(tracks)}")
    same_source = _component(focus, advice.pairs)
    others = {k: v[0] for k, v in tracks.items() if k not in same_source}
    notes = ()
    if len(same_source) > 1:
        notes = (f"masking: {', '.join(sorted(same_source - {focus}))} left out: the same source as {focus}",)
    if not others:
        return advice + CrossTrackAdvice(notes=notes)
    return advice + CrossTrackAdvice(notes=notes) + masking((focus, tracks[focus][0]), others, rate)


def _component(name: str, pairs: tuple[RelatedPair, ...]) -> set[str]:
    out, grew = {name}, True
    while grew:
        grew = False
        for p in pairs:
            if (p.a in out) != (p.b in out):
                out |= {p.a, p.b}
                grew = True
    return out


# --------------------------------------------------------------------------- helpers


def _common_rate(tracks: Mapping[str, tuple[np.ndarray, float]]) -> float:
    rates = {float(r) for _, r in tracks.values()}
    if len(rates) > 1:
        listing = ", ".join(f"{k} {float(r):g} Hz" for k, (_, r) in tracks.items())
        raise ParameterError(f"the tracks' sample rates differ ({listing}); resample them first")
    rate = rates.pop() if rates else 48000.0
    if rate <= 0:
        raise ParameterError(f"sample rate {rate} must be positive")
    return rate


def _mono64(x: np.ndarray) -> np.ndarray:
    return _mono(x, np.float64)


def _mono(x: np.ndarray, dtype) -> np.ndarray:
    """The channel mean of ``(channels, samples)`` (1-D passes through), as ``dtype``."""
    a = np.asarray(x)
    if a.ndim == 1:
        return a.astype(dtype, copy=False)
    if a.ndim != 2:
        raise ParameterError(f"audio must be (channels, samples) or 1-D, got shape {a.shape}")
    if a.shape[0] == 1:
        return a[0].astype(dtype, copy=False)
    return a.mean(axis=0, dtype=np.float64).astype(dtype, copy=False)


def _dot(x: np.ndarray, y: np.ndarray) -> float:
    """``Σ x·y`` accumulated in float64 (float32 stems stay float32)."""
    return float(np.einsum("i,i->", x, y, dtype=np.float64))


def _power(x) -> float:
    x = np.asarray(x)
    return _dot(x, x) / x.size if x.size else 0.0


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    d = math.sqrt(_dot(x, x) * _dot(y, y))
    return _dot(x, y) / d if d > 0 else 0.0


def _db(ratio: float) -> float:
    return 10.0 * math.log10(max(ratio, _TINY))


def _band_db(e: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(e, _TINY))


def _r(c: float) -> str:
    return f"{c:+.2f}".replace("-", "−")


def _names(names: list[str]) -> str:
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "track"


def _label(f: float) -> str:
    return (f"{f / 1000:.1f}".rstrip("0").rstrip(".") + "k") if f >= 1000 else f"{f:.0f}"


def _fmt_hz(f: float) -> str:
    return f"{f / 1000:.3g} kHz" if f >= 1000 else f"{f:.0f} Hz"


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
