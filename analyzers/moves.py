"""Moves: one processor change each, with parameters named in their units.

A :class:`Move` is the word every package shares (DESIGN.md, "Core records"): the
analyzers propose moves, the bridge renders them with pedalboard or maps them onto a
plugin, the DAW link sends them, presets store them. It is validated when made, so a Move
that exists is one that can be rendered: every kind lists its parameters, their units,
their ranges and defaults in :data:`KINDS`.

A move written on the command line is ``KIND key=value …`` (:func:`parse_move`), e.g.
``peak freq_hz=1000 gain_db=-3 q=1.4`` or ``compressor threshold_db=-18 ratio=3``.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .errors import ParameterError


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a move kind: unit (in the name), range and default."""

    low: float
    high: float
    default: float | None = None  # None: required
    doc: str = ""


#: Harmonics a ``dehum`` move can notch (bits of its ``harmonic_mask``).
MAX_HUM_HARMONICS = 24

#: Every move kind, its parameters (unit-suffixed names), their ranges and defaults.
KINDS: Mapping[str, Mapping[str, Param]] = MappingProxyType(
    {
        "highpass": {
            "freq_hz": Param(10.0, 2000.0, doc="−3 dB point"),
            "slope_db_oct": Param(6.0, 24.0, 12.0, "6, 12, 18 or 24"),
        },
        "lowpass": {
            "freq_hz": Param(200.0, 24000.0, doc="−3 dB point"),
            "slope_db_oct": Param(6.0, 24.0, 12.0, "6, 12, 18 or 24"),
        },
        "peak": {
            "freq_hz": Param(20.0, 20000.0),
            "gain_db": Param(-24.0, 24.0),
            "q": Param(0.1, 18.0, 1.0),
        },
        "low_shelf": {
            "freq_hz": Param(20.0, 2000.0),
            "gain_db": Param(-18.0, 18.0),
            "q": Param(0.3, 2.0, 0.707),
        },
        "high_shelf": {
            "freq_hz": Param(500.0, 20000.0),
            "gain_db": Param(-18.0, 18.0),
            "q": Param(0.3, 2.0, 0.707),
        },
        "compressor": {
            "threshold_db": Param(-60.0, 0.0),
            "ratio": Param(1.0, 20.0),
            "attack_ms": Param(0.1, 300.0, 10.0),
            "release_ms": Param(5.0, 3000.0, 100.0),
            "makeup_db": Param(0.0, 24.0, 0.0),
        },
        "expander": {
            "threshold_db": Param(-60.0, 0.0, doc="no expansion below this level"),
            "ratio": Param(1.0, 4.0, 1.5, "a transient rising d dB over its surroundings rises ratio·d"),
            "attack_ms": Param(0.1, 100.0, 1.0, "the fast envelope's time constant"),
            "release_ms": Param(5.0, 2000.0, 60.0, "the slow envelope's time constant"),
        },
        "deesser": {
            "freq_hz": Param(2000.0, 16000.0, doc="centre of the band turned down on each burst"),
            "threshold_db": Param(-80.0, 0.0, doc="band level (mean-square dBFS over 5 ms) above which it acts"),
            "range_db": Param(0.0, 24.0, 6.0, "the most the band is turned down"),
            "q": Param(0.5, 8.0, 2.15, "band width: 2.15 is 2/3 octave"),
            "ratio": Param(1.0, 20.0, 8.0, "reduction = (level − threshold)·(1 − 1/ratio), up to range_db"),
            "attack_ms": Param(0.1, 20.0, 1.0),
            "release_ms": Param(5.0, 500.0, 60.0),
        },
        "ride": {
            "ramp_ms": Param(0.0, 2000.0, 0.0, "extra smoothing of the curve (raised-cosine, 0 = none)"),
        },
        "limiter": {
            "ceiling_dbtp": Param(-12.0, 0.0, -1.0),
            "gain_db": Param(-24.0, 24.0, 0.0, "input gain before the limiter"),
            "release_ms": Param(1.0, 1000.0, 100.0),
        },
        "gain": {"gain_db": Param(-60.0, 24.0)},
        "polarity": {"channel": Param(-1.0, 63.0, -1.0, "channel index; −1 = every channel")},
        "width": {
            "side_gain_db": Param(-60.0, 12.0, 0.0, "level of the side signal"),
            "mono_below_hz": Param(0.0, 500.0, 0.0, "side removed below this; 0 = off"),
        },
        "notch": {
            "freq_hz": Param(20.0, 20000.0, doc="centre (infinitely deep)"),
            "q": Param(1.0, 300.0, 30.0, "centre / −3 dB bandwidth"),
        },
        "dehum": {
            "freq_hz": Param(40.0, 70.0, doc="the measured mains fundamental (50 or 60 Hz, as it drifts)"),
            "harmonic_mask": Param(1.0, float(2**MAX_HUM_HARMONICS - 1), doc=(
                "which harmonics get a notch: bit k−1 for the k-th (1 = the fundamental only, "
                "7 = 1st to 3rd, 23 = 1st, 2nd, 3rd and 5th)")),
            "width_hz": Param(0.5, 20.0, 2.0, "−3 dB width of every notch (Q rises with the harmonic)"),
        },
        "gate": {
            "threshold_db": Param(-90.0, 0.0, doc="opens above this level (10 ms RMS, channels linked)"),
            "ratio": Param(1.0, 100.0, 4.0, "downward expansion below the threshold (100 = a gate)"),
            "range_db": Param(0.0, 80.0, 20.0, "the most it turns down"),
            "attack_ms": Param(0.1, 50.0, 1.0),
            "hold_ms": Param(0.0, 1000.0, 60.0, "stays open this long after the level falls"),
            "release_ms": Param(5.0, 2000.0, 150.0),
            "hysteresis_db": Param(0.0, 12.0, 4.0, "closes only this far under the threshold"),
        },
        "noise_reduction": {
            "reduction_db": Param(1.0, 40.0, 12.0, "how far the noise is turned down"),
            "profile_below_db": Param(-120.0, 0.0, doc="stretches quieter than this (46 ms RMS) are the noise profile"),
        },
        "delay": {
            "delay_samples": Param(0.0, 48000.0),
            "channel": Param(-1.0, 63.0, -1.0, "channel index; −1 = every channel"),
        },
    }
)

