"""Accepted moves pushed into the DAW: ``gain`` on the track's fader, the other moves on the
matching plugin already on that track, through the plugin maps and the DAW's descriptor.

OSC over UDP has no acknowledgement: a message sent to a port where nothing listens is
lost without a word. A fader move is therefore read back (the profile's ``get_gain``) and
reported ``confirmed`` only when the DAW answers with the value set (within
:data:`CONFIRM_TOLERANCE_DB`); with no answer, or a profile that cannot ask, it is
``unconfirmed`` and says why. Plugin parameters are set through the DAW's descriptor,
which the DAW had to answer first: a push to no DAW fails there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from analyzers.moves import REPAIR_KINDS, Move

from ..chain import BuiltinSlot, Chain
from ..plugins.mapping import find_map, map_moves
from ..errors import DawLinkError
from .automation import can_write_automation, write_ride
from .client import DawClient, match_parameter
from .profile import DawProfileError

#: A fader read back within this of the value set confirms it (Ardour replies to ±0.05 dB).
CONFIRM_TOLERANCE_DB = 0.1


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


def push_moves(client: DawClient, track: int | str, moves: Sequence[Move], *, ride_start_s: float = 0.0,
               progress: Callable[[str], object] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Put accepted moves into the DAW: ``gain`` on the track's fader, a ``ride`` as the
    fader's automation (:func:`bridge.daw.automation.write_ride`, a real-time write pass from
    session position ``ride_start_s``, read back) where the profile can write automation, the
    others on the matching plugin already on that track (by name against the plugin maps).

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
    # a fader gain before a ride: the ride's automation is written around the fader's new value
    # (once the gain automation plays, a static fader value would no longer hold)
    for m in sorted(moves, key=lambda m: (m.kind == "ride", m.kind != "gain")):
        if m.kind == "gain":
            db = float(m.params["gain_db"])
            client.set_gain_db(t, db)
            confirmed, note = _confirm_gain(client, t, db)
            report.append({"target": "fader", "moves": [m.describe()], "set": [{"name": "gain_db", "value": db}],
                           "unmatched": [], "confirmed": confirmed, "confirmation": note})  # fmt: skip
        elif m.kind == "ride" and can_write_automation(client):
            report.append(write_ride(client, t, m, start_s=ride_start_s, progress=progress))
        elif m.kind == "ride":
            report.append({"target": "rendered, not pushed", "moves": [m.describe()], "set": [], "unmatched": [],
                           "note": f"the {client.daw} profile cannot write fader automation over OSC: render the "
                                   "ride with secondear apply"})  # fmt: skip
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
                       "set": done, "unmatched": unmatched, "confirmed": bool(done) and params is not None,
                       "confirmation": "set through the parameter descriptor the DAW answered with"
                       if params is not None else "no parameter descriptor: nothing could be set"})  # fmt: skip
    return report


def _confirm_gain(client: DawClient, track: int, gain_db: float) -> tuple[bool, str]:
    """Read the fader back: (confirmed, what was found)."""
    if not client.supports("get_gain"):
        return False, f"{client.daw}'s OSC cannot be asked for a fader's value: not read back"
    try:
        got = client.get_gain_db(track)
    except (DawLinkError, DawProfileError, ValueError) as exc:
        return False, f"no answer when reading the fader back ({exc})"
    if abs(got - gain_db) <= CONFIRM_TOLERANCE_DB:
        return True, f"read back {got:+.2f} dB"
    return False, f"read back {got:+.2f} dB, not the {gain_db:+.2f} dB sent"

