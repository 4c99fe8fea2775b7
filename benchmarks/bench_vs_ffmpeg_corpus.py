"""Agreement with ffmpeg's ebur128 filter on every corpus mix and stem.

For each file: ours (``bridge.measure.analyze_file``) against ``ffmpeg -filter_complex
ebur128=peak=true`` — integrated loudness (I), loudness range (LRA) and true peak (TP).
ffmpeg's Summary block on stderr gives I and LRA to 0.1 LU; the same run also prints
(``metadata=1`` + ``ametadata=print``) the running values to 0.001 LU, whose last frame is
the whole file. The differences use those 3-decimal values when they agree with the
Summary (otherwise the Summary's), so that ffmpeg's display rounding does not eat the
0.1 LU budget; the maxima against the rounded Summary are reported as well.

Targets from the issue: |ΔI| ≤ 0.1 LU and |ΔLRA| ≤ 0.5 LU. TP is reported only: ffmpeg
oversamples to 192 kHz, we do not (and its Summary rounds to 0.1 dB).

Marked rows (left out of the maxima of that column, but listed):
  ``gate``  no signal above the −70 LUFS gate for one of the meters (ffmpeg then prints −70.0);
  ``lra``   no loudness range from one of the meters (ffmpeg needs ≥ 3 s of short-term
            loudness above its gates and then prints 0.0; ours gives None).
``lra 0`` only informs: ffmpeg's LRA is 0.0 and ours is a number too (kept in the maxima).

Run alone: ``.venv/bin/python benchmarks/bench_vs_ffmpeg_corpus.py``.
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import common as c

TITLE = "## Agreement with ffmpeg ebur128 (corpus)"
TARGET_DI = 0.1
TARGET_DLRA = 0.5

_NUM = r"(-?(?:\d+(?:\.\d*)?|inf|nan))"


@dataclass
class FFmpegLoudness:
    i: float | None  # Summary, 0.1 LU
    lra: float | None
    tp: float | None
    i_fine: float | None  # last frame's metadata, 0.001 LU
    lra_fine: float | None


def _f(s: str | None) -> float | None:
    if s is None:
        return None
    v = float(s)
    return v if math.isfinite(v) else None


def ffmpeg_ebur128(ffmpeg: str, path: Path) -> FFmpegLoudness:
    cmd = [
        ffmpeg, "-nostats", "-hide_banner", "-i", str(path),
        "-filter_complex", "ebur128=peak=true:metadata=1,ametadata=mode=print",
        "-f", "null", "-",
    ]  # fmt: skip
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if r.returncode != 0:
        raise c.ProcessFailed(f"ffmpeg on {path} exited {r.returncode}: {r.stderr.strip()[-300:]}")
    err = r.stderr
    at = err.rfind("Summary:")
    if at < 0:
        raise c.ProcessFailed(f"ffmpeg on {path}: no Summary block in its output")
    summary = err[at:]

    def grab(pattern: str, text: str) -> str | None:
        m = re.search(pattern, text)
        return m.group(1) if m else None

    def last(pattern: str, text: str) -> str | None:
        found = re.findall(pattern, text)
        return found[-1] if found else None

    head = err[:at]
    return FFmpegLoudness(
        i=_f(grab(r"\bI:\s+" + _NUM + r" LUFS", summary)),
        lra=_f(grab(r"\bLRA:\s+" + _NUM + r" LU\b", summary)),
        tp=_f(grab(r"\bPeak:\s+" + _NUM + r" dBFS", summary)),
        i_fine=_f(last(r"lavfi\.r128\.I=" + _NUM, head)),
        lra_fine=_f(last(r"lavfi\.r128\.LRA=" + _NUM, head)),
    )


def _fine(fine: float | None, coarse: float | None) -> tuple[float | None, bool]:
    """The 3-decimal value if it rounds to the Summary's; else the Summary's (and False)."""
    if fine is not None and coarse is not None and abs(fine - coarse) <= 0.05 + 1e-9:
        return fine, True
    return coarse, fine is None and coarse is None


def files() -> list[tuple[str, Path]]:
    songs = c.corpus_songs()
    out = []
    for song in songs:
        out.append((f"{song.name}/mix", song / "mix.flac"))
        for stem in sorted((song / "stems").glob("*.flac")):
            out.append((f"{song.name}/{stem.stem}", stem))
    return out


def run(**_) -> str:
    from bridge.measure import analyze_file

    ff = c.ffmpeg()
    if not ff:
        return f"{TITLE}\n\nSkipped: ffmpeg not found (scripts/setup-system installs it)."
    items = files()
    preface = []
    if not items:
        c.say_corpus_missing()
        from pedalboard.io import AudioFile

        from bridge.demo import DEMO_SAMPLE_RATE_HZ, demo_mix

        c.CACHE.mkdir(parents=True, exist_ok=True)
        demo = c.CACHE / "demo.flac"
        with AudioFile(str(demo), "w", DEMO_SAMPLE_RATE_HZ, 2, bit_depth=24) as f:
            f.write(demo_mix())
        items = [("demo (synthetic)", demo)]
        preface = [c.corpus_missing_note() + " Only the demo is compared.", ""]

    rows = []
    worst = {"i": [], "lra": [], "tp": [], "i_coarse": [], "lra_coarse": []}
    marked: list[str] = []
    inconsistent: list[str] = []
    c.log(f"corpus: {len(items)} files, ours vs ffmpeg ebur128")
    for name, path in items:
        _, ours = analyze_file(path)
        fm = ffmpeg_ebur128(ff, path)
        oi, olra, otp = ours.loudness.integrated_lufs, ours.loudness.lra_lu, ours.levels.true_peak_dbtp
        fi, ok_i = _fine(fm.i_fine, fm.i)
        flra, ok_lra = _fine(fm.lra_fine, fm.lra)
        if not (ok_i and ok_lra):
            inconsistent.append(name)
        notes = []
        gate = oi is None or fm.i is None or fm.i <= -69.95
        no_lra = olra is None or fm.lra is None or (fm.lra == 0.0 and (olra or 0.0) != 0.0)
        if gate:
            notes.append("gate")
        if no_lra or gate:
            notes.append("lra")
        elif fm.lra == 0.0:
            notes.append("lra 0")
        di = None if gate or fi is None else oi - fi
        dlra = None if (gate or no_lra or flra is None) else olra - flra
        dtp = None if otp is None or fm.tp is None else otp - fm.tp
        if di is not None:
            worst["i"].append((abs(di), name))
            worst["i_coarse"].append((abs(oi - fm.i), name))
        if dlra is not None:
            worst["lra"].append((abs(dlra), name))
            worst["lra_coarse"].append((abs(olra - fm.lra), name))
        if dtp is not None:
            worst["tp"].append((abs(dtp), name))
        if notes and notes != ["lra 0"]:
            marked.append(name)
        over = []
        if di is not None and abs(di) > TARGET_DI + 1e-9:
            over.append("ΔI")
        if dlra is not None and abs(dlra) > TARGET_DLRA + 1e-9:
            over.append("ΔLRA")
        rows.append([
            name,
            c.num(fi, 3), c.num(oi), c.signed(di),
            c.num(flra, 3), c.num(olra), c.signed(dlra),
            c.num(fm.tp, 1), c.num(otp), c.signed(dtp),
            ", ".join(notes + ([f"over target: {' '.join(over)}"] if over else [])),
        ])  # fmt: skip

    def mx(key: str) -> tuple[float | None, str]:
        if not worst[key]:
            return None, "–"
        v, name = max(worst[key])
        return v, name

    def verdict(v: float | None, target: float) -> str:
        if v is None:
            return "–"
        return "met" if v <= target + 1e-9 else "not met"

    n_over_i = sum(1 for v, _ in worst["i"] if v > TARGET_DI + 1e-9)
    n_over_lra = sum(1 for v, _ in worst["lra"] if v > TARGET_DLRA + 1e-9)
    i_max, i_where = mx("i")
    lra_max, lra_where = mx("lra")
    tp_max, tp_where = mx("tp")
    ic_max, _ = mx("i_coarse")
    lc_max, _ = mx("lra_coarse")
    summary_rows = [
        ["|ΔI| (LU)", c.num(i_max), i_where, f"≤ {TARGET_DI}", verdict(i_max, TARGET_DI),
         f"{n_over_i} of {len(worst['i'])}", c.num(ic_max)],
        ["|ΔLRA| (LU)", c.num(lra_max), lra_where, f"≤ {TARGET_DLRA}", verdict(lra_max, TARGET_DLRA),
         f"{n_over_lra} of {len(worst['lra'])}", c.num(lc_max)],
        ["|ΔTP| (dB)", c.num(tp_max), tp_where, "report only", "", "", c.num(tp_max)],
    ]  # fmt: skip
    summary_head = ["max over the corpus", "value", "file", "target", "", "files over target", "vs rounded Summary"]
    table_head = ["file", "I ffmpeg", "I ours", "ΔI", "LRA ffmpeg", "LRA ours", "ΔLRA",
                  "TP ffmpeg", "TP ours", "ΔTP", "note"]  # fmt: skip
    out = [
        TITLE,
        "",
        *preface,
        f"{len(items)} files. Δ = ours − ffmpeg. ffmpeg's I and LRA to 3 decimals (its per-frame metadata, "
        "last frame; checked against its 0.1-rounded Summary), TP from its Summary (0.1 dB, 192 kHz "
        "oversampling). Marks: `gate` = below the −70 LUFS gate for one meter; `lra` = no loudness "
        "range from one meter (ffmpeg prints 0.0) — marked rows are left out of that column's maximum; "
        "`lra 0` = ffmpeg's LRA is 0.0 and ours is a number too (kept in the maximum).",
        "",
        c.md_table(summary_head, summary_rows, "lrllllr"),
        "",
        c.md_table(table_head, rows, "lrrrrrrrrrl"),
    ]
    if marked:
        out += ["", f"Marked: {len(marked)} file(s): {', '.join(marked)}."]
    if inconsistent:
        names = ", ".join(inconsistent)
        out += ["", f"ffmpeg's 3-decimal metadata missing or off its Summary (Summary used): {names}."]
    return "\n".join(out)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    print(run())


if __name__ == "__main__":
    main()
