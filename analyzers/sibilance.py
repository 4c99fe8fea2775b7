"""Sibilance: the bursts of 4–10 kHz energy a voice makes on s, sh, z, ch — and whether
they are too loud.

:class:`SibilanceMeter` takes the audio chunk by chunk (as the other meters do) and keeps,
for every 10 ms frame, its power from 150 Hz and from 60 Hz up and its power in 1/12-octave
bands from 2 to 16 kHz (in dB, float16: about 420 kB a minute at 48 kHz).
:meth:`SibilanceMeter.finish` then measures:

* the voice's level, from :data:`VOICE_LOW_HZ` (150 Hz) up, less its steady floor (the 10th
  percentile of the frames' power: hum's harmonics, hiss and room tone, there in the pauses
  as in the words); a frame carries the voice when it stands 10 dB over that floor and within
  45 dB of the loudest frames (above −70 dBFS). The **vowels** are the voiced frames within
  20 dB of the loudest, and their power mean is the level the esses are held against: what
  the hum, the pauses or the quiet tails add or take away does not move it (the ears
  benchmark's 50/60 Hz hum, 20–35 dB under corpus-real v01, v03 and v06, moves it by under
  0.1 dB; counted from 60 Hz with the median of every voiced frame, v06 read 3.9 dB and v03
  23 dB more sibilant with hum, the pauses full of hum counted as voice);
* **bursts**: voiced frames whose 4–10 kHz band holds more power than the rest of the
  spectrum (from 60 Hz, less its floor) and stands 6 dB over the band's median (band against
  total, and band against its own running level: the two detectors of SABINE and CATHAR in
  problems.md §3);
* ``peak_db``, the verdict: the loud esses' loudest third of an octave against the vowels —
  for each burst its mean 1/12-octave spectrum, power-averaged over five bands, at its
  highest in 3.5–11 kHz; of those, the 75th percentile over the bursts (each ess counts once,
  and the loud ones decide). An engineer hears sibilance as the esses' loudest, narrowest
  part standing out of the vowels, not as the whole band's power: the same +12 dB, Q 3 bell
  on the esses lifts the 4–10 kHz band by 2.5–8 dB depending on how much of the band it
  covers, and the esses of a voice-over band-limited to 7 kHz (v01) read −13.9 dB by band
  power as recorded and −11.4…−7.0 dB with it, no more than a full-band voice as recorded
  (v03, −10.0 dB). Measured (README, "Sibilance"): the voices of ../shared/corpus-real as
  recorded read −17.4 (v01), −16.4 (v03) and −18.7 dB (v06), and −15.3 dB at most 15 dB
  quieter, low-passed at 6 kHz, with a noise floor 40 dB down, with 50 Hz hum or in a room
  (v03's reverb); their esses given +12 dB, Q 3 at 4.5–9 kHz read −14.7…−6.2 dB; espeak-ng's
  en, en+m3, de, fr and es voices saying a sentence full of s and sh −20.8…−16.4 dB. So over
  :data:`PEAK_LIMIT_DB` (−15 dB) with at least 3 bursts the voice is sibilant; the margins
  are thin (0.3 dB on either side in that benchmark). ``excess_db`` (the bursts' whole
  4–10 kHz band against the vowels) is kept: it is what a de-esser's effect is predicted and
  checked on;
* the centre: the peak of the bursts' 1/12-octave spectrum (smoothed over a third of an
  octave), refined by a parabola through the peak and its neighbours;
* whether the excess is **constant** (a static cut answers it; otherwise a de-esser does): the
  voice's other fricatives carry the esses' peak (``peak_share`` at least
  :data:`SHARED_PEAK_MIN`): the most high-frequency-heavy 5 % of the voiced frames away from
  the bursts (f, th, h, breaths, the quieter esses; noise-like, so their spectrum is smooth
  unless something put a peak into everything), their median 1/12-octave spectrum's shape
  over half an octave either side of the centre (less a straight line) regressed on the
  bursts' (0: the peak is the esses' alone; 1: the fricatives carry all of it, as an EQ boost
  or a microphone's presence peak does). How much quieter the band at the centre is between
  the bursts (``contrast_db``) is no evidence either way: a fixed filter lifts the bursts and
  the frames between them alike, so a constant boost leaves the voice's own contrast (22 dB
  on corpus-real v03, whose vowels carry almost nothing at 6.5 kHz; 16.7–20.5 dB on
  espeak-ng's en, en+m3 and es voices), and a boost on a narrowband voice's esses reads 2.5 and 6.2 dB at
  4.5 kHz (v01, v06), where its vowels' upper formants fill the band. The share is read
  against a high mark because quieter esses among the fricatives carry the voice's own ess
  peak: espeak-ng's sentence full of s and sh has few other fricatives, and its boosts on the
  esses alone read up to 0.63 (README, "Sibilance"). Below the mark, a de-esser: it acts
  only while the esses sound.

Everything here is pure: numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: The sibilance band (Hz) the bursts are detected in (problems.md §3: 4–10 kHz typical).
BAND_HZ = (4000.0, 10000.0)
#: Fine bands: 1/12 octave from 2 kHz to 16 kHz (edges).
_EDGES_HZ = 2000.0 * 2.0 ** (np.arange(37) / 12.0)
CENTRES_HZ = np.sqrt(_EDGES_HZ[:-1] * _EDGES_HZ[1:])
#: A burst's band must stand this far over the band's median level over the voice (dB).
BURST_OVER_MEDIAN_DB = 6.0
#: Frames within this much of the loudest (95th percentile) carry the voice (dB).
ACTIVE_RANGE_DB = 45.0
_ABS_GATE_DBFS = -70.0
#: Bursts whose loudest third of an octave stands higher than this against the vowels are
#: sibilant (dB; ``peak_db``, see the module's docstring for the figures it rests on).
PEAK_LIMIT_DB = -15.0
#: Which of the esses' peaks ``peak_db`` reads: the loudest quarter's lower edge (percentile).
LOUD_ESSES_PERCENTILE = 75.0
#: The voice's level is measured from here up (Hz): under it lie mains hum's fundamental and
#: second harmonic, rumble and handling noise, none of them the voice an engineer compares
#: the esses with.
VOICE_LOW_HZ = 150.0
#: The steady floor (hum's harmonics, hiss, room tone: there in the pauses as in the words)
#: is this percentile of the frames' power ...
FLOOR_PERCENTILE = 10.0
#: ... and a frame carries the voice only this far above it (dB); the floor's power is taken
#: off a frame's before its level is read.
FLOOR_MARGIN_DB = 10.0
#: The vowels are the voiced frames within this much of the loudest (dB).
VOWEL_RANGE_DB = 20.0
#: The voice's other fricatives (f, th, h, breaths, the quieter esses): the voiced frames away
#: from the bursts whose 4–10 kHz band against their level is in this top percentile.
FRICATIVE_PERCENTILE = 95.0
#: The excess is constant only when those fricatives carry at least this share of the esses'
#: peak around the centre (``peak_share``): an EQ or a microphone puts its peak into every
#: sound, a voice's esses into the esses (and its quieter esses) only. Measured (README,
#: "Sibilance"; ``benchmarks/sibilance_constancy.py``): a +12 dB, Q 3 bell on the esses only
#: reads −0.28…0.34 on corpus-real v01, v03 and v06 and up to 0.634 on espeak-ng's six voices
#: (0.666 and 1.57 on two more, which get a static cut); the same bell on everything 0.95 and
#: 1.00 (v01, v06), 0.665…1.50 on espeak-ng, and 0.46 on v03, whose esses peak at 7.3 kHz on
#: their own beside the bell (it gets a de-esser).
SHARED_PEAK_MIN = 0.65
#: Half the width (in 1/12 octaves) of the stretch of spectrum the peak's shape is compared over.
_SHAPE_HALF_WIDTH = 6
#: Half the width (in 1/12 octaves) of the band around the centre a de-esser listens to.
CENTRE_HALF_WIDTH = 4
#: Fewest bursts to judge from.
MIN_BURSTS = 3
#: Fewest fricative frames (10 ms) to read their spectrum's shape from.
MIN_FRICATIVE_FRAMES = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class SibilanceResult:
    """What :class:`SibilanceMeter` measured (levels are mean-square dBFS: a full-scale
    sine reads −3 dBFS). ``None`` where there was not enough to measure.

    Attributes
    ----------
    bursts : int
        Sibilant bursts (runs of burst frames, 20 ms or longer).
    burst_times_s : tuple of (start_s, end_s)
        Where they are.
    burst_band_dbfs : float or None
        The bursts' 4–10 kHz level (median over burst frames).
    between_band_dbfs : float or None
        The band's level between the bursts (90th percentile over the other voiced frames):
        a de-esser's threshold belongs between this and ``burst_band_dbfs``.
    voice_dbfs : float or None
        The voice's level: the median level of its voiced frames that are not bursts.
    excess_db : float or None
        ``burst_band_dbfs − voice_dbfs``.
    centre_hz : float or None
        Peak of the bursts' fine spectrum, 3.5–11 kHz.
    burst_bump_db, steady_bump_db : float or None
        How far the spectrum at ``centre_hz`` stands above its surroundings (the mean of
        the 1/12-octave bands 1/2–1 octave away on both sides), in the bursts and between
        them.
    active_s : float
        Seconds of voiced frames.
    burst_centre_dbfs, between_centre_dbfs : float or None
        The bursts' median level and the 95th percentile of the frames between them, in the 3/4
        octave around ``centre_hz`` (:data:`CENTRE_HALF_WIDTH` twelfths each side): what a
        de-esser's detector at the centre reads.
    centre_share : float or None
        The share of the bursts' 4–10 kHz power in that 3/4 octave.
    burst_spectrum_db : tuple of float
        The bursts' mean power in each 1/12-octave band of :data:`CENTRES_HZ` (dBFS): what
        a de-esser's effect on the band is predicted from.
    peak_db : float or None
        The loud esses' loudest third of an octave (each burst's 1/12-octave spectrum,
        power-averaged over five bands, at its highest in 3.5–11 kHz; the 75th percentile of
        those over the bursts) against the vowels' level: what the sibilance verdict reads.
    peak_share : float or None
        How much of the esses' peak around ``centre_hz`` the voice's other fricatives carry
        (0: none, the peak comes and goes with the esses; 1: all of it, it is there all the
        time); ``None`` with too few such frames.
    """

    bursts: int
    burst_times_s: tuple[tuple[float, float], ...]
    burst_band_dbfs: float | None
    between_band_dbfs: float | None
    voice_dbfs: float | None
    excess_db: float | None
    centre_hz: float | None
    burst_bump_db: float | None
    steady_bump_db: float | None
    active_s: float
    burst_centre_dbfs: float | None = None
    between_centre_dbfs: float | None = None
    centre_share: float | None = None
    burst_spectrum_db: tuple[float, ...] = ()  # the bursts' mean power per 1/12-octave band (CENTRES_HZ), dBFS
    peak_db: float | None = None
    peak_share: float | None = None

    @property
    def sibilant(self) -> bool:
        """Enough bursts, whose loudest third of an octave stands high enough against the
        vowels to be heard as sibilance."""
        return self.bursts >= MIN_BURSTS and self.peak_db is not None and self.peak_db > PEAK_LIMIT_DB

    @property
    def constant(self) -> bool:
        """The voice's other fricatives carry the esses' peak: it is there all the time (a static
        cut answers it); in doubt, it comes and goes (a de-esser)."""
        return self.peak_share is not None and self.peak_share >= SHARED_PEAK_MIN

    @property
    def contrast_db(self) -> float | None:
        """How far the bursts stand over the band between them, at the centre (dB)."""
        if self.burst_centre_dbfs is None or self.between_centre_dbfs is None:
            return None
        return round(self.burst_centre_dbfs - self.between_centre_dbfs, 2)


class SibilanceMeter:
    """Streaming sibilance measurement of ``(channels, samples)`` chunks (channels summed)."""

    def __init__(self, sample_rate_hz: float, num_channels: int) -> None:
        self.rate = float(sample_rate_hz)
        self.channels = int(num_channels)
        self.n_fft = 1 << max(6, int(math.ceil(math.log2(0.02 * self.rate))))  # ≥ 20 ms
        self.hop = self.n_fft // 2
        self.window = np.hanning(self.n_fft + 1)[:-1]
        freqs = np.fft.rfftfreq(self.n_fft, 1.0 / self.rate)
        self._scale = 2.0 / (self.n_fft * float(np.sum(self.window**2)))
        self._total_bins = freqs >= VOICE_LOW_HZ
        self._wide_bins = freqs >= 60.0
        idx = np.searchsorted(_EDGES_HZ, freqs, side="right") - 1
        self._band_of_bin = np.where((idx >= 0) & (idx < CENTRES_HZ.size) & (freqs < 0.5 * self.rate), idx, -1)
        self._tail = np.zeros(0)
        self._totals: list[np.ndarray] = []
        self._wides: list[np.ndarray] = []
        self._fine: list[np.ndarray] = []

    def process(self, chunk: np.ndarray) -> None:
        """Add samples ``(channels, n)`` (float)."""
        mono = np.asarray(chunk, dtype=np.float64).sum(axis=0) / max(1, self.channels) ** 0.5
        x = np.concatenate([self._tail, mono])
        count = (x.size - self.n_fft) // self.hop + 1 if x.size >= self.n_fft else 0
        if count <= 0:
            self._tail = x
            return
        frames = np.lib.stride_tricks.sliding_window_view(x, self.n_fft)[:: self.hop][:count]
        power = np.abs(np.fft.rfft(frames * self.window, axis=1)) ** 2 * self._scale
        self._totals.append(power[:, self._total_bins].sum(axis=1).astype(np.float32))
        self._wides.append(power[:, self._wide_bins].sum(axis=1).astype(np.float32))
        fine = np.zeros((count, CENTRES_HZ.size))
        valid = self._band_of_bin >= 0
        np.add.at(fine.T, self._band_of_bin[valid], power[:, valid].T)
        # kept in dB as float16 (0.03 dB steps at −50 dB): 25 MB for an hour at 48 kHz
        self._fine.append((10 * np.log10(fine + 1e-15)).astype(np.float16))
        self._tail = x[count * self.hop :]

    def fine_db(self) -> np.ndarray:
        """Every frame's 1/12-octave band levels (dB, ``(frames, CENTRES_HZ.size)``) so far."""
        return np.concatenate(self._fine).astype(np.float64) if self._fine else np.zeros((0, CENTRES_HZ.size))

    @property
    def frame_step_s(self) -> float:
        return self.hop / self.rate

    def finish(self) -> SibilanceResult:
        total = np.concatenate(self._totals).astype(np.float64) if self._totals else np.zeros(0)
        wide = np.concatenate(self._wides).astype(np.float64) if self._wides else np.zeros(0)
        return measure_sibilance(total, FineFrames(self._fine), frame_step_s=self.hop / self.rate,
                                 sample_rate_hz=self.rate, wide=wide)  # fmt: skip


