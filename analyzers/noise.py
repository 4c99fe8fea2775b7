"""Background noise: the floor in the pauses, its spectrum, and the signal-to-noise ratio.

:class:`NoiseMeter` keeps, per frame of about 46 ms (2048 samples at 44.1–48 kHz), the
mean square of all channels less each frame's mean (a DC offset is no noise, nor is what
lies under the frame's lowest bin, 21 Hz at 48 kHz) and its power in ten octave bands
(31.5 Hz–16 kHz): eleven float32 numbers per frame, 1 MB per hour, never the audio. :func:`measure_noise` then:

* leaves out digital silence (below −120 dBFS) and takes as the floor candidate the
  median of the quietest 10 % of the frames; the *pauses* are the runs of at least
  :data:`MIN_RUN` frames within :data:`PAUSE_SPAN_DB` of it (a quiet frame between two
  syllables is not a pause), and the *active* parts the frames more than
  :data:`ACTIVE_OVER_DB` above it;
* says there are pauses when they last :data:`MIN_PAUSE_S` in all and make at least
  :data:`MIN_PAUSE_SHARE` of the frames, and the active parts at least a fifth: a song
  that never stops has no pauses to measure (its quietest passage is music);
* names the floor's spectrum (hiss, hum, rumble, broadband) from the octave powers of the
  pauses, measures how much those powers move from frame to frame (``spread_db``: a noise
  floor is steady, the quietest passage of a piece of music is not), and measures how the level falls from the active parts to the floor
  (``decay_ms``): speech stops within ~100 ms, a piano note or a reverb tail takes
  seconds — a gate would chop those tails, spectral noise reduction would not.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .records import HumResult, NoiseResult

#: Octave band centres (Hz) of the floor's spectrum.
BAND_HZ = (31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)
#: Frames within this many dB of the floor candidate are pauses.
PAUSE_SPAN_DB = 4.0
#: Frames this far above the floor (dB) are active (wanted signal).
ACTIVE_OVER_DB = 15.0
#: Pauses must last this long in all (s) …
MIN_PAUSE_S = 0.5
#: … and make this share of the frames.
MIN_PAUSE_SHARE = 0.03
#: A pause is a run of at least this many frames (~185 ms) near the floor: quiet frames
#: between syllables are isolated, a pause is not.
MIN_RUN = 4
#: ``spread_db`` is read in the octaves from this centre (Hz) up: below, an octave holds too
#: few of a frame's bins for a steady noise to read steady.
SPREAD_FROM_HZ = 500.0
#: … in those that hold this share of the floor's power (a rumble's empty top says nothing).
SPREAD_SHARE = 0.05
#: A noise floor holds this steady (``spread_db``, dB): hiss and room tone read 0.3–1.5 dB, the
#: quiet passage of an orchestral piece 2.5 (on a whole mix, suggest takes no more for noise).
STEADY_SPREAD_DB = 2.0
_DIGITAL_SILENCE_DB = -120.0
_FRAME_S = 0.046


def noise_frame_length(sample_rate_hz: float) -> int:
    """Frame length: the power of two nearest 46 ms (2048 at 44.1–48 kHz)."""
    return 1 << max(6, int(round(math.log2(sample_rate_hz * _FRAME_S))))


class NoiseMeter:
    """Per-frame level and octave powers over ``(channels, samples)`` blocks."""

    def __init__(self, sample_rate_hz: float, num_channels: int) -> None:
        self._rate = float(sample_rate_hz)
        self._n = noise_frame_length(self._rate)
        self._window = np.hanning(self._n + 1)[:-1]
        freqs = np.fft.rfftfreq(self._n, 1.0 / self._rate)
        self._band_of_bin = np.full(freqs.size, -1)
        for i, fc in enumerate(BAND_HZ):
            self._band_of_bin[(freqs >= fc / math.sqrt(2)) & (freqs < fc * math.sqrt(2))] = i
        self._band_valid = np.array([fc * math.sqrt(2) <= self._rate / 2 for fc in BAND_HZ])
        self._pending = np.zeros((num_channels, 0))
        self._rows = np.zeros((256, 1 + len(BAND_HZ)), dtype=np.float32)
        self._count = 0

    @property
    def frame_s(self) -> float:
        return self._n / self._rate

    def process(self, x: np.ndarray) -> None:
        """Add a block of samples (float, ``(channels, samples)``)."""
        buf = np.concatenate([self._pending, np.asarray(x, dtype=np.float64)], axis=1)
        m = buf.shape[1] // self._n
        if m:
            frames = buf[:, : m * self._n].reshape(buf.shape[0], m, self._n)
            # a DC offset is no noise (it has its own move), nor is what lies under a frame's
            # lowest bin (21 Hz at 48 kHz): each frame's mean is left out
            frames = frames - frames.mean(axis=2, keepdims=True)
            level = (frames**2).mean(axis=(0, 2))
            spec = np.fft.rfft(frames * self._window, axis=-1)
            power = (spec.real**2 + spec.imag**2).mean(axis=0)  # (m, bins)
            bands = np.zeros((m, len(BAND_HZ)))
            for i in range(len(BAND_HZ)):
                bands[:, i] = power[:, self._band_of_bin == i].sum(axis=1)
            self._append(np.column_stack([level, bands]).astype(np.float32))
        self._pending = buf[:, m * self._n :]

    def _append(self, rows: np.ndarray) -> None:
        need = self._count + rows.shape[0]
        if need > self._rows.shape[0]:
            grown = np.zeros((max(need, 2 * self._rows.shape[0]), self._rows.shape[1]), dtype=np.float32)
            grown[: self._count] = self._rows[: self._count]
            self._rows = grown
        self._rows[self._count : need] = rows
        self._count = need

    def finish(self, hum: HumResult | None = None) -> NoiseResult:
        """The noise in the pauses (``hum``: lines found, to name a floor made of hum)."""
        rows = self._rows[: self._count].astype(np.float64)
        return measure_noise(rows[:, 0], rows[:, 1:], self.frame_s, self._band_valid, hum)


def measure_noise(level: np.ndarray, bands: np.ndarray, frame_s: float, band_valid: np.ndarray,
                  hum: HumResult | None = None) -> NoiseResult:  # fmt: skip
    """Floor, SNR, shape and decay from per-frame mean squares and octave powers."""
    none = NoiseResult(has_pauses=False, floor_dbfs=None, pause_s=0.0, active_dbfs=None, quietest_active_dbfs=None,
                       snr_db=None, shape=None, band_hz=BAND_HZ, band_db=(None,) * len(BAND_HZ), decay_ms=None)  # fmt: skip
    db = 10 * np.log10(np.maximum(level, 1e-30))
    audible = db > _DIGITAL_SILENCE_DB
    silence_s = round(float((~audible).sum() * frame_s), 2)
    none = replace(none, silence_s=silence_s)
    if audible.sum() < 20:
        return none
    a = db[audible]
    quiet = np.sort(a)[: max(1, a.size // 10)]
    floor_guess = float(np.median(quiet))
    pause = _runs(audible & (db <= floor_guess + PAUSE_SPAN_DB), MIN_RUN)
    active = audible & (db >= floor_guess + ACTIVE_OVER_DB)
    pause_s = float(pause.sum() * frame_s)
    if not (pause_s >= MIN_PAUSE_S and pause.sum() >= MIN_PAUSE_SHARE * audible.sum()
            and active.sum() >= 0.2 * audible.sum()):  # fmt: skip
        return none
    floor = 10 * math.log10(float(level[pause].mean()))
    active_db = 10 * math.log10(float(level[active].mean()))
    quietest = float(np.percentile(db[active], 10.0))
    floor_bands = bands[pause].mean(axis=0)
    total = float(floor_bands[band_valid].sum())
    band_db = tuple(
        round(10 * math.log10(p / total), 1) if ok and total > 0 and p > 1e-12 * total else None
        for p, ok in zip(floor_bands, band_valid)
    )
    share = floor_bands / total if total > 0 else np.zeros_like(floor_bands)
    centres = np.array(BAND_HZ)
    spread_db = _spread_db(bands[pause], band_valid & (centres >= SPREAD_FROM_HZ) & (share >= SPREAD_SHARE))
    hum_power = sum(10 ** (ln.level_dbfs / 10) for ln in hum.lines if ln.level_dbfs is not None) if hum else 0.0
    if hum_power >= 0.5 * 10 ** (floor / 10):  # the mains lines carry half the floor or more
        shape = "hum"
    elif share[centres >= 2000].sum() >= 0.5:
        shape = "hiss"
    elif share[centres <= 250].sum() >= 0.5:
        shape = "rumble"
    else:
        shape = "broadband"
    return NoiseResult(
        has_pauses=True, floor_dbfs=round(floor, 2), pause_s=round(pause_s, 2), active_dbfs=round(active_db, 2),
        quietest_active_dbfs=round(quietest, 2), snr_db=round(active_db - floor, 2), shape=shape, band_hz=BAND_HZ,
        band_db=band_db, decay_ms=_decay_ms(db, floor, frame_s), silence_s=silence_s, spread_db=spread_db,
    )  # fmt: skip


def _spread_db(pause_bands: np.ndarray, use: np.ndarray) -> float | None:
    """Median over the ``use`` octaves of the standard deviation (dB) of the pause frames'
    power there (None when no octave is used): hiss or room tone reads 0.3–1.5 dB, a soft
    passage of music 2.5 or more."""
    if not use.any() or pause_bands.shape[0] < MIN_RUN:
        return None
    level_db = 10 * np.log10(np.maximum(pause_bands[:, use], 1e-30))
    return round(float(np.median(level_db.std(axis=0))), 2)


def _runs(mask: np.ndarray, min_run: int) -> np.ndarray:
    """``mask`` keeping only runs of at least ``min_run`` consecutive True frames."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = np.zeros(mask.size, bool)
    for a, b in zip(starts, ends):
        if b - a >= min_run:
            out[a:b] = True
    return out


def _decay_ms(db: np.ndarray, floor_db: float, frame_s: float) -> float | None:
    """Median time from the last active frame of a passage to the first frame near the floor."""
    active = db >= floor_db + ACTIVE_OVER_DB
    near_floor = db <= floor_db + 6.0
    ends = np.flatnonzero(active[:-1] & ~active[1:])
    floors = np.flatnonzero(near_floor)
    times = []
    limit = int(round(5.0 / frame_s))
    for e in ends:
        k = np.searchsorted(floors, e + 1)
        if k >= floors.size:
            break
        nxt = floors[k]
        if nxt - e > limit or active[e + 1 : nxt].any():
            continue  # the signal came back (or never settled) before reaching the floor
        times.append((nxt - e) * frame_s)
    if len(times) < 3:
        return None
    return round(1000 * float(np.median(times)), 0)
