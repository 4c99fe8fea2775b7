"""Rendering moves with pedalboard's built-in processors (and three small numpy stages).

Every Move kind has a renderer here:

* ``peak``, ``low_shelf``, ``high_shelf``: ``PeakFilter``, ``LowShelfFilter``,
  ``HighShelfFilter`` (RBJ biquads; :mod:`analyzers.eq_response` predicts their curves).
* ``highpass`` / ``lowpass``: ``HighpassFilter`` / ``LowpassFilter`` at 6 dB/octave;
  pedalboard has nothing steeper, so 12–24 dB/octave are Butterworth filters of order 2–4
  (``scipy.signal.butter``, second-order sections), −3 dB at ``freq_hz``.
* ``compressor``: ``Compressor`` then ``Gain`` (make-up).
* ``limiter``: gain (drive) into the look-ahead true-peak limiter of :mod:`bridge.limiter`
  — pedalboard's ``Limiter`` (JUCE's) compresses 4:1 from −10 dBFS before it limits and
  does not hold a ceiling in dBTP; the result's true peak is verified with the meter.
* ``gain``: ``Gain``. ``polarity``: ``Invert``, or one channel negated.
* ``width`` (mid/side), ``delay`` (whole samples) and ``expander`` (upward, restoring
  transients) are numpy stages: pedalboard has no mid/side, per-channel delay or expander.
* ``notch`` and ``dehum``: ``scipy.signal.iirnotch`` second-order notches (one per
  harmonic for ``dehum``, each ``width_hz`` wide at −3 dB), run as a cascade in float64.
* ``gate``: a numpy downward expander (:func:`gate`) — pedalboard's ``NoiseGate`` has no
  range, hold or hysteresis, and turns pauses down without limit.
* ``noise_reduction``: spectral gating by the ``noisereduce`` library (stationary mode), its
  noise profile taken from the stretches quieter than ``profile_below_db``.
* ``deesser``: a split-band de-esser (numpy and ``scipy.signal.lfilter``): an RBJ
  band-pass at ``freq_hz`` (0 dB at its centre) splits the band off, its level (5 ms
  mean square, channels linked, attack/release smoothed) sets a reduction of
  (level − threshold)·(1 − 1/ratio), at most ``range_db``, and only the band is turned
  down: ``y = x + (g − 1)·band``. Where it does not act, ``g = 1`` and the output is the
  input, sample for sample.
* ``ride``: the move's curve (``(time_s, gain_db)`` breakpoints) interpolated linearly in
  dB at every sample (held before the first point and after the last), optionally smoothed
  over ``ramp_ms``, applied as a gain envelope.

Audio is float32 ``(channels, samples)`` in and out. Reverb and delay tails do not apply to
these moves; output length equals input length.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import numpy as np
import pedalboard as pb

from analyzers.eq_response import butterworth_sections, clamp_freq_hz
from analyzers.kweighting import StreamingFIR, impulse_response
from analyzers.moves import Move, harmonics
from analyzers.noise import noise_frame_length

from .errors import BridgeError
from .limiter import LimiterStream, limit_true_peak, true_peak_lin

#: Order in which accepted moves are chained: cleanup, tone, dynamics, image, level.
CHAIN_ORDER = ("dehum", "notch", "highpass", "lowpass", "noise_reduction", "polarity", "delay", "ride", "peak",
               "low_shelf", "high_shelf", "gate", "compressor", "deesser", "expander", "width", "gain",
               "limiter")  # fmt: skip
#: The limiter aims this far under the ceiling: ffmpeg's ebur128 (192 kHz resampling) reads
#: true peaks up to ~0.2 dB above BS.1770's 4x interpolator, and both meters must agree.
_LIMITER_MARGIN_DB = 0.3
#: A limiter's result still over its ceiling (a rounding residue) is trimmed to this far under
#: it; the streamed render (:mod:`bridge.apply`) trims by the same figure, sample for sample.
LIMIT_TRIM_UNDER_DB = 0.02


class RenderError(BridgeError):
    """A move could not be rendered."""


def finite(audio: np.ndarray) -> np.ndarray:
    """``audio`` as float32 ``(channels, samples)`` with every NaN and ±Inf sample set to 0:
    silence, as the meters measure them (:meth:`analyzers.Analyzer.push`). Every render
    entry (:func:`render_move`, :func:`render_in_order`, :func:`render_region`,
    :class:`BlockRenderer`, :func:`bridge.slots.render_slots`) passes its input through it
    before any stage: one such sample fed to a filter, a compressor or a plugin turns all that
    follows into NaN (written as digital zero). ``audio`` itself when every sample is finite."""
    x = np.ascontiguousarray(audio, dtype=np.float32)
    ok = np.isfinite(x)
    return x if ok.all() else np.where(ok, x, np.float32(0.0))


def silenced_note(count: int) -> str:
    """The one line that says ``count`` NaN/Inf samples of an input were rendered as silence."""
    return (f"{count} NaN/Inf sample{'s' if count != 1 else ''} of the input were rendered as silence, as analyze "
            "measures them: the file is damaged")


def order_moves(moves: Sequence[Move]) -> list[Move]:
    """Moves in chain order (stable within a kind)."""
    return sorted(moves, key=lambda m: CHAIN_ORDER.index(m.kind))


def _pedalboard_plugins(move: Move, rate: float) -> list[pb.Plugin] | None:
    """The pedalboard processors that render ``move``, or None when numpy/scipy render it."""
    p = move.params
    k = move.kind
    if k == "peak":
        return [pb.PeakFilter(cutoff_frequency_hz=_nyq(p["freq_hz"], rate), gain_db=p["gain_db"], q=p["q"])]
    if k == "low_shelf":
        return [pb.LowShelfFilter(cutoff_frequency_hz=_nyq(p["freq_hz"], rate), gain_db=p["gain_db"], q=p["q"])]
    if k == "high_shelf":
        return [pb.HighShelfFilter(cutoff_frequency_hz=_nyq(p["freq_hz"], rate), gain_db=p["gain_db"], q=p["q"])]
    if k in ("highpass", "lowpass") and int(p["slope_db_oct"] // 6) == 1:
        cls = pb.HighpassFilter if k == "highpass" else pb.LowpassFilter
        return [cls(cutoff_frequency_hz=_nyq(p["freq_hz"], rate))]
    if k == "compressor":
        chain = [pb.Compressor(threshold_db=p["threshold_db"], ratio=p["ratio"], attack_ms=p["attack_ms"],
                               release_ms=p["release_ms"])]  # fmt: skip
        if p["makeup_db"]:
            chain.append(pb.Gain(gain_db=p["makeup_db"]))
        return chain
    return None


def render_move(audio: np.ndarray, sample_rate_hz: float, move: Move) -> np.ndarray:
    """Apply one move to ``audio`` (float32 ``(channels, samples)``, NaN/Inf samples as
    silence: :func:`finite`); returns a new array."""
    return _render_move(finite(audio), sample_rate_hz, move)


def _render_move(x: np.ndarray, sample_rate_hz: float, move: Move) -> np.ndarray:
    p = move.params
    k = move.kind
    rate = float(sample_rate_hz)
    plugins = _pedalboard_plugins(move, rate)
    if plugins is not None:
        return _pb(plugins, x, rate)
    if k in ("highpass", "lowpass"):
        return butterworth(x, rate, _nyq(p["freq_hz"], rate), int(p["slope_db_oct"] // 6), highpass=k == "highpass")
    if k == "limiter":
        return limit(x, rate, ceiling_dbtp=p["ceiling_dbtp"], drive_db=p["gain_db"], release_ms=p["release_ms"])
    if k == "gain":
        return (x * np.float32(10 ** (p["gain_db"] / 20))).astype(np.float32)
    if k == "polarity":
        ch = int(p["channel"])
        y = x.copy()
        if ch < 0:
            return -y
        if ch >= y.shape[0]:
            raise RenderError(f"polarity on channel {ch + 1}, but the audio has {y.shape[0]}")
        y[ch] = -y[ch]
        return y
    if k == "delay":
        return _delay(x, int(p["delay_samples"]), int(p["channel"]))
    if k == "width":
        return _width(x, rate, p["side_gain_db"], p["mono_below_hz"])
    if k == "notch":
        return sos_filter(x, notch_sections([p["freq_hz"]], [p["freq_hz"] / p["q"]], rate))
    if k == "dehum":
        freqs = [h * p["freq_hz"] for h in harmonics(move)]
        return sos_filter(x, notch_sections(freqs, [p["width_hz"]] * len(freqs), rate))
    if k == "gate":
        return gate(x, rate, threshold_db=p["threshold_db"], ratio=p["ratio"], range_db=p["range_db"],
                    attack_ms=p["attack_ms"], hold_ms=p["hold_ms"], release_ms=p["release_ms"],
                    hysteresis_db=p["hysteresis_db"])  # fmt: skip
    if k == "noise_reduction":
        return reduce_noise(x, rate, reduction_db=p["reduction_db"], profile_below_db=p["profile_below_db"])
    if k == "expander":
        return _expander(x, rate, p["threshold_db"], p["ratio"], p["attack_ms"], p["release_ms"])
    if k == "deesser":
        return deesser(x, rate, freq_hz=p["freq_hz"], threshold_db=p["threshold_db"], range_db=p["range_db"],
                       q=p["q"], ratio=p["ratio"], attack_ms=p["attack_ms"], release_ms=p["release_ms"])[0]
    if k == "ride":
        return (x * ride_gain(move.curve, x.shape[1], rate, ramp_ms=p["ramp_ms"])[None, :]).astype(np.float32)
    raise RenderError(f"no renderer for move kind {k!r}")  # pragma: no cover


def render_chain(audio: np.ndarray, sample_rate_hz: float, moves: Sequence[Move]) -> np.ndarray:
    """Apply ``moves`` in :data:`CHAIN_ORDER` (with :func:`render_in_order`'s grouping)."""
    return render_in_order(audio, sample_rate_hz, order_moves(moves))


def render_in_order(audio: np.ndarray, sample_rate_hz: float, moves: Sequence[Move]) -> np.ndarray:
    """Apply ``moves`` in the order given (a chain file's slot order).

    Consecutive moves that pedalboard renders run as one ``Pedalboard``: the same samples
    as one call each (each processor still sees the whole signal in 8192-sample buffers),
    without a pass over the whole audio per move (a typical chain's five filters and
    compressor: 0.41 s instead of 0.72 s for 4 minutes of stereo).

    Several calls may run at once in threads (new processors each call; pedalboard, scipy's
    filters and most of the limiter's numpy work release the GIL): 1.6–1.9× on two cores
    for several tracks (``benchmarks/bench_render.py``), the same samples as one at a time.
    """
    y = finite(audio)
    rate = float(sample_rate_hz)
    pending: list[pb.Plugin] = []
    for move in moves:
        plugins = _pedalboard_plugins(move, rate)
        if plugins is not None:
            pending.extend(plugins)
            continue
        if pending:
            y, pending = _pb(pending, y, rate), []
        y = _render_move(y, rate, move)
    return _pb(pending, y, rate) if pending else y


def render_region(audio: np.ndarray, sample_rate_hz: float, moves: Sequence[Move],
                  region_s: tuple[float, float], *, fade_s: float = 0.05) -> np.ndarray:  # fmt: skip
    """Apply ``moves`` to a region only, cross-fading in and out over ``fade_s`` seconds."""
    audio = finite(audio)
    n = audio.shape[1]
    a = max(0, int(region_s[0] * sample_rate_hz))
    b = min(n, int(region_s[1] * sample_rate_hz))
    if b <= a:
        return np.array(audio, dtype=np.float32)
    processed = render_chain(audio, sample_rate_hz, moves)
    w = np.zeros(n, dtype=np.float32)
    w[a:b] = 1.0
    f = max(1, int(fade_s * sample_rate_hz))
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, f, dtype=np.float32))
    w[a : min(b, a + f)] = ramp[: min(b, a + f) - a]
    if b - f > a:
        w[b - f : b] = np.minimum(w[b - f : b], ramp[::-1])
    return (audio * (1 - w) + processed * w).astype(np.float32)


