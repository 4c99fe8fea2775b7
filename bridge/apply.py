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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analyzers import Analysis, Analyzer, analyze
from analyzers.context import Context, Destination
from analyzers.convert import amplitude_to_db
from analyzers.loudness_meter import LoudnessPeakMeter, integrated_lufs
from analyzers.moves import Move
from analyzers.suggest import Advice, Suggestion
from analyzers.suggest.predict import repredict
from analyzers.suggest.taste import preferred_destination

from .advise import advise, album_context
from .audio_io import AudioInfo, iter_blocks, open_audio_output, read_audio, write_audio
from .checks import Check, checks_for, misses
from .errors import BridgeError
from .files import check_output
from .measure import analyze_file
from .render import (
    LIMIT_TRIM_UNDER_DB,
    BlockRenderer,
    order_moves,
    render_chain,
    render_move,
    render_region,
    silenced_note,
    true_peak_dbtp,
)

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
            analysis: Analysis, strict: bool = True) -> list[Suggestion]:  # fmt: skip
    """``chosen`` with the tweaked suggestions' moves changed (and added when not chosen yet),
    their predicted figures recomputed for the new parameters on the input's ``analysis``
    (:func:`analyzers.suggest.predict.repredict`; a figure with no model is dropped and the
    why says so). The loudness move keeps its figures: its closed loop aims at its goal.

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
        if new.id != "loudness":
            new, dropped = repredict(new, analysis)
            if dropped:
                new = replace(new, why=f"{new.why} (tweaked: no prediction of {', '.join(dropped)} "
                                       "for the new parameters)")  # fmt: skip
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
    move closed-loop; without one, the loudness move's own gain is the goal. NaN/Inf samples
    (``before`` counts them) are rendered as silence (:func:`bridge.render.finite`), and a
    warning says so.
    """
    warnings = _silenced(before)
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
        y, _ = _closed_loop_loudness(y, sample_rate_hz, level.move, destination, warnings)
    peak = float(np.abs(y).max()) if y.size else 0.0
    if peak > 1.0:
        warnings.append(f"the result peaks at {20 * math.log10(peak):+.1f} dBFS: accept a limiter (--target) "
                        "or lower the gain before a fixed-point export")  # fmt: skip
    return y, warnings


def _silenced(before: Analysis) -> list[str]:
    """The warning that the input's NaN/Inf samples were rendered as silence (none without)."""
    n = before.hygiene.nonfinite_samples
    return [silenced_note(n)] if n else []


def settled_loudness_move(audio: np.ndarray, sample_rate_hz: float, chosen: Sequence[Suggestion], *,
                          destination: Destination | None = None) -> Move | None:  # fmt: skip
    """The loudness move (id ``loudness``) of ``chosen`` as :func:`apply_suggestions` settles
    it: its gain measured after the other whole-file moves, over the whole file, so that an
    A/B of a region hears the drive the render will have (a compressor before the limiter
    takes some of the loudness back). None when ``chosen`` has no loudness move."""
    level = next((s for s in chosen if s.id == "loudness" and s.region_s is None), None)
    if level is None:
        return None
    others = [s.move for s in chosen if s.region_s is None and s.id != "loudness"]
    y = render_chain(audio, sample_rate_hz, others)
    _, move = _closed_loop_loudness(y, sample_rate_hz, level.move, destination, [])
    return move


def _loudness_goal(now_lufs: float, move: Move, destination: Destination | None) -> tuple[float, float]:
    """The loudness the loudness move aims at and the true-peak ceiling it keeps (LUFS, dBTP):
    the destination's, else the move's own gain from ``now_lufs`` under −1 dBTP; a limiter
    move's own ceiling wins."""
    if destination is None:
        goal_lufs, ceiling = now_lufs + move.params["gain_db"], -1.0
    else:
        goal_lufs, ceiling = destination.lufs, destination.ceiling_dbtp
    if move.kind == "limiter":
        ceiling = move.params["ceiling_dbtp"]
    return goal_lufs, ceiling


def _drive_move(move: Move, drive_db: float, ceiling_dbtp: float, tp_dbtp: float) -> Move:
    """The move that applies ``drive_db``: a limiter at the ceiling when the move is one or the
    peaks (``tp_dbtp`` before it) would pass the ceiling, else a plain gain."""
    if move.kind == "limiter" or tp_dbtp + drive_db > ceiling_dbtp:
        return Move("limiter", {"ceiling_dbtp": ceiling_dbtp, "gain_db": float(np.clip(drive_db, -24, 24)),
                                "release_ms": move.params.get("release_ms", 100.0)})  # fmt: skip
    return Move("gain", {"gain_db": float(np.clip(drive_db, -60, 24))})