#: The EQ kinds that change the tone inside the band (bells and shelves, not filters).
TONAL_EQ_KINDS = ("peak", "low_shelf", "high_shelf")
#: The kinds an EQ realises (an "EQ" plugin is chosen for these).
EQ_KINDS = ("highpass", "lowpass", *TONAL_EQ_KINDS)
#: The kinds a dynamics processor realises (a "dynamics" plugin is chosen for these).
DYNAMICS_KINDS = ("compressor", "limiter", "gate")
#: The kinds that repair noise: hum notches, spectral noise reduction, and the gate.
REPAIR_KINDS = ("notch", "dehum", "noise_reduction", "gate")
#: The kinds that carry a curve (breakpoints ``(time_s, gain_db)``) besides their parameters.
CURVE_KINDS = ("ride",)
#: A ride's gain stays within ± this (dB); breakpoints at most this many.
RIDE_RANGE_DB = 24.0
MAX_BREAKPOINTS = 100000
#: The kinds with one amount: the parameter that holds it and its neutral value ("a bit
#: more" scales the change from neutral; taste learns the share of it engineers keep).
AMOUNT_PARAMS: Mapping[str, tuple[str, float]] = MappingProxyType({
    "peak": ("gain_db", 0.0), "low_shelf": ("gain_db", 0.0), "high_shelf": ("gain_db", 0.0),
    "gain": ("gain_db", 0.0), "limiter": ("gain_db", 0.0), "width": ("side_gain_db", 0.0),
    "compressor": ("ratio", 1.0), "expander": ("ratio", 1.0),
})  # fmt: skip

#: Parameters that take whole numbers only (a channel, a count of samples, a bit mask).
INTEGER_PARAMS = frozenset({"channel", "delay_samples", "harmonic_mask"})
_SLOPES = (6.0, 12.0, 18.0, 24.0)


