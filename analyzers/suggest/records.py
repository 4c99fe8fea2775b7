"""What the suggestion engine answers with (:class:`Advice` of :class:`Suggestion` and
:class:`LeaveAlone`), and what the engineer answers back (:class:`Decision`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from ..moves import Move

if TYPE_CHECKING:
    from ..context import Context

#: How urgent a suggestion is, mildest first.
SEVERITIES = ("low", "medium", "high")
#: Sort key: the most urgent first.
SEVERITY_RANK = {s: i for i, s in enumerate(reversed(SEVERITIES))}
#: What the engineer can say of a suggestion (a :class:`Decision`'s ``verdict``).
VERDICTS = ("accepted", "tweaked", "rejected")
#: The version of :meth:`Decision.to_dict`'s form (``v``; the taste log's lines).
DECISION_SCHEMA_VERSION = 1
_SUFFIX = re.compile(r"-(\d+(\.\d+)?k?|\d+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Suggestion:
    """A proposed move and why.

    Attributes
    ----------
    id : str
        Short and stable within one answer (``hpf``, ``eq-315``, ``loudness``…): what the
        engineer types to accept it.
    move : Move
        The processor change, parameters in units.
    why : str
        One sentence that cites the measured numbers.
    confidence : float
        0–1: how sure the engine is that the move helps.
    severity : str
        ``low`` / ``medium`` / ``high``: how much the figure it answers is off.
    aspect : str
        The figure it answers (``tonal:315``, ``integrated_lufs``, ``rumble``…).
    predicted : mapping of str to float
        The predicted effect, keyed by figure: ``integrated_lufs``, ``true_peak_dbtp``,
        ``crest_db``, ``width``, or ``band_<hz>_change_db`` (how much that 1/3-octave band's
        level changes).
    region_s : (float, float) or None
        For a move meant for one section only (a chorus lift), its start and end in seconds.
    source : str
        Where the rule comes from (a data file entry, a paper).
    """

    id: str
    move: Move
    why: str
    confidence: float
    severity: str
    aspect: str
    predicted: Mapping[str, float] = field(default_factory=dict)
    region_s: tuple[float, float] | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence={self.confidence} is outside 0…1")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity={self.severity!r} is not one of {SEVERITIES}")

    def to_dict(self) -> dict:
        d = {
            "id": self.id,
            **self.move.to_dict(),
            "why": self.why,
            "confidence": round(self.confidence, 2),
            "severity": self.severity,
            "aspect": self.aspect,
            "predicted": {k: round(v, 2) for k, v in self.predicted.items()},
        }
        if self.region_s is not None:
            d["region_s"] = [round(self.region_s[0], 2), round(self.region_s[1], 2)]
        if self.source:
            d["source"] = self.source
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> Suggestion:
        """The inverse of :meth:`to_dict` (extra keys such as ``cross_track`` are ignored)."""
        region = d.get("region_s")
        return cls(
            id=str(d["id"]), move=Move.from_dict(d), why=str(d.get("why", "")),
            confidence=float(d.get("confidence", 0.5)), severity=str(d.get("severity", "low")),
            aspect=str(d.get("aspect", "")), predicted={k: float(v) for k, v in d.get("predicted", {}).items()},
            region_s=None if region is None else (float(region[0]), float(region[1])),
            source=str(d.get("source", "")),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class LeaveAlone:
    """A figure inside its tolerance: the considered verdict that no move is the best move."""

    aspect: str
    why: str

    def to_dict(self) -> dict:
        return {"aspect": self.aspect, "why": self.why}


@dataclass(frozen=True, slots=True)
class Question:
    """What the engine asks when a missing piece of context would change its answer most:
    one short question, its choices, and the flag that answers it (``--target spotify``)."""

    aspect: str  # destination, genre, role
    text: str
    choices: tuple[str, ...]
    flag: str
    why: str

    def to_dict(self) -> dict:
        return {"aspect": self.aspect, "text": self.text, "choices": list(self.choices), "flag": self.flag,
                "why": self.why}  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Advice:
    """The engine's whole answer for one piece of audio (and at most one question)."""

    suggestions: tuple[Suggestion, ...]
    leave_alone: tuple[LeaveAlone, ...]
    notes: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()

    def by_id(self, suggestion_id: str) -> Suggestion:
        for s in self.suggestions:
            if s.id == suggestion_id:
                return s
        known = ", ".join(s.id for s in self.suggestions) or "none"
        raise KeyError(f"no suggestion {suggestion_id!r}; the ids are: {known}")


def rule_id(suggestion_id: str) -> str:
    """The rule a suggestion id comes from: the id without its band or counter suffix.

    ``"eq-315"`` → ``"eq"``, ``"tone-2.5k"`` → ``"tone"``, ``"less-muddy-2"`` →
    ``"less-muddy"``, ``"hpf"`` → ``"hpf"``, ``"mask-bass-250"`` → ``"mask-bass"``.
    """
    rid = suggestion_id
    while True:
        stripped = _SUFFIX.sub("", rid)
        if stripped == rid or not stripped:
            return rid
        rid = stripped


