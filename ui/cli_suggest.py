"""``secondear suggest`` and ``secondear apply`` (plain text or JSON; no Qt)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

AUDIO_EXTENSIONS = {".wav", ".flac", ".aif", ".aiff", ".mp3", ".ogg"}


def _context_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", default="mix", help="mix, master, vocal, drums, kick, snare, bass, guitar, keys, synth, strings, other (default: mix)")
    p.add_argument("--genre", help="pop, rock, hip-hop, edm, jazz, classical, metal, r&b (a tonal and dynamics target)")
    p.add_argument("--target", help="spotify, apple-music, youtube, amazon, tidal, deezer, soundcloud, ebu-r128, atsc-a85, cd, or a number in LUFS")
    p.add_argument("--reference", metavar="REF", help="a track whose tonal balance and dynamics to match (never its loudness)")
    p.add_argument("--intent", default="", metavar="TEXT", help='the engineer words, e.g. "warmer but not muddy, more glue"')
    p.add_argument("--no-progress", action="store_true", help="never draw a progress bar on stderr")
    p.add_argument("--focus", metavar="FILE", help="with several files: the track to keep clear of masking (default: the first)")
    p.add_argument("--no-taste", action="store_true",
                   help="do not nudge confidences by your past decisions (the taste log, see README)")  # fmt: skip


def add_suggest_parser(sub) -> None:
    p = sub.add_parser("suggest", help="propose moves with measured reasons, and what to leave alone",
                       description="Propose EQ, dynamics, loudness and stereo moves, each with the measured "
                                   "reason, in the context given; figures inside their tolerance get a "
                                   "'leave alone' verdict.")  # fmt: skip
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files or folders")
    _context_args(p)
    p.add_argument("--json", action="store_true", help="print JSON (the contract in README.md)")


def add_apply_parser(sub) -> None:
    p = sub.add_parser("apply", help="render accepted suggestions with pedalboard and measure the result",
                       description="Render the accepted moves with pedalboard's built-in processors, write "
                                   "the result, and print each suggestion's prediction against the measurement.")  # fmt: skip
    p.add_argument("files", nargs="+", metavar="FILE", help="audio files or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (one input) or folder (several)")
    p.add_argument("--accept", default="all", metavar="all|ID,ID,…", help="which suggestions to render (default: all)")
    p.add_argument("--album", action="store_true", help="one loudness move for the whole album: track-to-track levels stay as they are")
    _context_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def expand(paths: list[str]) -> list[str]:
    """Files as given; folders replaced by the audio files in them (sorted)."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(str(f) for f in Path(p).iterdir() if f.suffix.lower() in AUDIO_EXTENSIONS and f.is_file())
            if not found:
                print(f"secondear: {p}: no audio files in this folder", file=sys.stderr)
            out += found
        else:
            out.append(p)
    return out


def taste_summary(args) -> dict | None:
    """The taste log's summary (None with ``--no-taste`` or an empty log); a log that
    cannot be read is reported and not used."""
    if getattr(args, "no_taste", False):
        return None
    from presets import PresetError, TasteLog

    try:
        summary = TasteLog().summary()
    except PresetError as exc:
        print(f"secondear: the taste log is not used: {exc}", file=sys.stderr)
        return None
    return summary if summary.get("decisions") else None


def advise(analysis, ctx, args):
    """The engine's advice, nudged by the taste summary in ``args.taste`` when there is one."""
    from analyzers.suggest import suggest

    advice = suggest(analysis, ctx)
    taste = getattr(args, "taste", None)
    if taste:
        from analyzers.suggest.taste import taste_adjusted

        advice = taste_adjusted(advice, taste, role=ctx.role.name)
    return advice


def _make_context(args, reference):
    from analyzers.context import make_context

    return make_context(role_name=args.role, genre_name=args.genre, target=args.target,
                        reference=reference, reference_name=args.reference, intent=args.intent)  # fmt: skip


def _check_context(args) -> int:
    """Resolve every name before any audio is read: a typo costs nothing."""
    from analyzers.errors import ParameterError
    from analyzers.suggest import parse_intent

    try:
        _make_context(args, None)
        if args.intent:
            parse_intent(args.intent)
    except ParameterError as exc:
        print(f"secondear: {exc}", file=sys.stderr)
        return 2
    return 0


def _reference(args):
    from bridge.errors import AudioReadError
    from bridge.measure import analyze_file

    if not args.reference:
        return None, 0
    try:
        return analyze_file(args.reference)[1], 0
    except AudioReadError as exc:
        print(f"secondear: reference: {exc}", file=sys.stderr)
        return None, 1