def _closed_loop_loudness(y: np.ndarray, rate: float, move: Move, destination: Destination | None,
                          warnings: list[str]) -> tuple[np.ndarray, Move]:  # fmt: skip
    """``y`` brought to the goal loudness, and the move that did it."""
    now = integrated_lufs(y, rate)
    if now is None:
        warnings.append("no loudness left to adjust after the other moves")
        return y, move
    goal_lufs, ceiling = _loudness_goal(now, move, destination)
    drive = goal_lufs - now
    out, m = y, move
    tp_dbtp = true_peak_dbtp(y)
    for _ in range(4):
        m = _drive_move(move, drive, ceiling, tp_dbtp)
        out = render_move(y, rate, m)
        got = integrated_lufs(out, rate)
        if got is None or abs(got - goal_lufs) <= LOUDNESS_TOLERANCE_LU:
            break
        drive += goal_lufs - got
    return out, m


def run_apply(
    path: str | os.PathLike[str], out_path: str | os.PathLike[str], context: Context, *, accept: str = "all",
    taste: Mapping[str, Any] | None = None, album_lufs: float | None = None, extra: Sequence[Suggestion] = (),
    strict: bool = True, tweaks: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[Advice, ApplyReport]:  # fmt: skip
    """The whole ``apply``: read, measure, advise in ``context`` (:func:`bridge.advise.advise`,
    with ``taste``), render the accepted moves, write, read back, measure again, compare.

    Memory: the file is measured block by block; when every accepted move can be rendered
    block by block (:data:`bridge.render.STREAMABLE_KINDS`: EQ, filters, compressor, gain,
    polarity, delay, width, one limiter at the chain's end, and the loudness move, gain or
    limiter) and none is a section move, the render streams too, in passes
    (:func:`_apply_streamed`: the closed loop of the loudness move measures each drive it
    tries over the whole file), and so does each move's own-effect check (a pass through
    the move alone), so memory does not grow with the file. Otherwise (an expander, a
    repair move, a section) the audio is rendered whole in memory.

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
    check_output(out_path, path, try_write=True)
    info, before = analyze_file(path)
    ctx = album_context(context, album_lufs=album_lufs, track_lufs=before.loudness.integrated_lufs)
    advice = advise(before, ctx, taste=taste)
    if extra:
        advice = replace(advice, suggestions=advice.suggestions + tuple(extra))
    chosen = tweaked(advice, select(advice, accept, strict=strict), tweaks or {}, analysis=before, strict=strict)
    aimed = preferred_destination(ctx, taste)[0]  # where this engineer finishes for the destination
    # each move's own effect is measured on the input rendered with it alone (render with and
    # without it: a later gain or limiter then does not count as its); the loudness move is
    # the last stage, measured on the whole result, and a section move on its section
    own = [s for s in chosen if s.id != "loudness" and s.region_s is None and s.predicted]
    warnings = _apply_streamed(info, chosen, aimed.destination, out_path)
    if warnings is not None:
        _, after = analyze_file(out_path)
        alone = {s.id: _analysis_through(info, [s.move]) for s in own}
        checks = checks_for(chosen, before, after, alone)
        report = ApplyReport(output=str(out_path), accepted=tuple(s.id for s in chosen), checks=tuple(checks),
                             after=after, warnings=tuple(info.warnings) + tuple(_silenced(before)) + tuple(warnings)
                             + _missed(checks),
                             before=before)  # fmt: skip
        return advice, report
    audio, rate = read_audio(path)
    rendered, warnings = apply_suggestions(audio, rate, before, chosen, destination=aimed.destination)
    write_audio(out_path, rendered, rate)
    written, _ = read_audio(out_path)
    after = analyze(written, rate)
    alone = {s.id: analyze(render_move(audio, rate, s.move), rate) for s in own}
    checks = checks_for(chosen, before, after, alone)
    final = []
    for c in checks:
        if c.figure == "section_lufs":
            s = next(s for s in chosen if s.id == c.suggestion_id)
            a, b = (int(t * rate) for t in s.region_s)
            m = integrated_lufs(written[:, a:b], rate)
            c = Check(c.suggestion_id, c.figure, integrated_lufs(audio[:, a:b], rate), c.predicted, m,
                      missed=misses(c.figure, c.predicted, m))  # fmt: skip
        final.append(c)
    warnings += _missed(final)
    report = ApplyReport(output=str(out_path), accepted=tuple(s.id for s in chosen), checks=tuple(final),
                         after=after, warnings=tuple(warnings), before=before)  # fmt: skip
    return advice, report


def _missed(checks: Sequence[Check]) -> tuple[str, ...]:
    """A warning for each figure whose measurement misses its prediction by more than its
    tolerance (:func:`bridge.checks.tolerance_for`)."""
    out = []
    for c in checks:
        if not c.missed:
            continue
        d = c.to_dict()
        unit = f" {d['unit']}" if d["unit"] else ""
        whose = "its own effect" if c.own else "the result"
        out.append(f"[{c.suggestion_id}] {c.figure}: {whose} {d['measured']} misses the prediction "
                   f"{d['predicted']} by more than {d['tolerance']:g}{unit}")  # fmt: skip
    return tuple(out)


def _analysis_through(info: AudioInfo, moves: Sequence[Move]) -> Analysis:
    """The file rendered through ``moves`` block by block and measured (nothing written)."""
    analyzer = Analyzer(info.sample_rate_hz, info.num_channels)
    for block in _rendered_blocks(info, moves):
        analyzer.push(block)
    return analyzer.finish()


def _rendered_blocks(info: AudioInfo, moves: Sequence[Move]) -> Iterator[np.ndarray]:
    """The file read block by block and rendered through ``moves``, then their tails."""
    renderer = BlockRenderer(moves, info.sample_rate_hz, info.num_channels)
    for block in iter_blocks(info):
        yield renderer.process(block)
    yield renderer.finish()


def _apply_streamed(info: AudioInfo, chosen: Sequence[Suggestion], destination: Destination | None,
                    out_path: str | os.PathLike[str]) -> list[str] | None:  # fmt: skip
    """Render ``chosen`` block by block into ``out_path``; the warnings, or None when a move
    needs the whole audio (the caller then renders in memory) and nothing was written.

    What :func:`apply_suggestions` does in memory, in passes over the file: a limiter's
    final trim (:func:`bridge.render.limit`) from a pass that measures its result's true
    peak; the loudness move's closed loop (:func:`_closed_loop_loudness`) from passes that
    measure the chain's loudness and true peak, then each drive tried
    (:class:`analyzers.loudness_meter.LoudnessPeakMeter`, the Analyzer's figures, rounded as
    ``analyze`` rounds them); then one pass that writes.
    """
    if any(s.region_s is not None for s in chosen):
        return None
    whole = order_moves([s.move for s in chosen if s.id != "loudness"])
    level = next((s for s in chosen if s.id == "loudness"), None)
    limiters = [i for i, m in enumerate(whole) if m.kind == "limiter"]
    if not BlockRenderer.streamable(whole) or len(limiters) > 1 or (limiters and limiters[0] != len(whole) - 1):
        return None
    if level is not None and not BlockRenderer.streamable([level.move]):
        return None
    rate = info.sample_rate_hz
    warnings: list[str] = []
    moves = list(whole)
    if level is not None or limiters:
        moves, lufs, tp_lin = _trimmed_pass(info, moves)
        if level is not None:
            now = None if lufs is None else round(lufs, 2)  # as analyze() reports it
            if now is None:
                warnings.append("no loudness left to adjust after the other moves")
            else:
                moves += _closed_loop_streamed(info, moves, now, amplitude_to_db(tp_lin), level.move, destination)
    with open_audio_output(out_path, rate, info.num_channels) as out:
        for block in _rendered_blocks(info, moves):
            out.write(block)
    if out.peak > 1.0:
        warnings.append(f"the result peaks at {20 * math.log10(out.peak):+.1f} dBFS: accept a limiter (--target) "
                        "or lower the gain before a fixed-point export")  # fmt: skip
    return warnings


def _measure_pass(info: AudioInfo, moves: Sequence[Move]) -> tuple[float | None, float]:
    """One pass over the file through ``moves``: (integrated LUFS or None, true peak linear)."""
    meter = LoudnessPeakMeter(info.sample_rate_hz, info.num_channels)
    for block in _rendered_blocks(info, moves):
        meter.push(block)
    return meter.finish()


def _trimmed_pass(info: AudioInfo, moves: list[Move]) -> tuple[list[Move], float | None, float]:
    """A measuring pass through ``moves``; when they end in a limiter whose result still
    reads over its ceiling, the trim :func:`bridge.render.limit` applies is added and the
    result measured again. (moves, integrated LUFS or None, true peak linear)."""
    lufs, tp_lin = _measure_pass(info, moves)
    if moves and moves[-1].kind == "limiter":
        ceiling = moves[-1].params["ceiling_dbtp"]
        tp = amplitude_to_db(tp_lin)
        if tp > ceiling:
            moves = [*moves, Move("gain", {"gain_db": ceiling - tp - LIMIT_TRIM_UNDER_DB})]
            lufs, tp_lin = _measure_pass(info, moves)
    return moves, lufs, tp_lin


def _closed_loop_streamed(info: AudioInfo, moves: Sequence[Move], now: float, tp_dbtp: float, move: Move,
                          destination: Destination | None) -> list[Move]:  # fmt: skip
    """:func:`_closed_loop_loudness` over passes: the moves (the loudness move, and a trim
    after a limiter) that bring the chain ``moves`` (measured at ``now`` LUFS, ``tp_dbtp``
    true peak) to the goal."""
    goal_lufs, ceiling = _loudness_goal(now, move, destination)
    drive = goal_lufs - now
    added: list[Move] = []
    for _ in range(4):
        m = _drive_move(move, drive, ceiling, tp_dbtp)
        tried, lufs, _ = _trimmed_pass(info, [*moves, m])
        added = tried[len(moves) :]
        got = None if lufs is None else round(lufs, 2)
        if got is None or abs(got - goal_lufs) <= LOUDNESS_TOLERANCE_LU:
            break
        drive += goal_lufs - got
    return added
