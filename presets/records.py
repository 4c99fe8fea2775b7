"""The Preset record: a :class:`~bridge.chain.Chain` plus where it came from.

Records are immutable and validated when made (a bad value raises
:class:`~presets.errors.PresetFormatError` naming the field); change them with
:func:`dataclasses.replace`. Every record has ``extra``: keys a newer Second Ear added to
the file that this one does not know, kept as read and written back unchanged (see
:mod:`presets.format`, "Unknown keys").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bridge.chain import Chain

from .errors import PresetFormatError
from .names import check_name

if TYPE_CHECKING:
    from analyzers.context import Context
    from analyzers.records import Analysis
    from analyzers.suggest.records import Suggestion

#: The preset format this code reads and writes (``schema_version`` in the file).
SCHEMA_VERSION = 1
#: At most this many tags, each at most :data:`MAX_TAG_CHARS` characters.
MAX_TAGS = 32
MAX_TAG_CHARS = 40
#: Free text (notes, source, why) longer than this is refused (characters).
MAX_TEXT_CHARS = 4000
#: The figures :meth:`Analyzed.from_analysis` keeps (units in the names).
SUMMARY_FIGURES = ("integrated_lufs", "true_peak_dbtp", "sample_peak_dbfs", "lra_lu", "crest_db", "plr_db",
                   "width", "sample_rate_hz", "num_channels", "duration_s")  # fmt: skip


def now_utc() -> datetime:
    """The current time in UTC, to the second (what a preset's ``created`` holds)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def _frozen(extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(extra or {}))


def _text(value: object, field_name: str, *, optional: bool = False, limit: int = MAX_TEXT_CHARS) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise PresetFormatError(f"{field_name} must be a string{' or null' if optional else ''}, "
                                f"not {_show(value)}")  # fmt: skip
    if len(value) > limit:
        raise PresetFormatError(f"{field_name} has {len(value)} characters; at most {limit}")
    return value


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(frozen=True, slots=True, kw_only=True)
class Analyzed:
    """What was analyzed: the audio file's name (no folder) and a summary of its analysis.

    ``summary`` maps a figure (unit in the name: ``integrated_lufs``, ``true_peak_dbtp``,
    ``lra_lu``, ``crest_db``…) to its value, None when it could not be measured.
    """

    file: str
    summary: Mapping[str, float | None] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _text(self.file, "provenance.analyzed.file", limit=1000)
        out: dict[str, float | None] = {}
        for k, v in dict(self.summary).items():
            if not isinstance(k, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", k):
                raise PresetFormatError(f"provenance.analyzed.summary: {_show(k)} is not a figure name "
                                        "(lower case, digits and _ , like integrated_lufs)")  # fmt: skip
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
                raise PresetFormatError(f"provenance.analyzed.summary.{k} must be a finite number or null, not {_show(v)}")
            out[k] = None if v is None else float(v)
        object.__setattr__(self, "summary", MappingProxyType(out))
        object.__setattr__(self, "extra", _frozen(self.extra))

    @classmethod
    def from_analysis(cls, file: str, analysis: Analysis) -> Analyzed:
        """The file's name (its folder dropped) and the figures of :data:`SUMMARY_FIGURES`."""
        from pathlib import PurePath

        lo, lv = analysis.loudness, analysis.levels
        values = {"integrated_lufs": lo.integrated_lufs, "true_peak_dbtp": lv.true_peak_dbtp,
                  "sample_peak_dbfs": lv.sample_peak_dbfs, "lra_lu": lo.lra_lu, "crest_db": lv.crest_db,
                  "plr_db": lv.plr_db, "width": analysis.stereo.width, "sample_rate_hz": analysis.sample_rate_hz,
                  "num_channels": analysis.num_channels, "duration_s": analysis.duration_s}  # fmt: skip
        summary = {k: (None if v is None or not math.isfinite(float(v)) else round(float(v), 3))
                   for k, v in values.items()}  # fmt: skip
        return cls(file=PurePath(file).name or str(file), summary=summary)


@dataclass(frozen=True, slots=True, kw_only=True)
class PresetContext:
    """The context the chain was made in: role, genre, destination, intent words, reference."""

    role: str | None = None
    genre: str | None = None
    destination: str | None = None
    intent: tuple[str, ...] = ()
    reference: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("role", "genre", "destination", "reference"):
            _text(getattr(self, name), f"provenance.context.{name}", optional=True, limit=1000)
        if isinstance(self.intent, str) or not isinstance(self.intent, Iterable):
            raise PresetFormatError(f"provenance.context.intent must be a list of words, not {_show(self.intent)}")
        words = tuple(self.intent)
        for i, w in enumerate(words):
            _text(w, f"provenance.context.intent[{i}]", limit=200)
        object.__setattr__(self, "intent", words)
        object.__setattr__(self, "extra", _frozen(self.extra))

    @classmethod
    def from_context(cls, ctx: Context) -> PresetContext:
        """From the analyzers' :class:`~analyzers.context.Context` (the reference by its name)."""
        words = tuple(w.strip() for w in re.split(r"[,;]", ctx.intent) if w.strip())
        return cls(role=ctx.role.name, genre=None if ctx.genre is None else ctx.genre.name,
                   destination=None if ctx.destination is None else ctx.destination.name, intent=words,
                   reference=ctx.reference_name)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestionRef:
    """A suggestion the chain came from: its id, its move's kind, and why it was made."""

    id: str
    kind: str
    why: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _text(self.id, "provenance.suggestions[].id", limit=200)
        _text(self.kind, "provenance.suggestions[].kind", limit=100)
        _text(self.why, "provenance.suggestions[].why")
        object.__setattr__(self, "extra", _frozen(self.extra))

    @classmethod
    def from_suggestion(cls, s: Suggestion) -> SuggestionRef:
        return cls(id=s.id, kind=s.move.kind, why=s.why)


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a preset came from; every part may be empty (a hand-made or factory preset)."""

    analyzed: Analyzed | None = None
    context: PresetContext = field(default_factory=PresetContext)
    suggestions: tuple[SuggestionRef, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "suggestions", tuple(self.suggestions))
        object.__setattr__(self, "extra", _frozen(self.extra))

    @classmethod
    def of(cls, *, file: str | None = None, analysis: Analysis | None = None, context: Context | None = None,
           suggestions: Iterable[Suggestion] = ()) -> Provenance:  # fmt: skip
        """From the objects the panel and the CLI hold: the analyzed file and its
        :class:`~analyzers.records.Analysis`, the :class:`~analyzers.context.Context`,
        and the :class:`~analyzers.suggest.Suggestion` s that were accepted."""
        analyzed = None
        if analysis is not None:
            analyzed = Analyzed.from_analysis(file or "", analysis)
        elif file is not None:
            from pathlib import PurePath

            analyzed = Analyzed(file=PurePath(file).name or file)
        return cls(analyzed=analyzed, context=PresetContext() if context is None else PresetContext.from_context(context),
                   suggestions=tuple(SuggestionRef.from_suggestion(s) for s in suggestions))  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Preset:
    """A chain the engineer (or the project) keeps, with its provenance.

    Attributes
    ----------
    name : str
        As typed (1–100 characters, no control characters); compared case-insensitively.
    chain : Chain
        The processing, as :mod:`bridge.chain` reads and writes it.
    tags : tuple of str
        Free labels (``vocal``, ``eq``); duplicates (ignoring case) are dropped.
    created : datetime
        When it was made, timezone-aware, kept in UTC to the second.
    notes, source, licence : str
        Free text; factory presets say where their values come from (``source``) and
        under which licence they ship.
    provenance : Provenance
        What was analyzed, the context, the suggestions.
    schema_version : int
        The schema the preset was read from (files are always written in
        :data:`SCHEMA_VERSION`).
    extra : mapping
        Unknown top-level keys, kept as read (see :mod:`presets.format`).
    """

    name: str
    chain: Chain
    tags: tuple[str, ...] = ()
    created: datetime = field(default_factory=now_utc)
    notes: str = ""
    source: str = ""
    licence: str = ""
    provenance: Provenance = field(default_factory=Provenance)
    schema_version: int = SCHEMA_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "name", check_name(self.name))
        except ValueError as exc:
            raise PresetFormatError(str(exc)) from None
        if not isinstance(self.chain, Chain):
            raise PresetFormatError(f"chain must be a bridge.chain.Chain, not {type(self.chain).__name__}")
        object.__setattr__(self, "tags", _tags(self.tags))
        if not isinstance(self.created, datetime) or self.created.tzinfo is None:
            raise PresetFormatError(f"created must be a timezone-aware datetime, not {_show(self.created)}")
        object.__setattr__(self, "created", self.created.astimezone(timezone.utc).replace(microsecond=0))
        for name in ("notes", "source", "licence"):
            _text(getattr(self, name), name)
        if not isinstance(self.provenance, Provenance):
            raise PresetFormatError(f"provenance must be a Provenance, not {type(self.provenance).__name__}")
        v = self.schema_version
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= SCHEMA_VERSION:
            raise PresetFormatError(f"schema_version must be 1…{SCHEMA_VERSION}, not {_show(v)}")
        object.__setattr__(self, "extra", _frozen(self.extra))


def _tags(tags: object) -> tuple[str, ...]:
    if isinstance(tags, str) or not isinstance(tags, Iterable):
        raise PresetFormatError(f"tags must be a list of strings, not {_show(tags)}")
    out: list[str] = []
    seen: set[str] = set()
    for i, t in enumerate(tags):
        if not isinstance(t, str):
            raise PresetFormatError(f"tags[{i}] must be a string, not {_show(t)}")
        t = " ".join(t.split())
        if not t or len(t) > MAX_TAG_CHARS or any(unicodedata.category(c).startswith("C") for c in t):
            raise PresetFormatError(f"tags[{i}] = {_show(t)} must be 1–{MAX_TAG_CHARS} printable characters")
        if t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    if len(out) > MAX_TAGS:
        raise PresetFormatError(f"tags: {len(out)} tags; at most {MAX_TAGS}")
    return tuple(out)