@dataclass(frozen=True, slots=True)
class Move:
    """One processor change: ``kind`` and its parameters (defaults filled in).

    Raises
    ------
    ParameterError
        Unknown kind, unknown or missing parameter, or a value out of range; the message
        names the value and the valid range.
    """

    kind: str
    params: Mapping[str, float] = field(default_factory=dict)
    #: ``((time_s, gain_db), …)``, times increasing: a ride's gain curve (empty for other kinds)
    curve: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        spec = KINDS.get(self.kind)
        if spec is None:
            raise ParameterError(f"unknown move kind {self.kind!r}; known: {', '.join(KINDS)}")
        object.__setattr__(self, "curve", _valid_curve(self.kind, self.curve))
        values: dict[str, float] = {}
        for name, value in self.params.items():
            if name not in spec:
                hint = difflib.get_close_matches(name, spec, n=1)
                raise ParameterError(
                    f"{self.kind} has no parameter {name!r}"
                    + (f" (did you mean {hint[0]!r}?)" if hint else "")
                    + f"; it takes {', '.join(spec)}"
                )
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise ParameterError(f"{self.kind} {name}={value!r} is not a number") from None
            p = spec[name]
            if not math.isfinite(v) or not p.low <= v <= p.high:
                raise ParameterError(f"{self.kind} {name}={value!r} is outside {p.low:g}…{p.high:g}")
            if name in INTEGER_PARAMS and v != round(v):
                raise ParameterError(f"{self.kind} {name}={value!r} must be a whole number")
            if name == "slope_db_oct" and v not in _SLOPES:
                raise ParameterError(f"{self.kind} slope_db_oct={value!r} must be one of 6, 12, 18, 24")
            values[name] = v
        for name, p in spec.items():
            if name not in values:
                if p.default is None:
                    raise ParameterError(f"{self.kind} needs {name} ({p.low:g}…{p.high:g})")
                values[name] = p.default
        object.__setattr__(self, "params", MappingProxyType(values))

    def __reduce__(self) -> tuple[type[Move], tuple]:
        """Pickled as kind and plain parameters (a mapping proxy does not pickle): moves and the
        suggestions holding them cross to worker processes."""
        return (Move, (self.kind, dict(self.params), self.curve))

    def __getitem__(self, name: str) -> float:
        return self.params[name]

    def to_dict(self) -> dict:
        """``{"kind": …, "params": {…}}`` with plain floats (ints for counts), and
        ``"curve": [[time_s, gain_db], …]`` for a ride."""
        out: dict = {
            "kind": self.kind,
            "params": {k: (int(v) if k in INTEGER_PARAMS else round(v, 3)) for k, v in self.params.items()},
        }
        if self.curve:
            out["curve"] = [[round(t, 4), round(g, 3)] for t, g in self.curve]
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> Move:
        """The inverse of :meth:`to_dict`; validates like the constructor."""
        if not isinstance(data, Mapping) or "kind" not in data:
            raise ParameterError(f"a move needs a 'kind': {data!r}")
        params = data.get("params", {})
        if not isinstance(params, Mapping):
            raise ParameterError(f"move params must be a mapping, got {params!r}")
        curve = data.get("curve", ())
        if not isinstance(curve, (list, tuple)):
            raise ParameterError(f"a move's curve must be a list of [time_s, gain_db], got {curve!r}")
        return cls(str(data["kind"]), dict(params), tuple(tuple(pt) if isinstance(pt, (list, tuple)) else pt
                                                          for pt in curve))  # fmt: skip

    def describe(self) -> str:
        """A short human label, e.g. ``peak 300 Hz −4.0 dB Q 1.0``."""
        p = self.params
        k = self.kind
        if k in ("peak", "low_shelf", "high_shelf"):
            return f"{k.replace('_', ' ')} {_hz(p['freq_hz'])} {p['gain_db']:+.1f} dB Q {p['q']:.2f}"
        if k in ("highpass", "lowpass"):
            return f"{k} {_hz(p['freq_hz'])} {p['slope_db_oct']:.0f} dB/oct"
        if k == "compressor":
            return (
                f"compressor {p['threshold_db']:.1f} dB {p['ratio']:.1f}:1 "
                f"attack {p['attack_ms']:g} ms release {p['release_ms']:g} ms"
                + (f" makeup {p['makeup_db']:+.1f} dB" if p["makeup_db"] else "")
            )
        if k == "expander":
            return f"transient expander {p['ratio']:.2f}:1 (above {p['threshold_db']:.1f} dB)"
        if k == "deesser":
            return (f"de-esser {_hz(p['freq_hz'])} from {p['threshold_db']:.1f} dB, up to "
                    f"-{p['range_db']:.1f} dB (Q {p['q']:.2f})")
        if k == "ride":
            gains = [g for _, g in self.curve]
            return (f"ride: gain curve of {len(self.curve)} points, {min(gains):+.1f}…{max(gains):+.1f} dB "
                    f"over {self.curve[0][0]:.1f}–{self.curve[-1][0]:.1f} s")
        if k == "limiter":
            return f"limiter ceiling {p['ceiling_dbtp']:.1f} dBTP, drive {p['gain_db']:+.1f} dB"
        if k == "gain":
            return f"gain {p['gain_db']:+.1f} dB"
        if k == "polarity":
            return "polarity flip" + ("" if p["channel"] < 0 else f" on channel {int(p['channel']) + 1}")
        if k == "width":
            parts = []
            if p["side_gain_db"]:
                parts.append(f"side {p['side_gain_db']:+.1f} dB")
            if p["mono_below_hz"]:
                parts.append(f"mono below {_hz(p['mono_below_hz'])}")
            return "width " + (", ".join(parts) or "unchanged")
        if k == "notch":
            return f"notch {_hz(p['freq_hz'])} Q {p['q']:g}"
        if k == "dehum":
            freqs = ", ".join(f"{h * p['freq_hz']:.0f}" for h in harmonics(self))
            return f"dehum {p['freq_hz']:.1f} Hz: notches at {freqs} Hz, {p['width_hz']:g} Hz wide"
        if k == "gate":
            return (f"gate {p['threshold_db']:.1f} dB {p['ratio']:g}:1 range {p['range_db']:.0f} dB "
                    f"attack {p['attack_ms']:g} ms hold {p['hold_ms']:g} ms release {p['release_ms']:g} ms")  # fmt: skip
        if k == "noise_reduction":
            return f"noise reduction {p['reduction_db']:.0f} dB (profile below {p['profile_below_db']:.1f} dBFS)"
        if k == "delay":
            return f"delay {int(p['delay_samples'])} samples" + (
                "" if p["channel"] < 0 else f" on channel {int(p['channel']) + 1}"
            )
        return k  # pragma: no cover