def _suggest_one(path: str, args_dict: dict, reference) -> dict[str, Any]:
    """Worker: measure one file and suggest (runs in a process of the pool)."""
    from analyzers.report import analysis_to_dict
    from bridge.errors import AudioReadError
    from bridge.measure import analyze_file

    args = argparse.Namespace(**args_dict)
    try:
        _, analysis = analyze_file(path)
    except AudioReadError as exc:
        return {"path": path, "error": str(exc)}
    ctx = _make_context(args, reference)
    advice = advise(analysis, ctx, args)
    return {
        "path": path,
        "analysis": analysis_to_dict(analysis, path=path),
        "context": ctx.describe(),
        "suggestions": [s.to_dict() for s in advice.suggestions],
        "leave_alone": [k.to_dict() for k in advice.leave_alone],
        "notes": list(advice.notes),
    }


def _map_files(fn, files: list[str], extra: tuple, show_progress: bool) -> list:
    """Run ``fn(file, *extra)`` over the files, in parallel on the cores, in order."""
    if len(files) == 1:
        return [fn(files[0], *extra)]
    results: list = [None] * len(files)
    workers = min(len(files), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(fn, f, *extra): i for i, f in enumerate(files)}
        from concurrent.futures import as_completed

        for done, fut in enumerate(as_completed(futures), 1):
            results[futures[fut]] = fut.result()
            if show_progress:
                bar = "#" * int(30 * done / len(files))
                sys.stderr.write(f"\r[{bar:<30}] {done}/{len(files)} files")
                sys.stderr.flush()
    if show_progress:
        sys.stderr.write("\r" + " " * 50 + "\r")
    return results


def _prepare(args, verb: str) -> tuple[Any, list[str]] | int:
    """Resolve the context, measure the reference, expand the files; or the exit status."""
    code = _check_context(args)
    if code:
        return code
    reference, code = _reference(args)
    if code:
        return code
    args.taste = taste_summary(args)
    files = expand(args.files)
    if not files:
        print(f"secondear: no audio files to {verb}", file=sys.stderr)
        return 1
    return reference, files


def _print_results(results: list[dict], args, render) -> int:
    """Print JSON or text, report errors on stderr; the exit status."""
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else results, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print("\n\n".join(render(r) for r in results))
    for r in results:
        if "error" in r:
            print(f"secondear: {r['error']}", file=sys.stderr)
    return 1 if any("error" in r for r in results) else 0


def run_suggest_command(args) -> int:
    prepared = _prepare(args, "suggest for")
    if isinstance(prepared, int):
        return prepared
    reference, files = prepared
    show = not args.no_progress and sys.stderr.isatty()
    results = _map_files(_suggest_one, files, (vars(args), reference), show)
    if len(files) > 1:
        from .cli_stems import cross_track

        cross_track(files, results, args)
    from .text_report import render_advice

    return _print_results(results, args, render_advice)


def _apply_one(path: str, out_path: str, args_dict: dict, reference, album_gain_lufs,
               extra: list[dict] | None = None) -> dict[str, Any]:  # fmt: skip
    from dataclasses import replace as _replace

    from analyzers.suggest import Suggestion
    from bridge.apply import ApplyError, run_apply
    from bridge.errors import AudioReadError, BridgeError

    args = argparse.Namespace(**args_dict)
    ctx = _make_context(args, reference)

    def advice_for(analysis):
        c = ctx
        if album_gain_lufs is not None and c.destination is not None and analysis.loudness.integrated_lufs is not None:
            # album mode: every track moves by the same gain, set from the album's loudness
            from dataclasses import replace

            shift = c.destination.lufs - album_gain_lufs
            c = replace(c, destination=replace(c.destination, lufs=analysis.loudness.integrated_lufs + shift))
        target = None if c.destination is None else (c.destination.lufs, c.destination.ceiling_dbtp)
        advice = advise(analysis, c, args)
        if extra:  # cross-track moves (polarity, delay, masking cuts) found across the files
            advice = _replace(advice, suggestions=advice.suggestions + tuple(Suggestion.from_dict(d) for d in extra))
        return advice, target

    try:
        advice, report = run_apply(path, out_path, advice_for, args.accept, strict=extra is None)
    except (AudioReadError, ApplyError, BridgeError) as exc:
        return {"path": path, "error": str(exc)}
    return {
        "path": path, "output": report.output, "accepted": list(report.accepted),
        "suggestions": [s.to_dict() for s in advice.suggestions],
        "checks": [c.to_dict() for c in report.checks],
        "after": {"integrated_lufs": report.after.loudness.integrated_lufs,
                  "true_peak_dbtp": report.after.levels.true_peak_dbtp,
                  "crest_db": report.after.levels.crest_db},
        "warnings": list(report.warnings),
    }  # fmt: skip


