"""``secondear render`` and ``secondear ab``: render a chain, and audition it loudness-matched.

render FILE -o OUT (--chain CHAIN.json | --preset NAME | --move SPEC [--move SPEC …]) [--plugin NAME] [--save-chain C.json] [--json]
    ``--move``s alone render with the built-in processors; with ``--plugin NAME`` they go
    onto that plugin through its parameter map (dual mono when it is mono) and it renders
    in a worker process. Prints what was rendered and, for EQ moves, the predicted change
    of the 1/3-octave band at the move's frequency against the measured one.
ab FILE (--chain CHAIN.json | --accept all|ID,ID [context flags]) [--region START:END] [--export-a A.wav]
   [--export-b B.wav] [--play a|b] [--json]
    A (the original) and B (the chain's render) over the file or the region, the louder
    turned down to the other's integrated loudness; export either, or play one. With
    ``--accept`` B is the file's own suggestions (in the context given), accepted by id, as
    the panel's A/B renders them: no chain file to write first.

Exit status: 0 done, 1 a file could not be read or written or a plugin failed, 2 a usage
error (a bad move, an unknown plugin, a move the plugin cannot take).
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from analyzers import analyze
from analyzers.errors import ParameterError
from analyzers.moves import parse_move
from bridge.advise import ReferenceReadError, resolve_context
from bridge.apply import ApplyError, select
from bridge.audio_io import read_audio, write_audio
from bridge.audition import AuditionError, PlaybackUnavailable, audition, parse_region, play
from bridge.chain import (
    Chain,
    ChainError,
    ChainSlot,
    PluginSlotSpec,
    chain_from_moves,
    load_chain,
    save_chain,
)
from bridge.slots import build_slots, render_slots, with_plugin_states
from bridge.checks import eq_checks
from bridge.errors import AudioReadError, BridgeError
from bridge.files import OutputError, check_output
from bridge.session import Session
from bridge.plugins import PluginNotFoundError, load_index, plugin_named
from bridge.plugins.mapping import MappingError, map_for
from bridge.plugins.placement import place_on_plugin
from bridge.render import silenced_note
from presets import PresetError

from .context import add_context_args, context_request, fail, taste_summary
from .presets import error_code, load_preset_chain


def add_render_parser(sub: Any) -> None:
    r = sub.add_parser("render", help="render moves (built-in or on a plugin) or a chain file, and measure the result",
                       description="Render a chain file, or moves with the built-in processors, or moves "
                                   "mapped onto a plugin (--plugin), write the result and print each EQ "
                                   "move's predicted band change against the measured one.")  # fmt: skip
    r.add_argument("file", metavar="FILE", help="the audio file to render")
    r.add_argument("-o", "--output", required=True, metavar="OUT", help="the output file (24-bit for WAV/FLAC/AIFF)")
    r.add_argument("--chain", metavar="CHAIN.json", help="a chain file to render")
    r.add_argument("--preset", metavar="NAME", help="a preset's chain to render ('secondear presets list')")
    r.add_argument("--move", action="append", default=[], metavar="SPEC",
                   help="a move, e.g. 'peak freq_hz=1000 gain_db=6 q=1' (repeat for several)")  # fmt: skip
    r.add_argument("--plugin", metavar="NAME", help="put the moves onto this plugin (from the plugin index) via its map")
    r.add_argument("--save-chain", metavar="CHAIN.json", help="write the chain that was rendered")
    r.add_argument("--json", action="store_true", help="print JSON")


def add_ab_parser(sub: Any) -> None:
    ab = sub.add_parser("ab", help="audition a chain against the original, loudness-matched",
                        description="Render a chain (or, with --accept, the file's own suggestions) over the file "
                                    "or a region and compare A (original) with B (processed) at the same integrated "
                                    "loudness; export or play either.")  # fmt: skip
    ab.add_argument("file", metavar="FILE", help="the audio file")
    ab.add_argument("--chain", metavar="CHAIN.json", help="the chain file (B)")
    ab.add_argument("--accept", metavar="all|ID,ID", help="B: these of the file's suggestions (as 'suggest' lists "
                    "them in the context given), instead of a chain file")  # fmt: skip
    add_context_args(ab)
    ab.add_argument("--region", metavar="START:END", help="seconds, e.g. 30:45 (default: the whole file)")
    ab.add_argument("--export-a", metavar="A.wav", help="write A (loudness-matched)")
    ab.add_argument("--export-b", metavar="B.wav", help="write B (loudness-matched)")
    ab.add_argument("--play", choices=("a", "b"), help="play A or B (needs sounddevice and an output device)")
    ab.add_argument("--json", action="store_true", help="print JSON")


# --- render ------------------------------------------------------------------------------------


def run_render_command(args: argparse.Namespace) -> int:
    if sum(map(bool, (args.chain, args.move, args.preset))) != 1:
        return fail("give either --chain CHAIN.json, --preset NAME or one or more --move SPEC", 2)
    if args.plugin and not args.move:
        return fail("--plugin puts --move moves onto a plugin: give the moves with --move", 2)
    if os.path.abspath(args.output) == os.path.abspath(args.file):
        return fail(f"-o {args.output} is the input file: write the result somewhere else", 2)
    try:
        check_output(args.output, args.file, try_write=True)
    except OutputError as exc:
        return fail(str(exc), 2 if "input file" in str(exc) else 1)
    try:
        moves = [parse_move(s) for s in args.move]
    except ParameterError as exc:
        return fail(str(exc), 2)
    try:
        audio, rate = read_audio(args.file)
    except BridgeError as exc:
        return fail(str(exc), 1)
    try:
        if args.chain or args.preset:


            try:
                chain = load_chain(args.chain) if args.chain else load_preset_chain(args.preset)
            except PresetError as exc:
                return fail(str(exc), error_code(exc))
            slots = build_slots(chain)
        elif args.plugin:
            index = load_index()
            try:
                plugin = plugin_named(args.plugin, index)
                chain = place_on_plugin(moves, plugin, map_for(plugin), sample_rate_hz=rate)
            except (PluginNotFoundError, MappingError) as exc:
                return fail(str(exc), 2)
            slots = build_slots(chain, index=index)
        else:
            chain = chain_from_moves(moves)
            slots = build_slots(chain)
    except ChainError as exc:
        return fail(str(exc), 1)
    try:
        rendered = render_slots(audio, rate, slots, snapshot=bool(args.save_chain))
    except (BridgeError, ValueError) as exc:  # a plugin that crashed, hung or did not load
        return fail(f"render failed: {exc}", 1)
    y = rendered.audio
    bad = int(y.size - np.count_nonzero(np.isfinite(y)))
    if bad:
        return fail(f"the chain's output holds {bad} non-finite samples (NaN or inf): nothing written", 1)
    try:
        write_audio(args.output, y, rate)
        written, _ = read_audio(args.output)
    except BridgeError as exc:
        return fail(str(exc), 1)
    n = audio.shape[1]
    before, after = analyze(audio, rate), analyze(written[:, :n], rate)
    checks, notes = eq_checks(chain.moves, before, after, rate)
    saved = None
    if args.save_chain:
        try:
            saved = str(save_chain(with_plugin_states(chain, rendered.snapshot), args.save_chain))
        except ChainError as exc:
            return fail(str(exc), 1)
    peak = float(abs(y).max()) if y.size else 0.0
    warnings = list(notes)
    if before.hygiene.nonfinite_samples:
        warnings.insert(0, silenced_note(before.hygiene.nonfinite_samples))
    if peak > 1.0:  # only a lossy output (a fixed-point one that would clip is refused when written)
        warnings.append(f"the result peaks at {20 * math.log10(peak):+.1f} dBFS: it clips on a fixed-point export")
    payload = {
        "input": args.file, "output": args.output, "sample_rate_hz": rate, "channels": int(audio.shape[0]),
        "input_samples": int(n), "output_samples": int(y.shape[1]),
        "chain": chain.to_dict() if not any(s.to_dict().get("state_b64") for s in chain.slots) else
                 {"schema": chain.to_dict()["schema"], "slots": [_brief(s) for s in chain.slots]},
        "slots": list(rendered.reports), "latency_samples": rendered.latency_samples,
        "tail_samples": rendered.tail_samples, "checks": checks, "saved_chain": saved,
        "after": {"integrated_lufs": after.loudness.integrated_lufs, "true_peak_dbtp": after.levels.true_peak_dbtp},
        "warnings": warnings,
    }  # fmt: skip
    if args.json:
        print(json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False))
    else:
        print(_render_text(payload, chain))
    return 0


def _brief(slot: ChainSlot) -> dict[str, Any]:
    d = slot.to_dict()
    if "state_b64" in d:
        d["state_b64"] = f"({len(d['state_b64'])} base64 characters)"
    return d


def _hz(f: float) -> str:
    return f"{f / 1000:g} kHz" if f >= 1000 else f"{f:g} Hz"


def _render_text(p: dict[str, Any], chain: Chain) -> str:
    secs = p["input_samples"] / p["sample_rate_hz"]
    lines = [f"Rendered {p['input']} -> {p['output']} ({p['sample_rate_hz'] / 1000:g} kHz, {p['channels']} ch, "
             f"{secs:.2f} s)"]  # fmt: skip
    for r, spec in zip(p["slots"], chain.slots):
        extra = ""
        if r["kind"] == "plugin":
            extra = f"  {r['mode']}, latency {r['latency_samples']} samples compensated"
            if r["tail_samples"]:
                extra += f", tail {r['tail_samples']} samples"
            label = r["name"]
        else:
            label = spec.move.describe()
        lines.append(f"  slot {r['index']}  {r['kind']:<7}  {label}{extra}")
        if isinstance(spec, PluginSlotSpec) and spec.moves:
            lines.append("             realises: " + "; ".join(m.describe() for m in spec.moves))
    if p["checks"]:
        lines.append("EQ: predicted against measured change of the 1/3-octave band at each move's frequency")
        for c in p["checks"]:
            lines.append(f"  {c['label']:<34} band {_hz(c['band_hz']):>8}: predicted {c['predicted_db']:+.2f} dB "
                         f"(response at {_hz(c['move']['params']['freq_hz'])} {c['response_at_freq_db']:+.2f} dB), "
                         f"measured {c['measured_db']:+.2f} dB, off by {c['error_db']:.2f} dB")  # fmt: skip
    a = p["after"]
    if a["integrated_lufs"] is not None:
        lines.append(f"After: {a['integrated_lufs']:.1f} LUFS integrated, true peak {a['true_peak_dbtp']:+.1f} dBTP")
    if p["saved_chain"]:
        lines.append(f"Chain saved: {p['saved_chain']}")
    lines += [f"warning: {w}" for w in p["warnings"]]
    return "\n".join(lines)


# --- ab ------------------------------------------------------------------------------------------


def run_ab_command(args: argparse.Namespace) -> int:
    if bool(args.chain) == bool(args.accept):
        return fail("give either --chain CHAIN.json or --accept all|ID,ID (the file's suggestions)", 2)
    try:
        region = parse_region(args.region) if args.region else None
    except AuditionError as exc:
        return fail(str(exc), 2)
    for out in (args.export_a, args.export_b):
        if out and os.path.abspath(out) == os.path.abspath(args.file):
            return fail(f"{out} is the input file: export somewhere else", 2)
        if out:
            try:
                check_output(out, args.file, try_write=True)
            except OutputError as exc:
                return fail(str(exc), 2 if "input file" in str(exc) else 1)
    if args.accept:
        return _ab_accepted(args, region)
    try:
        audio, rate = read_audio(args.file)
        chain = load_chain(args.chain)
        slots = build_slots(chain)
    except (ChainError, BridgeError) as exc:
        return fail(str(exc), 1)
    return _ab_finish(args, lambda: audition(audio, rate, slots, region_s=region), rate, args.chain)


def _ab_accepted(args: argparse.Namespace, region: tuple[float, float] | None) -> int:
    """``ab FILE --accept …``: B is the file's suggestions, accepted, as the panel renders them."""
    request = context_request(args)
    try:
        request.check()
        context = resolve_context(request)
    except ParameterError as exc:
        return fail(str(exc), 2)
    except (AudioReadError, ReferenceReadError) as exc:
        return fail(str(exc), 1)
    try:
        session = Session.from_file(args.file, taste=taste_summary(args), context=context)
        if session.advice is None:
            session.suggest()
    except BridgeError as exc:
        return fail(str(exc), 1)
    try:
        chosen = select(session.advice, args.accept)
    except ApplyError as exc:
        return fail(str(exc), 2)
    if not chosen and not session.advice.suggestions:
        return fail(f"nothing to audition: Second Ear suggests no move for {args.file} (leave it)", 1)
    if not chosen:
        return fail("nothing accepted: name the suggestions to audition ('secondear suggest FILE' lists them)", 2)
    for s in chosen:
        session.accept(s.id)
    label = f"accepted {', '.join(s.id for s in chosen)}"
    return _ab_finish(args, lambda: session.audition(region), session.sample_rate_hz, label)


