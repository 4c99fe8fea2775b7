"""The whole measurement: one streaming pass that feeds every meter, and :func:`analyze`.

:class:`Analyzer` takes audio block by block, so a file of any length is measured with
memory bounded by the block size (the meters keep a few numbers per 100 ms and per
~340 ms frame). :func:`analyze` is the same for an array that is already in memory.
The meters of one chunk run on a small thread pool: numpy's FFT and products release
the GIL, so a stereo file uses two cores.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .chunks import Chunker
from .convert import amplitude_to_db, power_to_db
from .errors import ParameterError
from .kweighting import kweighting_filter
from .hum import HumMeter
from .levels import CLIP_LEVEL_DBFS, CLIP_RUN_MIN, SILENCE_LEVEL_DBFS, LevelMeter
from .loudness import (
    MOMENTARY_SEGMENTS,
    block_loudness,
    default_channel_weights,
    gated_loudness,
    loudness_from_segments,
    weighted_window_power,
)
from .noise import NoiseMeter
from .records import Analysis, HygieneResult, LevelResult, StereoResult
from .rhythm import TempoMeter, rhythm
from .sections import find_sections
from .segments import SEGMENT_S, SegmentSums, window_sums
from .sibilance import SibilanceMeter
from .spectrum import SpectrumMeter
from .steady import SteadyMeter
from .truepeak import TruePeakMeter

MIN_SAMPLE_RATE_HZ = 4000.0
MAX_SAMPLE_RATE_HZ = 1_536_000.0
MAX_CHANNELS = 64
#: DC offset (absolute mean, full scale 1.0) above which a warning is given (−60 dBFS).
DC_WARN = 0.001
_DIGITAL_SILENCE_POWER = 1e-15  # −150 dBFS


class Analyzer:
    """Streaming analysis of one piece of audio.

    Parameters
    ----------
    sample_rate_hz : float
        Sample rate in Hz, 4 kHz to 1.536 MHz.
    num_channels : int
        Channels of every block, 1 to 64. Channel order for 5.1 and 7.1 is the WAVE order
        (L R C LFE Ls Rs …); see :func:`analyzers.loudness.default_channel_weights`.
    channel_weights : sequence of float, optional
        BS.1770 weight per channel, overriding the defaults.
    chunk_samples : int, optional
        Samples gathered before the meters run (default: about 5.5 s at 48 kHz).
    workers : int, optional
        Threads for the meters (default: the machine's cores, at most 4; 1 = none).

    Examples
    --------
    >>> an = Analyzer(48000, 2)
    >>> for block in blocks:          # each shaped (2, n), float32, full scale 1.0
    ...     an.push(block)
    >>> analysis = an.finish()
    """

    def __init__(
        self,
        sample_rate_hz: float,
        num_channels: int,
        *,
        channel_weights=None,
        chunk_samples: int | None = None,
        workers: int | None = None,
    ) -> None:
        rate = float(sample_rate_hz)
        if not (math.isfinite(rate) and MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ):
            raise ParameterError(
                f"sample_rate_hz={sample_rate_hz!r} is outside the supported "
                f"{MIN_SAMPLE_RATE_HZ:.0f}–{MAX_SAMPLE_RATE_HZ:.0f} Hz"
            )
        if not (isinstance(num_channels, (int, np.integer)) and 1 <= num_channels <= MAX_CHANNELS):
            raise ParameterError(f"num_channels={num_channels!r} must be an integer from 1 to {MAX_CHANNELS}")
        self.sample_rate_hz = rate
        self.num_channels = int(num_channels)
        self._warnings: list[str] = []
        if channel_weights is None:
            weights = default_channel_weights(self.num_channels)
            if self.num_channels not in (1, 2, 3, 4, 5, 6, 8):
                self._warnings.append(
                    f"{self.num_channels} channels: no standard layout, every channel weighted 1.0 for loudness"
                )
        else:
            weights = tuple(float(w) for w in channel_weights)
            if len(weights) != self.num_channels or any(w < 0 or not math.isfinite(w) for w in weights):
                raise ParameterError(
                    f"channel_weights={channel_weights!r} needs {self.num_channels} finite values ≥ 0"
                )
        self._weights = weights
        self._chunk = int(chunk_samples or (1 << 18))
        n_workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(max_workers=n_workers) if n_workers > 1 else None
        self._kfilters = [kweighting_filter(rate, 1) for _ in range(self.num_channels)]
        self._truepeak = TruePeakMeter(self.num_channels)
        self._spectrum = SpectrumMeter(rate, self.num_channels)
        self._levels = LevelMeter(self.num_channels)
        self._tempo = TempoMeter(rate, weights)
        self._hum = HumMeter(rate, self.num_channels)  # fine low-band spectrum: mains hum
        self._noise = NoiseMeter(rate, self.num_channels)  # per-46 ms level and octaves: the pauses
        self._sibilance = SibilanceMeter(rate, self.num_channels)
        self._steady = SteadyMeter(rate, self.num_channels)  # per-frame bell fits: steady bumps
        # per 100 ms: K-weighted energy per channel, then L·R (stereo correlation)
        self._stereo = self.num_channels >= 2
        # per 10 ms: K-weighted energy per channel (loudness; maxima on a 10 ms grid)
        self._k10 = SegmentSums(rate, self.num_channels, per_second=100)
        # per 100 ms: raw energy per channel, then L·R (noise floor, stereo correlation)
        self._segments = SegmentSums(rate, self.num_channels + (1 if self._stereo else 0))
        self._chunker = Chunker(self._chunk)
        self._nonfinite = 0
        self._first_nonfinite: int | None = None
        self._samples = 0
        self._finished = False

    def push(self, block: np.ndarray) -> None:
        """Add samples shaped ``(channels, samples)``, float, full scale ±1.0.

        NaN and Inf samples are counted, reported in the warnings, and measured as 0.
        """
        if self._finished:
            raise ParameterError("this Analyzer has finished; make a new one")
        x = np.asarray(block)
        if x.ndim != 2 or x.shape[0] != self.num_channels:
            raise ParameterError(
                f"block shape {x.shape} does not match (channels={self.num_channels}, samples): "
                "audio is shaped (channels, samples)"
            )
        if not np.issubdtype(x.dtype, np.floating):
            raise ParameterError(f"block dtype {x.dtype} is not floating point: scale audio to ±1.0 floats")
        if x.shape[1] == 0:
            return
        finite = np.isfinite(x)
        if not finite.all():
            bad = np.flatnonzero(~finite.all(axis=0))
            if self._first_nonfinite is None:
                self._first_nonfinite = self._samples + self._chunker.held_samples + int(bad[0])
            self._nonfinite += int(np.count_nonzero(~finite))
            x = np.where(finite, x, 0.0).astype(x.dtype)
        chunk = self._chunker.add(x)
        if chunk is not None:
            self._measure(chunk)

    def _measure(self, chunk: np.ndarray) -> None:
        chunk64 = chunk.astype(np.float64, copy=False)
        self._samples += chunk.shape[1]
        idx = self._segments.cuts(chunk.shape[1])
        idx10 = self._k10.cuts(chunk.shape[1])

        def energies(c: int) -> tuple[np.ndarray, np.ndarray]:
            """Channel c: 10 ms sums of K-weighted energy, 100 ms sums of raw energy."""
            weighted = self._kfilters[c].process(chunk64[c : c + 1])[0]
            return np.add.reduceat(weighted * weighted, idx10), np.add.reduceat(chunk64[c] * chunk64[c], idx)

        frames = self._spectrum.take_frames(chunk64)

        def cross() -> np.ndarray | None:
            return np.add.reduceat(chunk64[0] * chunk64[1], idx)[None, :] if self._stereo else None

        jobs = [lambda c=c: energies(c) for c in range(self.num_channels)]
        jobs += [cross, lambda: self._truepeak.process(chunk64), lambda: self._levels.process(chunk64),
                 lambda: self._hum.process(chunk64), lambda: self._noise.process(chunk64),
                 lambda: self._sibilance.process(chunk64), lambda: self._tempo.process(chunk64),
                 lambda: self._steady.process(chunk64)]  # fmt: skip
        if frames is not None:  # the spectrum's mid and side on two threads
            jobs += [lambda: self._spectrum.band_powers(frames, "mid"), lambda: self._spectrum.band_powers(frames, "side")]
        if self._pool is None:
            results = [job() for job in jobs]
        else:
            results = [f.result() for f in [self._pool.submit(job) for job in jobs]]
        if frames is not None:
            self._spectrum.add_powers(results[-2], results[-1])
        per_channel = results[: self.num_channels]
        self._k10.add_pieces(np.stack([r[0] for r in per_channel]), chunk.shape[1])
        rows = [r[1] for r in per_channel]
        if self._stereo:
            rows.append(results[self.num_channels][0])
        self._segments.add_pieces(np.stack(rows), chunk.shape[1])

    def finish(self) -> Analysis:
        """Measure what was pushed and return the :class:`~analyzers.records.Analysis`."""
        if self._finished:
            raise ParameterError("finish() was already called")
        rest = self._chunker.take()
        if rest is not None:
            self._measure(rest)
        self._finished = True
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        try:
            return self._result()
        finally:
            self._kfilters = []

    def _result(self) -> Analysis:
        rate, nch = self.sample_rate_hz, self.num_channels
        n = self._samples
        warnings = list(self._warnings)
        seg, counts = self._segments.complete()
        k10, counts10 = self._k10.complete()
        n100 = min(seg.shape[0], k10.shape[0] // 10)  # whole 100 ms segments
        k_energy = k10[: n100 * 10].reshape(n100, 10, nch).sum(axis=1)
        seg, counts = seg[:n100], counts[:n100]
        raw_energy = seg[:, :nch]
        loud = loudness_from_segments(k_energy, counts, self._weights, fine=(k10, counts10))
        tp = self._truepeak.finish()
        self._levels.finish()
        lv = self._levels
        spectrum = self._spectrum.finish()
        hum = self._hum.finish()
        noise = self._noise.finish(hum)

        # --- levels
        total_power = float(lv.sum_sq.sum() / (n * nch)) if n else 0.0
        peak = float(lv.peak.max()) if n else 0.0
        tp_max = float(tp.max()) if n else 0.0
        rms_db = _finite_or_none(power_to_db(total_power))
        sp_db = _finite_or_none(amplitude_to_db(peak))
        tp_db = _finite_or_none(amplitude_to_db(tp_max))
        levels = LevelResult(
            true_peak_dbtp=_r(tp_db),
            sample_peak_dbfs=_r(sp_db),
            true_peak_per_channel_dbtp=tuple(_r(_finite_or_none(amplitude_to_db(v))) for v in tp),
            sample_peak_per_channel_dbfs=tuple(_r(_finite_or_none(amplitude_to_db(v))) for v in lv.peak),
            rms_dbfs=_r(rms_db),
            crest_db=_r(sp_db - rms_db) if sp_db is not None and rms_db is not None else None,
            plr_db=_r(tp_db - loud.integrated_lufs)
            if tp_db is not None and loud.integrated_lufs is not None
            else None,
        )

        # --- stereo
        if self._stereo:
            ll, rr = lv.sum_sq[0], lv.sum_sq[1]
            lr = float(self._segments.complete()[0][:, -1].sum()) + float(self._segments.open_sums[-1])
            corr = lr / math.sqrt(ll * rr) if ll > 0 and rr > 0 else None
            mid_sq = (ll + 2 * lr + rr) / 4.0
            side_sq = (ll - 2 * lr + rr) / 4.0
            width = side_sq / (mid_sq + side_sq) if mid_sq + side_sq > 0 else None
            # None when one side is only rounding residue (identical or opposite channels)
            s2m = 10 * math.log10(side_sq / mid_sq) if side_sq > 1e-12 * mid_sq and mid_sq > 1e-12 * side_sq else None
            blk = window_sums(seg[:, [0, 1, nch]], MOMENTARY_SEGMENTS)
            denom = np.sqrt(blk[:, 0] * blk[:, 1])
            series = tuple(
                round(float(c / d), 4) if d > 1e-12 else None for c, d in zip(blk[:, 2], denom)
            )
            stereo = StereoResult(
                correlation=_r(corr, 4),
                correlation_series=series,
                width=_r(width, 4),
                side_to_mid_db=_r(s2m),
                polarity_suspect=bool(corr is not None and corr < -0.5),
            )
            if stereo.polarity_suspect:
                warnings.append(
                    f"correlation {corr:+.2f}: the channels are mostly opposite in polarity; "
                    "in mono the track will largely cancel"
                )
        else:
            stereo = StereoResult(
                correlation=None, correlation_series=(), width=None, side_to_mid_db=None, polarity_suspect=False
            )

        # --- hygiene
        raw_blocks = window_sums(raw_energy, MOMENTARY_SEGMENTS)
        raw_n = window_sums(counts.astype(np.float64), MOMENTARY_SEGMENTS)
        noise_floor = None
        if raw_blocks.shape[0]:
            block_power = raw_blocks.sum(axis=1) / (raw_n * nch)
            audible = block_power[block_power > _DIGITAL_SILENCE_POWER]
            if audible.size:
                noise_floor = _r(power_to_db(float(np.percentile(audible, 5.0))))
        dc = tuple(float(f"{v:.3g}") for v in (lv.sum / n if n else np.zeros(nch)))
        if lv.first_loud is None:
            lead = trail = round(n / rate, 3)
        else:
            lead = round(lv.first_loud / rate, 3)
            trail = round((n - 1 - lv.last_loud) / rate, 3)
        hygiene = HygieneResult(
            dc_offset=dc,
            clipped_samples=lv.clipped_samples + lv.flat_top_samples,
            clip_runs=lv.clip_runs + lv.flat_top_runs,
            flat_top_dbfs=None if lv.flat_top_dbfs is None else round(lv.flat_top_dbfs, 2),
            over_full_scale_samples=lv.over_full_scale,
            nonfinite_samples=self._nonfinite,
            noise_floor_dbfs=noise_floor,
            leading_silence_s=lead,
            trailing_silence_s=trail,
            clip_level_dbfs=CLIP_LEVEL_DBFS,
            clip_run_min=CLIP_RUN_MIN,
            silence_level_dbfs=SILENCE_LEVEL_DBFS,
        )

        # --- sections
        momentary_power = weighted_window_power(
            k_energy, counts, np.asarray(self._weights), MOMENTARY_SEGMENTS
        )

        def loudness_of(start_s: float, end_s: float) -> float | None:
            first = int(math.ceil(start_s / SEGMENT_S - 1e-9))
            last = int(math.floor(end_s / SEGMENT_S + 1e-9)) - MOMENTARY_SEGMENTS  # last block start
            if last < first or first >= momentary_power.size:
                return None
            return _r(gated_loudness(momentary_power[first : last + 1]))

        sections = find_sections(loud.short_term_lufs, step_s=SEGMENT_S, duration_s=n / rate, loudness_of=loudness_of)
        beat = rhythm(self._tempo.result(), k10 @ np.asarray(self._weights), counts10)

        # --- warnings that explain missing figures or faults
        duration = n / rate
        if n == 0:
            warnings.append("no samples: nothing to measure")
        elif duration < 0.4:
            warnings.append(f"{duration:.3f} s is shorter than one 400 ms block: no loudness figures")
        elif duration < 3.0:
            warnings.append(f"{duration:.2f} s is shorter than 3 s: no short-term loudness or loudness range")
        if n and peak == 0.0:
            warnings.append("no signal: every sample is zero")
        elif n and duration >= 0.4 and loud.integrated_lufs is None:
            warnings.append("no signal above the −70 LUFS gate: integrated loudness is undefined")
        if self._nonfinite:
            warnings.append(
                f"{self._nonfinite} NaN/Inf samples (the first at {self._first_nonfinite / rate:.3f} s) "
                "were measured as silence: the file is damaged"
            )
        if lv.clipped_samples:
            warnings.append(
                f"{lv.clipped_samples} samples in {lv.clip_runs} runs of {CLIP_RUN_MIN}+ at full scale: clipped"
            )
        if lv.flat_top_samples:
            warnings.append(
                f"{lv.flat_top_samples} samples in {lv.flat_top_runs} flat runs of {CLIP_RUN_MIN}+ at "
                f"{lv.flat_top_dbfs:.1f} dBFS, the file's peak: clipped, then turned down"
            )
        if lv.over_full_scale:
            warnings.append(f"{lv.over_full_scale} samples beyond full scale (float file): they clip on a fixed-point export")
        worst_dc = max((abs(v) for v in dc), default=0.0)
        if worst_dc > DC_WARN:
            warnings.append(f"DC offset of {worst_dc:.4f} ({amplitude_to_db(worst_dc):.1f} dBFS): a high-pass would remove it")
        if levels.true_peak_dbtp is not None and levels.true_peak_dbtp > 0.0:
            # the same line suggest draws: over 0 dBTP it clips in a converter or a codec
            tp_text = f"{levels.true_peak_dbtp:+.2f}" if levels.true_peak_dbtp < 0.05 else f"{levels.true_peak_dbtp:+.1f}"
            warnings.append(f"true peak {tp_text} dBTP is above 0 dBTP: it clips when converted or encoded")
        return Analysis(
            sample_rate_hz=rate,
            num_channels=nch,
            num_samples=n,
            loudness=_round_loudness(loud),
            levels=levels,
            spectrum=spectrum,
            stereo=stereo,
            hygiene=hygiene,
            sections=sections,
            warnings=tuple(warnings),
            tempo_bpm=beat.tempo_bpm,
            tempo_confidence=beat.tempo_confidence,
            onsets_per_s=beat.onsets_per_s,
            hum=hum,
            noise=noise,
            sibilance=self._sibilance.finish(),
            steady=self._steady.finish(),
        )


def analyze(samples: np.ndarray, sample_rate_hz: float, **options) -> Analysis:
    """Measure audio that is in memory.

    Parameters
    ----------
    samples : ndarray, shape (channels, samples)
        Float audio, full scale ±1.0. A 1-D array is taken as mono.
    sample_rate_hz : float
        Sample rate in Hz.
    **options
        Passed to :class:`Analyzer` (``channel_weights``, ``workers``, …).

    Returns
    -------
    Analysis
    """
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ParameterError(f"samples has shape {x.shape}; audio is shaped (channels, samples)")
    if x.shape[0] > MAX_CHANNELS and x.shape[1] <= MAX_CHANNELS:
        raise ParameterError(
            f"samples has shape {x.shape}: that looks like (samples, channels); pass samples.T"
        )
    an = Analyzer(sample_rate_hz, x.shape[0], **options)
    step = an._chunk
    for i in range(0, x.shape[1], step):
        an.push(x[:, i : i + step])
    return an.finish()


def _finite_or_none(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _r(v: float | None, digits: int = 2) -> float | None:
    return None if v is None else round(float(v), digits)


def _round_loudness(loud):
    from dataclasses import replace

    return replace(
        loud,
        integrated_lufs=_r(loud.integrated_lufs, 2),
        momentary_max_lufs=_r(loud.momentary_max_lufs, 2),
        short_term_max_lufs=_r(loud.short_term_max_lufs, 2),
        lra_lu=_r(loud.lra_lu, 2),
    )


__all__ = ["Analyzer", "analyze", "block_loudness"]