class FineFrames:
    """Every frame's 1/12-octave band powers, read a block of frames at a time.

    The meter keeps them as float16 dB chunks (about 420 kB a minute at 48 kHz); turning
    them into one float64 power array at the end cost 36 × 8 bytes per frame and as much
    again in temporaries (94 MiB for 30 minutes, the memory of ``apply`` growing with the
    file). The measurement reads them a chunk at a time instead: the same figures (a
    log10's last bits aside; tests/analyzers/test_sibilance_blocks.py).

    Parameters
    ----------
    chunks_db : sequence of ndarray
        ``(frames, bands)`` dB chunks (the meter's), or
    power : ndarray, optional
        one ``(frames, bands)`` array of powers (mean-square), read in blocks.
    """

    _BLOCK = 1 << 14

    def __init__(self, chunks_db=(), *, power: np.ndarray | None = None) -> None:
        self._chunks_db = list(chunks_db)
        self._power = None if power is None else np.asarray(power, dtype=np.float64)
        self.size = (self._power.shape[0] if self._power is not None
                     else sum(c.shape[0] for c in self._chunks_db))  # fmt: skip

    def blocks(self):
        """``(first frame, powers (frames, bands) float64)`` in order."""
        if self._power is not None:
            for a in range(0, self._power.shape[0], self._BLOCK):
                yield a, self._power[a : a + self._BLOCK]
            return
        a = 0
        for c in self._chunks_db:
            yield a, 10 ** (c.astype(np.float64) / 10)
            a += c.shape[0]

    def per_frame(self, fn) -> np.ndarray:
        """``fn(powers)`` (one value per frame) for every block, joined."""
        parts = [fn(p) for _, p in self.blocks()]
        return np.concatenate(parts) if parts else np.zeros(0)

    def rows(self, a: int, b: int) -> np.ndarray:
        """The powers of frames ``a`` to ``b`` (float64, ``(b − a, bands)``)."""
        if self._power is not None:
            return self._power[a:b]
        parts, first = [], 0
        for c in self._chunks_db:
            lo, hi = max(a, first), min(b, first + c.shape[0])
            if lo < hi:
                parts.append(c[lo - first : hi - first])
            first += c.shape[0]
        if not parts:
            return np.zeros((0, CENTRES_HZ.size))
        return 10 ** (np.concatenate(parts).astype(np.float64) / 10)

    def mean_power(self, rows: np.ndarray) -> np.ndarray:
        """Each band's mean power over the frames where ``rows`` is True."""
        acc = np.zeros(CENTRES_HZ.size)
        for a, p in self.blocks():
            acc += p[rows[a : a + p.shape[0]]].sum(axis=0)
        return acc / max(1, int(rows.sum()))

    def median_db(self, rows: np.ndarray, tiny: float) -> np.ndarray:
        """Each band's median of ``10·log10(power + tiny)`` over the frames where ``rows`` is True.

        The dB of a power is monotonic in the value stored, so the median is taken over the
        stored values (one band at a time, float16 or float64) and only the middle one or
        two are turned into dB: ``np.median`` of the whole float64 array, to a log10's last bits.
        """
        out = np.empty(CENTRES_HZ.size)
        for k in range(CENTRES_HZ.size):
            if self._power is not None:
                col = self._power[rows, k]
                to_db = lambda v: 10 * np.log10(v + tiny)  # noqa: E731
            else:
                parts, a = [], 0
                for c in self._chunks_db:
                    parts.append(c[rows[a : a + c.shape[0]], k])
                    a += c.shape[0]
                col = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float16)
                to_db = lambda v: 10 * np.log10(10 ** (np.asarray(v, dtype=np.float64) / 10) + tiny)  # noqa: E731
            n = col.size
            if n == 0:
                out[k] = np.nan
                continue
            half = n // 2
            if n % 2:
                out[k] = float(to_db(np.partition(col, half)[half]))
            else:
                part = np.partition(col, (half - 1, half))
                out[k] = float(np.mean(to_db(part[half - 1 : half + 1])))
        return out


