"""Voices against the standard long-term average speech spectrum (LTASS): does an added bell stand out?

The question: can a +8 dB, Q 2 EQ bell on a voice be told from the voice's own shape by
comparing its long-term spectrum with the average speech spectrum, fitted to the voice's own
level and tilt? The reference is the ANSI S3.5-1997 speech spectrum (normal vocal effort,
1/3-octave bands 160 Hz–8 kHz; ``benchmarks/data/ltass_ansi_s3.5.json``, with its source and
licence), interpolated in log-frequency onto analyze's fine spectrum (1/24 octave, smoothed
over 1/6 octave; :func:`analyzers.suggest.fine.fine`). For each voice the difference voice −
LTASS gets a polynomial in log-frequency (degree 1: level and tilt) fitted over the passband
(from :data:`LOW_HZ` or half an octave inside the voice's low roll-off, to 8 kHz or half an
octave inside its top: a narrowband voice is judged in its passband only), refitted twice
without the points more than 3 dB above it (so that a bell does not lift the line). What
remains is the deviation. Two figures:

* ``dev``: the deviation itself;
* ``local``: the deviation less the mean of the deviations :data:`FLANK_OCT` either side (a
  bell is a local excess, a voice's formant region broad).

Cases: each voice clean and with a +8 dB, Q 2 bell (pedalboard ``PeakFilter``) at 500 Hz,
1.2 kHz and 3 kHz (inside its passband). A rule "cut where the figure exceeds T" separates
them when the smallest figure at a bell's centre (within 1/24 octave) exceeds the largest
figure anywhere in the passband of every clean voice: the margin is the difference (global),
or per voice against its own clean maximum. ``--grid`` also tries other low edges (160–450
Hz), fit degrees (1–3) and flanks (1/2–1 octave) and prints the best margins found.

Voices: the three of ``../shared/corpus-real`` (v01 and v06 narrowband) and espeak-ng voices
(Debian's ``espeak-ng``; a formant synthesiser, not a natural voice).

Run: ``.venv/bin/python benchmarks/ltass_deviation.py [--grid]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pedalboard as pb
from ears import real_sources
from scipy.signal import resample_poly

from analyzers import analyze
from analyzers.suggest.fine import fine, limits

TABLE = Path(__file__).resolve().parent / "data" / "ltass_ansi_s3.5.json"
CENTRES_HZ = (500.0, 1200.0, 3000.0)
RATE = 48000
TEXT = ("Good morning. I am reading a long calm line, on a warm and mellow night, without any trouble at all. "
        "The quick brown fox jumps over the lazy dog, and then she sells sea shells by the shore.")  # fmt: skip
ESPEAK_VOICES = ("en", "en-us+f3", "en+m3")
#: The judged band starts here (Hz), or half an octave above the voice's low roll-off.
LOW_HZ = 250.0
DEGREE = 1
FLANK_OCT = 0.75
OUTLIER_DB = 3.0


def reference_db(freqs_hz: np.ndarray) -> np.ndarray:
    """The LTASS (dB per Hz) at ``freqs_hz``, NaN outside its 160 Hz–8 kHz."""
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    bx = np.log2(np.array(table["band_hz"], dtype=float))
    x = np.log2(np.asarray(freqs_hz, dtype=float))
    out = np.interp(x, bx, np.array(table["normal_db"], dtype=float))
    return np.where((x >= bx[0]) & (x <= bx[-1]), out, np.nan)


def deviation(f, level, lim, *, low_hz=LOW_HZ, degree=DEGREE, flank_oct=FLANK_OCT):
    """``(dev, local, lo_hz, hi_hz)``: the deviation from the fitted LTASS and the local excess
    over its flanks per fine point (NaN outside the judged band), and that band."""
    lo = max(low_hz, lim.low_hz * 2**0.5 if lim.low_hz else 0.0)
    hi = min(8000.0, lim.high_hz * 2**-0.5 if lim.high_hz else np.inf)
    diff = level - reference_db(f)
    use = np.isfinite(diff) & (f >= lo) & (f <= hi)
    x = np.log2(f)
    keep = use.copy()
    for _ in range(3):
        p = np.polyfit(x[keep], diff[keep], degree)
        resid = diff - np.polyval(p, x)
        nxt = use & (resid <= OUTLIER_DB)
        if nxt.sum() < 24 or np.array_equal(nxt, keep):
            break
        keep = nxt
    dev = np.where(use, resid, np.nan)
    k = int(round(flank_oct * 24))
    local = np.full(f.shape, np.nan)
    local[k:-k] = dev[k:-k] - 0.5 * (dev[: -2 * k] + dev[2 * k :])
    return dev, local, lo, hi


def espeak(voice: str) -> np.ndarray | None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "v.wav"
        subprocess.run([exe, "-v", voice, "-w", str(out), TEXT], check=True, capture_output=True)
        with pb.io.AudioFile(str(out)) as fh:
            x, rate = fh.read(fh.frames), fh.samplerate
    y = resample_poly(x.astype(np.float64), RATE, int(rate), axis=1)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def spectra() -> dict[str, dict[float | None, tuple]]:
    """Per voice, per bell centre (None: clean): analyze's fine spectrum and its limits."""
    voices = [(s.name, s.audio, s.sample_rate_hz) for s in real_sources() if s.kind == "voice"]
    if not voices:
        print("note: ../shared/corpus-real is missing: espeak-ng voices only", file=sys.stderr)
    for v in ESPEAK_VOICES:
        x = espeak(v)
        if x is None:
            print("note: espeak-ng is not installed: no espeak voices", file=sys.stderr)
            break
        voices.append((f"espeak-ng {v}", x, RATE))
    out = {}
    for name, audio, rate in voices:
        out[name] = {}
        for fc in (None, *CENTRES_HZ):
            y = (
                audio
                if fc is None
                else pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=fc, gain_db=8.0, q=2.0)])(audio, rate)
            )
            f, level = fine(analyze(y, rate))
            out[name][fc] = (f, level, limits(f, level))
    return out


