"""Accepted moves pushed into the DAW: ``gain`` on the track's fader, the other moves on the
matching plugin already on that track, through the plugin maps and the DAW's descriptor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzers.moves import REPAIR_KINDS, Move

from ..chain import BuiltinSlot, Chain
from ..plugins.mapping import find_map, map_moves
from .client import DawClient, match_parameter
from .profile import DawProfileError


def chain_moves(chain: Chain) -> list[Move]:
    """The moves a chain's slots realise, in order: a built-in slot's move, a plugin slot's
    recorded ``moves``. A plugin slot that records none is a ValueError naming it (its
    parameters are that plugin's own, not moves the DAW's plugins can be mapped from)."""
    out: list[Move] = []
    for i, s in enumerate(chain.slots):
        if isinstance(s, BuiltinSlot):
            out.append(s.move)
        elif s.moves:
            out.extend(s.moves)
        else:
            raise ValueError(f"slot {i} (plugin {s.name}) records no moves, only the plugin's own parameters: "
                             "daw push sends moves through the plugin maps; push that plugin's settings in the DAW")  # fmt: skip
    if not out:
        raise ValueError("the chain has no slots: nothing to push")
    return out


def push_moves(client: DawClient, track: int | str, moves: Sequence[Move]) -> list[dict[str, Any]]:
    """Put accepted moves into the DAW: ``gain`` on the track's fader, the others on the
    matching plugin already on that track (by name against the plugin maps).

    Each plugin's parameter values come from :func:`bridge.plugins.mapping.map_moves`; they
    are set by name→index through the DAW's descriptor. Returns one entry per target:
    ``{"target": "fader"|plugin name, "moves": [...], "set": [...], "unmatched": [...]}``; a
    repair move (:data:`analyzers.moves.REPAIR_KINDS`) no plugin there takes gets
    ``{"target": "rendered, not pushed", …, "note": why}``.

    Raises
    ------
    DawProfileError
        No plugin on the track realises a move's kind (the message lists the plugins there).
    """
    t = client.track_number(track)
    report: list[dict[str, Any]] = []
    rest: list[Move] = []
    for m in moves:
        if m.kind == "gain":
            db = float(m.params["gain_db"])
            client.set_gain_db(t, db)
            report.append({"target": "fader", "moves": [m.describe()], "set": [{"name": "gain_db", "value": db}],
                           "unmatched": []})  # fmt: skip
        elif m.kind == "ride":
            # a gain curve would be fader automation; no DAW profile here writes automation over OSC
            report.append({"target": "rendered, not pushed", "moves": [m.describe()], "set": [], "unmatched": [],
                           "note": "the DAW link cannot write fader automation: render the ride with "
                                   "secondear apply"})  # fmt: skip
        else:
            rest.append(m)
    if not rest:
        return report
    plugins = client.list_plugins(t)
    maps = {p["number"]: find_map(p["name"]) for p in plugins}
    groups: dict[int, list[Move]] = {}
    for m in rest:
        hit = next((p for p in plugins if maps[p["number"]] and m.kind in maps[p["number"]].get("kinds", {})), None)
        if hit is None and (m.kind in REPAIR_KINDS or m.kind == "deesser"):
            # a repair (notches, a gate, noise reduction) or a de-esser the DAW's plugins cannot take is
            # rendered by secondear apply: say so rather than refuse the other moves
            report.append({"target": "rendered, not pushed", "moves": [m.describe()], "set": [], "unmatched": [],
                           "note": f"no plugin on the track realises a {m.kind} move: render it with "
                                   "secondear apply (or add a plugin whose map has that kind)"})  # fmt: skip
            continue
        if hit is None:
            there = ", ".join(p["name"] for p in plugins) or "no plugins"
            raise DawProfileError(f"no plugin on track {track!r} realises a {m.kind} move (there: {there}); "
                                  "add one whose map has that kind")  # fmt: skip
        groups.setdefault(hit["number"], []).append(m)
    for number, ms in groups.items():
        plugin = next(p for p in plugins if p["number"] == number)
        values = map_moves(ms, None, maps[number])
        params = client.request("plugin_parameters", track=t, plugin=number) if client.supports(
            "plugin_parameters") else None  # fmt: skip
        done, unmatched = [], []
        for name, value in values.items():
            if not isinstance(value, (int, float)) or params is None:
                unmatched.append(name)
                continue
            info = match_parameter(name, params)
            if info is None:
                unmatched.append(name)
                continue
            done.append(client.set_plugin_parameter(t, number, int(info["number"]), float(value), parameters=params))
        report.append({"target": plugin["name"], "plugin": number, "moves": [m.describe() for m in ms],
                       "set": done, "unmatched": unmatched})  # fmt: skip
    return report
