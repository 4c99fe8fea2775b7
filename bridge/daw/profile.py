"""DAW profiles: the JSON files in ``profiles/`` that map Second Ear's verbs onto each DAW's
own OSC, read and checked here, with the gain laws and the reply parsers they name.

A profile has ``daw``, ``default_port``, ``verbs`` (each with an ``address``, ``args`` and,
when the DAW answers, a ``reply`` with its address and the ``parser`` that reads it; or
``unsupported`` with the reason), optional ``indexing`` (the DAW's first track, plugin,
parameter), ``gain`` (the fader's law) and ``plugin_value`` (how a parameter value is sent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import BridgeError

PROFILES_DIR = Path(__file__).with_name("profiles")
PROFILE_NAMES = ("ardour", "reaper", "ableton", "bitwig", "generic")


class DawProfileError(BridgeError, ValueError):
    """A profile cannot do what was asked (a verb it lacks, a value outside its law)."""


def load_profile(profile: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A profile by name (``ardour``…), by file path, or given as a mapping."""
    if isinstance(profile, Mapping):
        return dict(profile)
    p = Path(profile)
    if not p.suffix and str(profile) in PROFILE_NAMES:
        p = PROFILES_DIR / f"{profile}.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DawProfileError(f"no DAW profile {profile!r}: use one of {', '.join(PROFILE_NAMES)} "
                              "or the path of a profile file") from None  # fmt: skip
    except (OSError, json.JSONDecodeError) as exc:
        raise DawProfileError(f"DAW profile {p}: cannot read it ({exc})") from exc
    check_profile(data, source=str(p))
    return data


def check_profile(data: Any, *, source: str = "the DAW profile") -> None:
    """Raise :class:`DawProfileError` unless ``data`` is a profile this code can drive: a
    mapping with ``verbs`` and the DAW's ``default_port``, each verb an ``address`` (or ``unsupported``), each ``reply``
    read by a known parser."""
    if not isinstance(data, Mapping) or not isinstance(data.get("verbs"), Mapping):
        raise DawProfileError(f"DAW profile {source} has no 'verbs'")
    port = data.get("default_port")
    if not isinstance(port, int) or not 0 < port <= 65535:
        raise DawProfileError(f"DAW profile {source}: 'default_port' must be a port number 1…65535, not {port!r}")
    for name, verb in data["verbs"].items():
        if not isinstance(verb, Mapping) or not ("address" in verb or "unsupported" in verb):
            raise DawProfileError(f"DAW profile {source}: verb {name!r} has neither an 'address' nor 'unsupported'")
        reply = verb.get("reply")
        if reply is not None and reply.get("parser") not in PARSERS:
            raise DawProfileError(f"DAW profile {source}: verb {name!r} names the reply parser {reply.get('parser')!r}; "
                                  f"known: {', '.join(sorted(PARSERS))}")  # fmt: skip


# --- gain laws ---------------------------------------------------------------------------------


def gain_to_daw(profile: Mapping[str, Any], gain_db: float) -> float:
    """The value the profile's ``set_gain`` takes for ``gain_db`` (dB)."""
    law = profile.get("gain", {})
    if law.get("unit", "db") == "db":
        lo, hi = law.get("min_db", -1e9), law.get("max_db", 1e9)
        return float(min(hi, max(lo, gain_db)))
    if law.get("formula") == "ableton_40v_minus_34":
        if not law.get("min_db", -18.0) <= gain_db <= law.get("max_db", 6.0):
            raise DawProfileError(f"{gain_db:g} dB is outside the documented AbletonOSC volume law "
                                  f"({law.get('min_db', -18.0):g}…{law.get('max_db', 6.0):g} dB: dB = 40 v − 34)")  # fmt: skip
        return (gain_db + 34.0) / 40.0
    raise DawProfileError(f"the {profile.get('daw')} profile documents no dB law for track volume: "
                          f"{law.get('source', 'none')}")  # fmt: skip


def gain_from_daw(profile: Mapping[str, Any], value: float) -> float:
    """dB for a value the profile's ``get_gain`` returned."""
    law = profile.get("gain", {})
    if law.get("unit", "db") == "db":
        return float(value)
    if law.get("formula") == "ableton_40v_minus_34":
        return 40.0 * float(value) - 34.0
    raise DawProfileError(f"the {profile.get('daw')} profile documents no dB law for track volume")


# --- reply parsers -----------------------------------------------------------------------------


def _ardour_strip_list(msgs: list[list[Any]], spec: Mapping[str, Any]) -> tuple[bool, Any]:
    tracks = []
    for a in msgs:
        if a and a[0] == "end_route_list":
            return True, tracks
        if len(a) >= 7 and isinstance(a[1], str):
            tracks.append({"number": int(a[6]), "name": a[1], "kind": a[0]})
    return False, tracks


def _ardour_session_rate(msgs: list[list[Any]], spec: Mapping[str, Any]) -> tuple[bool, Any]:
    """The sample rate in ``/strip/list``'s closing ``end_route_list`` reply."""
    for a in msgs:
        if a and a[0] == "end_route_list" and len(a) > 1:
            return True, float(a[1])
    return False, None


def _first_float(msgs: list[list[Any]], spec: Mapping[str, Any]) -> tuple[bool, Any]:
    skip = int(spec.get("skip", 0))
    for a in msgs:
        if len(a) > skip and isinstance(a[skip], (int, float)):
            return True, float(a[skip])
    return False, None


def _ardour_plugin_list(msgs: list[list[Any]], spec: Mapping[str, Any]) -> tuple[bool, Any]:
    for a in msgs:
        out = []
        rest = a[1:]
        for i in range(0, len(rest) - 2, 3):
            piid, name, active = rest[i:i + 3]
            out.append({"number": int(piid), "name": str(name), "active": bool(active)})
        return True, out
    return False, None


def _ardour_descriptor(msgs: list[list[Any]], spec: Mapping[str, Any]) -> tuple[bool, Any]:
    out = []
    for a in msgs:
        if a == ["__end__"]:
            return True, out
        if len(a) < 11:
            continue
        flags = int(a[4])
        out.append({"number": int(a[2]), "name": str(a[3]), "flags": flags, "lower": float(a[6]),
                    "upper": float(a[7]), "value": float(a[-1]), "input": bool(flags & 128),
                    "hidden": bool(flags & 256), "toggled": bool(flags & 64)})  # fmt: skip
    return False, out


def _names_after(msgs: list[list[Any]], spec: Mapping[str, Any]) -> tuple[bool, Any]:
    skip = int(spec.get("skip", 0))
    for a in msgs:
        return True, [{"number": i + 1, "name": str(n)} for i, n in enumerate(a[skip:])]
    return False, None


PARSERS = {"ardour_strip_list": _ardour_strip_list, "ardour_session_rate": _ardour_session_rate, "first_float": _first_float, "float_after": _first_float,
           "ardour_plugin_list": _ardour_plugin_list, "ardour_descriptor": _ardour_descriptor,
           "names_after": _names_after}  # fmt: skip