def _ab_finish(args: argparse.Namespace, render: Any, rate: float, label: str) -> int:
    try:
        ab = render()
    except AuditionError as exc:
        return fail(str(exc), 2 if "region" in str(exc) else 1)
    except (BridgeError, ValueError) as exc:
        return fail(f"render failed: {exc}", 1)
    exported = {}
    try:
        for which, out in (("a", args.export_a), ("b", args.export_b)):
            if out:
                write_audio(out, ab.a if which == "a" else ab.b, rate)
                exported[which] = out
    except BridgeError as exc:
        return fail(str(exc), 1)
    payload = {"input": args.file, "chain": label, **ab.to_dict(), "exported": exported, "played": None,
               "play_message": None}  # fmt: skip
    if args.play:
        if not args.json:
            print(_ab_text(payload))
            payload["_printed"] = True
        try:
            play(ab.a if args.play == "a" else ab.b, rate)
            payload["played"] = args.play
            payload["play_message"] = f"played {args.play.upper()}"
        except PlaybackUnavailable as exc:
            payload["play_message"] = f"{exc}: nothing played"
    unplayed = args.play and payload["played"] is None
    if args.json:
        print(json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False))
    else:
        if not payload.pop("_printed", False):
            print(_ab_text(payload))
        if payload["play_message"] and not unplayed:
            print(payload["play_message"])
    # --play asked for sound: none is a failure (exit 1), said on stderr; the A/B stands above
    return fail(payload["play_message"], 1) if unplayed else 0


def _ab_text(p: dict[str, Any]) -> str:
    f = lambda v: "silence" if v is None else f"{v:.2f} LUFS"  # noqa: E731
    a0, a1 = p["region_s"]
    lines = [f"A/B {Path(p['input']).name} with {p['chain']}, {a0:g}–{a1:g} s",
             f"  A (original)   {f(p['a_lufs'])}",
             f"  B (processed)  {f(p['b_lufs'])}"]  # fmt: skip
    if p["offset_db"] is not None:
        who = "B" if p["gain_b_db"] else "A"
        g = p["gain_b_db"] or p["gain_a_db"]
        lines.append(f"  loudness-matched: B was {p['offset_db']:+.2f} dB against A; {who} turned by {g:+.2f} dB "
                     f"(now A {f(p['matched_a_lufs'])}, B {f(p['matched_b_lufs'])})")  # fmt: skip
    lines.append(f"  latency compensated: {p['latency_samples']} samples")
    for which, out in p["exported"].items():
        lines.append(f"  exported {which.upper()}: {out}")
    lines += [f"warning: {w}" for w in p["warnings"]]
    return "\n".join(lines)
