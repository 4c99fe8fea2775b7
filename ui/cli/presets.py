"""``secondear presets``: the engineer's presets and the factory ones.

list [--json]
    Every preset: the user's and the factory ones (a user preset shadows a factory one of
    the same name); files that cannot be read are listed with the reason.
show NAME [--json]
    One preset: its chain, tags, notes, where its values come from, its provenance.
save NAME (--chain CHAIN.json | --move SPEC [--move SPEC …]) [--tag T …] [--note TEXT] [--force]
    Keep a chain file, or built-in moves (``secondear render --move``'s form), as a preset.
delete NAME / rename OLD NEW [--force]
    User presets only: factory presets are read-only.
export NAME -o FILE / import FILE [--name NAME] [--force]
    Copy a preset to a file, or read one (validated; a newer schema is refused) into the folder.

Every action takes ``--dir DIR`` (default ``$SECONDEAR_PRESET_DIR``, else platformdirs' user
data folder, ``secondear/presets``). Names are matched case-insensitively.

Exit status: 0 done, 1 a file could not be read or written (a full disk, a preset from a
newer Second Ear, a damaged file), 2 a usage error (an unknown name, a name already taken
without ``--force``, a factory preset to change, a bad move).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from analyzers.errors import ParameterError
from analyzers.moves import parse_move
from bridge.chain import BuiltinSlot, Chain, ChainError, chain_from_moves, load_chain
from presets import Preset, PresetError, PresetFormatError, PresetStore, preset_to_dict
from presets.errors import PresetExistsError, PresetNotFoundError, ReadOnlyPresetError, UnsupportedSchemaError


def add_presets_parser(sub: Any) -> None:
    p = sub.add_parser("presets", help="list, show, save, delete, rename, export and import presets",
                       description="Presets: chains kept with where they came from. Factory presets ship "
                                   "with Second Ear and are read-only; the engineer's own live in --dir.")  # fmt: skip
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dir", metavar="DIR", default=None,
                        help="the preset folder (default $SECONDEAR_PRESET_DIR, else the user data folder)")  # fmt: skip
    actions = p.add_subparsers(dest="presets_command", metavar="ACTION", required=True)
    ls = actions.add_parser("list", parents=[common], help="list the presets",
                            description="List every preset, the user's and the factory ones (a user preset "
                                        "shadows a factory one of the same name); files that cannot be read "
                                        "are listed with the reason.")  # fmt: skip
    ls.add_argument("--json", action="store_true", help="print JSON")
    sh = actions.add_parser("show", parents=[common], help="show one preset",
                            description="Show one preset: its chain, tags, notes, where its values come from "
                                        "and its provenance (--json: the preset file itself).")  # fmt: skip
    sh.add_argument("name", metavar="NAME")
    sh.add_argument("--json", action="store_true", help="print the preset file's JSON")
    sv = actions.add_parser("save", parents=[common], help="keep a chain file or moves as a preset",
                            description="Keep a chain file (secondear render --save-chain), or built-in moves "
                                        "in secondear render --move's form, as a user preset named NAME.")  # fmt: skip
    sv.add_argument("name", metavar="NAME")
    sv.add_argument("--chain", metavar="CHAIN.json", help="a chain file (secondear render --save-chain)")
    sv.add_argument("--move", action="append", default=[], metavar="SPEC",
                    help="a built-in move, e.g. 'peak freq_hz=300 gain_db=-3 q=1' (repeatable)")  # fmt: skip
    sv.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeatable)")
    sv.add_argument("--note", default="", metavar="TEXT", help="a note kept with the preset")
    sv.add_argument("--force", action="store_true", help="replace a user preset of the same name")
    de = actions.add_parser("delete", parents=[common], help="delete a user preset",
                            description="Delete a user preset (factory presets are read-only); a factory "
                                        "preset it shadowed shows again.")  # fmt: skip
    de.add_argument("name", metavar="NAME")
    rn = actions.add_parser("rename", parents=[common], help="rename a user preset",
                            description="Rename the user preset OLD to NEW (factory presets are read-only).")
    rn.add_argument("old", metavar="OLD")
    rn.add_argument("new", metavar="NEW")
    rn.add_argument("--force", action="store_true", help="replace a user preset already named NEW")
    ex = actions.add_parser("export", parents=[common], help="write a preset to a file",
                            description="Write the preset NAME (user or factory) to FILE, to share it or keep "
                                        "it elsewhere.")  # fmt: skip
    ex.add_argument("name", metavar="NAME")
    ex.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    im = actions.add_parser("import", parents=[common], help="read a preset file into the preset folder",
                            description="Read a preset file into the preset folder: validated, and refused "
                                        "when written by a newer Second Ear (a larger schema version).")  # fmt: skip
    im.add_argument("file", metavar="FILE")
    im.add_argument("--name", default=None, help="save it under this name instead of its own")
    im.add_argument("--force", action="store_true", help="replace a user preset of the same name")


def _err(message: str, code: int) -> int:
    print(f"secondear presets: {message}", file=sys.stderr)
    return code


def error_code(exc: Exception) -> int:
    """2 for what the engineer typed (unknown name, name taken, read-only, bad value), 1 for files."""

    if isinstance(exc, UnsupportedSchemaError):
        return 1
    if isinstance(exc, (PresetNotFoundError, PresetExistsError, ReadOnlyPresetError)):
        return 2
    return 1


def load_preset_chain(name: str, folder: str | None = None) -> Chain:
    """The :class:`~bridge.chain.Chain` of the preset ``name`` (for ``render --preset`` and
    ``daw push --preset``); raises :class:`~presets.errors.PresetError`."""

    return PresetStore(folder).load(name).chain


def run_presets_command(args: argparse.Namespace) -> int:
    store = PresetStore(args.dir)
    run = {"list": _list, "show": _show, "save": _save, "delete": _delete, "rename": _rename,
           "export": _export, "import": _import}[args.presets_command]  # fmt: skip
    try:
        return run(store, args)
    except PresetError as exc:
        return _err(str(exc), error_code(exc))


def _list(store: Any, args: argparse.Namespace) -> int:
    entries = store.list()
    if args.json:
        print(json.dumps({"folder": str(store.folder), "presets": [e.to_dict() for e in entries]}, indent=2,
                         ensure_ascii=False))  # fmt: skip
        return 0
    if not entries:
        print(f"no presets (folder: {store.folder})")
        return 0
    width = max(len(e.name) for e in entries)
    for e in entries:
        if e.error:
            print(f"{e.name:<{width}}  {e.origin:<7}  cannot be read: {e.error}")
            continue
        origin = "user*" if e.shadows_factory else e.origin
        tags = f"  [{', '.join(e.tags)}]" if e.tags else ""
        print(f"{e.name:<{width}}  {origin:<7}  {e.slots} slot{'s' if e.slots != 1 else ' '}{tags}")
    print(f"folder: {store.folder}" + ("  (user*: shadows the factory preset of that name)"
                                       if any(e.shadows_factory for e in entries) else ""))  # fmt: skip
    return 0


def _show(store: Any, args: argparse.Namespace) -> int:
    entry = store.entry(args.name)
    preset = store.load(args.name)
    if args.json:
        print(json.dumps(preset_to_dict(preset), indent=2, ensure_ascii=False))
        return 0
    print(show_text(preset, entry))
    return 0


def show_text(preset: Any, entry: Any) -> str:
    """A preset as text: chain, tags, notes, source, provenance."""

    lines = [f"{preset.name}  ({entry.origin}{', read-only' if entry.read_only else ''}; {entry.path})",
             f"  created {preset.created.strftime('%Y-%m-%d %H:%M')} UTC, schema {preset.schema_version}"]  # fmt: skip
    if preset.tags:
        lines.append(f"  tags: {', '.join(preset.tags)}")
    lines.append("  chain:")
    for i, s in enumerate(preset.chain.slots):
        if isinstance(s, BuiltinSlot):
            lines.append(f"    {i}  {s.move.describe()}")
        else:
            realises = f"  (realises: {'; '.join(m.describe() for m in s.moves)})" if s.moves else ""
            lines.append(f"    {i}  plugin {s.name} ({s.format}, {s.path}){realises}")
    for label, text in (("notes", preset.notes), ("source", preset.source), ("licence", preset.licence)):
        if text:
            lines.append(f"  {label}: {text}")
    prov = preset.provenance
    if prov.analyzed is not None:
        figs = ", ".join(f"{k} {v:g}" for k, v in prov.analyzed.summary.items() if v is not None)
        lines.append(f"  made from: {prov.analyzed.file}" + (f" ({figs})" if figs else ""))
    c = prov.context
    ctx = [f"{k} {v}" for k, v in (("role", c.role), ("genre", c.genre), ("destination", c.destination),
                                   ("reference", c.reference)) if v]  # fmt: skip
    if c.intent:
        ctx.append("intent " + ", ".join(repr(w) for w in c.intent))
    if ctx:
        lines.append(f"  context: {'; '.join(ctx)}")
    for s in prov.suggestions:
        lines.append(f"  from suggestion [{s.id}] {s.kind}" + (f": {s.why}" if s.why else ""))
    return "\n".join(lines)


def _save(store: Any, args: argparse.Namespace) -> int:
    if bool(args.chain) == bool(args.move):
        return _err("give either --chain CHAIN.json or one or more --move SPEC", 2)
    try:
        chain = load_chain(args.chain) if args.chain else chain_from_moves([parse_move(m) for m in args.move])
    except ParameterError as exc:
        return _err(str(exc), 2)
    except ChainError as exc:
        return _err(str(exc), 1)
    try:
        preset = Preset(name=args.name, chain=chain, tags=tuple(args.tag), notes=args.note)
    except PresetFormatError as exc:
        return _err(str(exc), 2)
    entry = store.save(preset, overwrite=args.force)
    extra = "  (shadows the factory preset of that name)" if entry.shadows_factory else ""
    print(f"saved {entry.name!r}: {entry.slots} slot(s) in {entry.path}{extra}")
    return 0


def _delete(store: Any, args: argparse.Namespace) -> int:
    path = store.delete(args.name)
    back = store.exists(args.name)
    print(f"deleted {args.name!r} ({path})" + ("; the factory preset of that name shows again" if back else ""))
    return 0


def _rename(store: Any, args: argparse.Namespace) -> int:
    try:
        entry = store.rename(args.old, args.new, overwrite=args.force)
    except PresetFormatError as exc:
        return _err(str(exc), 2)
    print(f"renamed {args.old!r} to {entry.name!r} ({entry.path})")
    return 0


def _export(store: Any, args: argparse.Namespace) -> int:
    path = store.export(args.name, args.output)
    print(f"exported {store.entry(args.name).name!r} to {path}")
    return 0


def _import(store: Any, args: argparse.Namespace) -> int:
    entry = store.import_file(args.file, name=args.name, overwrite=args.force)
    print(f"imported {entry.name!r} into {entry.path}")
    return 0
