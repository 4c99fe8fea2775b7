"""What the benchmarks share: the test audio, timing, processes and markdown tables.

The test audio is real music when the corpus is there (``../shared/corpus`` next to the
repository, or ``$SECONDEAR_CORPUS``): its eight 20 s mixes, concatenated and looped to
4 minutes. Without the corpus the benchmarks say so and tile the built-in synthetic demo
instead. Generated files go to ``benchmarks/.cache/`` and are rebuilt only when their
sources change.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
# the checkout this script lies in is what it measures, not whichever one an editable
# install points at (a git worktree beside the main checkout shares its .venv)
if sys.path[:1] != [str(REPO)]:
    sys.path.insert(0, str(REPO))
BENCH = REPO / "benchmarks"
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"

RATE = 48000
CHANNELS = 2
LONG_S = 240  # the 4-minute test file
WAV_BLOCK_FRAMES = 1 << 16

DEFAULT_REPEAT = 5


def log(message: str) -> None:
    """Progress and warnings: stderr, so that stdout holds only the tables."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- corpus


def corpus_dir() -> Path:
    return Path(os.environ.get("SECONDEAR_CORPUS", REPO.parent / "shared" / "corpus")).resolve()


def corpus_songs() -> list[Path]:
    """Song folders of the corpus (each with ``mix.flac``), sorted; empty when it is missing."""
    root = corpus_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "mix.flac").is_file())


_missing_said = False


def corpus_missing_note() -> str:
    return (
        f"**Corpus missing** at `{corpus_dir()}` (set `SECONDEAR_CORPUS` to point elsewhere): "
        "the test audio is the built-in synthetic demo (`bridge.demo.demo_mix()`) tiled to 4 minutes, "
        "not real music."
    )


def say_corpus_missing() -> None:
    global _missing_said
    if not _missing_said:
        log("")
        log("!" * 78)
        log("!! " + corpus_missing_note().replace("**", "").replace("`", ""))
        log("!" * 78)
        log("")
        _missing_said = True


# --------------------------------------------------------------------------- test audio


def _signature(paths: Sequence[Path], extra: str) -> str:
    h = hashlib.sha1(extra.encode())
    for p in paths:
        st = p.stat()
        h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _read(path: Path) -> np.ndarray:
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        if int(f.samplerate) != RATE or f.num_channels != CHANNELS:
            raise RuntimeError(f"{path}: {f.samplerate} Hz, {f.num_channels} channels; expected {RATE} Hz stereo")
        return f.read(f.frames)


def long_source() -> tuple[str, str]:
    """(description, cache signature) of the 4-minute test audio, without building it."""
    songs = corpus_songs()
    if songs:
        mixes = [s / "mix.flac" for s in songs]
        names = ", ".join(s.name for s in songs)
        desc = f"the {len(mixes)} corpus mixes ({names}) concatenated and looped to {LONG_S} s"
        return desc, _signature(mixes, f"corpus-v1-{LONG_S}")
    say_corpus_missing()
    from bridge import demo

    desc = f"synthetic demo (`bridge.demo.demo_mix()`, {demo.DEMO_DURATION_S:g} s) tiled to {LONG_S} s (corpus missing)"
    return desc, hashlib.sha1(f"demo-v1-{LONG_S}-{Path(demo.__file__).read_bytes()!r}".encode()).hexdigest()[:16]


