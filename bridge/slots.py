"""A chain turned into what renders: host slots checked against the plugin folders, and
rendered in process (built-in moves) or through the chain host (plugins).

Safety: a chain file is data, and nothing read from it may make Second Ear load a library
from an arbitrary place. :func:`build_slots` accepts a plugin slot only when its path
(symbolic links resolved) is a bundle the scanned plugin index knows, or lies under one of
the plugin folders (:func:`bridge.plugins.discovery.plugin_folders`); anything else is a
:class:`~bridge.chain.ChainError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .chain import BuiltinSlot, Chain, ChainError, ChainSlot, PluginSlotSpec
from .plugins.discovery import is_bundle, plugin_folders
from .plugins.host import ChainHost, PluginSlot
from .plugins.index import default_index_path, load_index
from .render import finite, render_in_order


def allowed_plugin_path(path: str | os.PathLike[str], index: Any = None) -> tuple[str, Any]:
    """The bundle's real path and the index's :class:`~bridge.plugins.records.BundleEntry`
    (None when the index does not know it) if Second Ear may load it; else ChainError.

    Allowed: a bundle (``.vst3``/``.component``) the plugin index knows (and that loaded
    when scanned), or one that lies under a plugin folder (see the module's docstring).
    Symbolic links and ``..`` are resolved before the check.
    """
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
    x = finite(audio)  # NaN/Inf samples as silence, before any stage or plugin
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


def with_plugin_states(chain: Chain, snapshot: Sequence[Any] | None) -> Chain:
    """``chain`` with each plugin slot's state taken from a render's snapshot
    (:attr:`SlotsRender.snapshot`), so that rendering it again reproduces that render exactly."""
    if not snapshot:
        return chain
    out: list[ChainSlot] = []
    for spec, snap in zip(chain.slots, snapshot):
        if isinstance(spec, PluginSlotSpec) and getattr(snap, "raw_state", None):
            spec = replace(spec, state=snap.raw_state)
        out.append(spec)
    return Chain(tuple(out))
