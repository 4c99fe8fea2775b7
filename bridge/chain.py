"""Chain files: an ordered list of slots saved as JSON (:mod:`bridge.slots` turns a chain into
what renders).

The form (``schema`` 1)::

    {"schema": 1,
     "slots": [
       {"kind": "builtin", "move": {"kind": "peak", "params": {"freq_hz": 1000, "gain_db": 6, "q": 1}}},
       {"kind": "plugin", "name": "ZamEQ2", "path": "/usr/lib/vst3/ZamEQ2.vst3", "format": "vst3",
        "params": {"frequency_1_hz": 1000.0, ...},          # the plugin's units, pedalboard's names
        "state_b64": "...",                                  # optional: opaque plugin state
        "tail_s": 0.0,                                       # optional: seconds of tail to render
        "moves": [{"kind": "peak", "params": {...}}]}        # optional: the moves the slot realises
     ]}

``moves`` in a plugin slot is provenance only (what the parameters were mapped from, so that
``secondear render --chain`` can predict the response); ``params`` and ``state_b64`` are
what the plugin gets. A built-in slot is a :class:`~analyzers.moves.Move`, rendered in
process by :mod:`bridge.render` (:func:`~bridge.render.render_in_order`).

Safety: a chain file is data, and nothing read from it may make Second Ear load a library
from an arbitrary place. :func:`bridge.slots.build_slots` accepts a plugin slot only when its path
(symbolic links resolved) is a bundle the scanned plugin index knows, or lies under one of
the plugin folders (:func:`bridge.plugins.discovery.plugin_folders`: the OS's standard
folders, the ``scripts/fetch-plugins`` cache, ``$SECONDEAR_PLUGIN_PATH``, and the folders
added with ``secondear plugins scan FOLDER``); anything else is a :class:`ChainError`.

A file written by a newer Second Ear (a larger ``schema``) is refused with
:class:`UnsupportedChainSchemaError`; every other problem is a :class:`ChainError` whose
message names the file and the slot (0-based, as the chain host counts them).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from analyzers.errors import ParameterError
from analyzers.moves import Move

from .errors import BridgeError
from .files import atomic_write_text
from .render import order_moves

#: The chain format this code reads and writes.
SCHEMA_VERSION = 1
#: Plugin formats a slot may name, and the bundle suffix each goes with.
FORMATS = {"vst3": ".vst3", "au": ".component"}

_BUILTIN_KEYS = {"kind", "move"}
_PLUGIN_KEYS = {"kind", "name", "path", "format", "params", "state_b64", "tail_s", "moves"}


class ChainError(BridgeError, ValueError):
    """A chain file (or chain) is not valid; the message names the file and the slot."""


class UnsupportedChainSchemaError(ChainError):
    """The chain file was written by a newer Second Ear (a larger ``schema``)."""


@dataclass(frozen=True, slots=True)
class BuiltinSlot:
    """A built-in processor: one Move."""

    move: Move

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "builtin", "move": self.move.to_dict()}


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginSlotSpec:
    """An external plugin as a chain file names it (see the module's docstring)."""

    name: str
    path: str
    format: str = "vst3"
    params: Mapping[str, float | bool | str] = field(default_factory=dict)
    state: bytes | None = None
    tail_s: float | None = None
    moves: tuple[Move, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "moves", tuple(self.moves))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": "plugin", "name": self.name, "path": self.path, "format": self.format,
                             "params": {k: _plain(v) for k, v in self.params.items()}}  # fmt: skip
        if self.state is not None:
            d["state_b64"] = base64.b64encode(self.state).decode("ascii")
        if self.tail_s is not None:
            d["tail_s"] = self.tail_s
        if self.moves:
            d["moves"] = [m.to_dict() for m in self.moves]
        return d


ChainSlot = BuiltinSlot | PluginSlotSpec


@dataclass(frozen=True, slots=True)
class Chain:
    """Ordered slots (built-in moves and plugins)."""

    slots: tuple[ChainSlot, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "slots", tuple(self.slots))

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "slots": [s.to_dict() for s in self.slots]}

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "chain") -> Chain:
        """Validate and read the JSON form; ``source`` names the file in messages."""
        if not isinstance(data, Mapping):
            raise ChainError(f"{source}: a chain is a JSON object with 'schema' and 'slots', not {type(data).__name__}")
        schema = data.get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool):
            raise ChainError(f"{source}: no integer 'schema'; it is not a Second Ear chain file")
        if schema > SCHEMA_VERSION:
            raise UnsupportedChainSchemaError(
                f"{source} has chain schema {schema}, written by a newer Second Ear; this one reads "
                f"schema {SCHEMA_VERSION} and older: upgrade Second Ear to use it"
            )
        if schema < 1:
            raise ChainError(f"{source}: schema {schema} is not a chain schema (1 is the first)")
        slots = data.get("slots")
        if not isinstance(slots, list):
            raise ChainError(f"{source}: 'slots' must be a list")
        return cls(tuple(_slot_from_dict(s, i, source) for i, s in enumerate(slots)))

    @property
    def moves(self) -> tuple[Move, ...]:
        """Every Move the chain realises: built-in slots' and plugin slots' ``moves``, in order."""
        out: list[Move] = []
        for s in self.slots:
            out.extend([s.move] if isinstance(s, BuiltinSlot) else s.moves)
        return tuple(out)