def measure_sibilance(total: np.ndarray, fine: np.ndarray | FineFrames, *, frame_step_s: float,
                      sample_rate_hz: float, wide: np.ndarray | None = None) -> SibilanceResult:  # fmt: skip
    """The measurement of :class:`SibilanceMeter` from its frames (``total``: power per frame
    from :data:`VOICE_LOW_HZ` up; ``wide``: from 60 Hz up, ``total`` when not given; ``fine``:
    1/12-octave powers per frame, an array or the meter's :class:`FineFrames`, read a block
    at a time; all mean-square)."""
    if not isinstance(fine, FineFrames):
        fine = FineFrames(power=np.asarray(fine, dtype=np.float64).reshape(-1, CENTRES_HZ.size))
    none = SibilanceResult(bursts=0, burst_times_s=(), burst_band_dbfs=None, between_band_dbfs=None,
                           voice_dbfs=None, excess_db=None, centre_hz=None, burst_bump_db=None,
                           steady_bump_db=None, active_s=0.0)  # fmt: skip
    in_band = (CENTRES_HZ >= BAND_HZ[0]) & (CENTRES_HZ <= BAND_HZ[1]) & (CENTRES_HZ < 0.45 * sample_rate_hz)
    if total.size < 10 or not in_band.any():
        return none
    tiny = 1e-15
    floor = float(np.percentile(total, FLOOR_PERCENTILE))
    voice_power = np.maximum(total - floor, 0.0)
    total_db = 10 * np.log10(voice_power + tiny)
    band = fine.per_frame(lambda p: p[:, in_band].sum(axis=1))
    band_db = 10 * np.log10(band + tiny)
    # a burst outweighs the rest of the spectrum from 60 Hz (a voice's fundamental included), less its floor
    wide = total if wide is None else wide
    rest = np.maximum(wide - float(np.percentile(wide, FLOOR_PERCENTILE)) - band, 0.0)
    rest_db = 10 * np.log10(rest + tiny)
    loud = float(np.percentile(total_db, 95))
    gate = max(_ABS_GATE_DBFS, loud - ACTIVE_RANGE_DB, 10 * math.log10(floor + tiny) + FLOOR_MARGIN_DB)
    active = total_db > gate
    if active.sum() < 10:
        return none
    # the vowels: the voiced frames near the loudest; what pauses, hum or hiss let in under them does not move this
    vowels = active & (total_db > loud - VOWEL_RANGE_DB)
    median_band = float(np.median(band_db[active]))
    # an ess is judged on its own band: a quiet one under the floor's margin (hum, hiss) is still an ess
    audible = band_db > max(_ABS_GATE_DBFS, loud - ACTIVE_RANGE_DB)
    burst = (active | audible) & (band_db > rest_db) & (band_db > median_band + BURST_OVER_MEDIAN_DB)
    runs = _runs(burst, bridge=2, shortest=2)
    keep = np.zeros_like(burst)
    for a, b in runs:
        keep[a:b] = True
    others = active & ~_dilate(keep, 5)
    result = dict(bursts=len(runs), burst_times_s=tuple((round(a * frame_step_s, 3), round(b * frame_step_s, 3))
                                                         for a, b in runs),  # fmt: skip
                  active_s=round(float(active.sum()) * frame_step_s, 2))
    if not runs or others.sum() < 5:
        return SibilanceResult(**{**_as_kwargs(none), **result})
    burst_band = float(np.median(band_db[keep]))
    between = float(np.percentile(band_db[others], 90))
    vowel_frames = vowels & others if (vowels & others).sum() >= 5 else others
    voice = float(10 * np.log10(voice_power[vowel_frames].mean() + tiny))
    burst_spec = 10 * np.log10(fine.mean_power(keep) + tiny)
    # between the bursts, the median frame: a burst's edge that leaks past the dilation must not make a bump
    steady_spec = fine.median_db(others, tiny)
    search = (CENTRES_HZ >= 3500.0) & (CENTRES_HZ <= 11000.0) & (CENTRES_HZ < 0.45 * sample_rate_hz)
    smooth = _smooth(burst_spec)
    centre, j = _peak(smooth, search)
    near = np.zeros(CENTRES_HZ.size, dtype=bool)
    near[max(0, j - CENTRE_HALF_WIDTH) : j + CENTRE_HALF_WIDTH + 1] = True
    centre_db = 10 * np.log10(fine.per_frame(lambda p: p[:, near].sum(axis=1)) + tiny)
    kept_near = kept_band = 0.0
    for a, p in fine.blocks():
        k = p[keep[a : a + p.shape[0]]]
        kept_near += float(k[:, near & in_band].sum())
        kept_band += float(k[:, in_band].sum())
    share = kept_near / max(tiny, kept_band)
    # the voice's other fricatives: its most high-frequency-heavy frames away from the bursts
    hf_share = band_db - total_db
    fricatives = others & (hf_share >= np.percentile(hf_share[others], FRICATIVE_PERCENTILE))
    peak_share = None
    if fricatives.sum() >= MIN_FRICATIVE_FRAMES:
        peak_share = _peak_share(burst_spec, fine.median_db(fricatives, tiny), j, sample_rate_hz)
    result.update(peak_share=peak_share,
                  burst_centre_dbfs=round(float(np.median(centre_db[keep])), 2),
                  between_centre_dbfs=round(float(np.percentile(centre_db[others], 95)), 2),
                  centre_share=round(share, 3),
                  burst_spectrum_db=tuple(round(float(v), 2) for v in burst_spec))  # fmt: skip
    return SibilanceResult(
        **result, burst_band_dbfs=round(burst_band, 2), between_band_dbfs=round(between, 2),
        voice_dbfs=round(voice, 2), excess_db=round(burst_band - voice, 2), centre_hz=round(centre, 1),
        peak_db=round(_loud_esses_peak(fine, runs, search) - voice, 2),
        burst_bump_db=_bump(burst_spec, j, sample_rate_hz), steady_bump_db=_bump(steady_spec, j, sample_rate_hz),
    )  # fmt: skip


