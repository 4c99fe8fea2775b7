"""One engineer's session with one piece of audio: what the panel shows, without Qt.

A :class:`Session` holds the audio, its :class:`~analyzers.Analysis`, the context the
engineer set (role, genre, destination, reference, intent words), the engine's
:class:`~analyzers.suggest.Advice`, and the engineer's answer to each suggestion
(accepted, tweaked with the final parameters, rejected, or not yet decided; each answer is
a :class:`analyzers.suggest.records.Decision` for the taste log). From those
answers it builds the :class:`~bridge.chain.Chain` that is auditioned, rendered, pushed
to the DAW and saved as a preset.

The panel (``ui/panel``) is a thin Qt layer over this class; the command line uses the
same pieces (``analyze``, ``suggest``, ``apply``, ``ab``), so everything the panel does
can be done without it. Nothing here touches Qt, so it is tested directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from analyzers import Analysis, analyze
from analyzers.context import Context, make_context
from analyzers.moves import Move
from analyzers.suggest import Advice, Suggestion, suggest

from analyzers.suggest.records import Decision

from .errors import BridgeError

#: What the engineer said of a suggestion.
STATUSES = ("pending", "accepted", "tweaked", "rejected")
#: The ``aspect`` of cards that came from a preset, not from the engine.
PRESET_ASPECT = "preset"


class SessionError(BridgeError, ValueError):
    """A decision about a suggestion the session does not have, or nothing to render."""


@dataclass(frozen=True, slots=True)
class Card:
    """A suggestion as the engineer sees it now: its status and the move that would render."""

    suggestion: Suggestion
    status: str = "pending"
    move: Move | None = None  # the tweaked move; None: the suggestion's own

    @property
    def final_move(self) -> Move:
        return self.move if self.move is not None else self.suggestion.move

    @property
    def chosen(self) -> bool:
        return self.status in ("accepted", "tweaked")


@dataclass
class Session:
    """Audio plus everything decided about it.

    Parameters
    ----------
    audio : ndarray
        float32 ``(channels, samples)``.
    sample_rate_hz : float
    source : str
        A path, or a label such as the demo's.
    on_decision : callable, optional
        Called with each :class:`analyzers.suggest.records.Decision` as it is made (the taste log,
        :class:`presets.taste.TasteLog`).
    taste : mapping, optional
        The engineer's taste summary (:func:`presets.taste.summarize`): confidences are
        nudged by past decisions (:func:`analyzers.suggest.taste.taste_adjusted`).
    """

    audio: np.ndarray
    sample_rate_hz: float
    source: str
    on_decision: Callable[[Decision], object] | None = None
    taste: Mapping[str, Any] | None = None
    context: Context = field(default_factory=make_context)
    analysis: Analysis | None = None
    advice: Advice | None = None
    cards: dict[str, Card] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)

    # -- making one ---------------------------------------------------------------------

    @classmethod
    def demo(cls, **kwargs: Any) -> Session:
        """The built-in demo mix (``bridge.demo``), measured."""
        from .demo import DEMO_NAME, DEMO_SAMPLE_RATE_HZ, demo_mix

        s = cls(demo_mix(), float(DEMO_SAMPLE_RATE_HZ), DEMO_NAME, **kwargs)
        s.measure()
        return s

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **kwargs: Any) -> Session:
        """Read and measure ``path`` (raises :class:`bridge.errors.AudioReadError`)."""
        from .audio_io import read_audio

        audio, rate = read_audio(path)
        s = cls(audio, float(rate), os.fspath(path), **kwargs)
        s.measure()
        return s

    def measure(self) -> Analysis:
        """Measure the audio (again) and suggest with the current context."""
        self.analysis = analyze(self.audio, self.sample_rate_hz)
        self.suggest()
        return self.analysis

    # -- context and suggestions --------------------------------------------------------

    def set_context(self, *, role_name: str = "mix", genre_name: str | None = None, target: str | None = None,
                    intent: str = "", reference: Analysis | None = None,
                    reference_name: str | None = None) -> Advice:  # fmt: skip
        """Change the context and suggest again. Unknown names raise
        :class:`analyzers.errors.ParameterError` before anything changes; the answers to
        suggestions whose id and kind are unchanged are kept."""
        from analyzers.suggest import parse_intent

        ctx = make_context(role_name=role_name, genre_name=genre_name, target=target, reference=reference,
                           reference_name=reference_name, intent=intent)  # fmt: skip
        if intent.strip():
            parse_intent(intent)  # an unknown word is an error here, not a silent nothing
        self.context = ctx
        return self.suggest()

    def suggest(self) -> Advice:
        """Run the engine on the analysis with the current context."""
        if self.analysis is None:
            self.analysis = analyze(self.audio, self.sample_rate_hz)
        self.advice = suggest(self.analysis, self.context)
        if self.taste:
            from analyzers.suggest.taste import taste_adjusted

            self.advice = taste_adjusted(self.advice, self.taste, role=self.context.role.name)
        old = self.cards
        self.cards = {sid: c for sid, c in old.items() if c.suggestion.aspect == PRESET_ASPECT}
        for s in self.advice.suggestions:
            prev = old.get(s.id)
            if prev is not None and prev.suggestion.move.kind == s.move.kind and prev.status != "pending":
                self.cards[s.id] = Card(s, prev.status, prev.move)
            else:
                self.cards[s.id] = Card(s)
        return self.advice

    def add_moves(self, moves: Sequence[Move], *, label: str, source: str = "") -> list[str]:
        """Add moves from elsewhere (a preset) as accepted cards; returns their ids.

        They are not the engine's suggestions, so adding them is not a decision for the
        taste log; they stay when the context changes and suggestions are made again.
        """
        ids = []
        n = sum(1 for c in self.cards.values() if c.suggestion.aspect == PRESET_ASPECT)
        for m in moves:
            n += 1
            s = Suggestion(id=f"preset-{n}", move=m, why=f"from {label}", confidence=1.0, severity="low",
                           aspect=PRESET_ASPECT, source=source)  # fmt: skip
            self.cards[s.id] = Card(s, "accepted")
            ids.append(s.id)
        return ids

    # -- decisions ----------------------------------------------------------------------

    def card(self, suggestion_id: str) -> Card:
        try:
            return self.cards[suggestion_id]
        except KeyError:
            known = ", ".join(self.cards) or "none"
            raise SessionError(f"no suggestion {suggestion_id!r} in this session; the ids are: {known}") from None

    def accept(self, suggestion_id: str) -> Decision | None:
        """Accept the suggestion as proposed."""
        c = self.card(suggestion_id)
        self.cards[suggestion_id] = Card(c.suggestion, "accepted", None)
        return self._log(c.suggestion, "accepted", None)

    def tweak(self, suggestion_id: str, **params: float) -> Decision | None:
        """Accept with changed parameters (validated by :class:`Move`: a value out of range
        raises :class:`analyzers.errors.ParameterError` and changes nothing)."""
        c = self.card(suggestion_id)
        merged = {**c.final_move.params, **params}
        move = Move(c.suggestion.move.kind, merged)
        if dict(move.params) == dict(c.suggestion.move.params):
            return self.accept(suggestion_id)
        self.cards[suggestion_id] = Card(c.suggestion, "tweaked", move)
        return self._log(c.suggestion, "tweaked", move)

    def reject(self, suggestion_id: str) -> Decision | None:
        """Reject the suggestion."""
        c = self.card(suggestion_id)
        self.cards[suggestion_id] = Card(c.suggestion, "rejected", c.move)
        return self._log(c.suggestion, "rejected", None)

    def reset(self, suggestion_id: str) -> None:
        """Back to undecided (undo); not logged as a decision."""
        c = self.card(suggestion_id)
        self.cards[suggestion_id] = Card(c.suggestion)

    def restore(self, card: Card) -> None:
        """Put back a card exactly as it was (the panel's undo)."""
        self.card(card.suggestion.id)
        self.cards[card.suggestion.id] = card

    def _log(self, s: Suggestion, status: str, final: Move | None) -> Decision | None:
        if s.aspect == PRESET_ASPECT:
            return None  # the engineer's own moves: nothing the engine proposed to learn from
        d = Decision.of(s, status, final=final, context=self.context)
        self.decisions.append(d)
        if self.on_decision is not None:
            self.on_decision(d)
        return d

    # -- what the decisions make ----------------------------------------------------------

    def chosen(self) -> list[Suggestion]:
        """The accepted and tweaked suggestions, each with its final move."""
        return [replace(c.suggestion, move=c.final_move) for c in self.cards.values() if c.chosen]

    def chosen_moves(self, *, whole_file_only: bool = False) -> list[Move]:
        return [s.move for s in self.chosen() if not (whole_file_only and s.region_s is not None)]

    def chain(self) -> Any:
        """The built-in :class:`~bridge.chain.Chain` of the chosen moves (whole-file ones;
        a move meant for one section is rendered by :meth:`render`, not by a chain)."""
        from .chain import chain_from_moves

        return chain_from_moves(self.chosen_moves(whole_file_only=True))

    def audition(self, region_s: tuple[float, float] | None = None, *, slots: Sequence[Any] | None = None) -> Any:
        """A/B of the chosen moves against the original, loudness-matched
        (:func:`bridge.audition.audition`); ``slots`` overrides the built-in chain (a
        chain with plugin slots, from :func:`bridge.chain.build_slots`)."""
        from .audition import audition
        from .chain import build_slots

        if slots is None:
            if not self.chosen():
                raise SessionError("nothing accepted yet: accept or tweak a suggestion to audition it")
            slots = build_slots(self.chain())
        result = audition(self.audio, self.sample_rate_hz, slots, region_s=region_s)
        sectional = [s.id for s in self.chosen() if s.region_s is not None]
        if sectional:
            result = replace(result, warnings=result.warnings + (
                f"{', '.join(sectional)} act on one section only: heard in the render, not in this A/B",))  # fmt: skip
        return result

    def render(self) -> tuple[np.ndarray, list[str]]:
        """The whole audio with the chosen moves (sections and closed-loop loudness too)."""
        from .apply import apply_suggestions

        if self.analysis is None:
            self.measure()
        target = None
        if self.context.destination is not None:
            target = (self.context.destination.lufs, self.context.destination.ceiling_dbtp)
        return apply_suggestions(self.audio, self.sample_rate_hz, self.analysis, self.chosen(), loudness_target=target)

    def export(self, path: str | os.PathLike[str], *, chain: Any = None) -> Path:
        """Render and write ``path`` (WAV/FLAC/AIFF by its suffix), atomically.

        ``chain`` (a :class:`~bridge.chain.Chain` with plugin slots, from
        :func:`bridge.plugins.placement.place_moves`) renders through those plugins, tails
        included; without it the built-in render (:meth:`render`: sections and the
        closed-loop loudness move too)."""
        from .apply import write_audio
        from .chain import PluginSlotSpec, build_slots, render_slots

        if not self.chosen():
            raise SessionError("nothing accepted yet: there is nothing to render")
        if Path(self.source).exists() and Path(path).resolve() == Path(self.source).resolve():
            raise SessionError(f"{path} is the session's own audio: write the result somewhere else")
        if chain is not None and any(isinstance(s, PluginSlotSpec) for s in chain.slots):
            y = render_slots(self.audio, self.sample_rate_hz, build_slots(chain)).audio
        else:
            y, _ = self.render()
        write_audio(path, y, self.sample_rate_hz)
        return Path(path)


def counts(cards: Mapping[str, Card]) -> dict[str, int]:
    """How many cards are in each status."""
    out = dict.fromkeys(STATUSES, 0)
    for c in cards.values():
        out[c.status] += 1
    return out
