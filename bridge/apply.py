"""``secondear apply``: render accepted suggestions and measure what they did.

The accepted moves are rendered with pedalboard's built-ins (:mod:`bridge.render`), the
result is written, read back and measured with the same meters, and every suggestion's
predicted figures are set against the measured ones. A loudness move is closed-loop: the
chain before it is rendered first, its gain is set from the measured loudness of that
render, and then trimmed (at most three passes) until the integrated loudness is within
0.1 LU of the target with the true peak under the ceiling.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from analyzers import Analysis, analyze
from analyzers.context import Context, Destination
from analyzers.moves import EQ_KINDS, Move
from analyzers.suggest import Advice, Suggestion
from analyzers.suggest.taste import preferred_destination

from .advise import advise, album_context
from .audio_io import WRITE_SUFFIXES, read_audio
from .checks import BAND_TOLERANCE_DB, Check, checks_for
from .errors import BridgeError
from .render import render_chain, render_move, render_region, true_peak_dbtp

LOUDNESS_TOLERANCE_LU = 0.1


class ApplyError(BridgeError):
    """Accepted ids that do not exist, an output that cannot be written."""


@dataclass(frozen=True, slots=True)
class ApplyReport:
    output: str
    accepted: tuple[str, ...]
    checks: tuple[Check, ...]
    after: Analysis
    warnings: tuple[str, ...]
    before: Analysis | None = None


def select(advice: Advice, accept: str, *, strict: bool = True) -> list[Suggestion]:
    """The suggestions named by ``accept``: ``all``, ``none`` or ``id,id,…``.

    ``strict=False`` (several files at once) skips ids this file does not have: they may
    belong to another file; the caller checks that every id was found somewhere.
    """
    text = accept.strip().lower()
    if text in ("all", "*"):
        return list(advice.suggestions)
    if text in ("none", ""):
        return []
    chosen = []
    for sid in (t.strip() for t in accept.split(",") if t.strip()):
        try:
            chosen.append(advice.by_id(sid))
        except KeyError as exc:
            if not strict:
                continue
            if not advice.suggestions:
                raise ApplyError(f"no suggestion {sid!r}: there is nothing to accept for this file") from None
            raise ApplyError(str(exc.args[0])) from None
    return chosen


def tweaked(advice: Advice, chosen: Sequence[Suggestion], tweaks: Mapping[str, Mapping[str, float]], *,
            strict: bool = True) -> list[Suggestion]:  # fmt: skip
    """``chosen`` with the tweaked suggestions' moves changed (and added when not chosen yet).

    Raises
    ------
    ApplyError
        A tweak of an id the advice does not have (with ``strict``).
    analyzers.errors.ParameterError
        A parameter the move does not have, or a value out of its range.
    """
    out = list(chosen)
    for sid, params in tweaks.items():
        try:
            s = advice.by_id(sid)
        except KeyError as exc:
            if not strict:
                continue
            raise ApplyError(str(exc.args[0])) from None
        unknown = sorted(set(params) - set(s.move.params))
        if unknown:
            raise ApplyError(f"{sid} is a {s.move.kind} move: it has no {', '.join(unknown)} "
                             f"(its parameters: {', '.join(s.move.params)})")  # fmt: skip
        new = replace(s, move=Move(s.move.kind, {**s.move.params, **params}, s.move.curve))
        where = next((i for i, c in enumerate(out) if c.id == sid), None)
        if where is None:
            out.append(new)
        else:
            out[where] = new
    return out


def apply_suggestions(
    audio: np.ndarray, sample_rate_hz: float, before: Analysis, chosen: Sequence[Suggestion],
    *, destination: Destination | None = None,
) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    """Render ``chosen`` onto ``audio``; returns the result and warnings.

    ``destination`` (its loudness in LUFS and true-peak ceiling in dBTP) makes the loudness
    move closed-loop; without one, the loudness move's own gain is the goal.
    """
    warnings: list[str] = []
    whole = [s for s in chosen if s.region_s is None and s.id != "loudness"]
    y = render_chain(audio, sample_rate_hz, [s.move for s in whole])
    regions: dict[tuple[float, float], list[Move]] = {}
    for s in chosen:
        if s.region_s is not None:
            regions.setdefault(s.region_s, []).append(s.move)
    for region, moves in regions.items():
        y = render_region(y, sample_rate_hz, moves, region)
    level = next((s for s in chosen if s.id == "loudness"), None)
    if level is not None:
        y = _closed_loop_loudness(y, sample_rate_hz, level.move, destination, warnings)
    peak = float(np.abs(y).max()) if y.size else 0.0
    if peak > 1.0:
        warnings.append(f"the result peaks at {20 * math.log10(peak):+.1f} dBFS: accept a limiter (--target) "
                        "or lower the gain before a fixed-point export")  # fmt: skip
    return y, warnings


def _closed_loop_loudness(y: np.ndarray, rate: float, move: Move, destination: Destination | None,
                          warnings: list[str]) -> np.ndarray:  # fmt: skip
    now = analyze(y, rate).loudness.integrated_lufs
    if now is None:
        warnings.append("no loudness left to adjust after the other moves")
        return y
    if destination is None:
        goal_lufs, ceiling = now + move.params["gain_db"], -1.0
    else:
        goal_lufs, ceiling = destination.lufs, destination.ceiling_dbtp
    if move.kind == "limiter":
        ceiling = move.params["ceiling_dbtp"]
    drive = goal_lufs - now
    out = y
    for _ in range(4):
        if move.kind == "limiter" or true_peak_dbtp(y) + drive > ceiling:
            m = Move("limiter", {"ceiling_dbtp": ceiling, "gain_db": float(np.clip(drive, -24, 24)),
                                 "release_ms": move.params.get("release_ms", 100.0)})  # fmt: skip
        else:
            m = Move("gain", {"gain_db": float(np.clip(drive, -60, 24))})
        out = render_move(y, rate, m)
        got = analyze(out, rate).loudness.integrated_lufs
        if got is None or abs(got - goal_lufs) <= LOUDNESS_TOLERANCE_LU:
            break
        drive += goal_lufs - got
    return out


def write_audio(path: str | os.PathLike[str], audio: np.ndarray, sample_rate_hz: float) -> None:
    """Write ``audio`` (24-bit for WAV/FLAC/AIFF), atomically: a full disk loses nothing."""
    from pedalboard.io import AudioFile

    p = Path(path)
    ext = p.suffix.lower()
    kwargs = {"bit_depth": 24} if ext in WRITE_SUFFIXES else {}
    tmp = p.with_name(f".{p.name}.partial{ext}")
    try:
        with AudioFile(str(tmp), "w", sample_rate_hz, audio.shape[0], **kwargs) as f:
            f.write(np.ascontiguousarray(audio, dtype=np.float32))
        os.replace(tmp, p)
    except (OSError, ValueError, RuntimeError) as exc:
        tmp.unlink(missing_ok=True)
        raise ApplyError(f"could not write {p}: {exc}") from exc


def run_apply(
    path: str | os.PathLike[str], out_path: str | os.PathLike[str], context: Context, *, accept: str = "all",
    taste: Mapping[str, Any] | None = None, album_lufs: float | None = None, extra: Sequence[Suggestion] = (),
    strict: bool = True, tweaks: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[Advice, ApplyReport]:  # fmt: skip
    """The whole ``apply``: read, measure, advise in ``context`` (:func:`bridge.advise.advise`,
    with ``taste``), render the accepted moves, write, read back, measure again, compare.

    Parameters
    ----------
    context : Context
        Role, genre, destination, reference and intent words.
    accept : str
        ``all``, ``none`` or ``id,id,…`` (:func:`select`).
    taste : mapping, optional
        The engineer's taste summary: confidences nudged as in ``suggest``.
    album_lufs : float, optional
        The album's loudness (LUFS): the loudness move then changes this track by the album's
        gain, keeping track-to-track levels (:func:`bridge.advise.album_context`).
    extra : sequence of Suggestion
        Suggestions found elsewhere (cross-track moves between several files), added to the
        advice before accepting.
    strict : bool
        False with several files: ids this file does not have are skipped.
    tweaks : mapping of id to parameters, optional
        Suggestions rendered with these parameters changed (a tweak accepts the suggestion
        too); :func:`tweaked` checks them.
    """
    if Path(out_path).resolve() == Path(path).resolve():
        raise ApplyError(f"-o {out_path} is the input file: write the result somewhere else")
    audio, rate = read_audio(path)
    before = analyze(audio, rate)
    ctx = album_context(context, album_lufs=album_lufs, track_lufs=before.loudness.integrated_lufs)
    advice = advise(before, ctx, taste=taste)
    if extra:
        advice = replace(advice, suggestions=advice.suggestions + tuple(extra))
    chosen = tweaked(advice, select(advice, accept, strict=strict), tweaks or {}, strict=strict)
    aimed = preferred_destination(ctx, taste)[0]  # where this engineer finishes for the destination
    rendered, warnings = apply_suggestions(audio, rate, before, chosen, destination=aimed.destination)
    write_audio(out_path, rendered, rate)
    written, _ = read_audio(out_path)
    after = analyze(written, rate)
    # each EQ move's own effect: the move rendered alone on the input (EQ is linear, so its
    # effect in the chain is the same; a later gain or limiter then does not count as its)
    alone = {s.id: analyze(render_move(audio, rate, s.move), rate) for s in chosen
             if s.move.kind in EQ_KINDS and s.region_s is None and any(k.startswith("band_") for k in s.predicted)}  # fmt: skip
    checks = checks_for(chosen, before, after, alone)
    final = []
    for c in checks:
        if c.figure == "section_lufs":
            s = next(s for s in chosen if s.id == c.suggestion_id)
            a, b = (int(t * rate) for t in s.region_s)
            c = Check(c.suggestion_id, c.figure, analyze(audio[:, a:b], rate).loudness.integrated_lufs,
                      c.predicted, analyze(written[:, a:b], rate).loudness.integrated_lufs)  # fmt: skip
        final.append(c)
    for c in final:
        if c.missed:
            warnings.append(f"[{c.suggestion_id}] {c.figure}: its own effect {c.measured:+.2f} dB misses the "
                            f"prediction {c.predicted:+.2f} dB by more than {BAND_TOLERANCE_DB:g} dB")  # fmt: skip
    report = ApplyReport(output=str(out_path), accepted=tuple(s.id for s in chosen), checks=tuple(final),
                         after=after, warnings=tuple(warnings), before=before)  # fmt: skip
    return advice, report