def _loud_esses_peak(fine: FineFrames, runs: list[tuple[int, int]], search: np.ndarray) -> float:
    """The loud esses' loudest third of an octave (dBFS): for each burst, its mean
    1/12-octave spectrum smoothed over five bands, at its highest inside ``search``; then the
    :data:`LOUD_ESSES_PERCENTILE` of those over the bursts. Each ess counts once, however
    long it is, and the loud ones decide, as they do for a listener."""
    peaks = [float(_smooth(10 * np.log10(fine.rows(a, b).mean(axis=0) + 1e-15))[search].max()) for a, b in runs]
    return float(np.percentile(peaks, LOUD_ESSES_PERCENTILE))


def _peak_share(bursts_db: np.ndarray, others_db: np.ndarray, j: int, sample_rate_hz: float) -> float | None:
    """How much of the bursts' peak at band ``j`` the other spectrum carries: both smoothed
    over a third of an octave, less a straight line over half an octave either side of ``j``
    (up to the voice's own top: the highest band within 30 dB of the bursts' loudest, under
    the Nyquist frequency, less one, so a narrowband voice's roll-off is no shape), and the
    other's shape regressed on the bursts' (least squares through zero)."""
    b, o = _smooth(np.asarray(bursts_db, dtype=np.float64)), _smooth(np.asarray(others_db, dtype=np.float64))
    heard = np.flatnonzero((CENTRES_HZ < 0.45 * sample_rate_hz) & (b > float(np.max(b)) - 30.0))
    top = int(heard.max()) - 1 if heard.size else -1
    idx = np.arange(max(0, j - _SHAPE_HALF_WIDTH), min(top, j + _SHAPE_HALF_WIDTH) + 1)
    if idx.size < _SHAPE_HALF_WIDTH + 1:
        return None
    x = (idx - j).astype(np.float64)
    shape_b = b[idx] - np.polyval(np.polyfit(x, b[idx], 1), x)
    shape_o = o[idx] - np.polyval(np.polyfit(x, o[idx], 1), x)
    energy = float(np.sum(shape_b**2))
    if energy < 1.0:  # no peak to share: flatter than ±0.3 dB
        return None
    return round(float(np.sum(shape_o * shape_b) / energy), 3)


