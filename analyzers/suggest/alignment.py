"""Related microphones among stems (kick in/out, snare top/bottom, bass DI/amp): the same
source captured twice, and the polarity flips and delays that make them arrive together.

:func:`align` finds the lag and sign at the peak of the normalised cross-correlation of two
mono sums; :func:`related_pairs` keeps the pairs whose ``|r| ≥ 0.5`` and answers with a
``polarity`` flip on the later (or, when they arrive together, the quieter) track and a
``delay`` of ``|lag|`` samples on the earlier one, so that both arrive together and in
polarity. Three or more related tracks are solved as one group along the strongest
correlations (a maximum spanning tree), so that no track gets two contradictory moves:
everything is delayed to meet the latest arrival, and flipped to match the earliest.

Pure numpy and scipy: no I/O. Every move applies to all channels of its track
(``channel = -1``). Source: mixing-research.md §4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.fft

from ..errors import ParameterError
from ..moves import Move
from .common import severity as _severity
from .records import LeaveAlone, Suggestion
from .tracks import TINY as _TINY
from .tracks import CrossTrackAdvice
from .tracks import common_rate as _common_rate
from .tracks import dot as _dot
from .tracks import fmt_hz as _fmt_hz
from .tracks import mono as _mono
from .tracks import mono64 as _mono64
from .tracks import power as _power
from .tracks import slug as _slug

#: |normalised peak correlation| from which two tracks are the same source captured twice.
RELATED_CORRELATION = 0.5
#: A lag shorter than this (samples) is left alone.
MIN_DELAY_SAMPLES = 2
#: The search range of the cross-correlation (ms): ±20 ms is about 7 m of extra path.
MAX_LAG_MS = 20.0
#: At most this much audio (s), where both tracks of a pair play, goes into the correlation.
MAX_ANALYSIS_S = 30.0
#: Predicted level changes are not reported below this (dB): an exact cancellation reads −60.
_FLOOR_DB = -60.0

PHASE_SOURCE = "cross-correlation of the mono sums, peak of |r| within ±20 ms"


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
        FFTs), at the lag where ``|r|`` is highest.
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
    """``Σ x[n]·y[n + k]`` for k = −max_lag … max_lag, block by block (exact, bounded memory).

    Each block is a "valid" correlation by FFT: with a transform at least as long as the
    segment of ``y`` it slides over, the circular product does not wrap for those lags.
    (:func:`scipy.signal.correlate` does the same; :mod:`scipy.signal` costs two seconds
    to import, every command would pay it.)
    """
    yp = np.pad(y, (max_lag, max_lag))
    lags = 2 * max_lag + 1
    acc = np.zeros(lags)
    for s in range(0, x.size, block):
        blk = x[s : s + block]
        if not blk.any():
            continue
        seg = yp[s : s + blk.size + 2 * max_lag]
        nfft = scipy.fft.next_fast_len(seg.size, real=True)
        spectrum = scipy.fft.rfft(seg, nfft) * np.conj(scipy.fft.rfft(blk, nfft))
        acc += scipy.fft.irfft(spectrum, nfft)[:lags]
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


def _db(ratio: float) -> float:
    return 10.0 * math.log10(max(ratio, _TINY))


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    d = math.sqrt(_dot(x, x) * _dot(y, y))
    return _dot(x, y) / d if d > 0 else 0.0


def _r(c: float) -> str:
    return f"{c:+.2f}".replace("-", "−")


def _names(names: list[str]) -> str:
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
