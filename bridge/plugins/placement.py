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
from dataclasses import dataclass
from typing import Any

from analyzers.moves import EQ_KINDS, Move

from ..chain import BuiltinSlot, Chain, PluginSlotSpec
from ..render import order_moves
from .index import PluginIndex, load_index
from .mapping import MappingError, map_moves
from .records import PluginInfo
from .verdicts import map_and_verdict, read_verdicts, verdict_label



def realises(plugin_map: Mapping[str, Any] | None, kinds: Sequence[str]) -> bool:
    """Whether the map realises at least one of ``kinds``."""
    return plugin_map is not None and any(k in plugin_map.get("kinds", {}) for k in kinds)


def place_moves(moves: Sequence[Move], placements: Sequence[tuple[PluginInfo, Mapping[str, Any]]], *,
                sample_rate_hz: float) -> Chain:  # fmt: skip
    """The chain that realises ``moves`` on the chosen plugins, the rest built in.

    Parameters
    ----------
    moves : sequence of Move
    placements : sequence of (PluginInfo, map)
        The chosen plugins and their parameter maps, in order of preference.
    sample_rate_hz : float
        The rate the plugins will run at (some conversions depend on it), Hz.
    """
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


def place_on_plugin(moves: Sequence[Move], plugin: PluginInfo, plugin_map: Mapping[str, Any], *,
                    sample_rate_hz: float) -> Chain:  # fmt: skip
    """Every move on one instance of ``plugin`` (``secondear render --plugin``), in chain order.

    Raises
    ------
    MappingError
        A move the plugin's map cannot take, or more moves of a kind than it has slots (the
        message names the plugin and what its map realises).
    """
    ordered = order_moves(moves)
    values = map_moves(ordered, plugin, plugin_map, sample_rate_hz=sample_rate_hz)
    fmt = "au" if plugin.format.upper() == "AU" else "vst3"
    return Chain((PluginSlotSpec(name=plugin.name, path=plugin.path, format=fmt, params=values,
                                 moves=tuple(ordered)),))  # fmt: skip


@dataclass(frozen=True, slots=True)
class PluginChoice:
    """A scanned plugin whose parameter map realises some move kinds, with its kept verdict
    (``verified 0.33 dB``, ``not verified``…): what the panel offers under "EQ on" and
    "Dynamics on"."""

    plugin: PluginInfo
    plugin_map: Mapping[str, Any]
    verdict: str

    def realises(self, kinds: Sequence[str]) -> bool:
        return realises(self.plugin_map, kinds)

    @property
    def label(self) -> str:
        return f"{self.plugin.name} · {self.verdict}"


def plugin_choices(index: PluginIndex | None = None) -> list[PluginChoice]:
    """Every plugin of the index (default: the user's) that has a map realising some move
    kind, with its kept verdict; the verdict file is read once.

    Raises
    ------
    PluginIndexError
        The index cannot be read.
    """
    index = load_index() if index is None else index
    verdicts = read_verdicts()
    out = []
    for p in index.plugins:
        plugin_map, _how, report = map_and_verdict(p, entries=verdicts)
        if plugin_map is not None and plugin_map.get("kinds"):
            out.append(PluginChoice(p, plugin_map, verdict_label(report)))
    return out