def long_audio() -> np.ndarray:
    """The 4-minute test audio, float32 shaped (2, 240 × 48000)."""
    songs = corpus_songs()
    if songs:
        parts = [_read(s / "mix.flac") for s in songs]
    else:
        say_corpus_missing()
        from bridge.demo import demo_mix

        parts = [demo_mix(RATE)]
    x = np.concatenate(parts, axis=1).astype(np.float32, copy=False)
    n = LONG_S * RATE
    reps = -(-n // x.shape[1])
    return np.ascontiguousarray(np.tile(x, (1, reps))[:, :n])


def _cached(name: str, signature: str, build: Callable[[Path], None]) -> Path:
    """``CACHE/name``, built by ``build(tmp_path)`` unless it exists with the same signature."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / name
    stamp = CACHE / (name + ".json")
    if path.is_file() and stamp.is_file():
        try:
            if json.loads(stamp.read_text()).get("signature") == signature:
                return path
        except (OSError, ValueError):
            pass
    tmp = CACHE / (name + ".part" + path.suffix)
    log(f"building {path.relative_to(REPO)} …")
    build(tmp)
    os.replace(tmp, path)
    stamp.write_text(json.dumps({"signature": signature}))
    return path


def long_flac() -> tuple[Path, str]:
    """The 4-minute stereo 48 kHz 24-bit FLAC and its description."""
    from pedalboard.io import AudioFile

    desc, sig = long_source()

    def build(tmp: Path) -> None:
        x = long_audio()
        with AudioFile(str(tmp), "w", RATE, CHANNELS, bit_depth=24) as f:
            f.write(x)

    return _cached(f"long_{LONG_S}s.flac", sig, build), desc


def _to_int16_bytes(x: np.ndarray) -> bytes:
    return np.clip(np.round(x.T * 32767.0), -32768, 32767).astype("<i2").tobytes()


def long_wav() -> tuple[Path, str]:
    """The 4-minute stereo 48 kHz 16-bit WAV (same audio as :func:`long_flac`)."""
    desc, sig = long_source()

    def build(tmp: Path) -> None:
        x = long_audio()
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(CHANNELS)
            w.setsampwidth(2)
            w.setframerate(RATE)
            for i in range(0, x.shape[1], WAV_BLOCK_FRAMES):
                w.writeframes(_to_int16_bytes(x[:, i : i + WAV_BLOCK_FRAMES]))

    return _cached(f"long_{LONG_S}s_16bit.wav", sig, build), desc


def head_wav(source: Path, dest: Path, seconds: float) -> None:
    """Write the first ``seconds`` of ``source`` (a PCM WAV) to ``dest`` unless it is there and newer."""
    if dest.is_file() and dest.stat().st_mtime_ns >= source.stat().st_mtime_ns:
        return
    tmp = dest.with_name(dest.name + ".part.wav")
    with wave.open(str(source), "rb") as r, wave.open(str(tmp), "wb") as w:
        w.setparams(r.getparams())
        w.writeframes(r.readframes(int(seconds * r.getframerate())))
    os.replace(tmp, dest)


def tiled_wav(source: Path, dest: Path, times: int) -> None:
    """Write ``source`` (a PCM WAV) ``times`` over into ``dest``, one block at a time."""
    tmp = dest.with_name(dest.name + ".part.wav")
    with wave.open(str(source), "rb") as r, wave.open(str(tmp), "wb") as w:
        w.setnchannels(r.getnchannels())
        w.setsampwidth(r.getsampwidth())
        w.setframerate(r.getframerate())
        w.setnframes(r.getnframes() * times)  # the header is right from the start
        for _ in range(times):
            r.rewind()
            while True:
                data = r.readframes(WAV_BLOCK_FRAMES)
                if not data:
                    break
                w.writeframesraw(data)
    os.replace(tmp, dest)


# --------------------------------------------------------------------------- timing


def tune_like_the_cli() -> bool:
    """Tune this process's allocator as the ``secondear`` entry point does (if it can).

    The in-process timings then see the same process settings as ``secondear analyze``;
    every in-process meter, ours and the peers, runs under them.
    """
    try:
        from bridge.runtime import tune_allocator
    except ImportError:
        return False
    tune_allocator()
    return True



def race(contenders: dict[str, Callable[[], Any]], repeat: int, *, keep_results: bool = False):
    """Best wall time of each contender over ``repeat`` rounds, run round-robin.

    Round-robin (round 1 of every contender, then round 2 …) so that a burst of load from
    elsewhere on the machine falls on all of them alike rather than on one. A contender
    that raises is dropped from the later rounds.

    Returns ``(best_seconds, results)``: ``best_seconds[name]`` for those that never
    failed; ``results[name]`` (when ``keep_results``) the last result or the exception.
    Without ``keep_results`` the second item maps only failed names to their exceptions.
    """
    best: dict[str, float] = {}
    results: dict[str, Any] = {}
    failed: dict[str, BaseException] = {}
    for _ in range(max(1, repeat)):
        for name, fn in contenders.items():
            if name in failed:
                continue
            t0 = time.perf_counter()
            try:
                result = fn()
            except Exception as exc:  # reported, not fatal: the other contenders still run
                failed[name] = exc
                best.pop(name, None)
                log(f"  {name}: FAILED ({exc})")
                continue
            dt = time.perf_counter() - t0
            best[name] = min(best.get(name, float("inf")), dt)
            if keep_results:
                results[name] = result
            del result
    for name in contenders:
        if name in best:
            log(f"  {name}: {best[name]:.3f} s (best of {max(1, repeat)})")
    if keep_results:
        results.update(failed)
        return best, results
    return best, failed


class ProcessFailed(RuntimeError):
    pass


def run_process(cmd: Sequence[str]) -> float:
    """Wall time of one run of ``cmd`` (its output discarded); raises if it fails."""
    t0 = time.perf_counter()
    r = subprocess.run(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        tail = r.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise ProcessFailed(f"{' '.join(cmd)} exited {r.returncode}: {' | '.join(tail)}")
    return dt


def venv_bin(name: str) -> str:
    """A program of the running environment (``.venv/bin/NAME`` when run by scripts/bench)."""
    cand = Path(sys.executable).parent / name
    return str(cand) if cand.exists() else (shutil.which(name) or name)


def ffmpeg() -> str | None:
    return shutil.which("ffmpeg") or ("/usr/bin/ffmpeg" if Path("/usr/bin/ffmpeg").exists() else None)


# --------------------------------------------------------------------------- formatting


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A markdown table, padded so that it also reads well as plain text.

    ``align``: one letter per column, ``l`` or ``r`` (default: first left, the rest right).
    """
    align = align or ("l" + "r" * (len(headers) - 1))
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        out = []
        for i, c in enumerate(row):
            out.append(c.rjust(widths[i]) if align[i] == "r" else c.ljust(widths[i]))
        return "| " + " | ".join(out) + " |"

    sep = "| " + " | ".join(("-" * (w - 1) + ":") if a == "r" else "-" * w for w, a in zip(widths, align)) + " |"
    return "\n".join([fmt(cells[0]), sep] + [fmt(r) for r in cells[1:]])


def secs(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if v < 10 else f"{v:.2f}"


def ratio(v: float | None, ref: float | None) -> str:
    if v is None or ref is None or ref <= 0:
        return "–"
    return f"{v / ref:.2f}×"


def signed(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:+.{digits}f}"


def num(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def mib(kib: float | None) -> str:
    return "–" if kib is None else f"{kib / 1024:.1f}"


def main_with_repeat(run, doc: str) -> None:
    """The stand-alone entry of a timing benchmark: ``--repeat N``, then print its table."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    args = ap.parse_args()
    print(run(repeat=args.repeat, quick=args.repeat == 1))
