"""Several files of one song at once (stems, multi-microphone takes): read them, find what only
the set can justify, and measure what aligning them did.

* :func:`cross_track` reads the files (each as its mono sum: the moves apply to every channel
  of a track), names the tracks, and asks
  :func:`analyzers.suggest.crosstrack.cross_track_advice` for polarity flips and delays
  between related microphones and complementary cuts on the tracks that mask the focus track.
  Files are never resampled: different rates give a note and nothing cross-track.
* :func:`measure_alignment` measures, after ``apply``, how much louder the aligned tracks sum.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzers.errors import AnalyzerError
from analyzers.suggest import LeaveAlone, Suggestion
from analyzers.suggest.crosstrack import cross_track_advice

from .audio_io import read_audio
from .errors import AudioReadError


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossTrack:
    """What the set of files adds to each file's answer.

    ``suggestions`` and ``leave_alone`` are ``(index of the file, record)`` pairs, in the
    order of the paths given; every suggestion's id is unique within its file's answer
    (given the ids the file already has). ``notes`` belong to every file.
    ``focus_unknown`` is True when the focus asked for was none of the files (the first was
    used instead).
    """

    names: tuple[str, ...]
    focus: str | None
    suggestions: tuple[tuple[int, Suggestion], ...] = ()
    leave_alone: tuple[tuple[int, LeaveAlone], ...] = ()
    notes: tuple[str, ...] = ()
    focus_unknown: bool = False
    skipped: bool = False


def track_names(paths: Sequence[str]) -> list[str]:
    """File stems; a stem seen twice gets its parent folder's name in front; still equal: numbered."""
    stems = [Path(p).stem for p in paths]
    out = [s if stems.count(s) == 1 else f"{Path(p).parent.name}/{s}" for p, s in zip(paths, stems)]
    seen: dict[str, int] = {}
    for i, s in enumerate(list(out)):
        seen[s] = seen.get(s, 0) + 1
        if out.count(s) > 1:
            out[i] = f"{s}#{seen[s]}"
    return out


def focus_name(wanted: str | None, paths: Sequence[str], names: Sequence[str]) -> str | None:
    """The focus track's name: ``wanted`` matched as a path, a file name or a track name;
    the first track when nothing is wanted; None when ``wanted`` is none of them."""
    if not wanted:
        return names[0]
    for p, n in zip(paths, names):
        if wanted in (p, n, Path(p).name, Path(p).stem):
            return n
        try:
            if os.path.exists(wanted) and os.path.samefile(wanted, p):
                return n
        except OSError:
            continue
    return None


def cross_track(paths: Sequence[str], *, focus: str | None = None,
                taken_ids: Sequence[set[str]] | None = None) -> CrossTrack:  # fmt: skip
    """The cross-track moves between ``paths`` (at least two readable files).

    Parameters
    ----------
    paths : sequence of str
        The files.
    focus : str, optional
        The track to keep clear of masking (a path, file name or track name; default the first).
    taken_ids : sequence of set of str, optional
        Per file, the suggestion ids its own answer already has (new ids avoid them).
    """
    names = track_names(paths)
    taken = [set(t) for t in (taken_ids or [set() for _ in paths])]
    tracks: dict[str, tuple[np.ndarray, float]] = {}
    for path, name in zip(paths, names):
        try:
            samples, rate = read_audio(path)
        except AudioReadError as exc:
            return CrossTrack(names=tuple(names), focus=None, notes=(f"cross-track: skipped: {exc}",), skipped=True)
        tracks[name] = (samples.mean(axis=0, dtype=np.float32)[None, :], float(rate))
        del samples
    rates = {r for _, r in tracks.values()}
    if len(rates) > 1:
        listing = ", ".join(f"{n} {r / 1000:g} kHz" for n, (_, r) in tracks.items())
        return CrossTrack(names=tuple(names), focus=None, skipped=True, notes=(
            f"cross-track (masking, polarity, delay) skipped: the sample rates differ ({listing}); "
            "Second Ear never resamples — export the stems at one rate",))  # fmt: skip
    chosen = focus_name(focus, paths, names)
    notes: list[str] = []
    if chosen is None:
        notes.append(f"--focus {focus}: not one of the files; the first, {names[0]}, is the focus")
        chosen = names[0]
    try:
        advice = cross_track_advice(tracks, focus=chosen)
    except AnalyzerError as exc:  # pragma: no cover — rates are checked above
        return CrossTrack(names=tuple(names), focus=chosen, notes=(f"cross-track: skipped: {exc}",), skipped=True)
    index = {n: i for i, n in enumerate(names)}
    added: list[tuple[int, Suggestion]] = []
    for name, s in advice.suggestions:
        i = index[name]
        sid, n = s.id, 2
        while sid in taken[i]:
            sid, n = f"{s.id}-{n}", n + 1
        taken[i].add(sid)
        added.append((i, Suggestion.from_dict({**s.to_dict(), "id": sid}) if sid != s.id else s))
    pairs = "; ".join(f"{p.a} ↔ {p.b} (r {p.alignment.correlation:+.2f} at {p.alignment.lag_samples:+d} samples)"
                      for p in advice.pairs)  # fmt: skip
    notes = [*notes, f"cross-track: focus {chosen}; related microphones: {pairs or 'none'}", *advice.notes]
    return CrossTrack(names=tuple(names), focus=chosen, suggestions=tuple(added),
                      leave_alone=tuple((index[n], k) for n, k in advice.leave_alone), notes=tuple(notes),
                      focus_unknown=focus is not None and focus_name(focus, paths, names) is None)  # fmt: skip


def measure_alignment(pairs: Sequence[tuple[str, str]]) -> float | None:
    """How much louder (dB) the tracks sum after alignment: the RMS of the summed outputs
    against that of the summed inputs, over the shortest file; ``pairs`` are ``(input,
    output)`` paths. None when a file cannot be read or the sum is silent."""
    try:
        before = [read_audio(a)[0].mean(axis=0) for a, _ in pairs]
        after = [read_audio(b)[0].mean(axis=0) for _, b in pairs]
    except AudioReadError:
        return None
    n = min(len(x) for x in before + after)

    def rms(xs: list[np.ndarray]) -> float:
        return float(np.sqrt(np.mean(np.sum([x[:n] for x in xs], axis=0) ** 2)))

    b = rms(before)
    if b <= 0:
        return None
    return 20 * math.log10(max(rms(after), 1e-12) / b)