def run_apply_command(args) -> int:
    prepared = _prepare(args, "apply to")
    if isinstance(prepared, int):
        return prepared
    reference, files = prepared
    if len(files) > 1 or os.path.isdir(args.output):
        os.makedirs(args.output, exist_ok=True)
        outs = [os.path.join(args.output, Path(f).name) for f in files]
    else:
        outs = [args.output]
    album = None
    if args.album:
        if not args.target:
            print("secondear: --album needs --target (the album's loudness goes there as one)", file=sys.stderr)
            return 2
        album = _album_loudness(files)
    show = not args.no_progress and sys.stderr.isatty()
    results = []
    if len(files) == 1:
        results = [_apply_one(files[0], outs[0], vars(args), reference, album)]
    else:
        extras = _cross_track_extras(files, args, reference, show)
        with ProcessPoolExecutor(max_workers=min(len(files), os.cpu_count() or 1)) as pool:
            futs = [pool.submit(_apply_one, f, o, vars(args), reference, album, x)
                    for f, o, x in zip(files, outs, extras)]  # fmt: skip
            for i, fut in enumerate(futs, 1):
                results.append(fut.result())
                if show:
                    sys.stderr.write(f"\r[{'#' * int(30 * i / len(files)):<30}] {i}/{len(files)} files")
            if show:
                sys.stderr.write("\r" + " " * 50 + "\r")
    if len(files) > 1:
        _measure_alignment(results)
    if len(files) > 1 and args.accept.strip().lower() not in ("all", "*", "none", ""):
        wanted = {t.strip() for t in args.accept.split(",") if t.strip()}
        found = {i for r in results for i in r.get("accepted", [])}
        missing = sorted(wanted - found)
        if missing:
            known = "; ".join(f"{Path(r['path']).name}: {', '.join(s['id'] for s in r.get('suggestions', [])) or 'none'}"
                              for r in results if "error" not in r)  # fmt: skip
            results.append({"path": "(all files)", "error": f"no file has {', '.join(missing)}; the ids are — {known}"})
    from .text_report import render_apply

    return _print_results(results, args, render_apply)


def _measure_alignment(results: list[dict]) -> None:
    """Fill in the measured ``sum_gain_db`` of accepted polarity/delay moves: the level of
    the aligned tracks summed, after against before."""
    import numpy as np

    from bridge.audio_io import read_audio

    group = [r for r in results if "error" not in r
             and any(i.startswith(("polarity-", "delay-")) for i in r.get("accepted", []))]  # fmt: skip
    if len(group) < 2:
        return
    try:
        before = [read_audio(r["path"])[0].mean(axis=0) for r in group]
        after = [read_audio(r["output"])[0].mean(axis=0) for r in group]
    except Exception:  # noqa: BLE001 — a measurement, never worth failing the command for
        return
    n = min(len(x) for x in before + after)
    rms = lambda xs: float(np.sqrt(np.mean(np.sum([x[:n] for x in xs], axis=0) ** 2)))  # noqa: E731
    gain = 20 * np.log10(max(rms(after), 1e-12) / max(rms(before), 1e-12))
    for r in group:
        for c in r["checks"]:
            if c["figure"] == "sum_gain_db":
                c["measured"] = round(gain, 2)


def _cross_track_extras(files: list[str], args, reference, show: bool) -> list[list[dict]]:
    """The cross-track suggestions of each file, as ``suggest`` finds them with the same files."""
    from .cli_stems import cross_track

    results = _map_files(_suggest_one, files, (vars(args), reference), show)
    cross_track(files, results, args)
    return [[d for d in r.get("suggestions", []) if d.get("cross_track")] for r in results]


def _album_loudness(files: list[str]) -> float | None:
    """The album's integrated loudness: duration-weighted power mean of the tracks'."""
    import math

    from bridge.measure import analyze_file

    num = den = 0.0
    for f in files:
        try:
            info, a = analyze_file(f)
        except Exception:  # noqa: BLE001 — unreadable tracks are reported by their own job
            continue
        if a.loudness.integrated_lufs is not None:
            num += info.duration_s * 10 ** (a.loudness.integrated_lufs / 10)
            den += info.duration_s
    return 10 * math.log10(num / den) if den else None
