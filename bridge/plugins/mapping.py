"""Parameter maps: how a Move goes onto a plugin's parameters.

A map is a JSON file in ``bridge/plugins/maps/`` (one per plugin or family). It names its
``source`` (manual, source code, scan), its ``licence`` and its ``status``
(``verified`` / ``approximate`` by measurement with :mod:`.verify`, ``inferred`` by
:func:`infer_map`, ``not verified here`` for plugins this machine cannot load, ``no move
maps`` for processors no Move kind fits) and the plugin's channel layout. For every Move
kind it realises it lists the band ``slots`` (several EQ moves fill slots 1, 2, …), and for
each slot which plugin parameter each Move parameter goes to, with a unit conversion::

    "kinds": {"peak": {"slots": [
        {"id": "band1",
         "params": {"freq_hz": {"param": "frequency_1_hz"},
                    "q": {"param": "bandwidth_1", "convert": "zameq2_bandwidth"}},
         "set": {...fixed values while the slot is used...},
         "ignored": ["q"]}]}},
    "fixed": {...always set...},  "idle": {...values for the slots left unused...}

Conversions (``convert``; the default is ``identity``: same unit):

* ``q_to_octaves`` — the bandwidth in octaves of a Q (RBJ: N = 2 asinh(1/(2Q)) / ln 2).
* ``zameq2_bandwidth`` — ZamEQ2 4.2's own "bandwidth" (see ``maps/zameq2.json``), chosen so
  its band is as wide as the RBJ peak's at the rate the plugin runs.
* ``normalised`` — 0–1 over the scanned range (``"scale": "log"`` for a log control).
* ``offset`` — value + ``offset``; ``scale`` — value × ``factor``; ``abs``; ``db_to_linear``; ``ceiling_minus_gain``.
* ``nearest_choice`` — the nearest of ``choices`` (stepped controls).
* ``nearest_band`` / ``sampled`` — fixed-band graphic EQs: the band nearest the move's
  frequency gets its gain, or every band gets the move's response at its centre.

Values are clamped to the scanned parameter's range when the plugin has been scanned.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from analyzers.eq_response import move_response_db
from analyzers.moves import Move

from ..errors import BridgeError
from .records import ParameterInfo, PluginInfo

#: The folder of the map files that ship with Second Ear.
MAPS_DIR = Path(__file__).with_name("maps")

class MappingError(BridgeError, ValueError):
    """A move cannot go onto a plugin with this map; the message says why and what can."""


# --- loading -------------------------------------------------------------------------------


def load_maps(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """Every map file in ``folder`` (default: the shipped maps), each with ``"file"`` added."""
    if folder is None:
        files = sorted((p for p in resources.files("bridge.plugins").joinpath("maps").iterdir()
                        if p.name.endswith(".json")), key=lambda p: p.name)  # fmt: skip
    else:
        files = sorted(Path(folder).glob("*.json"))
    out = []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MappingError(f"parameter map {f}: cannot read it ({exc})") from exc
        data["file"] = f.name
        out.append(data)
    return out


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def find_map(plugin: PluginInfo | str, maps: Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any] | None:
    """The shipped map whose ``names`` include the plugin's name (or bundle name), else None."""
    if isinstance(plugin, PluginInfo):
        wanted = {_key(plugin.name), _key(Path(plugin.path).stem)}
    else:
        wanted = {_key(plugin)}
    for m in maps if maps is not None else load_maps():
        if any(_key(n) in wanted for n in m.get("names", [])) or _key(m.get("plugin", "")) in wanted:
            return dict(m)
    return None


# --- conversions ---------------------------------------------------------------------------


def q_to_octaves(q: float) -> float:
    """Bandwidth in octaves of a peaking filter's Q (RBJ's definition)."""
    return 2.0 * math.asinh(1.0 / (2.0 * q)) / math.log(2.0)


def zameq2_q(bandwidth: float) -> float:
    """The Q ZamEQ2 4.2 realises for its ``bandwidth_N`` value (see ``maps/zameq2.json``)."""
    return 2.0 * math.pi * 2.0 ** (1.0 / bandwidth) / (2.0**bandwidth - 1.0)


