"""``secondear suggest`` and ``secondear apply``: advice in a context, and its render.

suggest FILE... [context flags] [--focus FILE] [--json]
    Measure each file, propose moves with their measured reasons and say what to leave
    alone (:func:`bridge.advise.advise_file`); with several files, the cross-track moves
    (``ui.cli.stems``).
apply FILE... -o OUT [--accept all|ID,ID,…] [context flags] [--album] [--json]
      [--save-preset NAME [--force]] [--save-chain CHAIN.json]
    Render the accepted moves (:func:`bridge.apply.run_apply`), write the result, and print
    each suggestion's prediction against the measurement; with one file, keep exactly the
    accepted moves with their provenance as a preset or chain file (:mod:`.keep`).

Several files are handled in parallel on the machine's cores (one process each), in order.
Exit status: 0 every file handled (warnings included), 1 a file could not be read or
written, 2 a usage error (an unknown role, genre, target or intent word included).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from analyzers.context import Context
from analyzers.errors import ParameterError
from analyzers.report import analysis_to_dict
from analyzers.moves import Move
from analyzers.suggest import Decision, Suggestion
from bridge.advise import advise_file, measure_album, resolve_context
from bridge.apply import ApplyError, run_apply
from bridge.errors import AudioReadError, BridgeError
from bridge.chain import ChainError
from bridge.checks import misses
from bridge.stems import measure_alignment
from presets import PresetError

from .context import (add_context_args, conflicting_decisions, context_request, expand, fail, files_progress,
                      log_decisions, parse_tweaks, print_results, show_progress, taste_summary)  # fmt: skip
from .session import run_session_apply, run_session_suggest
from .keep import keep_problem, kept_moves, kept_to_dict, save_kept
from .report import render_advice, render_apply
from .stems import add_cross_track


def add_suggest_parser(sub: Any) -> None:
    p = sub.add_parser("suggest", help="propose moves with measured reasons, and what to leave alone",
                       description="Propose EQ, dynamics, loudness, stereo and repair moves, each with the "
                                   "measured reason, in the context given; figures inside their tolerance "
                                   "get a 'leave it' verdict. With several files, also the moves between "
                                   "them (polarity, delay, masking).")  # fmt: skip
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files or folders")
    add_context_args(p)
    p.add_argument("--focus", metavar="FILE", help="with several files: the track to keep clear of masking (default: the first)")
    p.add_argument("--json", action="store_true", help="print JSON (the contract in README.md)")
    p.add_argument("--session", metavar="S.json",
                   help="a conversation kept in this file: the first call starts it, later ones continue it "
                        "(--intent 'a bit more', 'too dark now', 'undo that' …) against the moves accepted so far")  # fmt: skip


def add_apply_parser(sub: Any) -> None:
    p = sub.add_parser("apply", help="render accepted suggestions and measure the result",
                       description="Render the accepted moves with the built-in processors, write the "
                                   "result, and print each suggestion's prediction against the measurement.")  # fmt: skip
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (one input) or folder (several)")
    p.add_argument("--accept", metavar="all|ID,ID,…",
                   help="which suggestions to render (default: all; with --session: none new, the session's "
                        "moves so far); named here, they are kept in the taste log as accepted")  # fmt: skip
    p.add_argument("--tweak", action="append", default=[], metavar="ID:PARAM=VALUE[,PARAM=VALUE]",
                   help="render a suggestion with changed parameters (accepts it; kept in the taste log as tweaked); "
                        "repeat for several")  # fmt: skip
    p.add_argument("--reject", default="", metavar="ID,ID,…", help="suggestions you turn down (kept in the taste log)")
    p.add_argument("--session", metavar="S.json",
                   help="record these decisions in the conversation kept in this file and render its whole state")
    p.add_argument("--album", action="store_true", help="one loudness move for the whole album: track-to-track levels stay as they are")
    add_context_args(p)
    p.add_argument("--focus", metavar="FILE", help="with several files: the track to keep clear of masking (default: the first)")
    p.add_argument("--save-preset", metavar="NAME", help="keep exactly the accepted moves, with their provenance, "
                   "as a preset (one file; with --session: the session's moves)")  # fmt: skip
    p.add_argument("--save-chain", metavar="CHAIN.json", help="keep exactly the accepted moves, with their "
                   "provenance, as a chain file (one file, or the session's moves; 'render --chain', 'ab --chain' "
                   "read it)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="with --save-preset: replace a user preset of that name")
    p.add_argument("--json", action="store_true", help="print JSON")


# --- the work done per file (in a process of the pool: plain arguments, records back) ----


def suggest_one(path: str, context: Context, taste: Mapping[str, Any] | None) -> dict[str, Any]:
    """Measure one file and advise: the JSON-ready answer (or ``{path, error}``)."""
    try:
        found = advise_file(path, context, taste=taste)
    except AudioReadError as exc:
        return {"path": path, "error": str(exc)}
    return {
        "path": path,
        "analysis": analysis_to_dict(found.analysis, path=path),
        "context": context.describe(),
        "suggestions": [s.to_dict() for s in found.advice.suggestions],
        "leave_alone": [k.to_dict() for k in found.advice.leave_alone],
        "notes": list(found.advice.notes),
        "questions": [q.to_dict() for q in found.advice.questions],
    }


def apply_one(path: str, out_path: str, context: Context, taste: Mapping[str, Any] | None, accept: str,
              album_lufs: float | None, extra: Sequence[Suggestion], strict: bool,
              tweaks: Mapping[str, Mapping[str, float]] | None = None, reject: str = "",
              log: bool = False) -> dict[str, Any]:  # fmt: skip
    """Render one file's accepted moves and measure: the JSON-ready answer (or ``{path, error}``);
    with ``log``, the decisions for the taste log under ``decisions``."""
    try:
        advice, report = run_apply(path, out_path, context, accept=accept, taste=taste, album_lufs=album_lufs,
                                   extra=extra, strict=strict, tweaks=tweaks)  # fmt: skip
    except (AudioReadError, ApplyError, BridgeError, ParameterError) as exc:
        return {"path": path, "error": str(exc)}
    decisions = []
    if log:
        for sid in report.accepted:
            s = advice.by_id(sid)
            if tweaks and sid in tweaks:
                final = {**s.move.params, **tweaks[sid]}
                decisions.append(Decision.of(s, "tweaked" if final != dict(s.move.params) else "accepted",
                                             final=final if final != dict(s.move.params) else None, context=context))  # fmt: skip
            else:
                decisions.append(Decision.of(s, "accepted", context=context))
        for sid in (t.strip() for t in reject.split(",") if t.strip()):
            if sid in report.accepted:
                continue
            try:
                decisions.append(Decision.of(advice.by_id(sid), "rejected", context=context))
            except KeyError:
                if strict:
                    return {"path": path, "error": f"--reject: no suggestion {sid!r}"}
    return {"decisions": [d.to_dict() for d in decisions],
        "path": path, "output": report.output, "accepted": list(report.accepted),
        "suggestions": [s.to_dict() for s in advice.suggestions],
        "checks": [c.to_dict() for c in report.checks],
        "before": {"integrated_lufs": report.before.loudness.integrated_lufs,
                   "true_peak_dbtp": report.before.levels.true_peak_dbtp,
                   "lra_lu": report.before.loudness.lra_lu, "crest_db": report.before.levels.crest_db},
        "after": {"integrated_lufs": report.after.loudness.integrated_lufs,
                  "true_peak_dbtp": report.after.levels.true_peak_dbtp,
                  "crest_db": report.after.levels.crest_db},
        "warnings": list(report.warnings),
    }  # fmt: skip


def map_files(fn: Callable[..., dict[str, Any]], jobs: Sequence[tuple[Any, ...]], *, progress: bool) -> list[dict[str, Any]]:
    """``fn(*job)`` for each job, in parallel on the cores (one process each), in order."""
    if len(jobs) == 1:
        return [fn(*jobs[0])]
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool, \
            files_progress(len(jobs), enabled=progress) as bar:  # fmt: skip
        for fut in [pool.submit(fn, *job) for job in jobs]:
            results.append(fut.result())
            bar.update(1)
    return results


# --- the commands ------------------------------------------------------------------------


def _prepare(args: argparse.Namespace, verb: str) -> tuple[Context, list[str]] | int:
    """Resolve the context (names first, then the reference), expand the files; or the exit status."""
    request = context_request(args)
    try:
        request.check()  # a typo costs nothing: reported before any audio is read
    except ParameterError as exc:
        return fail(str(exc), 2)
    try:
        context = resolve_context(request)
    except AudioReadError as exc:
        return fail(str(exc), 1)
    files = expand(args.files)
    if not files:
        return fail(f"no audio files to {verb}", 1)
    return context, files


def run_suggest_command(args: argparse.Namespace) -> int:
    if args.session:
        return run_session_suggest(args)
    prepared = _prepare(args, "suggest for")
    if isinstance(prepared, int):
        return prepared
    context, files = prepared
    taste = taste_summary(args)
    results = map_files(suggest_one, [(f, context, taste) for f in files], progress=show_progress(args))
    if len(files) > 1:
        add_cross_track(files, results, focus=args.focus)
    return print_results(results, as_json=args.json, render=render_advice)


def run_apply_command(args: argparse.Namespace) -> int:
    if args.session:
        return run_session_apply(args)
    try:
        tweaks = parse_tweaks(args.tweak)
    except ValueError as exc:
        return fail(str(exc), 2)
    conflict = conflicting_decisions(args.accept, tweaks, args.reject)
    if conflict:
        return fail(conflict, 2)
    log = args.accept is not None or bool(tweaks) or bool(args.reject.strip())
    accept = args.accept if args.accept is not None else ("none" if tweaks else "all")
    prepared = _prepare(args, "apply to")
    if isinstance(prepared, int):
        return prepared
    context, files = prepared
    if args.album and context.destination is None:
        return fail("--album needs --target (the album's loudness goes there as one)", 2)
    keeping = bool(args.save_preset or args.save_chain)
    if keeping and len(files) > 1:
        return fail("--save-preset and --save-chain keep one file's accepted moves: give one file", 2)
    problem = keep_problem(args.save_preset, args.save_chain, force=args.force, own_paths=[files[0], args.output])
    if problem:
        return fail(*problem)
    taste = taste_summary(args)
    progress = show_progress(args)
    if len(files) > 1 or os.path.isdir(args.output):
        os.makedirs(args.output, exist_ok=True)
        outs = [os.path.join(args.output, Path(f).name) for f in files]
    else:
        outs = [args.output]
    album_lufs = measure_album(files) if args.album else None
    extras: list[tuple[Suggestion, ...]] = [()] * len(files)
    # the cross-track moves, as suggest finds them with the same files; an album's songs never
    # play together, so between them there is no masking, polarity or delay to answer
    if len(files) > 1 and not args.album:
        found = map_files(suggest_one, [(f, context, taste) for f in files], progress=progress)
        add_cross_track(files, found, focus=args.focus)
        extras = [tuple(Suggestion.from_dict(d) for d in r.get("suggestions", []) if d.get("cross_track"))
                  for r in found]  # fmt: skip
    strict = len(files) == 1
    jobs = [(f, o, context, taste, accept, album_lufs, x, strict, tweaks, args.reject, log)
            for f, o, x in zip(files, outs, extras)]  # fmt: skip
    results = map_files(apply_one, jobs, progress=progress)
    log_decisions([Decision.from_dict(d) for r in results for d in r.pop("decisions", [])])
    not_kept = None  # the render stands and is reported even if keeping its moves then fails
    if keeping and "error" not in results[0]:
        r = results[0]
        accepted = [Suggestion.from_dict(d) for d in r["suggestions"] if d["id"] in r["accepted"]]
        accepted = [replace(x, move=Move(x.move.kind, {**x.move.params, **tweaks[x.id]})) if x.id in tweaks else x
                    for x in accepted]  # a --tweak keeps its values  # fmt: skip
        kept = kept_moves(r["path"], r["before"], context, accepted)
        try:
            lines = save_kept(kept, preset=args.save_preset, chain_path=args.save_chain, overwrite=args.force)
        except (PresetError, ChainError) as exc:
            not_kept = str(exc)
        else:
            r["kept"] = {**kept_to_dict(kept), "preset": args.save_preset, "chain_file": args.save_chain,
                         "said": lines}  # fmt: skip
    if len(files) > 1:
        _fill_alignment(results)
        missing = _ids_found_nowhere(accept, results)
        if missing:
            results.append(missing)
    status = print_results(results, as_json=args.json, render=render_apply)
    return status if not_kept is None else fail(not_kept, 1)


def _fill_alignment(results: list[dict[str, Any]]) -> None:
    """The measured ``sum_gain_db`` of accepted polarity/delay moves: the level of the aligned
    tracks summed, after against before (:func:`bridge.stems.measure_alignment`)."""
    group = [r for r in results if "error" not in r
             and any(i.startswith(("polarity-", "delay-")) for i in r.get("accepted", []))]  # fmt: skip
    gain_db = measure_alignment([(r["path"], r["output"]) for r in group]) if len(group) >= 2 else None
    if gain_db is None:
        return
    for r in group:
        for c in r["checks"]:
            if c["figure"] == "sum_gain_db":
                c["measured"] = round(gain_db, 2)
                c["missed"] = misses(c["figure"], c["predicted"], gain_db)


def _ids_found_nowhere(accept: str, results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """With several files, an id to accept that no file has is an error naming every file's ids."""
    if accept.strip().lower() in ("all", "*", "none", ""):
        return None
    wanted = {t.strip() for t in accept.split(",") if t.strip()}
    found = {i for r in results for i in r.get("accepted", [])}
    missing = sorted(wanted - found)
    if not missing:
        return None
    known = "; ".join(f"{Path(r['path']).name}: {', '.join(s['id'] for s in r.get('suggestions', [])) or 'none'}"
                      for r in results if "error" not in r)  # fmt: skip
    return {"path": "(all files)", "error": f"no file has {', '.join(missing)}; the ids are — {known}"}