def limit(x: np.ndarray, sample_rate_hz: float, *, ceiling_dbtp: float, drive_db: float, release_ms: float) -> np.ndarray:
    """Drive into the look-ahead true-peak limiter (:mod:`bridge.limiter`) and verify.

    The limiter's gain comes from an Annex 2 true-peak estimate; the result is measured
    with the meter's arithmetic (:func:`true_peak_dbtp`) and, should a rounding residue
    remain over the ceiling, trimmed.
    """
    y = limit_true_peak(x, sample_rate_hz, ceiling_dbtp=ceiling_dbtp - _LIMITER_MARGIN_DB, gain_db=drive_db,
                        release_ms=release_ms)  # fmt: skip
    tp = true_peak_dbtp(y)
    if tp > ceiling_dbtp:
        y *= np.float32(10 ** ((ceiling_dbtp - tp - LIMIT_TRIM_UNDER_DB) / 20))
    return y


def true_peak_dbtp(x: np.ndarray) -> float:
    """BS.1770-4 true peak of ``x`` in dBTP (−inf for silence).

    The value :class:`analyzers.truepeak.TruePeakMeter` gives, interpolated only where it
    can exceed the sample peak (:func:`bridge.limiter.true_peak_lin`).
    """
    peak = true_peak_lin(x)
    return 20 * math.log10(peak) if peak > 0 else -math.inf


