"""The plugin index: a JSON cache of what the scans found, written atomically.

The file is ``$SECONDEAR_PLUGIN_INDEX`` or ``plugin-index.json`` in platformdirs' user
cache dir for ``secondear``. Its form::

    {"schema_version": 1, "written_by": "secondear 0.1.0",
     "folders": ["/folders/users/added"],
     "bundles": [BundleEntry.to_dict(), …]}            (sorted by path)

A file written by a newer Second Ear (a larger ``schema_version``) is refused with
:class:`UnsupportedIndexSchemaError` rather than half-read; a file that is not an index at
all raises :class:`PluginIndexError`. Both messages name the file and the way out.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ..app import APP_NAME, VERSION
from ..errors import BridgeError
from ..files import atomic_write_text
from .records import BundleEntry, PluginInfo

#: The index format this code reads and writes.
SCHEMA_VERSION = 1


class PluginIndexError(BridgeError, ValueError):
    """The plugin index file cannot be read; the message names it and says what to do."""


class UnsupportedIndexSchemaError(PluginIndexError):
    """The plugin index was written by a newer Second Ear (a larger schema version)."""


def default_index_path() -> Path:
    """``$SECONDEAR_PLUGIN_INDEX``, else ``plugin-index.json`` in the user cache dir."""
    env = os.environ.get("SECONDEAR_PLUGIN_INDEX")
    return Path(env) if env else Path(platformdirs.user_cache_dir(APP_NAME)) / "plugin-index.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginIndex:
    """Every bundle scanned so far (by path) and the folders the user added."""

    folders: tuple[str, ...] = ()
    bundles: tuple[BundleEntry, ...] = field(default=())

    def entry(self, path: str | os.PathLike[str]) -> BundleEntry | None:
        key = os.path.abspath(path)
        for e in self.bundles:
            if e.path == key:
                return e
        return None

    @property
    def plugins(self) -> tuple[PluginInfo, ...]:
        """Every plugin that loaded, sorted by name."""
        return tuple(
            sorted((p for e in self.bundles if e.ok for p in e.plugins), key=lambda p: (p.name.lower(), p.path))
        )

    @property
    def failed(self) -> tuple[BundleEntry, ...]:
        """The bundles that did not load."""
        return tuple(e for e in self.bundles if not e.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "written_by": f"{APP_NAME} {VERSION}",
            "folders": list(self.folders),
            "bundles": [e.to_dict() for e in sorted(self.bundles, key=lambda e: e.path)],
        }


def load_index(path: str | os.PathLike[str] | None = None) -> PluginIndex:
    """Read the index (an empty one when the file does not exist yet).

    Raises
    ------
    UnsupportedIndexSchemaError
        The file's ``schema_version`` is newer than :data:`SCHEMA_VERSION`.
    PluginIndexError
        The file is not a plugin index (bad JSON, missing keys).
    """
    path = Path(path) if path is not None else default_index_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return PluginIndex()
    except OSError as exc:
        raise PluginIndexError(f"plugin index {path}: cannot read it ({exc.strerror or exc})") from exc
    fix = f"delete it (rm {path}) and run 'secondear plugins scan' to rebuild it"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PluginIndexError(f"plugin index {path} is not JSON ({exc}); {fix}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("schema_version"), int):
        raise PluginIndexError(f"plugin index {path} has no integer schema_version; it is not a plugin index; {fix}")
    version = data["schema_version"]
    if version > SCHEMA_VERSION:
        raise UnsupportedIndexSchemaError(
            f"plugin index {path} has schema version {version}, written by "
            f"{data.get('written_by', 'a newer Second Ear')}; this Second Ear reads version "
            f"{SCHEMA_VERSION} and older. Upgrade Second Ear, or point SECONDEAR_PLUGIN_INDEX "
            f"at another file, or {fix}"
        )
    try:
        return PluginIndex(
            folders=tuple(str(f) for f in data.get("folders", [])),
            bundles=tuple(BundleEntry.from_dict(e) for e in data["bundles"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise PluginIndexError(f"plugin index {path} is damaged (missing or wrong field: {exc}); {fix}") from exc


def save_index(index: PluginIndex, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the index atomically (a temporary file in the same folder, then a rename).

    A reader sees the old file or the new one, never half of one. Returns the path.
    """
    path = Path(path) if path is not None else default_index_path()
    text = json.dumps(index.to_dict(), indent=1, ensure_ascii=False, allow_nan=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write_text(path, text)
    except OSError as exc:
        raise PluginIndexError(f"plugin index {path}: cannot write it ({exc.strerror or exc}); "
                               "set SECONDEAR_PLUGIN_INDEX to a writable file") from exc  # fmt: skip


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def _names(plugin: PluginInfo) -> Iterator[str]:
    yield plugin.name
    yield Path(plugin.path).stem  # "DragonflyRoomReverb" for "Dragonfly Room Reverb"


def find_plugins(plugins: Iterable[PluginInfo], name: str) -> tuple[list[PluginInfo], list[str]]:
    """Plugins called ``name`` and, when there are none, up to five names close to it.

    Case, spaces and punctuation do not count (``zameq2``, ``"dragonfly room reverb"`` and
    ``DragonflyRoomReverb`` all match); the bundle's file name and the identifier match too.
    """
    plugins = list(plugins)
    want = _key(name)
    hits = [p for p in plugins if any(_key(n) == want for n in _names(p)) or p.identifier == name]
    if hits or not want:
        return hits, []
    by_key: dict[str, str] = {}
    for p in plugins:
        for n in _names(p):
            by_key.setdefault(_key(n), p.name)
    close = difflib.get_close_matches(want, list(by_key), n=5, cutoff=0.6)
    close += [k for k in by_key if want in k and k not in close]
    out: list[str] = []
    for k in close:
        if by_key[k] not in out:
            out.append(by_key[k])
    return [], out[:5]


def not_found_message(index: PluginIndex, name: str, path: str | os.PathLike[str] | None = None) -> str:
    """Why no plugin matches ``name``, and what to do: the nearest names, or how many the
    index holds, or that it is empty and must be scanned (``path``: the index file)."""
    _, close = find_plugins(index.plugins, name)
    if not index.plugins:
        where = f" ({path})" if path is not None else ""
        return f"no plugin named {name!r}: the plugin index{where} holds no plugin; run 'secondear plugins scan'"
    if close:
        return f"no plugin named {name!r}; did you mean: {', '.join(close)}?"
    return f"no plugin named {name!r}; 'secondear plugins list' lists the {len(index.plugins)} known"


class PluginNotFoundError(PluginIndexError, LookupError):
    """No plugin in the index answers to the name; the message says what to do instead."""


def plugin_named(name: str, index: PluginIndex | None = None, path: str | os.PathLike[str] | None = None) -> PluginInfo:
    """The first plugin of the index (``index``, else the one at ``path`` or the default)
    called ``name`` (:func:`find_plugins`'s matching).

    Raises
    ------
    PluginNotFoundError
        No such plugin: the message is :func:`not_found_message`'s.
    PluginIndexError
        The index cannot be read.
    """
    path = default_index_path() if path is None and index is None else path
    index = load_index(path) if index is None else index
    hits, _ = find_plugins(index.plugins, name)
    if not hits:
        raise PluginNotFoundError(not_found_message(index, name, path))
    return hits[0]
