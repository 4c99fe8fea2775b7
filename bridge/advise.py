"""Measure a file and advise in a context: the one way every face of Second Ear asks.

The command line (``suggest``, ``apply``, ``daw watch``), the bridge's OSC server (``daw
serve``) and the panel all come here, so the same file in the same context gets the same
advice whichever face asked:

* :class:`ContextRequest` — the context as the engineer names it (command-line flags, the
  panel's context bar, an OSC message): role, genre, destination, intent words and a reference
  file. :meth:`ContextRequest.check` resolves every name before any audio is read (a typo
  costs nothing); :func:`resolve_context` also measures the reference.
* :func:`advise` — the engine's advice on an analysis, nudged by the engineer's taste
  summary when there is one (:func:`analyzers.suggest.taste.taste_adjusted`).
* :func:`advise_file` — read and measure a file in blocks, then :func:`advise`.
* :func:`album_context` and :func:`album_loudness` — one loudness move for a whole album.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from analyzers import Analysis
from analyzers.context import Context, make_context
from analyzers.suggest import Advice, parse_intent, suggest
from analyzers.suggest.taste import preferred_destination, taste_adjusted, taste_amounts

from .audio_io import AudioInfo
from .errors import AudioReadError
from .measure import Progress, analyze_file


class ReferenceReadError(AudioReadError):
    """The reference track cannot be read; the message says it was the reference."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextRequest:
    """The context as the engineer names it.

    Attributes
    ----------
    role : str
        A role name or alias (``mix``, ``vocal``, ``kick``…; ``analyzers/data/roles.json``).
    genre : str or None
        A genre name or alias: a tonal and dynamics target.
    target : str or None
        A destination name (``spotify``, ``ebu-r128``…) or a loudness in LUFS (``-14``).
    intent : str
        The engineer's words (``warmer but not muddy``); every word must be known.
    reference_path : str or None
        A reference track to match (its tonal balance and dynamics, never its loudness).
    """

    role: str = "mix"
    genre: str | None = None
    target: str | None = None
    intent: str = ""
    reference_path: str | None = None

    def check(self, *, reference: Analysis | None = None) -> Context:
        """Resolve every name (no I/O): the :class:`~analyzers.context.Context` with
        ``reference`` (already measured) in it.

        Raises
        ------
        analyzers.errors.ParameterError
            An unknown role, genre, destination or intent word; the message names the nearest.
        """
        ctx = make_context(role_name=self.role, genre_name=self.genre, target=self.target, intent=self.intent,
                           reference=reference, reference_name=self.reference_path)  # fmt: skip
        if ctx.intent:
            parse_intent(ctx.intent)  # an unknown word is an error here, not a silent nothing
        return ctx

    @classmethod
    def of(cls, context: Context) -> ContextRequest:
        """The names a resolved context was made from (its reference's file, not its analysis)."""
        d = context.describe()
        return cls(role=d["role"], genre=d["genre"], target=None if d["target"] is None else d["target"]["name"],
                   intent=d["intent"] or "", reference_path=d["reference"])  # fmt: skip


def resolve_context(request: ContextRequest, *, progress: Progress | None = None) -> Context:
    """:meth:`ContextRequest.check`, then measure the reference track when one is named.

    Raises
    ------
    analyzers.errors.ParameterError
        An unknown name (before the reference is read).
    ReferenceReadError
        The reference cannot be read.
    """
    request.check()
    if request.reference_path is None:
        return request.check()
    try:
        _, reference = analyze_file(request.reference_path, progress=progress)
    except AudioReadError as exc:
        raise ReferenceReadError(f"reference: {exc}") from exc
    return request.check(reference=reference)


def advise(analysis: Analysis, context: Context, *, taste: Mapping[str, Any] | None = None) -> Advice:
    """The engine's advice on ``analysis`` in ``context``, nudged by ``taste``.

    Parameters
    ----------
    taste : mapping, optional
        The engineer's taste summary (:func:`presets.taste.summarize`'s form): confidences
        nudged, amounts scaled by the share this engineer keeps, kinds always rejected on
        the role left out (:mod:`analyzers.suggest.taste`); None or a summary of no
        decisions changes nothing.
    """
    aimed, said = preferred_destination(context, taste)
    advice = suggest(analysis, aimed)
    if said is not None:
        advice = replace(advice, notes=advice.notes + (said,))
    if taste and taste.get("decisions"):
        advice = taste_adjusted(advice, taste, role=context.role.name)
        advice = taste_amounts(advice, taste, role=context.role.name)
    return advice


@dataclass(frozen=True, slots=True, kw_only=True)
class FileAdvice:
    """A file measured and advised: what ``suggest`` prints and the panel shows."""

    path: str
    info: AudioInfo
    analysis: Analysis
    context: Context
    advice: Advice


def advise_file(path: str | os.PathLike[str], context: Context, *, taste: Mapping[str, Any] | None = None,
                progress: Progress | None = None) -> FileAdvice:  # fmt: skip
    """Read ``path`` in blocks, measure it and advise in ``context``.

    Raises
    ------
    bridge.errors.AudioReadError
        The file cannot be read.
    """
    info, analysis = analyze_file(path, progress=progress)
    return FileAdvice(path=os.fspath(path), info=info, analysis=analysis, context=context,
                      advice=advise(analysis, context, taste=taste))  # fmt: skip


def album_context(context: Context, *, album_lufs: float | None, track_lufs: float | None) -> Context:
    """``context`` for one track of an album mastered as one: its destination moved so that
    this track changes by the album's gain (destination − album loudness), keeping the
    track-to-track levels. Unchanged without a destination or without both loudnesses."""
    dest = context.destination
    if dest is None or album_lufs is None or track_lufs is None:
        return context
    shift_db = dest.lufs - album_lufs
    return replace(context, destination=replace(dest, lufs=track_lufs + shift_db))


def album_loudness(tracks: Iterable[tuple[float, float | None]]) -> float | None:
    """An album's integrated loudness (LUFS) from its tracks' ``(duration_s, integrated_lufs)``:
    the duration-weighted power mean; tracks without a loudness are left out. None when no
    track has one."""
    num = den = 0.0
    for duration_s, lufs in tracks:
        if lufs is not None and duration_s > 0:
            num += duration_s * 10 ** (lufs / 10)
            den += duration_s
    return 10 * math.log10(num / den) if den else None


def measure_album(paths: Iterable[str | os.PathLike[str]]) -> float | None:
    """:func:`album_loudness` of the files; unreadable ones are left out (their own job says why)."""
    tracks = []
    for p in paths:
        try:
            info, analysis = analyze_file(p)
        except AudioReadError:
            continue
        tracks.append((info.duration_s, analysis.loudness.integrated_lufs))
    return album_loudness(tracks)