#: Above this length (seconds) a Butterworth filter runs as a recursion (scipy's sosfilt,
#: worth its half-second import); below, as an exact FFT convolution that needs no scipy.
RECURSIVE_FILTER_ABOVE_S = 90.0
_IIR_BLOCK = 1 << 16


def butterworth(x: np.ndarray, sample_rate_hz: float, corner_hz: float, order: int, *, highpass: bool,
                method: str | None = None) -> np.ndarray:  # fmt: skip
    """A Butterworth pass filter of ``order``.

    The sections come from :func:`analyzers.eq_response.butterworth_sections` (checked
    against ``scipy.signal.butter`` in the tests). Short audio goes through their impulse
    response with :class:`analyzers.kweighting.StreamingFIR` (no ``scipy.signal`` import,
    half a second at every start); long audio through ``scipy.signal.sosfilt``, whose cost
    does not grow with the filter's ring (a 30 Hz 24 dB/oct high-pass rings for seconds).
    ``method`` ("fir" or "iir") forces one; both agree to float32 rounding (tests).
    """
    sections = butterworth_sections(order, corner_hz, sample_rate_hz, highpass=highpass)
    if method is None:
        # sosfilt's import costs 0.3–0.8 s (scipy.signal parses its docstrings at import):
        # worth it only once paid, or for audio long enough that the FIR costs more
        paid = "scipy.signal" in sys.modules
        method = "iir" if paid or x.shape[-1] > RECURSIVE_FILTER_ABOVE_S * sample_rate_hz else "fir"
    if method == "iir":
        from scipy.signal import sosfilt

        # float64 (float32 sections ring with errors near −70 dB at a 30 Hz corner), a block
        # at a time: no float64 copy of the whole audio
        sos = np.array([np.concatenate([np.pad(b, (0, 3 - len(b))), np.pad(a, (0, 3 - len(a)))]) for b, a in sections])
        out = np.empty(x.shape, dtype=np.float32)
        zi = np.zeros((sos.shape[0], *x.shape[:-1], 2))
        for i in range(0, x.shape[-1], _IIR_BLOCK):
            y, zi = sosfilt(sos, x[..., i : i + _IIR_BLOCK].astype(np.float64), axis=-1, zi=zi)
            out[..., i : i + _IIR_BLOCK] = y
        return out

    h = np.array([1.0])
    for b, a in sections:
        h = np.convolve(h, impulse_response(b, a, tail_rel=1e-13))
    return StreamingFIR(h, x.shape[0]).process(x.astype(np.float64)).astype(np.float32)


