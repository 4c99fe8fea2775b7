"""The context a suggestion respects: role, genre, destination, reference, intent words.

The knowledge lives in data files beside this module (``analyzers/data/*.json``), each
naming its sources and licence; this module loads them once and resolves what the engineer
typed (names, aliases, numbers) with clear errors that list the known names and the
nearest matches.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from .errors import ParameterError
from .records import Analysis
from .spectrum import EXACT_CENTRES_HZ


class UnknownNameError(ParameterError):
    """A role, genre, destination or intent word that is not known."""


@lru_cache(maxsize=None)
def load_data(name: str) -> dict:
    """One of the shipped data files (``roles``, ``genres``, ``destinations``, ``intents``)."""
    text = resources.files("analyzers").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def _resolve(kind: str, typed: str, table: dict) -> str:
    key = typed.strip().lower().replace("_", "-")
    names = {}
    for name, entry in table.items():
        names[name] = name
        for alias in entry.get("aliases", []):
            names[alias] = name
    if key in names:
        return names[key]
    near = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
    raise UnknownNameError(
        f"unknown {kind} {typed!r}; known: {', '.join(table)}"
        + (f" (nearest: {', '.join(near)})" if near else "")
    )


@dataclass(frozen=True, slots=True)
class Role:
    """What a track's role implies (see ``analyzers/data/roles.json``)."""

    name: str
    fundamental_hz: tuple[float, float]
    highpass_hz: float
    crest_db: tuple[float, float]
    ratio: float
    attack_ms: float
    release_ms: float
    style: str
    source: str


def role(name: str = "mix") -> Role:
    """Resolve a role name or alias."""
    table = load_data("roles")["roles"]
    key = _resolve("role", name, table)
    e = table[key]
    c = e["compressor"]
    return Role(
        name=key, fundamental_hz=tuple(e["fundamental_hz"]), highpass_hz=float(e["highpass_hz"]),
        crest_db=tuple(e["crest_db"]), ratio=float(c["ratio"]), attack_ms=float(c["attack_ms"]),
        release_ms=float(c["release_ms"]), style=c["style"], source=e["source"],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Genre:
    """A genre's tonal target (31 band levels, share of total in dB) and dynamics ranges."""

    name: str
    band_level_db: tuple[float, ...]
    lra_lu: tuple[float, float]
    crest_db: tuple[float, float]
    source: str


def genre(name: str) -> Genre:
    """Resolve a genre name or alias and build its 1/3-octave target curve."""
    data = load_data("genres")
    key = _resolve("genre", name, data["genres"])
    e = data["genres"][key]
    anchors_hz = np.array(data["base"]["anchors_hz"], dtype=float)
    anchors_db = np.array(data["base"]["anchors_db"], dtype=float) + np.array(e["offsets_db"], dtype=float)
    x = np.log2(np.array(EXACT_CENTRES_HZ) / 1000.0)
    curve = np.interp(x, np.log2(anchors_hz / 1000.0), anchors_db)
    curve -= 10 * np.log10((10 ** (curve / 10)).sum())  # shares of the total again
    return Genre(
        name=key, band_level_db=tuple(float(round(v, 2)) for v in curve),
        lra_lu=tuple(e["lra_lu"]), crest_db=tuple(e["crest_db"]), source=e["source"],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the master goes: target loudness and true-peak ceiling."""

    name: str
    lufs: float
    ceiling_dbtp: float
    normalises: str
    source: str


def destination(name: str) -> Destination:
    """Resolve a destination name, alias, or a number in LUFS (``-14``, ``-14lufs``)."""
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(lufs|lkfs)?\s*", name.lower())
    if m:
        lufs = float(m.group(1))
        if not -40.0 <= lufs <= 0.0 or not math.isfinite(lufs):
            raise ParameterError(f"target {name!r}: a loudness target must lie between −40 and 0 LUFS")
        return Destination(name=f"{lufs:g} LUFS", lufs=lufs, ceiling_dbtp=-1.0, normalises="none",
                           source="a number given by the engineer; ceiling −1 dBTP")  # fmt: skip
    table = load_data("destinations")["destinations"]
    key = _resolve("destination", name, table)
    e = table[key]
    return Destination(name=key, lufs=float(e["lufs"]), ceiling_dbtp=float(e["ceiling_dbtp"]),
                       normalises=e["normalises"], source=e["source"])  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Everything a suggestion must respect besides the audio's own analysis.

    ``reference`` is the analysis of a reference track (its tonal balance and dynamics
    shape are matched, never its loudness by raw level). ``intent`` is the engineer's
    words as typed; :mod:`analyzers.suggest.intent` parses them.
    """

    role: Role = field(default_factory=role)
    genre: Genre | None = None
    destination: Destination | None = None
    reference: Analysis | None = None
    reference_name: str | None = None
    intent: str = ""

    def describe(self) -> dict:
        """Plain data for the JSON ``context`` object."""
        return {
            "role": self.role.name,
            "genre": None if self.genre is None else self.genre.name,
            "target": None if self.destination is None else {
                "name": self.destination.name, "lufs": self.destination.lufs,
                "ceiling_dbtp": self.destination.ceiling_dbtp,
            },
            "reference": self.reference_name,
            "intent": self.intent or None,
        }  # fmt: skip


def make_context(
    *, role_name: str = "mix", genre_name: str | None = None, target: str | None = None,
    reference: Analysis | None = None, reference_name: str | None = None, intent: str = "",
) -> Context:  # fmt: skip
    """Resolve every typed name at once, so a typo is reported before any work is done."""
    return Context(
        role=role(role_name),
        genre=None if genre_name is None else genre(genre_name),
        destination=None if target is None else destination(target),
        reference=reference,
        reference_name=reference_name,
        intent=intent.strip(),
    )
