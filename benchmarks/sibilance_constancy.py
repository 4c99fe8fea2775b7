"""Sibilance: how well do single-file measures tell a *constant* excess (a static EQ boost:
a static cut is the tool) from one that *comes and goes* (a boost on the esses only: a
de-esser)? A diagnostic, not a goal: it prints every candidate measure on every sibilant
case and, for each, the fewest wrong tools any one threshold can give.

Cases: the voices of ``../shared/corpus-real`` damaged as ``benchmarks/ears/sibilance.py``
damages them (a +12 dB, Q 3 bell on the esses only, or on everything), and espeak-ng's en,
en+m3, en-us+f3, de, fr and es voices saying a sentence full of s and sh, full band and
through 16 kHz (nothing above ~7.5 kHz), with the same bell on their esses (5, 7, 9 kHz;
narrowband 4.5, 5.5, 6.5 kHz) or on everything (6.5 and 5 kHz; narrowband 5.5 and 4.5 kHz).

Measures (all at the meter's centre, the peak of the bursts' spectrum; the frames are
selected as :func:`analyzers.sibilance.measure_sibilance` selects them):

* ``contrast``: ``SibilanceResult.contrast_db`` (the first rule: constant under 16 dB): the
  bursts' median level in the 3/4 octave at the centre against the 95th percentile of the
  frames between them;
* ``peak_share``: ``SibilanceResult.peak_share``, how much of the esses' peak the voice's other
  fricatives carry (the rule in use: constant when it is at least
  ``analyzers.sibilance.SHARED_PEAK_MIN``; the rule before also asked the contrast to be
  under 16 dB and the share at least 0.4);
* ``fric_bump`` (tried, weaker): the boost itself in dB, where a constant one must show and
  one on the esses must not: the same fricatives' median spectrum at the centre over a line
  fitted through the bands 3–8 twelfths away. A +12 dB bell on everything reads 4.0–6.1 dB on
  the real voices, and espeak-ng's own quieter esses reach 6.7 dB without it;
* ``rel_contrast`` (tried, weaker): the contrast in a third of an octave, each frame's level
  read against its own level from 150 Hz up, against the 90th percentile between the bursts;
* ``vowel_bump`` (tried, weaker): the vowels' spectrum at the centre over a line fitted
  through the bands 3–8 twelfths away (a static bell shows in the vowels too), less the same
  for the ratio of the bursts' spectrum to the vowels'.

For the rule in use it prints the margins: how far the nearest case of each kind that gets
the right tool sits from the threshold.

Run: ``.venv/bin/python benchmarks/sibilance_constancy.py`` (about a minute; needs
espeak-ng, and ``../shared/corpus-real`` for the real voices).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pedalboard as pb
from pedalboard.io import AudioFile
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ears  # noqa: E402
from ears import sibilance as bench  # noqa: E402

from analyzers.sibilance import (  # noqa: E402
    CENTRES_HZ,
    FRICATIVE_PERCENTILE,
    SHARED_PEAK_MIN,
    SibilanceMeter,
    _dilate,
    _runs,
    _smooth,
)

RATE = 48000
TEXT = "She sells sea shells by the sea shore, and the sun sets slowly on the sandy coast."
VOICES = ("en", "en+m3", "en-us+f3", "de", "fr", "es")
#: The first rule's and the rule before's mark: constant when the contrast is under this (dB) ...
CONTRAST_DB = 16.0
#: ... and, in the rule before, the share at least this.
SHARE_BEFORE = 0.4
_TINY = 1e-15


def _speak(voice: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "v.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), TEXT], check=True, capture_output=True)
        with AudioFile(str(out)) as f:
            x, rate = f.read(f.frames), f.samplerate
    y = resample_poly(x.astype(np.float64), RATE, int(rate), axis=1)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def _narrowband(x: np.ndarray) -> np.ndarray:
    return resample_poly(resample_poly(x.astype(np.float64), 1, 3, axis=1), 3, 1, axis=1).astype(np.float32)


def _espeak_cases() -> list[tuple[str, str, np.ndarray, float]]:
    out = []
    for v in VOICES:
        clean = _speak(v)
        for tag, x in (("wb", clean), ("nb", _narrowband(clean))):
            esses = (5000.0, 7000.0, 9000.0) if tag == "wb" else (4500.0, 5500.0, 6500.0)
            for f in esses:
                out.append((f"espeak {v}/{tag}/esses@{f / 1000:g}k", "dynamic", bench._on_bursts(x, RATE, f), RATE))
            for f in ((6500.0, 5000.0) if tag == "wb" else (5500.0, 4500.0)):
                y = pb.PeakFilter(cutoff_frequency_hz=f, gain_db=12.0, q=3.0)(x, RATE)
                out.append((f"espeak {v}/{tag}/constant@{f / 1000:g}k", "constant", y, RATE))
    return out


def _real_cases() -> list[tuple[str, str, np.ndarray, float]]:
    return [(c.name, "dynamic" if c.truth["dynamic"] else "constant", c.audio, c.sample_rate_hz)
            for c in bench.cases(ears.real_sources(), quick=False) if not c.control]  # fmt: skip


def _fit_bump(spec_db: np.ndarray, j: int, top: int) -> float:
    """``spec_db[j]`` over a line through the bands 3–8 twelfths away (under ``top``)."""
    idx = np.array([i for d in range(3, 9) for i in (j - d, j + d) if 0 <= i <= top])
    if idx.size < 4:
        return math.nan
    slope, at_j = np.polyfit(idx - j, spec_db[idx], 1)
    return float(spec_db[j] - at_j)


def measures(audio: np.ndarray, rate: float) -> dict[str, float] | None:
    """The candidate measures on one voice (``None`` when it is not sibilant)."""
    m = SibilanceMeter(rate, audio.shape[0])
    m.process(audio)
    res = m.finish()
    if not res.sibilant:
        return None
    fine = 10 ** (m.fine_db() / 10)
    total = np.concatenate(m._totals).astype(np.float64)
    wide = np.concatenate(m._wides).astype(np.float64)
    # the frames as measure_sibilance selects them
    in_band = (CENTRES_HZ >= 4000) & (CENTRES_HZ <= 10000) & (CENTRES_HZ < 0.45 * rate)
    floor = np.percentile(total, 10)
    voice_power = np.maximum(total - floor, 0)
    total_db = 10 * np.log10(voice_power + _TINY)
    band = fine[:, in_band].sum(1)
    band_db = 10 * np.log10(band + _TINY)
    rest_db = 10 * np.log10(np.maximum(wide - np.percentile(wide, 10) - band, 0) + _TINY)
    loud = np.percentile(total_db, 95)
    active = total_db > max(-70, loud - 45, 10 * np.log10(floor + _TINY) + 10)
    vowels = active & (total_db > loud - 20)
    audible = band_db > max(-70, loud - 45)
    burst = (active | audible) & (band_db > rest_db) & (band_db > np.median(band_db[active]) + 6)
    keep = np.zeros_like(burst)
    for a, b in _runs(burst, bridge=2, shortest=2):
        keep[a:b] = True
    others = active & ~_dilate(keep, 5)
    hf = band_db - total_db
    fricatives = others & (hf >= np.percentile(hf[others], FRICATIVE_PERCENTILE))
    vowel_frames = vowels & others
    voice = 10 * np.log10(voice_power[vowel_frames].mean() + _TINY)
    j = int(np.argmin(np.abs(np.log2(CENTRES_HZ / res.centre_hz))))
    third = np.zeros(CENTRES_HZ.size, dtype=bool)
    third[max(0, j - 2) : j + 3] = True
    rel = 10 * np.log10(fine[:, third].sum(1) + _TINY) - total_db
    bursts_db = _smooth(10 * np.log10(fine[keep].mean(0) + _TINY) - voice)
    vowels_db = _smooth(10 * np.log10(fine[vowel_frames].mean(0) + _TINY) - voice)
    fricatives_db = _smooth(10 * np.log10(np.median(fine[fricatives], axis=0) + _TINY))
    top = int(np.flatnonzero((CENTRES_HZ < 0.45 * rate) & (bursts_db > bursts_db.max() - 30)).max()) - 1
    return {
        "contrast": float(res.contrast_db),
        "peak_share": math.nan if res.peak_share is None else float(res.peak_share),
        "fric_bump": _fit_bump(fricatives_db, j, top),
        "rel_contrast": float(np.median(rel[keep]) - np.percentile(rel[others], 90)),
        "vowel_bump": _fit_bump(vowels_db, j, top) - _fit_bump(bursts_db - vowels_db, j, top),
        "constant": float(res.constant),
    }


#: For each measure: does a *high* value say "constant"?
HIGH_MEANS_CONSTANT = {
    "contrast": False,
    "peak_share": True,
    "fric_bump": True,
    "rel_contrast": False,
    "vowel_bump": True,
}


def best_threshold(values: list[tuple[str, float]], high_constant: bool) -> tuple[int, float]:
    """The fewest wrong tools one threshold gives, and that threshold."""
    best = (len(values) + 1, math.nan)
    for _, t in values:
        wrong = sum((v > t) != (kind == "constant") if high_constant else (v <= t) != (kind == "constant")
                    for kind, v in values if not math.isnan(v))  # fmt: skip
        best = min(best, (wrong, t))
    return best


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("sibilance_constancy: espeak-ng is not installed (scripts/setup-system)", file=sys.stderr)
        return 1
    real = _real_cases()
    if not real:
        print(f"sibilance_constancy: no real voices in {ears.corpus_real_dir()}; espeak-ng only", file=sys.stderr)
    rows = []
    for name, kind, audio, rate in real + _espeak_cases():
        got = measures(np.asarray(audio, np.float64), rate)
        if got is not None:
            rows.append((name, kind, got))
    names = list(HIGH_MEANS_CONSTANT)
    print(f"| case | truth | {' | '.join(names)} | tool |\n| --- | --- |{' ---: |' * len(names)} --- |")
    for name, kind, got in rows:
        tool = "static cut" if got["constant"] else "de-esser"
        wrong = "" if (tool == "static cut") == (kind == "constant") else " (wrong)"
        print(f"| {name} | {kind} | " + " | ".join(f"{got[n]:.2f}" for n in names) + f" | {tool}{wrong} |")
    print("\nfewest wrong tools with one threshold (constant when the value is past it):\n")
    for n in names:
        for label, sel in (("real", [r for r in rows if not r[0].startswith("espeak")]),
                           ("espeak-ng", [r for r in rows if r[0].startswith("espeak")])):  # fmt: skip
            wrong, t = best_threshold([(k, g[n]) for _, k, g in sel], HIGH_MEANS_CONSTANT[n])
            print(f"- {n}, {label}: {wrong}/{len(sel)} wrong at {t:.2f}")
    for label, sel in (("real", [r for r in rows if not r[0].startswith("espeak")]),
                       ("espeak-ng", [r for r in rows if r[0].startswith("espeak")])):  # fmt: skip
        wrong = sum((g["contrast"] < CONTRAST_DB) != (k == "constant") for _, k, g in sel)
        print(f"- the contrast alone (under {CONTRAST_DB:g} dB), {label}: {wrong}/{len(sel)} wrong")
        wrong = sum(((g["contrast"] < CONTRAST_DB) and g["peak_share"] >= SHARE_BEFORE) != (k == "constant")
                    for _, k, g in sel)  # fmt: skip
        print(f"- the rule before (contrast under {CONTRAST_DB:g} dB and peak_share at least {SHARE_BEFORE:g}), "
              f"{label}: {wrong}/{len(sel)} wrong")
        wrong = [name for name, k, g in sel if bool(g["constant"]) != (k == "constant")]
        print(f"- the rule in use (peak_share at least {SHARED_PEAK_MIN:g}), {label}: {len(wrong)}/{len(sel)} wrong"
              + (f" ({', '.join(wrong)})" if wrong else ""))
        for kind, side in (("dynamic", max), ("constant", min)):
            right = [(g["peak_share"], name) for name, k, g in sel
                     if k == kind and bool(g["constant"]) == (k == "constant") and not math.isnan(g["peak_share"])]
            if right:
                v, name = side(right)
                print(f"  - nearest {kind} case with the right tool: {name}, {v:.3f} ({v - SHARED_PEAK_MIN:+.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