def _plain(v: Any) -> Any:
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float, np.floating, np.integer)):
        return float(v)
    return v


def _slot_from_dict(d: Any, i: int, source: str) -> ChainSlot:
    where = f"{source}: slot {i}"
    if not isinstance(d, Mapping):
        raise ChainError(f"{where} is not an object")
    kind = d.get("kind")
    if kind == "builtin":
        extra = set(d) - _BUILTIN_KEYS
        if extra:
            raise ChainError(f"{where} (builtin) has unknown key(s) {', '.join(sorted(extra))}; it takes 'move'")
        try:
            return BuiltinSlot(Move.from_dict(d.get("move")))
        except ParameterError as exc:
            raise ChainError(f"{where} (builtin): {exc}") from None
    if kind != "plugin":
        raise ChainError(f"{where}: kind must be 'builtin' or 'plugin', not {kind!r}")
    name, path = d.get("name"), d.get("path")
    if not isinstance(name, str) or not name:
        raise ChainError(f"{where} (plugin): 'name' must be the plugin's name")
    where = f"{where} (plugin {name})"
    extra = set(d) - _PLUGIN_KEYS
    if extra:
        raise ChainError(f"{where} has unknown key(s) {', '.join(sorted(extra))}; "
                         f"it takes {', '.join(sorted(_PLUGIN_KEYS - {'kind'}))}")  # fmt: skip
    if not isinstance(path, str) or not path:
        raise ChainError(f"{where}: 'path' must be the plugin bundle's path")
    fmt = d.get("format", "vst3")
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        raise ChainError(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    fmt = fmt.lower()
    if Path(path).suffix.lower() != FORMATS[fmt]:
        raise ChainError(f"{where}: a {fmt} plugin is a {FORMATS[fmt]} bundle, not {path}")
    params = d.get("params", {})
    if not isinstance(params, Mapping):
        raise ChainError(f"{where}: 'params' must be an object of parameter values")
    for k, v in params.items():
        ok = isinstance(v, (bool, str)) or (isinstance(v, (int, float)) and math.isfinite(v))
        if not ok:
            raise ChainError(f"{where}: parameter {k!r} = {v!r} is not a number, a switch or a choice's text")
    state = None
    if d.get("state_b64") is not None:
        try:
            state = base64.b64decode(str(d["state_b64"]), validate=True)
        except (binascii.Error, ValueError):
            raise ChainError(f"{where}: 'state_b64' is not base64") from None
    tail = d.get("tail_s")
    if tail is not None and (isinstance(tail, bool) or not isinstance(tail, (int, float)) or not 0 <= tail <= 60):
        raise ChainError(f"{where}: 'tail_s' must be 0–60 seconds, not {tail!r}")
    raw_moves = d.get("moves", [])
    if not isinstance(raw_moves, list):
        raise ChainError(f"{where}: 'moves' must be a list of moves")
    try:
        moves = tuple(Move.from_dict(m) for m in raw_moves)
    except ParameterError as exc:
        raise ChainError(f"{where}: moves: {exc}") from None
    return PluginSlotSpec(name=name, path=path, format=fmt, params=dict(params), state=state,
                          tail_s=None if tail is None else float(tail), moves=moves)  # fmt: skip


# --- files -----------------------------------------------------------------------------------


def load_chain(path: str | os.PathLike[str]) -> Chain:
    """Read and validate a chain file.

    Raises
    ------
    UnsupportedChainSchemaError
        The file's ``schema`` is newer than :data:`SCHEMA_VERSION`.
    ChainError
        The file cannot be read, is not JSON, or a slot is invalid (the message names it).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChainError(f"chain file {p}: cannot read it ({exc.strerror or exc})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ChainError(f"chain file {p} is not JSON ({exc})") from exc
    return Chain.from_dict(data, source=f"chain file {p}")


def save_chain(chain: Chain, path: str | os.PathLike[str], *, provenance: Mapping[str, Any] | None = None) -> Path:
    """Write ``chain`` atomically (a temporary file in the same folder, fsync, rename);
    ``provenance`` (where the moves came from, a preset's ``provenance`` form) is written
    beside the slots, for the reader: :meth:`Chain.from_dict` reads only the slots."""
    p = Path(path)
    data = chain.to_dict() if provenance is None else {**chain.to_dict(), "provenance": dict(provenance)}
    text = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        return atomic_write_text(p, text)
    except OSError as exc:
        raise ChainError(f"chain file {p}: cannot write it ({exc.strerror or exc})") from exc


def chain_from_moves(moves: Sequence[Move]) -> Chain:
    """A chain of built-in slots, the moves in :data:`bridge.render.CHAIN_ORDER`."""
    return Chain(tuple(BuiltinSlot(m) for m in order_moves(moves)))
