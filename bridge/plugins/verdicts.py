"""What ``plugins verify`` measured, kept so that the panel and ``plugins list`` can show it.

Verification renders test signals through the real plugin (:mod:`.verify`) and takes a few
seconds, so its report is cached in ``plugin-verdicts.json`` beside the plugin index
(:func:`.index.default_index_path`). An entry is used only while it still describes the
same thing: the same plugin (path and name), the same bundle on disk (its fingerprint:
mtimes and size) and the same map (a hash of its JSON). Anything else reads as "not
verified yet" — never a stale verdict.

The file is data written by this program; a corrupt or newer one is ignored (and rewritten
on the next verification), because losing a cache costs one re-run, not the user's work.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..files import atomic_write_text
from .index import default_index_path
from .mapping import MappingError, find_map, map_for
from .records import PluginInfo
from .scan import bundle_fingerprint

SCHEMA_VERSION = 1


def default_verdicts_path() -> Path:
    """``plugin-verdicts.json`` beside the plugin index."""
    return default_index_path().with_name("plugin-verdicts.json")


def _map_hash(plugin_map: Mapping[str, Any]) -> str:
    text = json.dumps(plugin_map, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _key(plugin: PluginInfo) -> str:
    return f"{plugin.path}::{plugin.name}"


def _stamp(plugin: PluginInfo, plugin_map: Mapping[str, Any]) -> dict[str, Any]:
    try:
        fp = bundle_fingerprint(plugin.path)
        fingerprint = [fp.mtime_ns, fp.content_mtime_ns, fp.size_bytes]
    except OSError:
        fingerprint = None
    return {"fingerprint": fingerprint, "map_hash": _map_hash(plugin_map)}


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        return {}
    entries = data.get("verdicts")
    return entries if isinstance(entries, dict) else {}


def record_verdict(plugin: PluginInfo, plugin_map: Mapping[str, Any], report: Mapping[str, Any], *,
                   path: str | os.PathLike[str] | None = None) -> Path:  # fmt: skip
    """Keep ``report`` (from :func:`.verify.verify_map`) for ``plugin`` with ``plugin_map``."""
    p = Path(path) if path is not None else default_verdicts_path()
    entries = _read(p)
    entries[_key(plugin)] = {**_stamp(plugin, plugin_map), "report": dict(report)}
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(p, json.dumps({"schema_version": SCHEMA_VERSION, "verdicts": entries}, indent=1,
                                    allow_nan=False, default=str))  # fmt: skip
    return p


def read_verdicts(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Every kept entry (read once, then given to :func:`cached_verdict` as ``entries``)."""
    return _read(Path(path) if path is not None else default_verdicts_path())


def cached_verdict(plugin: PluginInfo, plugin_map: Mapping[str, Any], *,
                   path: str | os.PathLike[str] | None = None,
                   entries: Mapping[str, Any] | None = None) -> dict[str, Any] | None:  # fmt: skip
    """The kept report for ``plugin`` with ``plugin_map``, or None (never verified, or the
    bundle or the map changed since). ``entries`` (:func:`read_verdicts`) saves reading the
    file again for each plugin of a listing."""
    if entries is None:
        entries = read_verdicts(path)
    entry = entries.get(_key(plugin))
    if not isinstance(entry, dict) or not isinstance(entry.get("report"), dict):
        return None
    if {k: entry.get(k) for k in ("fingerprint", "map_hash")} != _stamp(plugin, plugin_map):
        return None
    return entry["report"]


def verdict_label(report: Mapping[str, Any] | None) -> str:
    """``verified 0.33 dB`` / ``approximate 0.87 dB`` / ``failed …`` / ``not verified``."""
    if report is None:
        return "not verified"
    err = report.get("error_db")
    return f"{report.get('status', '?')}" + ("" if err is None else f" {err:.2f} dB")


def map_and_verdict(plugin: PluginInfo, *, path: str | os.PathLike[str] | None = None,
                    entries: Mapping[str, Any] | None = None
                    ) -> tuple[dict[str, Any] | None, str, dict[str, Any] | None]:  # fmt: skip
    """``(map, how, report)``: the plugin's map (None when it has none), ``"shipped"``,
    ``"inferred"`` or the reason there is none, and the kept verification report
    (``entries``: as for :func:`cached_verdict`)."""
    shipped = find_map(plugin)
    if shipped is not None:
        return shipped, "shipped", cached_verdict(plugin, shipped, path=path, entries=entries)
    try:
        inferred = map_for(plugin)
    except MappingError as exc:
        return None, str(exc), None
    return inferred, "inferred", cached_verdict(plugin, inferred, path=path, entries=entries)
