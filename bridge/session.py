"""One engineer's session with one piece of audio, and the open sessions: what the panel,
the OSC server and the command line share, without Qt.

A :class:`Session` holds the audio (read when it is first needed), its
:class:`~analyzers.Analysis`, the context the engineer set (role, genre, destination,
reference, intent words), the engine's :class:`~analyzers.suggest.Advice` (made by
:func:`bridge.advise.advise`, with the engineer's taste), and the engineer's answer to each
suggestion (accepted, tweaked with the final parameters, rejected, or not yet decided; each
answer is a :class:`~analyzers.suggest.Decision` for the taste log). From those answers it
builds the :class:`~bridge.chain.Chain` that is auditioned, rendered, pushed to the DAW and
saved as a preset.

A :class:`SessionRegistry` keeps the open sessions by key — a file's path, or a DAW track's
name — and which one is selected: the panel's source list and the OSC server's tracks are
one such registry each.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from analyzers import Analysis, analyze
from analyzers.context import Context, make_context
from analyzers.moves import Move
from analyzers.suggest import Advice, Decision, Suggestion
from analyzers.suggest.taste import preferred_destination
from analyzers.suggest.turns import Reply, Turn, figures, parse_request, resolve

from .advise import ContextRequest, FileAdvice, advise, advise_file
from .apply import apply_suggestions, settled_loudness_move
from .audio_io import read_audio, write_audio
from .audition import Audition, audition, audition_variants
from .chain import Chain, PluginSlotSpec, chain_from_moves
from .slots import build_slots, render_slots
from .demo import DEMO_NAME, DEMO_SAMPLE_RATE_HZ, demo_mix
from .errors import BridgeError
from .files import same_file
from .measure import Progress

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
    audio : ndarray or None
        float32 ``(channels, samples)``; None: read from ``source`` when first needed
        (:meth:`samples`), so a session that is only advised never holds its audio.
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

    audio: np.ndarray | None
    sample_rate_hz: float
    source: str
    on_decision: Callable[[Decision], object] | None = None
    taste: Mapping[str, Any] | None = None
    context: Context = field(default_factory=make_context)
    analysis: Analysis | None = None
    advice: Advice | None = None
    cards: dict[str, Card] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    replacing: dict[str, str] = field(default_factory=dict)
    _settled: tuple[Any, Move | None] | None = field(default=None, repr=False, compare=False)

    # -- making one ---------------------------------------------------------------------

    @classmethod
    def demo(cls, **kwargs: Any) -> Session:
        """The built-in demo mix (``bridge.demo``), measured."""
        s = cls(demo_mix(), float(DEMO_SAMPLE_RATE_HZ), DEMO_NAME, **kwargs)
        s.measure()
        return s

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, load_audio: bool = True, progress: Progress | None = None,
                  **kwargs: Any) -> Session:  # fmt: skip
        """Measure ``path`` and advise in the session's context.

        ``load_audio=False`` measures the file in blocks (memory bounded whatever its
        length) and reads the samples only when a render needs them; the OSC server's
        sessions are made so. Raises :class:`bridge.errors.AudioReadError`.
        """
        if load_audio:
            audio, rate = read_audio(path)
            s = cls(audio, float(rate), os.fspath(path), **kwargs)
            s.measure()
            return s
        context = kwargs.pop("context", None) or make_context()
        return cls.from_advice(advise_file(path, context, taste=kwargs.get("taste"), progress=progress), **kwargs)

    @classmethod
    def from_advice(cls, found: FileAdvice, **kwargs: Any) -> Session:
        """A session on a file already measured and advised (:func:`bridge.advise.advise_file`),
        its samples read only when a render needs them; the advice is not made again."""
        s = cls(None, float(found.info.sample_rate_hz), found.path, context=found.context,
                analysis=found.analysis, **kwargs)  # fmt: skip
        s._show(found.advice)
        return s

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to a worker process and back) without its audio when :attr:`source` is a
        file the other side can read again (a four-minute song is 90 MB; the demo's samples,
        which no file holds, go along), and without :attr:`on_decision` (the taste log of the
        process that made it: decisions are logged where the engineer makes them)."""
        state = dict(self.__dict__)
        state["on_decision"] = None
        if Path(self.source).is_file():
            state["audio"] = None
        return state

    def samples(self) -> np.ndarray:
        """The audio, read from :attr:`source` the first time it is needed.

        Raises :class:`bridge.errors.AudioReadError` (the file went away or changed rate)."""
        if self.audio is None:
            audio, rate = read_audio(self.source)
            if float(rate) != self.sample_rate_hz:
                raise SessionError(f"{self.source} is now at {rate:g} Hz, not {self.sample_rate_hz:g} Hz as measured: "
                                   "open it again")  # fmt: skip
            self.audio = audio
        return self.audio

    def measure(self) -> Analysis:
        """Measure the audio (again) and suggest with the current context."""
        self.analysis = analyze(self.samples(), self.sample_rate_hz)
        self.suggest()
        return self.analysis

    # -- context and suggestions --------------------------------------------------------

    def set_context(self, *, role_name: str = "mix", genre_name: str | None = None, target: str | None = None,
                    intent: str = "", reference: Analysis | None = None,
                    reference_name: str | None = None) -> Advice:  # fmt: skip
        """Change the context and suggest again. Unknown names raise
        :class:`analyzers.errors.ParameterError` before anything changes; the answers to
        suggestions whose id and kind are unchanged are kept."""
        request = ContextRequest(role=role_name, genre=genre_name, target=target, intent=intent,
                                 reference_path=reference_name)  # fmt: skip
        return self.use_context(request.check(reference=reference))

    def use_context(self, context: Context) -> Advice:
        """Suggest again in ``context`` (already resolved: :meth:`bridge.advise.ContextRequest.check`)."""
        self.context = context
        return self.suggest()

    def use_advice(self, context: Context, advice: Advice) -> Advice:
        """Take ``advice`` made elsewhere (a worker process: :func:`bridge.advise.advise` on
        this session's analysis in ``context``, with its taste) as :meth:`use_context` would
        make it here: the context becomes ``context``, the answers to unchanged cards stay."""
        self.context = context
        return self._show(advice)

    def with_intent(self, intent: str) -> Advice:
        """The same context with other intent words, suggested again (ParameterError for an
        unknown word, before anything changes)."""
        request = replace(ContextRequest.of(self.context), intent=intent)
        return self.use_context(request.check(reference=self.context.reference))

    def suggest(self) -> Advice:
        """Run the engine (:func:`bridge.advise.advise`: with the taste summary) on the
        analysis with the current context."""
        if self.analysis is None:
            self.analysis = analyze(self.samples(), self.sample_rate_hz)
        return self._show(advise(self.analysis, self.context, taste=self.taste))

    def _show(self, advice: Advice) -> Advice:
        """Make ``advice`` the session's: one card per suggestion, keeping the answers to
        those whose id and kind are unchanged, and the preset cards."""
        self.advice = advice
        old = self.cards
        asked = self.asked_ids()
        self.cards = {sid: c for sid, c in old.items() if c.suggestion.aspect == PRESET_ASPECT or sid in asked}
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
        """Accept the suggestion as proposed (a turn's replacement takes the place of the
        move it replaces)."""
        c = self.card(suggestion_id)
        self._set(Card(c.suggestion, "accepted", None))
        return self._log(c.suggestion, "accepted", None)

    def tweak(self, suggestion_id: str, **params: float) -> Decision | None:
        """Accept with changed parameters (validated by :class:`Move`: a value out of range
        raises :class:`analyzers.errors.ParameterError` and changes nothing)."""
        c = self.card(suggestion_id)
        merged = {**c.final_move.params, **params}
        move = Move(c.suggestion.move.kind, merged, c.final_move.curve)
        if dict(move.params) == dict(c.suggestion.move.params):
            return self.accept(suggestion_id)
        self._set(Card(c.suggestion, "tweaked", move))
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

    def _set(self, card: Card) -> None:
        """Put ``card`` in; a chosen replacement (a turn's "a bit more") takes the place of
        the move it replaces, in its position."""
        sid = card.suggestion.id
        old = self.replacing.get(sid)
        if not card.chosen or old is None or old not in self.cards:
            self.cards[sid] = card
            return
        self.cards = {(sid if k == old else k): (card if k == old else c) for k, c in self.cards.items() if k != sid}

    def origin(self, suggestion_id: str) -> Suggestion | None:
        """For a turn's replacement ("a bit more" of ``warmer-low-mids``), the suggestion it
        goes back to as the engine first made it; None for any other card."""
        sid, seen = suggestion_id, set()
        while sid in self.replacing and sid not in seen:
            seen.add(sid)
            sid = self.replacing[sid]
        if sid == suggestion_id:
            return None
        return next((p for t in self.turns for p in t.proposals if p.id == sid), None)

    def _log(self, s: Suggestion, status: str, final: Move | None) -> Decision | None:
        if s.aspect == PRESET_ASPECT:
            return None  # the engineer's own moves: nothing the engine proposed to learn from
        root = self.origin(s.id) if status != "rejected" else None
        if root is not None and root.move.kind == s.move.kind:
            # a replacement kept: for taste, the original suggestion tweaked to this amount
            kept = final if final is not None else s.move
            same = dict(kept.params) == dict(root.move.params)
            s, status, final = root, ("accepted" if same else "tweaked"), (None if same else kept)
        d = Decision.of(s, status, final=final, context=self.context)
        self.decisions.append(d)
        if self.on_decision is not None:
            self.on_decision(d)
        return d

    # -- the conversation ----------------------------------------------------------------

    def asked_ids(self) -> set[str]:
        """The ids of every move proposed by a turn asked in words (not the opening advice)."""
        return {p.id for t in self.turns if t.kind != "first" for p in t.proposals}

    def open_conversation(self) -> Turn:
        """Record the opening advice (the engine's suggestions in the session's context) as
        the conversation's first turn, to be decided like any other (decisions on it made
        already count as its own)."""
        if self.advice is None:
            self.suggest()
        offered = {s.id for s in self.advice.suggestions}
        turn = Turn(words=self.context.intent or "", kind="first", proposals=tuple(self.advice.suggestions),
                    before=tuple(s for s in self.chosen() if s.id not in offered))  # fmt: skip
        self.turns = [turn]
        return turn

    def recontext(self, context: Context, words: str) -> Turn:
        """A new context mid-conversation (a question answered: ``--genre jazz``): the open
        turn is closed, the engine suggests again, and its new suggestions are a turn of
        their own (``words`` names the change); the moves accepted so far stay."""
        if not self.turns:
            self.open_conversation()
        self.close_turn()
        before = tuple(self.chosen())
        self.use_context(context)
        taken = {s.id for s in before}
        turn = Turn(words=words, kind="first", before=before,
                    proposals=tuple(s for s in self.advice.suggestions
                                    if s.id not in taken and self.cards[s.id].status == "pending"))  # fmt: skip
        self.turns.append(turn)
        return turn

    def rendered_analysis(self) -> Analysis:
        """The measurement of the audio as rendered with the chosen moves (the original's
        when nothing is chosen)."""
        if self.analysis is None:
            self.measure()
        if not self.chosen():
            return self.analysis
        y, _ = self.render()
        return analyze(y, self.sample_rate_hz)

    def close_turn(self, rendered: Analysis | None = None) -> Turn | None:
        """The last turn's decisions are made: record the state after it and the figures
        measured on its render (``rendered``: already measured). None without an open turn."""
        if not self.turns or self.turns[-1].after is not None:
            return None
        rendered = rendered if rendered is not None else self.rendered_analysis()
        turn = replace(self.turns[-1], after=tuple(self.chosen()), figures=figures(rendered),
                       replaces={k: v for k, v in self.turns[-1].replaces.items()
                                 if k in self.cards and self.cards[k].chosen})  # fmt: skip
        self.turns[-1] = turn
        return turn

    def ask(self, words: str) -> tuple[Turn, Reply]:
        """One turn: ``words`` resolved against the chosen moves and the audio as rendered
        with them (:func:`analyzers.suggest.turns.resolve`). New moves and replacements
        become undecided cards; an undo or "back to before …" is done at once (nothing to
        decide) and its figures measured. Raises ParameterError for words it cannot read,
        before anything changes."""
        request = parse_request(words)
        if not self.turns:
            self.open_conversation()
        now = self.rendered_analysis()
        self.close_turn(now)
        taken = {p.id for t in self.turns for p in t.proposals} | set(self.cards)
        reply = resolve(request, state=self.chosen(), turns=self.turns, analysis=now, context=self.context,
                        taken_ids=taken)  # fmt: skip
        before = tuple(self.chosen())
        if reply.restore is not None:
            self._restore_state(reply.restore)
            turn = Turn(words=words, kind=reply.kind, notes=reply.notes, before=before, after=tuple(self.chosen()),
                        figures=figures(self.rendered_analysis()))  # fmt: skip
        else:
            for p in reply.proposals:
                self.cards[p.id] = Card(p)
            self.replacing.update(reply.replaces)
            turn = Turn(words=words, kind=reply.kind, proposals=reply.proposals, replaces=dict(reply.replaces),
                        notes=reply.notes, already=reply.already, before=before)  # fmt: skip
        self.turns.append(turn)
        return turn, reply

    def in_conversation(self) -> bool:
        """Whether words are now a turn: a turn was asked, or a move is accepted."""
        return any(t.kind != "first" for t in self.turns) or bool(self.chosen())

    def say(self, words: str) -> tuple[Turn, Reply] | None:
        """Words from a face with one words field (the DAW's ``/secondear/intent``): before
        anything is decided they are the session's intent words, suggested again (None);
        from then on, the conversation's next turn (:meth:`ask`). ParameterError for words
        it cannot read, before anything changes."""
        if not self.in_conversation():
            self.with_intent(words)
            self.open_conversation()
            return None
        return self.ask(words)

    def _restore_state(self, state: Sequence[Suggestion]) -> None:
        """The chosen moves become exactly ``state`` (an undo): moves not in it go back to
        undecided (the engine's) or away (a turn's); its moves are chosen again as they were."""
        wanted = {s.id: s for s in state}
        asked = self.asked_ids()
        for sid, c in list(self.cards.items()):
            if c.chosen and (sid not in wanted or c.final_move != wanted[sid].move):
                if sid in asked and sid not in wanted:
                    del self.cards[sid]
                else:
                    self.cards[sid] = Card(c.suggestion)
        for sid, s in wanted.items():
            c = self.cards.get(sid)
            if c is not None and c.chosen and c.final_move == s.move:
                continue
            if c is not None and c.suggestion.move != s.move:
                self.cards[sid] = Card(c.suggestion, "tweaked", s.move)
            else:
                self.cards[sid] = Card(s, "accepted")

    def snapshot(self) -> tuple[dict[str, Card], list[Turn], dict[str, str]]:
        """The cards, the turns and the replacements as they are (a turn's undo step)."""
        return dict(self.cards), list(self.turns), dict(self.replacing)

    def restore_snapshot(self, snapshot: tuple[Mapping[str, Card], Sequence[Turn], Mapping[str, str]]) -> None:
        """Put back what :meth:`snapshot` kept (no decision is logged)."""
        cards, turns, replacing = snapshot
        self.cards, self.turns, self.replacing = dict(cards), list(turns), dict(replacing)

    def latest_pending(self) -> list[str]:
        """The undecided cards the last turn proposed (what ``--accept all`` means in a
        conversation); every undecided card when there is no conversation."""
        if not self.turns:
            return [sid for sid, c in self.cards.items() if c.status == "pending"]
        ids = [p.id for p in self.turns[-1].proposals]
        return [sid for sid in ids if sid in self.cards and self.cards[sid].status == "pending"]

    # -- what the decisions make ----------------------------------------------------------

    def chosen(self) -> list[Suggestion]:
        """The accepted and tweaked suggestions, each with its final move."""
        return [replace(c.suggestion, move=c.final_move) for c in self.cards.values() if c.chosen]

    def chosen_moves(self, *, whole_file_only: bool = False) -> list[Move]:
        return [s.move for s in self.chosen() if not (whole_file_only and s.region_s is not None)]

    def chain(self) -> Chain:
        """The built-in :class:`~bridge.chain.Chain` of the chosen moves (whole-file ones;
        a move meant for one section is rendered by :meth:`render`, not by a chain)."""
        return chain_from_moves(self.chosen_moves(whole_file_only=True))

    def audition_moves(self) -> list[tuple[str, Move]]:
        """The chosen whole-file moves with their card ids, as B renders them: the loudness
        move (id ``loudness``) as :func:`bridge.apply.settled_loudness_move` settles it, its
        drive measured after the other moves over the whole file, so that B's loudness is the
        destination's and not the drive's guess (a compressor before the limiter takes some of
        it back). The settled move is computed with the built-ins and kept until the chosen
        moves or the destination change; it drives a plugin chain the same way."""
        chosen = [s for s in self.chosen() if s.region_s is None]
        if not chosen:
            return []
        destination = preferred_destination(self.context, self.taste)[0].destination
        key = (tuple((s.id, s.move.kind, tuple(sorted(s.move.params.items()))) for s in chosen), destination)
        if self._settled is None or self._settled[0] != key:
            self._settled = (key, settled_loudness_move(self.samples(), self.sample_rate_hz, chosen,
                                                        destination=destination))  # fmt: skip
        level = self._settled[1]
        return [(s.id, level if s.id == "loudness" and level is not None else s.move) for s in chosen]

    @property
    def settled(self) -> tuple[Any, Move | None] | None:
        """What :meth:`audition_moves` settled and keeps (the moves it was settled for and the
        loudness move); None before it ran."""
        return self._settled

    def keep_settled(self, settled: tuple[Any, Move | None] | None) -> None:
        """Keep what a copy of this session settled elsewhere (a worker process rendered its
        A/B): the next :meth:`audition_moves` reuses it while the chosen moves and the
        destination are the ones it was settled for, and settles again otherwise."""
        if settled is not None:
            self._settled = settled

    def audition(self, region_s: tuple[float, float] | None = None, *,
                 chain_of: Callable[[Sequence[Move]], Chain] = chain_from_moves) -> Audition:  # fmt: skip
        """A/B of the chosen moves (:meth:`audition_moves`) against the original,
        loudness-matched (:func:`bridge.audition.audition`). ``chain_of(moves)`` makes the
        chain B renders on (the built-ins by default; the panel's chosen plugins)."""
        if not self.chosen():
            raise SessionError("nothing accepted yet: accept or tweak a suggestion to audition it")
        moves = [m for _, m in self.audition_moves()]
        result = audition(self.samples(), self.sample_rate_hz, build_slots(chain_of(moves)), region_s=region_s)
        sectional = [s.id for s in self.chosen() if s.region_s is not None]
        if sectional:
            result = replace(result, warnings=result.warnings + (
                f"{', '.join(sectional)} act on one section only: heard in the render, not in this A/B",))  # fmt: skip
        return result

    def audition_move(self, suggestion_id: str, region_s: tuple[float, float] | None = None, *,
                      chain_of: Callable[[Sequence[Move]], Chain] = chain_from_moves) -> Audition:  # fmt: skip
        """The A/B with two more sides for one card: ``"solo"``, its move alone (its
        tweaked values, accepted or not yet), and ``"bypass"``, the chosen moves without it;
        all four over the same samples, matched to the quietest one's loudness
        (:func:`bridge.audition.audition_variants`). B and bypass carry the settled loudness
        move of :meth:`audition_moves`. ``chain_of(moves)`` makes the chain a set of moves
        renders on (the built-ins by default; the panel's chosen plugins).

        Raises
        ------
        SessionError
            An unknown id, or a move meant for one section only (it is not in the A/B).
        """
        card = self.card(suggestion_id)
        if card.suggestion.region_s is not None:
            a, b = card.suggestion.region_s
            raise SessionError(f"{suggestion_id} acts on {a:.1f}–{b:.1f} s only: hear it in the render, "
                               "not in a solo over the whole A/B")  # fmt: skip
        chosen = self.audition_moves()
        slots = lambda moves: build_slots(chain_of(moves)) if moves else []  # noqa: E731
        variants = {"solo": slots([card.final_move]), "bypass": slots([m for i, m in chosen if i != suggestion_id])}
        return audition_variants(self.samples(), self.sample_rate_hz, slots([m for _, m in chosen]), variants,
                                 region_s=region_s)  # fmt: skip

    def render(self) -> tuple[np.ndarray, list[str]]:
        """The whole audio with the chosen moves (sections and closed-loop loudness too)."""
        if self.analysis is None:
            self.measure()
        return apply_suggestions(self.samples(), self.sample_rate_hz, self.analysis, self.chosen(),
                                 destination=preferred_destination(self.context, self.taste)[0].destination)  # fmt: skip

    def export(self, path: str | os.PathLike[str], *, chain: Chain | None = None) -> Path:
        """Render and write ``path`` (WAV/FLAC/AIFF by its suffix), atomically.

        ``chain`` (a :class:`~bridge.chain.Chain` with plugin slots, from
        :func:`bridge.plugins.placement.place_moves`) renders through those plugins, tails
        included; without it the built-in render (:meth:`render`: sections and the
        closed-loop loudness move too)."""
        if not self.chosen():
            raise SessionError("nothing accepted yet: there is nothing to render")
        if Path(self.source).exists() and same_file(path, self.source):
            raise SessionError(f"{path} is the session's own audio: write the result somewhere else")
        if chain is not None and any(isinstance(s, PluginSlotSpec) for s in chain.slots):
            y = render_slots(self.samples(), self.sample_rate_hz, build_slots(chain)).audio
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


