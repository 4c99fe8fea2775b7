"""The labelled tempo set: LMMS demo songs rendered whole, each with the tempo its project states.

The corpus (``../shared/corpus``) holds 20 s excerpts of eight LMMS demo songs; the rhythm
analyzer was tuned on them. The other LMMS demo and "shorties" projects that Debian's
``lmms-common`` ships are the **held-out** set: never looked at while tuning. Each is
rendered whole with LMMS (48 kHz, 16-bit WAV) into ``benchmarks/.cache/tempo/`` once, and
labelled with the ``bpm`` of its project's ``<head>`` (LMMS songs play at one tempo unless
the tempo is automated; a project with tempo automation is left out).

    .venv/bin/python benchmarks/make_tempo_set.py      # render what is missing, list the set

Needs ``lmms`` (Debian: ``apt-get install lmms``; its projects come with ``lmms-common``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import common as c

PROJECTS = Path(os.environ.get("SECONDEAR_LMMS_PROJECTS", "/usr/share/lmms/projects"))
CACHE = c.CACHE / "tempo"
RENDER_TIMEOUT_S = 1800


@dataclass(frozen=True)
class TempoSong:
    name: str
    bpm: float
    path: Path  # the audio
    held_out: bool


def project_xml(path: Path) -> str:
    """The XML of an LMMS project (``.mmpz`` is Qt's qCompress: a 4-byte length, then zlib)."""
    data = path.read_bytes()
    if path.suffix == ".mmpz":
        data = zlib.decompress(data[4:])
    return data.decode("utf-8", "replace")


def project_bpm(xml: str) -> float | None:
    """The song's tempo from ``<head bpm="…">``; None when the tempo is automated."""
    head = re.search(r"<head\b[^>]*>", xml)
    if not head:
        return None
    m = re.search(r'\bbpm="([0-9.]+)"', head.group(0))
    if m is None or re.search(r"<bpm\b[^>]*\bid=", xml):  # an automatable tempo element
        return None
    return float(m.group(1))


def held_out_projects() -> list[Path]:
    """Demo and shorties projects that are not in the corpus, sorted by name."""
    corpus = {p.name for p in c.corpus_songs()}
    found = []
    for sub in ("demos", "shorties"):
        found += [p for p in (PROJECTS / sub).rglob("*.mmp*") if p.suffix in (".mmp", ".mmpz")]
    return sorted((p for p in found if p.stem not in corpus), key=lambda p: p.stem.lower())


def _render(project: Path, out: Path) -> None:
    lmms = shutil.which("lmms")
    if lmms is None:
        raise RuntimeError("lmms is not installed (Debian: apt-get install lmms)")
    tmp = out.with_suffix(".part.wav")
    cmd = [lmms]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allowroot")
    cmd += ["render", str(project), "-f", "wav", "-s", str(c.RATE), "-x", "1", "-i", "linear", "-o", str(tmp)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=RENDER_TIMEOUT_S)
    if proc.returncode != 0 or not tmp.is_file():
        raise RuntimeError(f"lmms could not render {project.name}: {proc.stderr.strip()[-300:]}")
    os.replace(tmp, out)


def held_out_set(*, render: bool = True) -> list[TempoSong]:
    """The held-out songs, rendering those missing from the cache (when ``render``)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    songs = []
    for project in held_out_projects():
        bpm = project_bpm(project_xml(project))
        if bpm is None:
            c.log(f"tempo set: {project.stem} left out (no fixed tempo in the project)")
            continue
        wav = CACHE / f"{project.stem}.wav"
        if not wav.is_file():
            if not render:
                continue
            c.log(f"tempo set: rendering {project.stem} with LMMS (once; cached in {CACHE})")
            _render(project, wav)
        songs.append(TempoSong(name=project.stem, bpm=bpm, path=wav, held_out=True))
    return songs


def tuning_set() -> list[TempoSong]:
    """The corpus excerpts the analyzer was tuned on, with the tempo their meta.json states."""
    songs = []
    for folder in c.corpus_songs():
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("bpm"):
            songs.append(TempoSong(name=folder.name, bpm=float(meta["bpm"]), path=folder / "mix.flac", held_out=False))
    return songs


def main() -> int:
    if not PROJECTS.is_dir():
        print(f"make_tempo_set: no LMMS projects at {PROJECTS} (Debian: apt-get install lmms)", file=sys.stderr)
        return 1
    try:
        songs = held_out_set()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"make_tempo_set: {exc}", file=sys.stderr)
        return 1
    for s in tuning_set() + songs:
        print(f"{'held-out' if s.held_out else 'tuning  '}  {s.bpm:6.1f} BPM  {s.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
