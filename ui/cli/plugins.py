"""``secondear plugins scan|list|show``: find VST3/AU plugins and say what they are.

scan [FOLDER…] [--json] [--rescan] [--retry-failed] [--timeout S] [--jobs N]
    Load each new or changed bundle in its own child process and record what it is in the
    plugin index. Without FOLDER: the standard folders, the ``scripts/fetch-plugins``
    cache, ``$SECONDEAR_PLUGIN_PATH`` and the folders added before. With FOLDER: those
    only, and they are remembered.
list [--json]
    Every plugin in the index (and the bundles that failed, with why).
show NAME [--json]
    One plugin: identity, channel layout, latency, every parameter with range, step,
    default and units. NAME ignores case, spaces and punctuation; a miss suggests names.
verify NAME [--json] [--timeout S]
    Measure how well the plugin's parameter map (``bridge/plugins/maps/``, else one
    inferred from its parameter names) realises test moves on the real plugin, in a child
    process: verified (≤ 0.5 dB), approximate (≤ 2 dB) or failed, with the error per move.

Exit status: 0 done (a plugin that fails to load is recorded, not an error; verify: the
measurement ran, whatever the verdict), 1 the index cannot be read or written, or verify
could not run (no map, the plugin crashed or timed out), 2 a usage error (a missing
folder, an unknown plugin name).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from analyzers.moves import Move
from bridge.plugins import (
    DEFAULT_TIMEOUT_S,
    PluginIndexError,
    default_index_path,
    find_plugins,
    load_index,
    not_found_message,
    scan_plugins,
)
from bridge.plugins.mapping import MappingError, map_for
from bridge.plugins.verdicts import map_and_verdict, read_verdicts, record_verdict, verdict_label
from bridge.plugins.verify import DEFAULT_VERIFY_TIMEOUT_S, verify_map

from .context import show_progress


def add_plugins_parser(sub: Any) -> None:
    p = sub.add_parser("plugins", help="find VST3/AU plugins, list them, show their parameters",
                       description="Find VST3 (and, on macOS, Audio Unit) plugins, load each one safely "
                                   "in its own process, and keep what it is in the plugin index.")  # fmt: skip
    actions = p.add_subparsers(dest="plugins_command", metavar="ACTION", required=True)
    scan = actions.add_parser("scan", help="scan plugin folders and update the index",
                              description="Load each new or changed plugin bundle in its own short-lived "
                                          "process and record its name, vendor, channels, latency and "
                                          "parameters in the plugin index.")  # fmt: skip
    scan.add_argument("folders", nargs="*", metavar="FOLDER",
                      help="folders (or bundles) to scan and remember; default: every known folder")  # fmt: skip
    scan.add_argument("--json", action="store_true", help="print JSON")
    scan.add_argument("--rescan", action="store_true", help="load every bundle again, changed or not")
    scan.add_argument("--retry-failed", action="store_true", help="load the bundles that failed last time again")
    scan.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                      help="seconds one bundle may take to load before it is killed (default: 120)")  # fmt: skip
    scan.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="bundles loaded at once (default: CPU count, 2–8)"
    )
    scan.add_argument("--no-progress", action="store_true", help="never draw a progress line on stderr")
    lst = actions.add_parser("list", help="list the plugins in the index", description="List the plugins in the index.")
    lst.add_argument("--json", action="store_true", help="print JSON")
    show = actions.add_parser("show", help="show one plugin's channels, latency and parameters",
                              description="Show one plugin: identity, channel layout, latency and every "
                                          "parameter with its range, step, default and units.")  # fmt: skip
    show.add_argument("name", metavar="NAME", help="plugin name (case, spaces and punctuation ignored)")
    show.add_argument("--json", action="store_true", help="print JSON")
    verify = actions.add_parser("verify", help="measure how well a plugin's parameter map realises moves",
                                description="Load the plugin in a child process, set its parameters from its "
                                            "parameter map for a few test moves, render test signals and "
                                            "compare the measured response with what the moves intend.")  # fmt: skip
    verify.add_argument("name", metavar="NAME", help="plugin name (case, spaces and punctuation ignored)")
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="seconds the plugin may take before it is killed (default: 120)")  # fmt: skip


def run_plugins_command(args: argparse.Namespace) -> int:
    try:
        if args.plugins_command == "scan":
            return _scan(args)
        if args.plugins_command == "list":
            return _list(args)
        if args.plugins_command == "verify":
            return _verify(args)
        return _show(args)
    except PluginIndexError as exc:
        print(f"secondear: {exc}", file=sys.stderr)
        return 1


# --- scan ----------------------------------------------------------------------------------


def _scan(args: argparse.Namespace) -> int:
    missing = [f for f in args.folders if not os.path.exists(f)]
    if missing:
        for f in missing:
            print(f"secondear: no such folder: {f}", file=sys.stderr)
        return 2
    if args.timeout is not None and args.timeout <= 0 or args.jobs is not None and args.jobs < 1:
        print("secondear: --timeout must be more than 0 seconds and --jobs at least 1", file=sys.stderr)
        return 2
    with scan_progress(enabled=show_progress(args)) as progress:
        report = scan_plugins(
            args.folders or None, rescan=args.rescan, retry_failed=args.retry_failed,
            timeout_s=args.timeout or DEFAULT_TIMEOUT_S, jobs=args.jobs, progress=progress,
        )  # fmt: skip
    if not report.entries:
        where = ", ".join(args.folders) if args.folders else "the plugin folders"
        print(f"secondear: no plugin bundles (.vst3, .component) in {where}", file=sys.stderr)
    if args.json:
        payload = {
            "index": str(report.index_path), "folders": list(report.folders),
            "duration_s": round(report.duration_s, 3), "scanned": list(report.scanned),
            "reused": list(report.reused), "removed": list(report.removed),
            "plugins": [_summary(p) for p in report.plugins], "failed": [_failure(e) for e in report.failed],
        }  # fmt: skip
        _print_json(payload)
        return 0
    print(f"Scanned {len(report.entries)} bundle(s) in {report.duration_s:.1f} s: {len(report.scanned)} loaded, "
          f"{len(report.reused)} unchanged since the last scan"
          + (f", {len(report.removed)} gone from the index" if report.removed else "")
          + f". Index: {report.index_path}")  # fmt: skip
    if report.plugins:
        print()
        print(_table(report.plugins))
    _print_failed(report.failed)
    return 0


@contextmanager
def scan_progress(*, enabled: bool) -> Iterator[Callable[[int, int, Sequence[str]], None] | None]:
    """A ``progress(done, total, running)`` callback for :func:`bridge.plugins.scan.scan_plugins`
    drawing one bar on stderr (bundles done, the ones in flight after it); None when disabled."""
    if not enabled:
        yield None
        return
    bar: tqdm | None = None

    def progress(done: int, total: int, running: Sequence[str]) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="scanning plugins", unit="bundle", leave=False, file=sys.stderr)
        bar.set_postfix_str(", ".join(running)[:40])
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()


# --- list ----------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    path = default_index_path()
    index = load_index(path)
    if args.json:

        verdicts = read_verdicts()
        _print_json({"index": str(path), "plugins": [_summary(p, verdicts) for p in index.plugins],
                     "failed": [_failure(e) for e in index.failed]})  # fmt: skip
        return 0
    if not index.bundles:
        print(f"The plugin index ({path}) is empty: run 'secondear plugins scan' "
              "(scripts/fetch-plugins fetches free VST3 plugins on Debian/Ubuntu).")  # fmt: skip
        return 0
    print(f"{len(index.plugins)} plugin(s) in {path}")
    if index.plugins:
        print()
        print(_table(index.plugins))
    _print_failed(index.failed)
    return 0


# --- show ----------------------------------------------------------------------------------


def _show(args: argparse.Namespace) -> int:
    path = default_index_path()
    index = load_index(path)
    hits, _ = find_plugins(index.plugins, args.name)
    if not hits:
        print(f"secondear: {not_found_message(index, args.name, path)}", file=sys.stderr)
        return 2
    if args.json:
        _print_json(hits[0].to_dict() if len(hits) == 1 else [p.to_dict() for p in hits])
        return 0
    print("\n\n".join(_describe(p) for p in hits))
    return 0


# --- verify --------------------------------------------------------------------------------


def _verify(args: argparse.Namespace) -> int:
    path = default_index_path()
    index = load_index(path)
    hits, _ = find_plugins(index.plugins, args.name)
    if not hits:
        print(f"secondear: {not_found_message(index, args.name, path)}", file=sys.stderr)
        return 2
    if args.timeout is not None and args.timeout <= 0:
        print("secondear: --timeout must be more than 0 seconds", file=sys.stderr)
        return 2
    plugin = hits[0]
    try:
        plugin_map = map_for(plugin)
    except MappingError as exc:
        print(f"secondear: {exc}", file=sys.stderr)
        return 1
    report = verify_map(plugin, plugin_map, timeout_s=args.timeout or DEFAULT_VERIFY_TIMEOUT_S)
    if report["ran"]:

        try:
            record_verdict(plugin, plugin_map, report)  # the panel and 'plugins list' show it
        except OSError as exc:
            print(f"secondear: the verdict could not be kept ({exc}); it is printed below", file=sys.stderr)
    if args.json:
        _print_json(report)
    else:
        err = "-" if report["error_db"] is None else f"{report['error_db']:.2f} dB"
        print(f"{plugin.name}: {report['status']} (worst error {err}; map {report['map']}, "
              f"declared {report['map_status']}; {report['channels']}, {report['sample_rate_hz'] / 1000:g} kHz)")  # fmt: skip
        for t in report["tested"]:
            label = Move.from_dict({"kind": t["kind"], "params": t["params"]}).describe()
            e = "-" if t["error_db"] is None else f"{t['error_db']:.2f} dB"
            extra = f" (true peak {t['true_peak_dbtp']:+.2f} dBTP)" if "true_peak_dbtp" in t else ""
            extra += f" (worst at {_num(t['worst_at_hz'], 5)} Hz)" if "worst_at_hz" in t else ""
            print(f"  {t['status']:<11} {e:>8}  {label}{extra}" + (f" — {t['reason']}" if t.get("reason") else ""))
        if report["reason"]:
            print(f"  {report['reason']}")
    return 0 if report["ran"] else 1


def _describe(p: Any) -> str:
    channels = {
        "stereo": "stereo (2 in, 2 out)",
        "mono": "mono (1 in, 1 out): run it dual-mono on stereo material",
    }.get(p.channels, f"unknown ({p.channel_note})")  # fmt: skip
    meta = [q for q in p.parameters if q.meta]
    lines = [
        f"{p.name} — {p.vendor or 'unknown vendor'} ({p.format})",
        f"  identifier  {p.identifier}",
        f"  path        {p.path}",
    ]
    if p.category or p.version:
        lines.append(f"  category    {p.category or '-'}   version {p.version or '-'}")
    lines += [
        f"  channels    {channels}",
        f"  latency     {p.latency_samples} samples at {_num(p.latency_sample_rate_hz / 1000)} kHz",
        f"  parameters  {len(p.sound_parameters)}" + (f" (and {len(meta)} host-side: {', '.join(q.name for q in meta)})" if meta else ""),
    ]  # fmt: skip
    rows = [("name", "range", "step", "default", "")]
    for q in p.sound_parameters:
        units = f" {q.units}" if q.units else ""
        if q.kind == "choice":
            listed = ", ".join(q.choices)
            rng = f"{len(q.choices)} choices: " + (listed if len(listed) <= 40 else listed[:39] + "…")
            step = ""
        else:
            rng = f"{_num(q.min_value)} … {_num(q.max_value)}{units}"
            step = _num(q.step) if q.step is not None else (f"~{_num(q.approx_step, 3)}" if q.approx_step else "")
        default = q.default if isinstance(q.default, str) else f"{_num(q.default)}{units}"
        rows.append((q.name, rng, step, default, "" if q.automatable else "read-only (a meter)"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        lines.append("    " + "  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + ("  " + r[4] if r[4] else ""))
    return "\n".join(line.rstrip() for line in lines)


# --- shared --------------------------------------------------------------------------------


def _num(x: Any, digits: int = 6) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "on" if x else "off"
    v = float(x)
    if abs(v) < 1e-5:
        v = 0.0  # plugins store "0 dB" as 1e-06
    return f"{v:.{digits}g}"


def _summary(p: Any, verdicts: Any = None) -> dict[str, Any]:
    plugin_map, how, report = map_and_verdict(p, entries=verdicts)
    return {
        "name": p.name, "vendor": p.vendor, "format": p.format, "identifier": p.identifier,
        "path": p.path, "category": p.category, "version": p.version, "channels": p.channels,
        "num_channels": p.num_channels, "latency_samples": p.latency_samples,
        "latency_sample_rate_hz": p.latency_sample_rate_hz,
        "num_parameters": len(p.sound_parameters),
        "map": None if plugin_map is None else {"how": how, "kinds": sorted(plugin_map.get("kinds", {})),
                                                "status": plugin_map.get("status")},
        "verdict": None if report is None else {k: report.get(k) for k in ("status", "error_db")},
    }  # fmt: skip


def _failure(e: Any) -> dict[str, Any]:
    return {"path": e.path, "error": e.error}


def _table(plugins: Sequence[Any]) -> str:
    verdicts = read_verdicts()
    rows = [("name", "vendor", "format", "channels", "latency", "params", "map verdict", "path")]
    for p in plugins:
        plugin_map, how, report = map_and_verdict(p, entries=verdicts)
        if plugin_map is None:
            verdict = "no map"
        elif not plugin_map.get("kinds"):
            verdict = "no move kinds"  # a reverb: nothing a suggestion puts on it
        else:
            verdict = verdict_label(report) + ("" if how == "shipped" else f" ({how})")
        rows.append((p.name, p.vendor or "-", p.format, p.channels, str(p.latency_samples),
                     str(len(p.sound_parameters)), verdict, p.path))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(7)]
    right = {4, 5}
    out = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r[:7], widths))]
        out.append("  ".join(cells) + "  " + r[7])
    return "\n".join(out)


def _print_failed(failed: Sequence[Any]) -> None:
    if failed:
        print(f"\nFailed to load ({len(failed)}):")
        for e in failed:
            print(f"  {e.path}\n    {e.error}")


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False))
