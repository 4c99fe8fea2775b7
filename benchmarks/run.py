"""Run Second Ear's benchmarks, print their tables and save them to benchmarks/results/latest.md.

    scripts/bench                   # everything, best of 5
    scripts/bench --quick           # smoke run: 1 repetition, no 60-minute file
    scripts/bench --only speed      # one benchmark (speed, memory, corpus, quality,
                                    # suggest-speed, render, osc, ears, tempo, panel or reliability; may be repeated)
    scripts/bench --repeat 9        # best of 9
    scripts/bench --keep            # keep the 60-minute WAV in benchmarks/.cache/

Nothing here asserts a time: figures are ratios against peers measured in the same run,
with the issue's goals printed beside them. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from importlib import metadata

import common as c

BENCHMARKS = ("speed", "memory", "corpus", "quality", "suggest-speed", "render", "osc", "ears", "tempo", "panel",
              "reliability")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _out(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=c.REPO).stdout.strip()


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except (OSError, AttributeError):
        return "–"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min; more than the cores means the figures are noisy)"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            return _out(["sysctl", "-n", "machdep.cpu.brand_string"])
        except OSError:
            pass
    return platform.processor() or platform.machine()


def _git() -> str:
    try:
        head = _out(["git", "rev-parse", "--short", "HEAD"])
        dirty = _out(["git", "status", "--porcelain"])
        return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "–"
    except OSError:
        return "–"


def machine_info() -> list[list[str]]:
    import numpy
    import scipy

    ff = c.ffmpeg()
    ffv = "not found"
    if ff:
        ffv = subprocess.run([ff, "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    try:
        import pyebur128

        ebu = f"{_version('pyebur128')} (libebur128 {pyebur128.get_libebur128_version()})"
    except ImportError:
        ebu = "not installed"
    mem = ""
    try:
        mem = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    return [
        ["date", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")],
        ["CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores{mem}"],
        ["OS", f"{platform.system()} {platform.release()} ({platform.machine()})"],
        ["load average at start", _load()],
        ["Python", f"{platform.python_version()} ({platform.python_implementation()})"],
        ["numpy / scipy", f"{numpy.__version__} / {scipy.__version__}"],
        ["pedalboard", _version("pedalboard")],
        ["pyebur128", ebu],
        ["pyloudnorm", _version("pyloudnorm")],
        ["matchering", _version("matchering")],
        ["ffmpeg", ffv],
        ["secondear", f"{_version('secondear')}, git {_git()}"],
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="scripts/bench",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    ap.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    ap.add_argument(
        "--repeat", type=int, default=None, metavar="N",
        help=f"repetitions; the best is kept (default {c.DEFAULT_REPEAT}, 1 with --quick)",
    )  # fmt: skip
    ap.add_argument(
        "--quick", action="store_true",
        help="smoke run: 1 repetition, no 60-minute file, 2 corpus songs for the quality benchmark",
    )  # fmt: skip
    ap.add_argument("--keep", action="store_true", help="keep the 60-minute WAV in benchmarks/.cache/")
    args = ap.parse_args(argv)
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else c.DEFAULT_REPEAT)
    if repeat < 1:
        ap.error("--repeat must be at least 1")
    chosen = [b for b in BENCHMARKS if not args.only or b in args.only]

    import bench_ears
    import bench_memory
    import bench_osc
    import bench_panel
    import bench_reliability
    import bench_render
    import bench_speed
    import bench_suggest_quality
    import bench_suggest_speed
    import bench_tempo
    import bench_vs_ffmpeg_corpus

    modules = {
        "speed": bench_speed, "memory": bench_memory, "corpus": bench_vs_ffmpeg_corpus,
        "quality": bench_suggest_quality, "suggest-speed": bench_suggest_speed, "render": bench_render,
        "osc": bench_osc, "ears": bench_ears, "tempo": bench_tempo, "panel": bench_panel,
        "reliability": bench_reliability,
    }  # fmt: skip
    t0 = time.perf_counter()
    mode = "quick smoke run (1 repetition, no 60-minute file, 2 corpus songs for quality)" if args.quick else "full run"
    command = " ".join(["scripts/bench", *(sys.argv[1:] if argv is None else argv)])
    head = ["# Second Ear benchmarks", "", f"`{command}`: {mode}; benchmarks: {', '.join(chosen)}; best of {repeat}."]
    if not c.corpus_songs():
        c.say_corpus_missing()
        head += ["", c.corpus_missing_note()]
    machine = ["## Machine", "", c.md_table(["item", "value"], machine_info(), "ll")]
    print("\n".join(head[2:] + [""] + machine) + "\n", flush=True)
    sections = []
    for name in chosen:
        c.log(f"== {name}")
        text = modules[name].run(repeat=repeat, quick=args.quick, keep=args.keep)
        print(text + "\n", flush=True)
        sections.append(text)
    took = (
        f"Took {time.perf_counter() - t0:.0f} s. Nothing is asserted: read the ratios against the peers "
        "of the same run (see benchmarks/README.md)."
    )
    print(took)
    head += ["", took, ""]
    c.RESULTS.mkdir(parents=True, exist_ok=True)
    out = c.RESULTS / "latest.md"
    tmp = c.RESULTS / "latest.md.tmp"
    tmp.write_text("\n".join(head + machine) + "\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    c.log(f"written: {out.relative_to(c.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