def band_change_db(spectrum_db, sample_rate_hz: float, gain_of_hz) -> float:
    """How much the 4–10 kHz band's power changes (dB) when each 1/12-octave band of
    ``spectrum_db`` is scaled by ``|gain_of_hz(f)|²``."""
    spec = np.asarray(spectrum_db, dtype=np.float64)
    in_band = (CENTRES_HZ >= BAND_HZ[0]) & (CENTRES_HZ <= BAND_HZ[1]) & (CENTRES_HZ < 0.45 * sample_rate_hz)
    p = 10 ** (spec[in_band] / 10)
    g = np.abs(np.asarray([gain_of_hz(f) for f in CENTRES_HZ[in_band]])) ** 2
    return float(10 * np.log10(max(1e-15, float((p * g).sum())) / max(1e-15, float(p.sum()))))


def _as_kwargs(r: SibilanceResult) -> dict:
    return {name: getattr(r, name) for name in r.__slots__}


def _runs(mask: np.ndarray, *, bridge: int, shortest: int) -> list[tuple[int, int]]:
    """(start, end) of runs of True, gaps up to ``bridge`` frames closed, runs under ``shortest`` dropped."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    runs = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > bridge + 1:
            runs.append((start, prev + 1))
            start = i
        prev = i
    runs.append((start, prev + 1))
    return [(a, b) for a, b in runs if b - a >= shortest]


def _dilate(mask: np.ndarray, frames: int) -> np.ndarray:
    out = mask.copy()
    for k in range(1, frames + 1):
        out[k:] |= mask[:-k]
        out[:-k] |= mask[k:]
    return out


def _smooth(spec_db: np.ndarray) -> np.ndarray:
    """Power mean over five 1/12-octave bands (a third of an octave): one ragged band is no peak."""
    p = np.convolve(10 ** (spec_db / 10), np.ones(5) / 5, mode="same")
    return 10 * np.log10(p + 1e-15)


def _peak(spec_db: np.ndarray, search: np.ndarray) -> tuple[float, int]:
    """The highest fine band inside ``search``, its frequency refined by a parabola (log-frequency)."""
    cand = np.flatnonzero(search)
    j = int(cand[np.argmax(spec_db[cand])])
    offset = 0.0
    if 0 < j < spec_db.size - 1 and search[j - 1] and search[j + 1]:
        a, b, c = spec_db[j - 1], spec_db[j], spec_db[j + 1]
        den = a - 2 * b + c
        if den < 0:
            offset = float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return float(CENTRES_HZ[j] * 2.0 ** (offset / 12.0)), j


def _bump(spec_db: np.ndarray, j: int, sample_rate_hz: float) -> float | None:
    """Level at band ``j`` over the mean of the bands 6–12 twelfths away, in pairs on both
    sides (a pair only where both bands carry signal: within 40 dB of the spectrum's top,
    under the Nyquist frequency), so a steady slope cancels."""
    valid = (CENTRES_HZ < 0.45 * sample_rate_hz) & (spec_db > float(np.max(spec_db)) - 40.0)
    sides = [k for d in range(6, 13) for k in (j - d, j + d)
             if 0 <= j - d and j + d < spec_db.size and valid[j - d] and valid[j + d]]  # fmt: skip
    if len(sides) < 4:
        return None
    return round(float(spec_db[j] - np.mean(spec_db[sides])), 2)
