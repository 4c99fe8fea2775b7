"""What several commands share: the context flags, the taste summary, files and folders,
progress bars, and how errors reach the terminal.

The context flags (``--role``, ``--genre``, ``--target``, ``--reference``, ``--intent``) are
the same for ``suggest``, ``apply`` and ``panel``; :func:`context_request` turns them into a
:class:`bridge.advise.ContextRequest`, the record every face of Second Ear resolves the same
way.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from analyzers.suggest import Decision
from bridge.advise import ContextRequest
from bridge.audio_io import AUDIO_SUFFIXES
from bridge.measure import Progress
from presets import PresetError, TasteLog

#: Files shorter than this (in frames at their own rate, about a minute at 48 kHz) finish
#: before a progress bar would help, so none is drawn.
PROGRESS_MIN_FRAMES = 48000 * 60


def add_context_args(p: argparse.ArgumentParser) -> None:
    """The context flags of ``suggest``, ``apply`` and ``panel``."""
    p.add_argument("--role", default="mix", help="mix, master, vocal, drums, kick, snare, bass, guitar, keys, synth, strings, other (default: mix)")
    p.add_argument("--genre", help="pop, rock, hip-hop, edm, jazz, classical, metal, r&b (a tonal and dynamics target)")
    p.add_argument("--target", help="spotify, apple-music, youtube, amazon, tidal, deezer, soundcloud, ebu-r128, atsc-a85, cd, or a number in LUFS")
    p.add_argument("--reference", metavar="REF", help="a track whose tonal balance and dynamics to match (never its loudness)")
    p.add_argument("--intent", default="", metavar="TEXT", help='the engineer words, e.g. "warmer but not muddy, more glue"')
    p.add_argument("--no-progress", action="store_true", help="never draw a progress bar on stderr")
    p.add_argument("--no-taste", action="store_true",
                   help="do not nudge confidences by your past decisions (the taste log, see README)")  # fmt: skip


def context_request(args: argparse.Namespace) -> ContextRequest:
    """The context flags as a :class:`~bridge.advise.ContextRequest`."""
    return ContextRequest(role=args.role, genre=args.genre, target=args.target, intent=args.intent or "",
                          reference_path=args.reference)  # fmt: skip


def taste_summary(args: argparse.Namespace) -> dict[str, Any] | None:
    """The taste log's summary (None with ``--no-taste`` or an empty log); a log that
    cannot be read is reported on stderr and not used."""
    if getattr(args, "no_taste", False):
        return None
    try:
        summary = TasteLog().summary()
    except PresetError as exc:
        say(f"the taste log is not used: {exc}")
        return None
    return summary if summary.get("decisions") else None


def parse_tweaks(items: Sequence[str]) -> dict[str, dict[str, float]]:
    """``["eq-315:gain_db=-2,q=1.4", …]`` as ``{"eq-315": {"gain_db": -2.0, "q": 1.4}}``;
    ValueError with one line naming the bad item."""
    out: dict[str, dict[str, float]] = {}
    for item in items:
        sid, sep, rest = item.partition(":")
        if not sep or not sid.strip() or not rest.strip():
            raise ValueError(f"--tweak {item!r}: write ID:PARAM=VALUE (e.g. more-air:gain_db=1.5)")
        params = out.setdefault(sid.strip(), {})
        for pair in rest.split(","):
            name, eq, value = pair.partition("=")
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not eq or not name.strip() or not math.isfinite(number):
                raise ValueError(f"--tweak {item!r}: {pair.strip()!r} is not PARAM=NUMBER")
            params[name.strip()] = number
    return out


def conflicting_decisions(accept: str | None, tweaks: Mapping[str, Any], reject: str) -> str | None:
    """A usage error when an id is both taken (``--accept ID`` or ``--tweak ID:…``) and turned
    down (``--reject ID``): which of the two was meant cannot be known. None when every id is
    decided once (``--accept all`` names no id)."""
    ids = lambda text: {t.strip() for t in (text or "").split(",") if t.strip()}  # noqa: E731
    taken = {i for i in ids(accept) if i.lower() not in ("all", "*", "none")}
    both = sorted((taken | set(tweaks)) & ids(reject))
    if not both:
        return None
    how = ", ".join(w for w, named in (("--accept", taken & set(both)), ("--tweak", set(tweaks) & set(both))) if named)
    return f"{', '.join(both)}: accepted ({how}) and rejected (--reject) at once: decide each suggestion once"


def log_decisions(decisions: Sequence[Decision]) -> None:
    """Append the decisions to the taste log, as the panel does; a log that cannot be
    written is reported on stderr once (the decisions were made, the render stands)."""
    if not decisions:
        return
    log = TasteLog()
    try:
        for d in decisions:
            log.append(d)
    except PresetError as exc:
        say(str(exc))


def expand(paths: Sequence[str]) -> list[str]:
    """Files as given; folders replaced by the audio files in them (sorted by name; a folder's
    subfolders are not searched, and that is said)."""
    out: list[str] = []
    for p in paths:
        folder = Path(p)
        if folder.is_dir():
            found = sorted(str(f) for f in folder.iterdir() if f.suffix.lower() in AUDIO_SUFFIXES and f.is_file())
            inner = sorted(f.name for f in folder.iterdir() if f.is_dir() and not f.name.startswith("."))
            if not found:
                say(f"{p}: no audio files in this folder")
            if inner:  # only the folder's own files are read: say what is left, not silently
                more = f" and {len(inner) - 3} more" if len(inner) > 3 else ""
                say(f"{p}: its subfolders are not searched ({', '.join(inner[:3])}{more}); name them to include them")
            out += found
        else:
            out.append(p)
    return out


def say(message: str, *, prefix: str = "secondear") -> None:
    """One line on stderr: ``secondear: message``."""
    print(f"{prefix}: {message}", file=sys.stderr)


def print_results(results: Sequence[dict[str, Any]], *, as_json: bool, render: Callable[[dict[str, Any]], str]) -> int:
    """Print one result per file and say each failure; the exit status (1 when any failed).

    With ``as_json`` every result is printed, a failed file as ``{"path", "error"}`` (the JSON
    contract: a reader of stdout learns which file failed); the readable form (``render``)
    prints only the files that succeeded. Each error is one line on stderr, never on stdout
    as well, naming its file when the message does not and several files were given."""
    if as_json:
        print(json.dumps(results[0] if len(results) == 1 else list(results), indent=2, ensure_ascii=False,
                         allow_nan=False))  # fmt: skip
    else:
        done = [render(r) for r in results if "error" not in r]
        if done:
            print("\n\n".join(done))
    failed = [r for r in results if "error" in r]
    for r in failed:
        named = len(results) == 1 or str(r["path"]) in r["error"]
        say(r["error"] if named else f"{r['path']}: {r['error']}")
    return 1 if failed else 0


def fail(message: str, code: int, *, prefix: str = "secondear") -> int:
    """Say ``message`` on stderr and return the exit status ``code``."""
    say(message, prefix=prefix)
    return code


def show_progress(args: argparse.Namespace, stream: TextIO | None = None) -> bool:
    """Whether to draw progress bars: not with ``--no-progress``, and only on a terminal."""
    stream = stream or sys.stderr
    return not getattr(args, "no_progress", False) and stream.isatty()


@contextmanager
def file_progress(label: str, *, enabled: bool) -> Iterator[Progress | None]:
    """A ``progress(frames_done, frames_total)`` callback drawing one bar on stderr for a
    long file (none for files under :data:`PROGRESS_MIN_FRAMES`); None when disabled."""
    if not enabled:
        yield None
        return
    bar: tqdm | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_MIN_FRAMES:
            return
        if bar is None:
            bar = tqdm(total=total, desc=label[-40:], unit="frame", unit_scale=True, leave=False, file=sys.stderr)
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()


def files_progress(total: int, *, enabled: bool) -> tqdm:
    """A bar counting files done (``.update(1)`` per file); a no-op bar when disabled."""
    return tqdm(total=total, unit="file", leave=False, file=sys.stderr, disable=not enabled or total < 2)
