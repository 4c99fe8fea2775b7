"""Placing moves on the engineer's own plugins: which slot of a chain realises which move.

The engineer picks a plugin for the EQ moves (say ZamEQ2) and one for the dynamics (say
ZamCompX2); :func:`place_moves` builds the :class:`~bridge.chain.Chain`: moves in chain
order (:data:`bridge.render.CHAIN_ORDER`), each on the first chosen plugin whose parameter
map realises its kind and still has a free slot for it, consecutive moves on the same
plugin sharing one instance, and every other move on the built-in processors. A plugin slot
keeps the moves it realises, so a chain file or a preset says what it was mapped from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analyzers.moves import Move

from .mapping import MappingError, map_moves
from .records import PluginInfo

#: The move kinds an "EQ" plugin and a "dynamics" plugin are chosen for.
EQ_KINDS = ("highpass", "lowpass", "peak", "low_shelf", "high_shelf")
DYNAMICS_KINDS = ("compressor", "limiter")


def realises(plugin_map: Mapping[str, Any] | None, kinds: Sequence[str]) -> bool:
    """Whether the map realises at least one of ``kinds``."""
    return plugin_map is not None and any(k in plugin_map.get("kinds", {}) for k in kinds)


def place_moves(moves: Sequence[Move], placements: Sequence[tuple[PluginInfo, Mapping[str, Any]]], *,
                sample_rate_hz: float) -> Any:  # fmt: skip
    """The chain that realises ``moves`` on the chosen plugins, the rest built in.

    Parameters
    ----------
    moves : sequence of Move
    placements : sequence of (PluginInfo, map)
        The chosen plugins and their parameter maps, in order of preference.
    sample_rate_hz : float
        The rate the plugins will run at (some conversions depend on it), Hz.
    """
    from ..chain import BuiltinSlot, Chain, PluginSlotSpec
    from ..render import order_moves

    slots: list[Any] = []
    group: list[Move] = []
    overflow: list[Move] = []  # realisable, but the instance's slots are full: built in, after it
    target: int | None = None

    def flush() -> None:
        nonlocal group, target, overflow
        if group and target is not None:
            plugin, plugin_map = placements[target]
            values = map_moves(group, plugin, plugin_map, sample_rate_hz=sample_rate_hz)
            fmt = "au" if plugin.format.upper() == "AU" else "vst3"
            slots.append(PluginSlotSpec(name=plugin.name, path=plugin.path, format=fmt, params=values,
                                        moves=tuple(group)))  # fmt: skip
        slots.extend(BuiltinSlot(m) for m in overflow)
        group, target, overflow = [], None, []

    for m in order_moves(moves):
        where, full = None, False
        for i, (plugin, plugin_map) in enumerate(placements):
            if m.kind not in plugin_map.get("kinds", {}):
                continue
            trial = (group if target == i else []) + [m]
            try:
                map_moves(trial, plugin, plugin_map, sample_rate_hz=sample_rate_hz)
            except MappingError:
                full = full or target == i
                continue  # no free slot of that kind left on this instance
            where = i
            break
        if where is None:
            if full and m.kind in EQ_KINDS:
                overflow.append(m)  # EQ filters commute: it may follow the plugin's bands
            else:
                flush()
                slots.append(BuiltinSlot(m))
            continue
        if where != target:
            flush()
            target = where
        group.append(m)
    flush()
    return Chain(tuple(slots))
