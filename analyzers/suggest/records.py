"""What the suggestion engine answers with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..moves import Move

SEVERITIES = ("low", "medium", "high")


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Advice:
    """The engine's whole answer for one piece of audio."""

    suggestions: tuple[Suggestion, ...]
    leave_alone: tuple[LeaveAlone, ...]
    notes: tuple[str, ...] = ()

    def by_id(self, suggestion_id: str) -> Suggestion:
        for s in self.suggestions:
            if s.id == suggestion_id:
                return s
        known = ", ".join(s.id for s in self.suggestions) or "none"
        raise KeyError(f"no suggestion {suggestion_id!r}; the ids are: {known}")