class SessionRegistry:
    """The open sessions by key (a file's path, or a DAW track's name), oldest first, and the
    selected one. Thread-safe; at most ``max_sessions`` are kept (the oldest go first).

    Parameters
    ----------
    max_sessions : int
        How many sessions are kept.
    """

    def __init__(self, *, max_sessions: int = 256) -> None:
        if max_sessions < 1:
            raise ValueError(f"max_sessions={max_sessions} must be at least 1")
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._selected: str | None = None

    def put(self, key: str, session: Session, *, select: bool = True) -> None:
        """Keep ``session`` under ``key`` (a new measurement of the same source replaces the
        old one); select it unless told otherwise."""
        with self._lock:
            self._sessions.pop(key, None)
            self._sessions[key] = session
            while len(self._sessions) > self.max_sessions:
                gone, _ = self._sessions.popitem(last=False)
                if gone == self._selected:
                    self._selected = None
            if select:
                self._selected = key

    def get(self, key: str) -> Session | None:
        with self._lock:
            return self._sessions.get(key)

    def select(self, key: str | None) -> Session | None:
        """Select ``key`` (None: nothing); the session, or None when the key is not open."""
        with self._lock:
            self._selected = key if key in self._sessions else None
            return None if self._selected is None else self._sessions[self._selected]

    @property
    def selected_key(self) -> str | None:
        with self._lock:
            return self._selected

    @property
    def selected(self) -> Session | None:
        with self._lock:
            return None if self._selected is None else self._sessions.get(self._selected)

    def key_of(self, session: Session) -> str | None:
        """The key ``session`` is kept under (None: not kept)."""
        with self._lock:
            return next((k for k, s in self._sessions.items() if s is session), None)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._sessions)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._sessions

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
