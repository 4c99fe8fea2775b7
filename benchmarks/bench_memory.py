"""Memory: peak resident memory of ``secondear analyze FILE --json`` as a child process.

Files: a 4-minute and a 60-minute stereo 48 kHz 16-bit WAV (the 60-minute one is the
4-minute audio tiled 15 times, written block by block; about 690 MB, deleted afterwards
unless ``--keep``). Each measurement runs in a fresh ``python -c`` wrapper that starts the
command, waits for it and reads ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, so the figure is
the peak of that one process and nothing else. The floor (the same command on the first
10 s of the audio: interpreter, imports, the meters' fixed state) is measured the same way,
for scale.

The goal: memory bounded by the block size, i.e. the 60-minute peak close to the 4-minute
peak (ratio near 1.00).

Run alone: ``.venv/bin/python benchmarks/bench_memory.py [--quick] [--keep]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import common as c

LONG_TIMES = 15  # 15 × 4 min = 60 min
SHORT_S = 10  # the floor: start-up, imports and the meters' fixed state

_WRAPPER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if sys.platform == "darwin":
    peak /= 1024  # bytes there, KiB on Linux
err = r.stderr.decode(errors="replace")[-400:]
print(json.dumps({"rc": r.returncode, "seconds": dt, "peak_kib": peak, "stderr": err}))
"""


def peak_rss(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS in KiB, wall seconds) of ``cmd``, measured by a fresh wrapper process."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, check=True, cwd=c.REPO)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if data["rc"] != 0:
        raise c.ProcessFailed(f"{' '.join(cmd)} exited {data['rc']}: {data['stderr'].strip()}")
    return float(data["peak_kib"]), float(data["seconds"])


def run(*, quick: bool = False, keep: bool = False, **_) -> str:
    secondear = c.venv_bin("secondear")
    wav4, desc = c.long_wav()
    rows = []
    notes: list[str] = []

    short = c.CACHE / f"short_{SHORT_S}s_16bit.wav"
    c.head_wav(wav4, short, SHORT_S)
    floor_kib = 0.0

    def measure(label: str, path) -> float | None:
        size_mb = path.stat().st_size / 1e6
        try:
            kib, secs = peak_rss([secondear, "analyze", str(path), "--json"])
        except c.ProcessFailed as exc:
            notes.append(f"{label} failed: {exc}")
            c.log(f"  {label}: FAILED {exc}")
            rows.append([f"secondear analyze --json, {label}", f"{size_mb:.0f}", "–", "–", "–", "–"])
            return None
        c.log(f"  {label}: peak {kib / 1024:.1f} MiB in {secs:.1f} s")
        above = c.mib(kib - floor_kib)
        rows.append([f"secondear analyze --json, {label}", f"{size_mb:.0f}", c.secs(secs), c.mib(kib), above, ""])
        return kib

    floor_kib = measure(f"{SHORT_S}-second WAV (the floor)", short) or 0.0
    rows[-1][4] = "–"
    peak4 = measure("4-minute WAV", wav4)
    peak60 = None
    if quick:
        notes.append("Quick run: the 60-minute file is skipped.")
    else:
        wav60 = c.CACHE / f"long_{c.LONG_S * LONG_TIMES}s_16bit.wav"
        try:
            if not wav60.is_file() or wav60.stat().st_size < wav4.stat().st_size * LONG_TIMES - 1024:
                c.log(f"building {wav60.relative_to(c.REPO)} (block by block) …")
                c.tiled_wav(wav4, wav60, LONG_TIMES)
            peak60 = measure("60-minute WAV", wav60)
        finally:
            if keep:
                notes.append(f"`{wav60.relative_to(c.REPO)}` kept (`--keep`).")
            else:
                wav60.unlink(missing_ok=True)
    if peak4 is not None and peak60 is not None:
        rows[-1][-1] = f"{peak60 / peak4:.2f}× the 4-minute peak"
        above4, above60 = peak4 - floor_kib, peak60 - floor_kib
        growth = f"{peak60 / peak4:.2f}×"
        if above4 > 0:
            growth += f" (above the {SHORT_S}-second floor: {above60 / above4:.2f}×)"
    else:
        growth = "–"

    out = [
        "## Memory",
        "",
        f"Peak resident memory (`getrusage(RUSAGE_CHILDREN).ru_maxrss` in a fresh wrapper per run) of "
        f"`secondear analyze FILE --json`; stereo 48 kHz 16-bit WAV files of {desc}"
        + ("" if quick else f", the 60-minute one tiled {LONG_TIMES}× from the 4-minute one")
        + ". One run each; the seconds are for information.",
        "",
        c.md_table(["process", "file MB", "seconds", "peak MiB", "above floor MiB", "ratio"], rows, "lrrrrl"),
        "",
        f"60-minute peak / 4-minute peak: **{growth}** (goal: memory bounded by the block size, i.e. close to 1.00×).",
    ]
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the 60-minute file")
    ap.add_argument("--keep", action="store_true", help="keep the 60-minute WAV in benchmarks/.cache/")
    args = ap.parse_args()
    print(run(quick=args.quick, keep=args.keep))


if __name__ == "__main__":
    main()
