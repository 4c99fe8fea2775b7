"""The ears benchmark's shared parts: real sources, damaged cases, and how a case is judged.

Each problem Second Ear must hear (hum, noise, sibilance, riding, resonance, …) has one
module here, ``benchmarks/ears/<problem>.py``, that exposes::

    PROBLEM: str                                   # "hum", "noise", …
    def cases(sources: list[Source], *, quick: bool) -> list[Case]
    def judge(case: Case, advice) -> Verdict        # advice: analyzers.suggest.Advice

``cases`` makes damaged copies of real sources with seeded, known parameters (the truth:
``truth`` holds what was done, e.g. ``{"freq_hz": 250.0, "gain_db": 8.0}``) and, for each
source, an undamaged control (``control=True``). ``judge`` says whether the advice found the
problem and named it, whether it made a wrong or needless move, and how far the proposed
centre is from the true one (octaves). ``benchmarks/bench_ears.py`` runs every module over
the sources and prints detection rate, false moves on controls and centre error per problem.

Sources are real recordings from ``../shared/corpus-real`` (voices, instruments, finished
mixes) and ``../shared/corpus`` (LMMS stems and mixes); a benchmark says so loudly when
they are missing (``SECONDEAR_CORPUS_REAL`` and ``SECONDEAR_CORPUS`` move them).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common  # noqa: F401 - puts this checkout first on sys.path (see common.REPO)
import numpy as np

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Source:
    """One real recording: float32 ``(channels, samples)`` at ``sample_rate_hz``."""

    name: str
    audio: np.ndarray
    sample_rate_hz: float
    role: str  # Second Ear's role name: vocal, drums, guitar, mix, …
    kind: str  # voice, instrument, mix, stem
    narrowband: bool = False  # nothing above ~7–8 kHz (telephone-band voices)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """A source with one known damage (or none: ``control``), and the context to suggest in."""

    problem: str
    name: str
    source: str
    audio: np.ndarray
    sample_rate_hz: float
    role: str
    control: bool
    truth: dict[str, float] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)  # extra make_context kwargs (genre_name, target…)


@dataclass(frozen=True)
class Verdict:
    """How the advice answered one case."""

    detected: bool  # the problem was answered (for a control: must be False)
    named: bool  # the answer names the problem in an engineer's words (hum, sibilance…)
    false_move: bool  # a move made where none was due, or in the wrong direction
    centre_error_oct: float | None = None  # |log2(proposed / true)| of the answering move
    detail: str = ""


def corpus_real_dir() -> Path:
    return Path(os.environ.get("SECONDEAR_CORPUS_REAL", REPO.parent / "shared" / "corpus-real")).resolve()


def corpus_dir() -> Path:
    return Path(os.environ.get("SECONDEAR_CORPUS", REPO.parent / "shared" / "corpus")).resolve()


def _read(path: Path) -> tuple[np.ndarray, float]:
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        return f.read(f.frames).astype(np.float32), float(f.samplerate)


_ROLE_OF_REAL = {"v": ("vocal", "voice"), "i": (None, "instrument"), "m": ("mix", "mix")}
_INSTRUMENT_ROLES = {"percussion": "drums", "guitar": "guitar", "piano": "keys", "tabla": "drums"}


def real_sources() -> list[Source]:
    """The recordings of ``../shared/corpus-real`` (voices, instruments, finished mixes)."""
    root = corpus_real_dir()
    out: list[Source] = []
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if (p / "audio.flac").is_file()):
        meta = json.loads((folder / "meta.json").read_text()) if (folder / "meta.json").is_file() else {}
        role, kind = _ROLE_OF_REAL.get(folder.name[:1], ("other", "other"))
        if role is None:
            role = next((r for w, r in _INSTRUMENT_ROLES.items() if w in folder.name), "other")
        audio, rate = _read(folder / "audio.flac")
        narrow = kind == "voice" and any(t in folder.name for t in ("allison", "cmu_arctic"))
        out.append(Source(folder.name, audio, rate, role, kind, narrow, meta))
    return out


def corpus_sources(*, stems: bool = True) -> list[Source]:
    """The LMMS songs of ``../shared/corpus``: each mix (role ``mix``) and, with ``stems``, each stem (``other``)."""
    root = corpus_dir()
    out: list[Source] = []
    if not root.is_dir():
        return out
    for song in sorted(p for p in root.iterdir() if (p / "mix.flac").is_file()):
        meta = json.loads((song / "meta.json").read_text()) if (song / "meta.json").is_file() else {}
        audio, rate = _read(song / "mix.flac")
        out.append(Source(song.name, audio, rate, "mix", "mix", False, meta))
        if stems:
            for stem in sorted((song / "stems").glob("*.flac")):
                a, r = _read(stem)
                out.append(Source(f"{song.name}/{stem.stem}", a, r, "other", "stem", False, meta))
    return out


def octaves(a_hz: float, b_hz: float) -> float:
    """Distance between two frequencies in octaves (always ≥ 0)."""
    return abs(float(np.log2(a_hz / b_hz)))