def _at(values: np.ndarray, f: np.ndarray, fc: float) -> float:
    near = np.abs(np.log2(f / fc)) <= 1 / 24
    v = values[near]
    return float(np.max(v[np.isfinite(v)])) if np.isfinite(v).any() else float("nan")


def cases(spec, **kw) -> list[tuple]:
    """``(voice, centre, clean at centre, bell at centre, clean max, where; the same for local)``."""
    rows = []
    for name, by in spec.items():
        f, level, lim = by[None]
        dev, local, lo, hi = deviation(f, level, lim, **kw)
        if not np.isfinite(dev).any():
            continue
        i = int(np.nanargmax(dev))
        j = int(np.nanargmax(local)) if np.isfinite(local).any() else i
        for fc in CENTRES_HZ:
            if not lo <= fc <= hi:
                continue
            f2, level2, lim2 = by[fc]
            dev2, local2, _, _ = deviation(f2, level2, lim2, **kw)
            rows.append((name, fc, _at(dev, f, fc), _at(dev2, f2, fc), float(dev[i]), float(f[i]),
                         _at(local, f, fc), _at(local2, f2, fc), float(local[j]), float(f[j]), lo, hi))  # fmt: skip
    return rows


def _db(v: float) -> str:
    """A figure, or "–" where it was not measured (the bell's flank moved the band's edge past it)."""
    return "–" if not np.isfinite(v) else f"{v:+.1f}"


def margins(rows) -> tuple[float, float, float, float]:
    """Global and per-voice margins of ``dev`` and of ``local`` (NaN where unmeasured)."""
    r = np.array([row[2:10] for row in rows], dtype=float)
    bell, clean, bell_l, clean_l = r[:, 1], r[:, 2], r[:, 5], r[:, 6]
    return (np.nanmin(bell) - np.nanmax(clean), np.nanmin(bell - clean),
            np.nanmin(bell_l) - np.nanmax(clean_l), np.nanmin(bell_l - clean_l))  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--grid", action="store_true", help="also try other low edges, fit degrees and flanks")
    args = ap.parse_args()
    spec = spectra()
    if not spec:
        print("error: no voices (neither ../shared/corpus-real nor espeak-ng)", file=sys.stderr)
        return 1
    rows = cases(spec)
    print(f"Deviation from the ANSI S3.5 LTASS fitted to level and tilt (from {LOW_HZ:g} Hz; local: less the mean "
          f"{FLANK_OCT:g} octave either side), dB\n")  # fmt: skip
    print("| voice | judged band | bell | clean dev there | with the bell | clean's largest dev anywhere | margin "
          "| local with the bell | clean's largest local | margin |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, fc, c_at, b_at, c_max, c_where, _, bl_at, cl_max, cl_where, lo, hi in rows:
        print(f"| {name} | {lo:.0f}–{hi:.0f} Hz | {fc:g} Hz | {_db(c_at)} | {_db(b_at)} | {c_max:+.1f} at {c_where:.0f} Hz "
              f"| {_db(b_at - c_max)} | {_db(bl_at)} | {cl_max:+.1f} at {cl_where:.0f} Hz | {_db(bl_at - cl_max)} |")  # fmt: skip
    g, pv, gl, pvl = margins(rows)
    print(f"\nmargin (smallest at a bell − largest clean, over all voices): dev {g:+.1f} dB, local {gl:+.1f} dB")
    print(f"margin per voice (against its own clean largest), worst: dev {pv:+.1f} dB, local {pvl:+.1f} dB")
    print("separates: " + ("yes" if max(g, gl) > 0 else "no: the figures at the bells and the clean voices overlap"))
    if args.grid:
        best = []
        for low, deg, flank in itertools.product((160.0, 250.0, 350.0, 450.0), (1, 2, 3), (0.5, 0.75, 1.0)):
            best.append((*margins(cases(spec, low_hz=low, degree=deg, flank_oct=flank)), low, deg, flank))
        print("\nbest variants (low edge, fit degree, flank) by their better global margin:")
        for g, pv, gl, pvl, low, deg, flank in sorted(best, key=lambda b: -np.nanmax(b[:4:2]))[:5]:
            print(f"  from {low:g} Hz, degree {deg}, flank {flank:g} oct: dev {g:+.1f} (per voice {pv:+.1f}), "
                  f"local {gl:+.1f} (per voice {pvl:+.1f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
