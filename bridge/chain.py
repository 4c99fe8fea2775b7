"""Chain files: an ordered list of slots saved as JSON, and turning them into what renders.

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
from an arbitrary place. :func:`build_slots` accepts a plugin slot only when its path
(symbolic links resolved) is a bundle the scanned plugin index knows, or lies under one of
the plugin folders (:func:`bridge.plugins.discovery.plugin_folders`: the OS's standard
folders, the ``scripts/fetch-plugins`` cache, ``$SECONDEAR_PLUGIN_PATH``, and the folders
added with ``secondear plugins scan FOLDER``); anything else is a :class:`ChainError`.

A file written by a newer Second Ear (a larger ``schema``) is refused with
:class:`UnsupportedChainSchemaError`; every other problem is a :class:`ChainError` whose
message names the file and the slot (0-based, as the chain host counts them).
"""

from __future__ import annotations

from .files import atomic_write_text

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


def save_chain(chain: Chain, path: str | os.PathLike[str]) -> Path:
    """Write ``chain`` atomically (a temporary file in the same folder, fsync, rename)."""
    p = Path(path)
    text = json.dumps(chain.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        return atomic_write_text(p, text)
    except OSError as exc:
        raise ChainError(f"chain file {p}: cannot write it ({exc.strerror or exc})") from exc


# --- turning a chain into host slots -----------------------------------------------------------


def allowed_plugin_path(path: str | os.PathLike[str], index: Any = None) -> tuple[str, Any]:
    """The bundle's real path and the index's :class:`~bridge.plugins.records.BundleEntry`
    (None when the index does not know it) if Second Ear may load it; else ChainError.

    Allowed: a bundle (``.vst3``/``.component``) the plugin index knows (and that loaded
    when scanned), or one that lies under a plugin folder (see the module's docstring).
    Symbolic links and ``..`` are resolved before the check.
    """
    from .plugins.discovery import is_bundle, plugin_folders
    from .plugins.index import default_index_path, load_index

    if index is None:
        index = load_index()
    raw = os.fspath(path)
    if not is_bundle(raw):
        raise ChainError(f"{raw} is not a plugin bundle (.vst3 or .component)")
    real = os.path.realpath(raw)
    for e in index.bundles:
        if e.ok and os.path.realpath(e.path) == real:
            return real, e
    folders = plugin_folders(index.folders)
    for folder in folders:
        root = os.path.realpath(folder)
        if real != root and Path(real).is_relative_to(root):
            if not os.path.exists(real):
                raise ChainError(f"{raw}: no such plugin bundle")
            return real, None
    raise ChainError(
        f"{raw} is neither a plugin the plugin index ({default_index_path()}) knows nor a bundle under "
        f"the plugin folders ({', '.join(str(f) for f in folders)}); a chain file cannot load a library "
        "from anywhere else: install the plugin in a plugin folder, or run 'secondear plugins scan FOLDER'"
    )


def build_slots(chain: Chain, *, index: Any = None) -> list[Any]:
    """The slots :class:`bridge.plugins.host.ChainHost` renders: a Move per built-in slot, a
    :class:`~bridge.plugins.host.PluginSlot` per plugin slot (its path checked with
    :func:`allowed_plugin_path`; ``index`` defaults to the user's plugin index).

    Raises
    ------
    ChainError
        A plugin slot's path is not allowed (the message names the slot).
    """
    from .plugins.host import PluginSlot
    from .plugins.index import load_index

    out: list[Any] = []
    for i, s in enumerate(chain.slots):
        if isinstance(s, BuiltinSlot):
            out.append(s.move)
            continue
        if index is None:
            index = load_index()
        try:
            real, entry = allowed_plugin_path(s.path, index)
        except ChainError as exc:
            raise ChainError(f"slot {i} (plugin {s.name}): {exc}") from None
        several = entry is not None and len(entry.plugins) > 1
        out.append(PluginSlot(path=real, plugin_name=s.name if several else None, parameters=dict(s.params),
                              raw_state=s.state, tail_s=s.tail_s, label=s.name))  # fmt: skip
    return out


def chain_from_moves(moves: Sequence[Move]) -> Chain:
    """A chain of built-in slots, the moves in :data:`bridge.render.CHAIN_ORDER`."""
    from .render import order_moves

    return Chain(tuple(BuiltinSlot(m) for m in order_moves(moves)))


@dataclass(frozen=True, slots=True)
class SlotsRender:
    """``audio`` (float32, longer than the input by the plugins' tails), one report dict per
    slot (index, name, kind, status, mode, latency_samples, tail_samples, seconds), the
    total latency compensated (samples), and the chain host's snapshot (None without plugins)."""

    audio: np.ndarray
    reports: tuple[dict[str, Any], ...]
    latency_samples: int
    tail_samples: int
    snapshot: tuple[Any, ...] | None


def render_slots(audio: np.ndarray, sample_rate_hz: float, slots: Sequence[Any], *, host: Any = None,
                 snapshot: bool = False) -> SlotsRender:  # fmt: skip
    """Render ``slots`` (Moves and PluginSlots) onto float32 ``(channels, samples)`` audio.

    Built-in moves only: in process, any channel count. With a plugin slot: through a
    :class:`~bridge.plugins.host.ChainHost` (``host``, or one made and closed here), each
    plugin in its worker process; a crash or hang raises (the host's errors).
    ``snapshot=True`` also returns the host's :meth:`~bridge.plugins.host.ChainHost.snapshot`.
    """
    from .plugins.host import ChainHost, PluginSlot
    from .render import render_in_order

    x = np.ascontiguousarray(audio, dtype=np.float32)
    if not any(isinstance(s, PluginSlot) for s in slots):
        # in slot order, runs of pedalboard moves as one Pedalboard (the same samples as a
        # render_move each, one pass over the audio per run instead of per move)
        y = render_in_order(x, sample_rate_hz, slots)
        reports = tuple({"index": i, "name": m.kind, "kind": "builtin", "status": "ok", "mode": "builtin",
                         "latency_samples": 0, "tail_samples": 0} for i, m in enumerate(slots))  # fmt: skip
        return SlotsRender(y, reports, 0, 0, None)
    own = host is None
    h = ChainHost() if own else host
    try:
        result = h.render(x, sample_rate_hz, list(slots))
        snap = h.snapshot() if snapshot else None
    finally:
        if own:
            h.close()
    reports = tuple({"index": r.index, "name": r.name, "kind": r.kind, "status": r.status, "mode": r.mode,
                     "latency_samples": r.latency_samples, "tail_samples": r.tail_samples,
                     "nonfinite_samples": r.nonfinite_samples, "seconds": round(r.seconds, 3)}
                    for r in result.slots)  # fmt: skip
    return SlotsRender(result.audio, reports, sum(r["latency_samples"] for r in reports),
                       sum(r["tail_samples"] for r in reports), snap)  # fmt: skip