def rbj_peak_bandwidth_rad(freq_hz: float, gain_db: float, q: float, sample_rate_hz: float) -> float:
    """Width (radians per sample) of an RBJ peak between its half-gain (in dB) frequencies.

    Found by bisection on :func:`analyzers.eq_response.move_response_db`; an edge beyond
    0 Hz or Nyquist is taken there. A 0 dB move is measured as if it were 6 dB.
    """
    g = gain_db if abs(gain_db) >= 0.1 else 6.0
    move = Move("peak", {"freq_hz": freq_hz, "gain_db": g, "q": q})
    nyquist = 0.5 * sample_rate_hz

    def inside(f: float) -> bool:
        h = float(move_response_db(move, [f], sample_rate_hz)[0])
        return h >= g / 2 if g > 0 else h <= g / 2

    fc = min(freq_hz, 0.45 * sample_rate_hz)
    edges = []
    for outer in (1e-3, nyquist * 0.99999):
        if inside(outer):
            edges.append(0.0 if outer < fc else nyquist)
            continue
        a, b = fc, outer
        for _ in range(60):
            mid = 0.5 * (a + b)
            a, b = (mid, b) if inside(mid) else (a, mid)
        edges.append(0.5 * (a + b))
    return 2.0 * math.pi * (edges[1] - edges[0]) / sample_rate_hz


def zameq2_bandwidth_for(freq_hz: float, gain_db: float, q: float, sample_rate_hz: float,
                         low: float = 0.1, high: float = 6.0) -> float:  # fmt: skip
    """ZamEQ2's ``bandwidth_N`` whose band is as wide as the RBJ peak's, on the digital axis.

    ZamEQ2's Orfanidis design takes the band's width at the half-gain level as
    ``(freq/rate) / q_plugin`` radians per sample (``q_plugin`` = 2^(1/b)/(2^b − 1)); matching
    that width to the RBJ peak's own (:func:`rbj_peak_bandwidth_rad`) rather than its Q
    halves the error above 4 kHz (measured: 10 kHz Q 1, 1.49 → 0.62 dB).
    """
    dw = rbj_peak_bandwidth_rad(freq_hz, gain_db, q, sample_rate_hz)
    q_plugin = (freq_hz / sample_rate_hz) / max(dw, 1e-9)
    return zameq2_bandwidth(2.0 * math.pi * q_plugin, low, high)