#: pedalboard (0.9) holds the GIL while it processes a call: the audio goes through in chunks
#: of this many frames (a multiple of its 8192-frame buffer, state kept between them with
#: ``reset=False``: the same samples as one call), so that a render in a worker thread lets
#: the panel's event loop run every few milliseconds instead of stalling it for the whole file.
PB_CHUNK_FRAMES = 8192 * 8


def _pb(plugins: Sequence[pb.Plugin], x: np.ndarray, rate: float) -> np.ndarray:
    board = plugins[0] if len(plugins) == 1 else pb.Pedalboard(list(plugins))
    n = x.shape[1]
    if n <= PB_CHUNK_FRAMES:
        return np.asarray(board(x, rate), dtype=np.float32)
    out = np.empty(x.shape, dtype=np.float32)
    for i, a in enumerate(range(0, n, PB_CHUNK_FRAMES)):
        out[:, a : a + PB_CHUNK_FRAMES] = board(x[:, a : a + PB_CHUNK_FRAMES], rate, reset=i == 0)
    return out


def _nyq(freq_hz: float, rate: float) -> float:
    return clamp_freq_hz(freq_hz, rate)


def _delay(x: np.ndarray, samples: int, channel: int) -> np.ndarray:
    y = x.copy()
    chans = range(y.shape[0]) if channel < 0 else [channel]
    for c in chans:
        if c >= y.shape[0]:
            raise RenderError(f"delay on channel {c + 1}, but the audio has {y.shape[0]}")
        if samples:
            y[c, samples:] = x[c, :-samples]
            y[c, :samples] = 0.0
    return y