def harmonics(move: Move) -> list[int]:
    """The harmonic numbers a ``dehum`` move notches (from its ``harmonic_mask``)."""
    mask = int(move.params["harmonic_mask"])
    return [k + 1 for k in range(MAX_HUM_HARMONICS) if mask >> k & 1]


def harmonic_mask(numbers) -> int:
    """The ``harmonic_mask`` for harmonic numbers (1 = the fundamental)."""
    mask = 0
    for k in numbers:
        if not 1 <= int(k) <= MAX_HUM_HARMONICS:
            raise ParameterError(f"harmonic {k!r} is outside 1…{MAX_HUM_HARMONICS}")
        mask |= 1 << (int(k) - 1)
    return mask


def parse_move(text: str) -> Move:
    """Parse ``KIND key=value …`` (the command-line form) into a :class:`Move`; a ride's
    curve is ``curve=TIME_S:GAIN_DB,TIME_S:GAIN_DB,…``."""
    parts = text.split()
    if not parts:
        raise ParameterError("an empty move; write KIND key=value …, e.g. 'peak freq_hz=1000 gain_db=-3 q=1'")
    kind, params = parts[0], {}
    curve: list[tuple[str, str]] = []
    for item in parts[1:]:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ParameterError(f"{item!r} in {text!r} is not key=value")
        if key == "curve":
            for point in value.split(","):
                t, colon, g = point.partition(":")
                if not colon:
                    raise ParameterError(f"curve point {point!r} is not TIME_S:GAIN_DB")
                curve.append((t, g))
            continue
        params[key] = value
    return Move(kind, params, tuple(curve))


def _valid_curve(kind: str, curve) -> tuple[tuple[float, float], ...]:
    """The curve as floats, checked: only curve kinds have one (and need one); times ≥ 0 and
    increasing; gains within ±:data:`RIDE_RANGE_DB`."""
    if kind not in CURVE_KINDS:
        if curve:
            raise ParameterError(f"a {kind} move has no curve; only {', '.join(CURVE_KINDS)} do")
        return ()
    try:
        points = tuple((float(t), float(g)) for t, g in curve)
    except (TypeError, ValueError):
        raise ParameterError(f"a {kind} curve is a list of (time_s, gain_db) numbers, got {curve!r}") from None
    if not points:
        raise ParameterError(f"a {kind} move needs a curve: at least one (time_s, gain_db) point")
    if len(points) > MAX_BREAKPOINTS:
        raise ParameterError(f"a {kind} curve has {len(points)} points; at most {MAX_BREAKPOINTS}")
    prev = -math.inf
    for t, g in points:
        if not (math.isfinite(t) and math.isfinite(g)) or t < 0:
            raise ParameterError(f"{kind} curve point ({t!r}, {g!r}): times ≥ 0 s, finite gains")
        if t <= prev:
            raise ParameterError(f"{kind} curve times must increase: {t:g} s follows {prev:g} s")
        if abs(g) > RIDE_RANGE_DB:
            raise ParameterError(f"{kind} curve gain {g:+g} dB at {t:g} s is outside ±{RIDE_RANGE_DB:g} dB")
        prev = t
    return points


def _hz(f: float) -> str:
    return f"{f / 1000:.3g} kHz" if f >= 1000 else f"{f:.0f} Hz"
