"""The immutable records the meters return.

Conventions: units are in the field names; a figure that cannot be measured (no signal,
audio shorter than the window it needs, a band above the Nyquist frequency) is ``None``,
never ``-inf`` or NaN, and ``Analysis.warnings`` says why. Series are tuples of floats
with ``None`` for windows with no signal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .sibilance import SibilanceResult
from .steady import SteadyResult

Series = tuple["float | None", ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LoudnessResult:
    """ITU-R BS.1770-4 / EBU Tech 3341–3342 loudness.

    Attributes
    ----------
    integrated_lufs : float or None
        Gated integrated loudness (absolute gate −70 LUFS, relative gate −10 LU).
    momentary_max_lufs, short_term_max_lufs : float or None
        Largest momentary (400 ms) and short-term (3 s) loudness.
    lra_lu : float or None
        Loudness range, EBU Tech 3342 (short-term, gates −70 LUFS and −20 LU, 10th to
        95th percentile).
    momentary_lufs, short_term_lufs : tuple
        Series stepped by ``series_step_s`` (0.1 s); element ``i`` ends at
        ``(i + window) × 0.1 s``.
    channel_weights : tuple of float
        The BS.1770 weight used for each channel (0 for LFE).
    """

    integrated_lufs: float | None
    momentary_max_lufs: float | None
    short_term_max_lufs: float | None
    lra_lu: float | None
    momentary_lufs: Series
    short_term_lufs: Series
    series_step_s: float
    channel_weights: tuple[float, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelResult:
    """Peak and RMS levels.

    ``true_peak_dbtp`` and ``sample_peak_dbfs`` are the largest over all channels, with the
    per-channel values beside them. ``rms_dbfs`` is the mean power over all channels (a
    full-scale sine reads −3.01 dBFS); ``crest_db`` = sample peak − RMS; ``plr_db`` = true
    peak − integrated loudness (peak-to-loudness ratio).
    """

    true_peak_dbtp: float | None
    sample_peak_dbfs: float | None
    true_peak_per_channel_dbtp: tuple[float | None, ...]
    sample_peak_per_channel_dbfs: tuple[float | None, ...]
    rms_dbfs: float | None
    crest_db: float | None
    plr_db: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SpectrumResult:
    """Long-term average spectrum in 1/3-octave bands (ISO 266 centres, 20 Hz–20 kHz).

    ``level_db[i]`` is the band's share of the power of all bands, in dB (pink noise reads
    about −14.9 dB in every band, white noise rises 1 dB a band), so that spectra of
    different loudness compare. ``crest_db[i]`` is how peaky the band is over time (95th
    percentile of its power in ~340 ms frames over its mean). ``mono_loss_db[i]`` is the
    level the band loses when the first two channels are summed to mono ((L+R)/2 against
    the mean of L and R: 0 dB for mono, −3 dB for uncorrelated, very negative for
    opposite polarity). ``tilt_db_per_oct`` is the least-squares slope of ``level_db``
    between 50 Hz and 16 kHz. ``total_dbfs`` is the power of all bands in dBFS (mean square
    per channel), so ``level_db + total_dbfs`` is a band's absolute level. Bands above the
    Nyquist frequency are ``None``.
    """

    centres_hz: tuple[float, ...]
    level_db: tuple[float | None, ...]
    crest_db: tuple[float | None, ...]
    mono_loss_db: tuple[float | None, ...]
    tilt_db_per_oct: float | None
    frame_s: float
    total_dbfs: float | None = None  # mean power of all bands (per channel), so that
    # level_db + total_dbfs is a band's absolute level in dBFS
    below_20hz_db: float | None = None  # power between DC and the 20 Hz band, as a share of
    # all bands in dB (infrasonic rumble; None when there is none)
    fine_hz: tuple[float, ...] = ()  # the fine spectrum: points every 1/24 octave from 20 Hz
    fine_level_db: tuple[float | None, ...] = ()  # power density near each point, scaled to a
    # 1/3-octave band's width and given as a share of all bands (reads like level_db)


@dataclass(frozen=True, slots=True, kw_only=True)
class StereoResult:
    """Relation of the first two channels (``None`` everywhere for mono).

    ``correlation`` is the Pearson-like phase-meter figure Σ L·R / √(Σ L² · Σ R²) in
    [−1, 1]; ``correlation_series`` the same per 400 ms block, stepped by 100 ms.
    ``width`` is the side share of the energy, S² / (M² + S²) with M = (L+R)/2 and
    S = (L−R)/2: 0 mono, 0.5 uncorrelated, 1 opposite polarity. ``side_to_mid_db`` is
    the same relation in dB. ``polarity_suspect`` is set when the correlation is below −0.5.
    """

    correlation: float | None
    correlation_series: Series
    width: float | None
    side_to_mid_db: float | None
    polarity_suspect: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HygieneResult:
    """Technical faults.

    ``dc_offset`` is the mean sample value per channel (full scale 1.0).
    ``clipped_samples`` counts samples in runs of at least ``clip_run_min`` consecutive
    samples at or above ``clip_level_dbfs``, and the flat tops of a clip that was turned down
    afterwards (runs of equal samples at the file's own peak, at least
    :data:`analyzers.levels.FLAT_TOP_RUNS_MIN` of them; ``flat_top_dbfs`` is that level, None
    when there are none); ``clip_runs`` counts those runs.
    ``over_full_scale_samples`` counts samples beyond ±1.0 (possible only in float files).
    ``nonfinite_samples`` counts NaN/Inf samples (they are measured as 0).
    ``noise_floor_dbfs`` is the 5th percentile of the 400 ms RMS levels (the quietest
    stretches), leaving out digital silence. ``leading_silence_s`` and
    ``trailing_silence_s`` are the stretches below ``silence_level_dbfs`` at the ends.
    """

    dc_offset: tuple[float, ...]
    clipped_samples: int
    clip_runs: int
    over_full_scale_samples: int
    nonfinite_samples: int
    noise_floor_dbfs: float | None
    leading_silence_s: float
    trailing_silence_s: float
    clip_level_dbfs: float
    clip_run_min: int
    silence_level_dbfs: float
    flat_top_dbfs: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HumLine:
    """One harmonic of the mains in the fine-resolution low-band spectrum (:mod:`analyzers.hum`).

    ``freq_hz`` is the line's measured frequency (interpolated between bins), ``level_dbfs``
    its mean square (a sine of peak A reads 20·log10(A/√2)), ``prominence_db`` how far its
    peak bin stands over the median of the bins around it (±15 Hz, leaving out ±2 Hz), and
    ``steadiness_db`` the geometric over the arithmetic mean of its power over the frames
    (0 dB: constant; a note that comes and goes reads far below), ``isolation_db`` how far it
    stands over the third-highest other peak within ±15 Hz (a loop's comb of lines reads
    about 0 dB; hum has no siblings) and ``nearest_peak_db`` over the highest one.
    ``wander_hz`` is the spread (standard deviation) over the frames of the peak's position
    in each frame: a mains line holds its frequency (a few hundredths of a hertz), the body of
    a kick pattern does not.
    """

    harmonic: int
    freq_hz: float
    level_dbfs: float | None
    prominence_db: float
    steadiness_db: float
    stands_out: bool
    isolation_db: float = 99.0
    nearest_peak_db: float = 99.0
    wander_hz: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class HumResult:
    """Mains hum: ``mains_hz`` 50 or 60 (None: no hum), the measured fundamental and the
    harmonics that stand out of the spectrum around them (see :mod:`analyzers.hum`)."""

    mains_hz: float | None
    fundamental_hz: float | None
    lines: tuple[HumLine, ...]
    resolution_hz: float
    frames: int
    #: With no mains found: clear, constant lines that hold their frequency on a multiple of
    #: 300 Hz (a harmonic of 50 Hz and of 60 Hz alike) with no other harmonic to say which.
    undecided: tuple[HumLine, ...] = ()

    @property
    def found(self) -> bool:
        return self.mains_hz is not None and bool(self.lines)

    @property
    def max_prominence_db(self) -> float | None:
        return max((ln.prominence_db for ln in self.lines), default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoiseResult:
    """The background noise in the pauses (:mod:`analyzers.noise`).

    ``floor_dbfs`` is the RMS level of the pauses (the ~46 ms frames within
    :data:`analyzers.noise.PAUSE_SPAN_DB` of the quietest, digital silence left out);
    ``pause_s`` their total length. ``active_dbfs`` is the RMS level of the frames clearly
    above the floor (:data:`analyzers.noise.ACTIVE_OVER_DB`), ``quietest_active_dbfs`` their
    10th percentile, ``snr_db`` = active − floor. ``shape`` names the floor's spectrum:
    ``hum`` (the mains lines carry half its power), ``hiss`` (half its power above 2 kHz),
    ``rumble`` (below 250 Hz, no lines) or ``broadband``; ``band_db`` is its power per octave
    (centres ``band_hz``) relative to its total. ``decay_ms`` is the median time the level
    takes to fall from the active parts to the floor (short for speech, long for
    sustained notes and reverb tails); None when fewer than three falls were seen.
    ``has_pauses`` says whether there are pauses at all (enough of them, and the active parts
    at least :data:`analyzers.noise.ACTIVE_OVER_DB` above): without, the other figures are None.
    ``silence_s`` is the time in digital silence (below −120 dBFS), which is not noise.
    ``spread_db`` is how much the pauses' octave powers (500 Hz up) move from frame to frame
    (the median of their standard deviations, in the octaves that hold 5 % of the floor; None
    without one): a noise floor is steady, music is not.
    """

    has_pauses: bool
    floor_dbfs: float | None
    pause_s: float
    active_dbfs: float | None
    quietest_active_dbfs: float | None
    snr_db: float | None
    shape: str | None
    band_hz: tuple[float, ...]
    band_db: tuple[float | None, ...]
    decay_ms: float | None
    silence_s: float = 0.0  # digital silence (below −120 dBFS), left out of the floor
    spread_db: float | None = None  # frame-to-frame spread of the pauses' octave powers


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """A stretch whose level differs clearly from its neighbours (a verse, a chorus)."""

    start_s: float
    end_s: float
    loudness_lufs: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """Everything the meters measured on one piece of audio."""

    sample_rate_hz: float
    num_channels: int
    num_samples: int
    loudness: LoudnessResult
    levels: LevelResult
    spectrum: SpectrumResult
    stereo: StereoResult
    hygiene: HygieneResult
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = field(default=())
    tempo_bpm: float | None = None  # None when no beat is clear enough (analyzers/rhythm.py)
    tempo_confidence: float = 0.0  # 0–1; under rhythm.TEMPO_CONFIDENT no tempo is reported
    onsets_per_s: float = 0.0  # transient density
    hum: HumResult | None = None  # mains hum (analyzers/hum.py)
    noise: NoiseResult | None = None  # background noise in the pauses (analyzers/noise.py)
    sibilance: SibilanceResult | None = None  # sibilant bursts (analyzers/sibilance.py)
    steady: SteadyResult | None = None  # bell-shaped bumps there in every frame (analyzers/steady.py)

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.num_samples / self.sample_rate_hz