def zameq2_bandwidth(q: float, low: float = 0.1, high: float = 6.0) -> float:
    """ZamEQ2's ``bandwidth_N`` for a Q (its formula inverted; decreasing in bandwidth)."""
    if q >= zameq2_q(low):
        return low
    if q <= zameq2_q(high):
        return high
    lo, hi = low, high
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if zameq2_q(mid) > q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _convert(spec: Mapping[str, Any], value: float, move: Move, info: ParameterInfo | None,
             sample_rate_hz: float) -> Any:  # fmt: skip
    how = spec.get("convert", "identity")
    if how == "identity":
        return value
    if how == "offset":
        return value + float(spec.get("offset", 0.0))
    if how == "scale":
        return value * float(spec.get("factor", 1.0))
    if how == "abs":
        return abs(value)
    if how == "db_to_linear":
        return 10 ** (value / 20)
    if how == "q_to_octaves":
        return q_to_octaves(value)
    if how == "zameq2_bandwidth":
        lo, hi = (info.min_value, info.max_value) if info and info.min_value is not None else (0.1, 6.0)
        p = move.params
        return zameq2_bandwidth_for(p["freq_hz"], p["gain_db"], value, sample_rate_hz, lo, hi)
    if how == "ceiling_minus_gain":
        return move.params[spec["ceiling"]] + float(spec.get("offset", 0.0)) - value
    if how == "nearest_choice":
        return min(spec["choices"], key=lambda c: abs(math.log(c / value)) if c > 0 and value > 0 else abs(c - value))
    if how == "slope_x12":
        return value / 12.0
    if how == "slope_label":
        return f"{int(value)} dB/oct"
    if how == "normalised":
        if info is None or info.min_value is None or info.max_value is None:
            raise MappingError(f"{spec.get('param')}: a normalised conversion needs the scanned range")
        lo, hi = info.min_value, info.max_value
        if spec.get("scale") == "log":
            return (math.log(value) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return (value - lo) / (hi - lo)
    raise MappingError(f"unknown conversion {how!r} in a parameter map")


def _param_info(plugin: PluginInfo | None, name: str) -> ParameterInfo | None:
    if plugin is None:
        return None
    for p in plugin.parameters:
        if p.name == name:
            return p
    return None


def _clamp(value: Any, info: ParameterInfo | None, normalised: bool) -> Any:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    if normalised:
        return min(1.0, max(0.0, float(value)))
    if info is None or info.min_value is None or info.max_value is None:
        return float(value)
    return min(info.max_value, max(info.min_value, float(value)))


# --- mapping -------------------------------------------------------------------------------


def map_moves(moves: Sequence[Move], plugin_info: PluginInfo | None, plugin_map: Mapping[str, Any], *,
              sample_rate_hz: float = 48000.0) -> dict[str, Any]:  # fmt: skip
    """The plugin parameter values that realise ``moves`` on the plugin, by ``plugin_map``.

    ``sample_rate_hz`` is the rate the plugin will run at (Hz): conversions that match a
    response on the digital frequency axis (``zameq2_bandwidth``) depend on it.

    Returns ``{parameter_name: value}`` in the plugin's own units (what
    ``pedalboard.load_plugin(parameter_values=…)`` or ``setattr`` takes): the map's
    ``fixed`` settings, the ``idle`` values of slots no move uses, and each move's
    parameters in the next free slot of its kind (slots shared between kinds, as on
    an EQ whose bands take any shape, are used once). Values are clamped to the scanned
    ranges when ``plugin_info`` is given.

    Raises
    ------
    MappingError
        A move's kind is not one the map realises (the message lists those it does), or
        more moves of a kind than the map has slots.
    """
    kinds = plugin_map.get("kinds", {})
    name = plugin_map.get("plugin", "this plugin")
    if plugin_map.get("host") == "builtin":
        raise MappingError(f"{name} is the built-in renderer (bridge/render.py): render the moves directly")
    values: dict[str, Any] = dict(plugin_map.get("fixed", {}))
    used: set[str] = set()
    per_kind: dict[str, int] = {}
    for move in moves:
        spec = kinds.get(move.kind)
        if spec is None:
            can = ", ".join(kinds) or "none: no Move kind maps onto it"
            raise MappingError(f"a {move.kind} move cannot go on {name}: its map realises {can}")
        per_kind[move.kind] = per_kind.get(move.kind, 0) + 1
        if spec.get("slots") == "fixed_bands":
            for param, gain in _fixed_bands(move, spec, plugin_info).items():
                values[param] = _clamp(values.get(param, 0.0) + gain, _param_info(plugin_info, param), False)
            continue
        free = [s for s in spec["slots"] if s["id"] not in used]
        if not free:
            n = len(spec["slots"])
            raise MappingError(f"{per_kind[move.kind]} {move.kind} moves do not fit on {name}: its map has "
                               f"{n} {move.kind} slot{'s' if n != 1 else ''} "
                               f"({', '.join(s['id'] for s in spec['slots'])}), all taken")  # fmt: skip
        slot = free[0]
        used.add(slot["id"])
        values.update(slot.get("set", {}))
        sign = slot.get("set_from_sign")
        if sign:
            values[sign["param"]] = sign["negative"] if move.params[sign["of"]] < 0 else sign["positive"]
        for pname, value in move.params.items():
            pspec = slot["params"].get(pname)
            if pspec is None:
                continue  # in "ignored": the plugin does not realise it (the map says so)
            info = _param_info(plugin_info, pspec["param"])
            v = _convert(pspec, value, move, info, sample_rate_hz)
            values[pspec["param"]] = _clamp(v, info, pspec.get("convert") == "normalised")
    # idle values for the parameters of slots nobody used
    for param, v in plugin_map.get("idle", {}).items():
        if not _param_set_by_a_slot(param, kinds, used):
            values[param] = v
    return values


def _param_set_by_a_slot(param: str, kinds: Mapping[str, Any], used: set[str]) -> bool:
    for spec in kinds.values():
        if spec.get("slots") == "fixed_bands":
            continue
        for slot in spec["slots"]:
            if slot["id"] in used and any(p.get("param") == param for p in slot["params"].values()):
                return True
    return False


def _fixed_bands(move: Move, spec: Mapping[str, Any], plugin_info: PluginInfo | None) -> dict[str, float]:
    """Gains (dB) for a graphic EQ's fixed bands that approximate ``move``.

    ``nearest_band``: the move's gain on the band nearest its frequency. ``sampled``: every
    band gets the move's own response at the band's centre (RBJ curve, 48 kHz), so a wide
    bell spreads over the neighbouring bands; bands under 0.05 dB are left out.
    """
    bands = spec["bands"]
    how = spec.get("params", {}).get("gain_db", {}).get("convert", "nearest_band")
    if how == "sampled":
        import numpy as np

        centres = np.array([float(bands[p]) for p in bands])
        gains = move_response_db(move, np.minimum(centres, 23000.0), 48000.0)
        return {p: round(float(g), 3) for p, g in zip(bands, gains) if abs(g) >= 0.05}
    f = move.params["freq_hz"]
    param = min(bands, key=lambda p: abs(math.log(bands[p] / f)))
    return {param: move.params["gain_db"]}


# --- inference -------------------------------------------------------------------------------

_FREQ = re.compile(r"(freq|frequency|cutoff|center|centre)")
_GAIN = re.compile(r"(gain|boost|cut|level)")
_WIDTH = re.compile(r"(^|_)(q|bandwidth|bw|width|reso)")


def infer_map(plugin_info: PluginInfo) -> dict[str, Any]:
    """A map guessed from parameter names, units and ranges, marked ``"status": "inferred"``.

    Compressor: parameters named threshold, ratio, attack, release (and makeup) in dB,
    ratio and ms. EQ: frequency / gain / Q-or-bandwidth groups that share a band number
    (``frequency_1_hz``, ``boost_cut_1_db``, ``bandwidth_1``), numbered 1..n as peak slots.
    A width in octaves (unit ``oct`` or a name with ``bandwidth``/``oct``) converts from Q.

    Raises
    ------
    MappingError
        Nothing recognisable: neither an EQ nor a compressor.
    """
    params = [p for p in plugin_info.sound_parameters if p.automatable and p.kind == "float"]
    names = {p.name: p for p in params}
    kinds: dict[str, Any] = {}

    comp: dict[str, Any] = {}
    for move_param, pattern in (("threshold_db", r"thresh"), ("ratio", r"ratio"), ("attack_ms", r"attack"),
                                ("release_ms", r"release"), ("makeup_db", r"make_?up")):  # fmt: skip
        hits = [n for n in names if re.search(pattern, n)]
        if hits:
            comp[move_param] = {"param": sorted(hits, key=len)[0]}
    if {"threshold_db", "ratio"} <= comp.keys():
        for ms in ("attack_ms", "release_ms"):
            p = comp.get(ms)
            if p and (names[p["param"]].units == "s" or p["param"].endswith("_s")):
                p.update({"convert": "scale", "factor": 0.001})  # the plugin counts seconds
        kinds["compressor"] = {"slots": [{"id": "comp", "params": comp}]}

    groups: dict[str, dict[str, str]] = {}
    for n in names:
        m = re.search(r"(?:^|_)(\d+|l|h|low|high|lo|hi)(?:_|$)", n)
        if not m:
            continue
        band = m.group(1)
        role = "freq" if _FREQ.search(n) else "width" if _WIDTH.search(n) else "gain" if _GAIN.search(n) else None
        if role:
            groups.setdefault(band, {}).setdefault(role, n)
    slots = []
    for band in sorted((b for b in groups if b.isdigit()), key=int):
        g = groups[band]
        if "freq" in g and "gain" in g:
            slot: dict[str, Any] = {"id": f"band{band}", "params": {"freq_hz": {"param": g["freq"]},
                                                                     "gain_db": {"param": g["gain"]}}}  # fmt: skip
            if "width" in g:
                w = names[g["width"]]
                octaves = (w.units or "").lower().startswith("oct") or "oct" in w.name or "bandwidth" in w.name
                slot["params"]["q"] = {"param": g["width"], "convert": "q_to_octaves" if octaves else "identity"}
            else:
                slot["ignored"] = ["q"]
            slots.append(slot)
    if slots:
        kinds["peak"] = {"slots": slots}
    if not kinds:
        raise MappingError(f"cannot infer a map for {plugin_info.name}: no threshold/ratio parameters and no "
                           "numbered frequency/gain groups among its parameters")  # fmt: skip
    return {
        "schema_version": 1, "plugin": plugin_info.name, "names": [plugin_info.name],
        "vendor": plugin_info.vendor, "source": "inferred from the scanned parameter names, units and ranges",
        "licence": "n/a (generated)", "status": "inferred", "channels": plugin_info.channels, "kinds": kinds,
        "notes": ["guessed, not measured: run 'secondear plugins verify' before trusting it"],
    }  # fmt: skip


def map_for(plugin_info):
    """The plugin's shipped map, or one inferred from its parameters.

    Raises
    ------
    MappingError
        No map ships for the plugin and none can be inferred (the message says why).
    """
    found = find_map(plugin_info)
    if found is not None:
        return found
    try:
        return infer_map(plugin_info)
    except MappingError as exc:
        raise MappingError(f"{plugin_info.name} has no parameter map and none can be inferred: {exc}") from exc