def _width(x: np.ndarray, rate: float, side_gain_db: float, mono_below_hz: float) -> np.ndarray:
    """Mid/side on the first two channels: scale the side, remove it below a crossover."""
    if x.shape[0] < 2:
        return x.copy()
    mid = 0.5 * (x[0] + x[1])
    side = 0.5 * (x[0] - x[1]) * np.float32(10 ** (side_gain_db / 20))
    if mono_below_hz > 0:
        # the side's lows removed with a 4th-order Butterworth high-pass: below the crossover, mono
        side = butterworth(side[None, :], rate, _nyq(mono_below_hz, rate), 4, highpass=True)[0]
    y = x.copy()
    y[0] = mid + side
    y[1] = mid - side
    return y


def _expander(x: np.ndarray, rate: float, threshold_db: float, ratio: float, attack_ms: float,
              release_ms: float) -> np.ndarray:  # fmt: skip
    """Transient expander: raise each hit by how far it rises above the material around it.

    Two envelopes of the signal's power (channels linked): a fast one (``attack_ms``) that
    follows each hit and a slow one (``release_ms``) that follows the body. Where the fast
    one stands d dB above the slow one, the gain is (ratio − 1)·d dB (at most 12 dB); below
    ``threshold_db`` nothing is raised, so noise and tails stay put. A compressor flattened
    exactly these differences; this gives part of them back.
    """
    power = (x.astype(np.float64) ** 2).max(axis=0)

    def smooth(tau_ms: float) -> np.ndarray:
        """One-pole smoothing (time constant ``tau_ms``) as an exact FFT convolution."""
        a = math.exp(-1.0 / (tau_ms * 1e-3 * rate))
        h = impulse_response([1.0 - a, 0.0], [1.0, -a], tail_rel=1e-9)
        return StreamingFIR(h, 1).process(power[None, :])[0]

    fast_db = 10 * np.log10(np.maximum(smooth(attack_ms), 1e-12))
    slow_db = 10 * np.log10(np.maximum(smooth(release_ms), 1e-12))
    lift = np.clip(fast_db - slow_db, 0.0, None)
    gain_db = np.where(fast_db > threshold_db, np.minimum((ratio - 1.0) * lift, 12.0), 0.0)
    return (x * (10 ** (gain_db / 20))[None, :]).astype(np.float32)


#: Move kinds :class:`BlockRenderer` renders block by block (state carried between blocks);
#: the expander (envelopes as FFT convolutions) and the repair moves need the whole audio.
STREAMABLE_KINDS = frozenset({"peak", "low_shelf", "high_shelf", "highpass", "lowpass", "compressor", "gain",
                              "polarity", "delay", "width", "limiter"})  # fmt: skip