def _params(value: object, where: str) -> Mapping[str, float]:
    if not isinstance(value, Mapping):
        raise ParameterError(f"{where} must be an object of parameter values, not {value!r}")
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ParameterError(f"{where}.{k} = {v!r} is not a finite number")
        out[k] = float(v)
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The engineer's verdict on one suggestion.

    Attributes
    ----------
    verdict : str
        ``accepted``, ``tweaked`` (``final`` holds the parameters kept) or ``rejected``.
    suggestion_id : str
        The suggestion's id in its answer (``eq-315``).
    kind : str
        The move's kind (``peak``, ``compressor``…).
    proposed : mapping of str to float
        The move's parameters as suggested (units in the names).
    final : mapping of str to float or None
        What the engineer kept, for ``tweaked`` (required then, None otherwise).
    rule_id : str
        The rule the suggestion came from (default: from the id, see
        :func:`analyzers.suggest.taste.rule_id`).
    time : datetime
        When, timezone-aware (UTC by default: now).
    role, genre, destination : str or None
        The context the suggestion was made in (``destination``: its name, e.g. ``spotify``).
    """

    verdict: str
    suggestion_id: str
    kind: str
    proposed: Mapping[str, float] = field(default_factory=dict)
    final: Mapping[str, float] | None = None
    rule_id: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    role: str | None = None
    genre: str | None = None
    destination: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ParameterError(f"verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")
        for name in ("suggestion_id", "kind"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v or len(v) > 200:
                raise ParameterError(f"{name} must be a non-empty string, not {v!r}")
        for name in ("role", "genre", "destination"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, str) or len(v) > 200):
                raise ParameterError(f"{name} must be a string or None, not {v!r}")
        object.__setattr__(self, "proposed", _params(self.proposed, "proposed"))
        if self.verdict == "tweaked":
            if self.final is None:
                raise ParameterError("a tweaked decision needs the final parameters ('final')")
            object.__setattr__(self, "final", _params(self.final, "final"))
        elif self.final is not None:
            raise ParameterError(f"'final' is only for tweaked decisions, not {self.verdict}")
        if not isinstance(self.rule_id, str) or len(self.rule_id) > 200:
            raise ParameterError(f"rule_id must be a string, not {self.rule_id!r}")
        if not self.rule_id:
            object.__setattr__(self, "rule_id", rule_id(self.suggestion_id))
        if not isinstance(self.time, datetime) or self.time.tzinfo is None:
            raise ParameterError(f"time must be a timezone-aware datetime, not {self.time!r}")

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Pickled with plain parameter dicts (a mapping proxy does not pickle): decisions cross
        to worker processes with their session."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["proposed"] = dict(self.proposed)
        values["final"] = None if self.final is None else dict(self.final)
        return _decision, (values,)

    @classmethod
    def of(cls, suggestion: Suggestion, verdict: str, *, final: Move | Mapping[str, float] | None = None,
           context: Context | None = None, time: datetime | None = None) -> Decision:  # fmt: skip
        """From a :class:`~analyzers.suggest.Suggestion`, the verdict, the tweaked move (or
        its parameters) and the :class:`~analyzers.context.Context`."""
        fin = None if final is None else dict(getattr(final, "params", final))
        return cls(verdict=verdict, suggestion_id=suggestion.id, kind=suggestion.move.kind,
                   proposed=dict(suggestion.move.params), final=fin,
                   time=time or datetime.now(timezone.utc),
                   role=None if context is None else context.role.name,
                   genre=None if context is None or context.genre is None else context.genre.name,
                   destination=None if context is None or context.destination is None
                   else context.destination.name)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"v": DECISION_SCHEMA_VERSION, "time": self.time.astimezone(timezone.utc).isoformat(),
                             "verdict": self.verdict, "suggestion_id": self.suggestion_id, "rule_id": self.rule_id,
                             "kind": self.kind, "proposed": dict(self.proposed), "role": self.role,
                             "genre": self.genre}  # fmt: skip
        if self.final is not None:
            d["final"] = dict(self.final)
        if self.destination is not None:
            d["destination"] = self.destination
        return d

    @classmethod
    def from_dict(cls, d: Any) -> Decision:
        """The inverse of :meth:`to_dict`; :class:`~analyzers.errors.ParameterError` for anything else."""
        if not isinstance(d, Mapping):
            raise ParameterError("a decision is a JSON object")
        v = d.get("v")
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= DECISION_SCHEMA_VERSION:
            raise ParameterError(f"decision line version {v!r}: this reads 1…{DECISION_SCHEMA_VERSION}")
        try:
            when = datetime.fromisoformat(str(d.get("time")))
        except ValueError:
            raise ParameterError(f"time {d.get('time')!r} is not ISO 8601") from None
        return cls(verdict=d.get("verdict"), suggestion_id=d.get("suggestion_id"), kind=d.get("kind"),
                   proposed=d.get("proposed", {}), final=d.get("final"), rule_id=d.get("rule_id", ""),
                   time=when, role=d.get("role"), genre=d.get("genre"), destination=d.get("destination"))  # fmt: skip


def _decision(values: dict[str, Any]) -> Decision:
    """A :class:`Decision` from its pickled fields (:meth:`Decision.__reduce__`)."""
    return Decision(**values)