class BlockRenderer:
    """``moves`` (in the order given) rendered one block at a time, memory bounded by the block.

    Pedalboard's processors run with ``reset=False`` (their state goes on from block to
    block), Butterworth filters carry their sections' state, a delay carries its last
    samples, the limiter is a :class:`bridge.limiter.LimiterStream`: the output is
    :func:`render_in_order` on the whole audio, block by block (the same samples to float32
    rounding; tests) — except the limiter's final check (:func:`limit` trims the whole
    result should its true peak still read over the ceiling), which needs the whole result:
    a caller measures the true peak and adds a gain (``bridge.apply``).

    A limiter looks ahead: its output lags, so :meth:`process` may return fewer samples than
    it was given (and later more); :meth:`finish` returns the rest once the input has ended.

    Raises
    ------
    RenderError
        A move of a kind outside :data:`STREAMABLE_KINDS`.
    """

    def __init__(self, moves: Sequence[Move], sample_rate_hz: float, num_channels: int) -> None:
        self.rate = float(sample_rate_hz)
        self.channels = int(num_channels)
        self._stages: list = []
        self._flushes: dict[int, object] = {}  # stage index -> its flush (stages that lag)
        pending: list[pb.Plugin] = []
        for move in moves:
            if move.kind not in STREAMABLE_KINDS:
                raise RenderError(f"a {move.kind} move needs the whole audio: it cannot be rendered block by block")
            plugins = _pedalboard_plugins(move, self.rate)
            if plugins is not None:
                pending.extend(plugins)
                continue
            if pending:
                self._stages.append(self._board(pending))
                pending = []
            if move.kind == "limiter":
                p = move.params
                lim = LimiterStream(self.rate, self.channels, ceiling_dbtp=p["ceiling_dbtp"] - _LIMITER_MARGIN_DB,
                                    gain_db=p["gain_db"], release_ms=p["release_ms"])  # fmt: skip
                self._flushes[len(self._stages)] = lim.flush
                self._stages.append(lim.process)
                continue
            self._stages.append(self._stage(move))
        if pending:
            self._stages.append(self._board(pending))

    @staticmethod
    def streamable(moves: Sequence[Move]) -> bool:
        return all(m.kind in STREAMABLE_KINDS for m in moves)

    def process(self, block: np.ndarray) -> np.ndarray:
        """The next block rendered (NaN/Inf samples as silence: :func:`finite`)."""
        y = finite(block)
        for stage in self._stages:
            y = stage(y) if y.shape[1] else y
        return y

    def finish(self) -> np.ndarray:
        """What the lagging stages still hold, through the stages after them (empty when
        no stage lags)."""
        y = np.zeros((self.channels, 0), dtype=np.float32)
        for i, stage in enumerate(self._stages):
            if y.shape[1]:
                y = stage(y)
            if i in self._flushes:
                y = np.concatenate([y, self._flushes[i]()], axis=1)
        return y

    def _board(self, plugins: Sequence[pb.Plugin]):
        board = pb.Pedalboard(list(plugins))
        rate = self.rate
        return lambda x: np.asarray(board.process(x, rate, reset=False), dtype=np.float32)

    def _stage(self, move: Move):
        p, k, rate = move.params, move.kind, self.rate
        if k in ("highpass", "lowpass"):
            f = _SosStream(rate, _nyq(p["freq_hz"], rate), int(p["slope_db_oct"] // 6), self.channels,
                           highpass=k == "highpass")  # fmt: skip
            return f.process
        if k == "gain":
            g = np.float32(10 ** (p["gain_db"] / 20))
            return lambda x: (x * g).astype(np.float32)
        if k == "polarity":
            ch = int(p["channel"])
            if ch >= self.channels:
                raise RenderError(f"polarity on channel {ch + 1}, but the audio has {self.channels}")
            return lambda x: render_move(x, rate, move)
        if k == "delay":
            return _DelayStream(int(p["delay_samples"]), int(p["channel"]), self.channels).process
        if k == "width":
            return _WidthStream(rate, p["side_gain_db"], p["mono_below_hz"], self.channels).process
        raise RenderError(f"no block renderer for move kind {k!r}")  # pragma: no cover


class _SosStream:
    """A Butterworth filter's sections with their state carried across blocks (float64)."""

    def __init__(self, rate: float, corner_hz: float, order: int, channels: int, *, highpass: bool) -> None:
        from analyzers.eq_response import butterworth_sections

        sections = butterworth_sections(order, corner_hz, rate, highpass=highpass)
        self.sos = np.array([np.concatenate([np.pad(b, (0, 3 - len(b))), np.pad(a, (0, 3 - len(a)))])
                             for b, a in sections])  # fmt: skip
        self.zi = np.zeros((self.sos.shape[0], channels, 2))

    def process(self, x: np.ndarray) -> np.ndarray:
        from scipy.signal import sosfilt  # its import costs 0.3-0.8 s: only when a block render needs it

        y, self.zi = sosfilt(self.sos, x.astype(np.float64), axis=-1, zi=self.zi)
        return y.astype(np.float32)


class _DelayStream:
    def __init__(self, samples: int, channel: int, channels: int) -> None:
        self.chans = list(range(channels)) if channel < 0 else [channel]
        for c in self.chans:
            if c >= channels:
                raise RenderError(f"delay on channel {c + 1}, but the audio has {channels}")
        self.carry = np.zeros((len(self.chans), samples), dtype=np.float32)

    def process(self, x: np.ndarray) -> np.ndarray:
        n = self.carry.shape[1]
        if n == 0:
            return x.copy()
        y = x.copy()
        joined = np.concatenate([self.carry, x[self.chans]], axis=1)
        y[self.chans] = joined[:, : x.shape[1]]
        self.carry = joined[:, x.shape[1] :]
        return y


class _WidthStream:
    def __init__(self, rate: float, side_gain_db: float, mono_below_hz: float, channels: int) -> None:
        self.g = np.float32(10 ** (side_gain_db / 20))
        self.hp = _SosStream(rate, _nyq(mono_below_hz, rate), 4, 1, highpass=True) if mono_below_hz > 0 else None
        self.channels = channels

    def process(self, x: np.ndarray) -> np.ndarray:
        if self.channels < 2:
            return x.copy()
        mid = 0.5 * (x[0] + x[1])
        side = 0.5 * (x[0] - x[1]) * self.g
        if self.hp is not None:
            side = self.hp.process(side[None, :])[0]
        y = x.copy()
        y[0] = mid + side
        y[1] = mid - side
        return y


def notch_sections(freqs_hz: Sequence[float], widths_hz: Sequence[float], rate: float) -> np.ndarray:
    """Second-order sections ``(n, 6)`` of ``scipy.signal.iirnotch`` notches (those below
    0.49 × the rate): centre ``f``, Q = f / width."""
    from scipy.signal import iirnotch  # scipy.signal costs 0.3–0.8 s to import (see butterworth)

    rows = []
    for f, w in zip(freqs_hz, widths_hz):
        if 0 < f < 0.49 * rate:
            b, a = iirnotch(f, f / w, fs=rate)
            rows.append(np.concatenate([b, a]))
    return np.array(rows).reshape(-1, 6)


def sos_filter(x: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Run second-order sections over ``x`` in float64, a block at a time (float32 out)."""
    if sos.shape[0] == 0:
        return np.array(x, dtype=np.float32)
    from scipy.signal import sosfilt  # see notch_sections

    out = np.empty(x.shape, dtype=np.float32)
    zi = np.zeros((sos.shape[0], *x.shape[:-1], 2))
    for i in range(0, x.shape[-1], _IIR_BLOCK):
        y, zi = sosfilt(sos, x[..., i : i + _IIR_BLOCK].astype(np.float64), axis=-1, zi=zi)
        out[..., i : i + _IIR_BLOCK] = y
    return out


#: The gate's level detector: RMS over this window (ms), centred (it looks 5 ms ahead).
GATE_WINDOW_MS = 10.0


def gate(x: np.ndarray, rate: float, *, threshold_db: float, ratio: float, range_db: float, attack_ms: float,
         hold_ms: float, release_ms: float, hysteresis_db: float) -> np.ndarray:  # fmt: skip
    """Downward expander / gate, channels linked, computed on a 1 ms grid.

    The level is the RMS of all channels over :data:`GATE_WINDOW_MS`, centred on each
    1 ms step (so the gate opens a few ms before an onset: no clipped consonants). It opens
    when the level reaches ``threshold_db``, stays open while the level stays within
    ``hysteresis_db`` under it and for ``hold_ms`` after, then turns down by
    (threshold − level)·(ratio − 1) dB, at most ``range_db``. The gain ramps towards that
    target linearly in dB, through the whole range in ``attack_ms`` (opening) or
    ``release_ms`` (closing) — ZamGate's linear ramps — and is interpolated between steps
    sample by sample.
    """
    n = x.shape[1]
    step = max(1, int(round(rate / 1000.0)))
    nb = -(-n // step)
    power = np.zeros(nb * step)
    power[:n] = np.mean(x.astype(np.float64) ** 2, axis=0)
    per_step = power.reshape(nb, step).mean(axis=1)
    width = max(1, int(round(GATE_WINDOW_MS * rate / 1000.0 / step)))
    level = np.convolve(per_step, np.ones(width) / width, mode="same")
    level_db = 10 * np.log10(np.maximum(level, 1e-30))
    hold = int(round(hold_ms * rate / 1000.0 / step))
    step_s = step / rate
    full = max(range_db, 1e-6)  # linear ramps in dB: the whole range in attack_ms / release_ms
    up = full * step_s / (attack_ms * 1e-3)
    down = full * step_s / (release_ms * 1e-3)
    static = np.clip((level_db - threshold_db) * (ratio - 1.0), -range_db, 0.0)
    gain = np.empty(nb)
    is_open, held, g = False, 0, float(static[0]) if level_db[0] < threshold_db else 0.0
    close_db = threshold_db - hysteresis_db
    for i in range(nb):
        lv = level_db[i]
        if lv >= threshold_db or (is_open and lv >= close_db):
            is_open, held = True, hold
        elif is_open:
            if held > 0:
                held -= 1
            else:
                is_open = False
        target = 0.0 if is_open else static[i]
        g = min(target, g + up) if target > g else max(target, g - down)
        gain[i] = g
    centres = (np.arange(nb) + 0.5) * step
    lin = np.interp(np.arange(n), centres, 10 ** (gain / 20))
    return (x * lin[None, :]).astype(np.float32)


#: A bin is signal when it rises this many standard deviations (of the profile's dB per bin)
#: over the profile's mean. noisereduce's 1.5 lets ~2 % of a pure noise's bins through, and
#: its mask smoothing spreads them: 18 dB asked took 11 dB off the pauses of a blues mix with
#: hiss at −50 dBFS; 2.0 took 16 dB, the music's level moving 0.4 dB either way.
NR_STD_THRESHOLD = 2.0


def reduce_noise(x: np.ndarray, rate: float, *, reduction_db: float, profile_below_db: float) -> np.ndarray:
    """Spectral noise reduction with ``noisereduce`` (stationary spectral gating).

    The noise profile is every ~46 ms frame whose RMS (all channels) lies below
    ``profile_below_db`` and above digital silence; with less than four such frames, the
    whole signal (noisereduce's own default). Bins that do not rise :data:`NR_STD_THRESHOLD`
    standard deviations over the profile are turned down by ``reduction_db``.
    """
    import noisereduce  # imports scipy.signal (0.3–0.8 s): only when a move needs it

    n = x.shape[1]
    frame = noise_frame_length(rate)
    m = n // frame
    profile = None
    if m:
        frames = x[:, : m * frame].astype(np.float64).reshape(x.shape[0], m, frame)
        level_db = 10 * np.log10(np.maximum((frames**2).mean(axis=(0, 2)), 1e-30))
        quiet = (level_db < profile_below_db) & (level_db > -120.0)
        if quiet.sum() >= 4:
            profile = frames[:, quiet, :].reshape(x.shape[0], -1)
    prop = 1.0 - 10 ** (-reduction_db / 20.0)
    y = noisereduce.reduce_noise(y=x.astype(np.float64), sr=int(round(rate)), stationary=True, y_noise=profile,
                                 prop_decrease=prop, n_std_thresh_stationary=NR_STD_THRESHOLD, n_jobs=1,
                                 use_tqdm=False)  # fmt: skip
    return np.asarray(y, dtype=np.float32).reshape(x.shape)


def deesser(x: np.ndarray, rate: float, *, freq_hz: float, threshold_db: float, range_db: float, q: float,
            ratio: float, attack_ms: float, release_ms: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Split-band de-esser (see the module's docstring); returns the audio and the band's gain
    reduction in dB per sample (≥ 0), which the tests and ``apply`` measure against."""
    from scipy.signal import lfilter  # scipy.signal costs 0.3–0.8 s to import: only when a de-esser runs

    f = _nyq(freq_hz, rate)
    w0 = 2 * math.pi * f / rate
    alpha = math.sin(w0) / (2 * q)
    a0 = 1 + alpha
    b = np.array([alpha, 0.0, -alpha]) / a0  # RBJ band-pass, 0 dB peak gain
    a = np.array([a0, -2 * math.cos(w0), 1 - alpha]) / a0
    band = lfilter(b, a, x.astype(np.float64), axis=-1)
    n = x.shape[1]
    block = max(1, int(round(rate * 5e-3)))
    count = -(-n // block)
    power = np.zeros(count * block)
    power[:n] = (band**2).max(axis=0)
    level = 10 * np.log10(np.maximum(power.reshape(count, block).mean(axis=1), 1e-15))
    att = math.exp(-block / (attack_ms * 1e-3 * rate)) if attack_ms > 0 else 0.0
    rel = math.exp(-block / (release_ms * 1e-3 * rate))
    over = np.clip((level - threshold_db) * (1.0 - 1.0 / ratio), 0.0, range_db)
    reduction = np.empty(count)
    env = 0.0
    for i, target in enumerate(over.tolist()):  # one step a millisecond: cheap in Python
        coef = att if target > env else rel
        env = target + coef * (env - target)
        reduction[i] = env if env > 1e-4 else 0.0  # a release's last ten-thousandth of a dB: none
    centres = (np.arange(count) + 0.5) * block
    reduction_db = np.interp(np.arange(n), centres, reduction)
    g = 10 ** (-reduction_db / 20) - 1.0
    return (x + g[None, :] * band).astype(np.float32), reduction_db


def ride_gain(curve, num_samples: int, rate: float, *, ramp_ms: float = 0.0) -> np.ndarray:
    """A ride's gain (linear) at every sample: the curve's dB interpolated linearly between its
    points (held outside them), smoothed over ``ramp_ms`` by a raised-cosine kernel."""
    times = np.array([t for t, _ in curve], dtype=np.float64) * rate
    gains = np.array([g for _, g in curve], dtype=np.float64)
    db = np.interp(np.arange(num_samples, dtype=np.float64), times, gains)
    width = int(round(ramp_ms * 1e-3 * rate))
    if width > 1 and num_samples > 1:
        kernel = np.hanning(width + 2)[1:-1]
        kernel /= kernel.sum()
        padded = np.pad(db, (width, width), mode="edge")
        db = np.convolve(padded, kernel, mode="same")[width:-width]
    return (10 ** (db / 20)).astype(np.float32)
