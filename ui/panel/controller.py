"""The panel's state and decisions, without Qt: what the window shows and what it may do.

:class:`PanelController` keeps the open sessions (a :class:`bridge.session.SessionRegistry`
keyed by source path, with a label each, and the DAW tracks they came from), the one shown,
the undo history of the engineer's answers, the plugins chosen for the moves, and the last
A/B. Every intent of the window, its dialogs and the DAW listener is a method here: open a
file or the demo, switch, set the context or the reference, accept / reject / tweak / reset
(undoable, one step each, "accept all" one step), undo, redo, audition, export, presets, the
watched folder. The window draws what the controller tells its :class:`PanelView` — it holds
layout and wiring only (Picard's controller / widget split, ``../shared/STYLE.md`` §5).

Long work runs through the injected ``run_task(work, on_done, on_error, on_progress)``: the
panel's :class:`~ui.panel.workers.Jobs` (results back on the GUI thread), or a synchronous
runner in tests (:func:`run_now`). Measuring (files, the demo, the DAW's bounces, a
reference), suggesting again in another context, a conversation's turn, rendering and
exporting are handed over as :class:`~ui.panel.tasks.Task` objects — a function and
picklable arguments, the session as it is when asked — which the panel runs in a worker
process, so that the window stays responsive while numpy and pedalboard work; what a task
returns is put into the session here, on the GUI thread. ``to_main(fn)`` runs ``fn`` on the GUI thread (the watched folder's thread
calls it). Every method other than the work functions is meant for the GUI thread.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from analyzers.context import Context
from analyzers.errors import ParameterError
from analyzers.moves import Move
from analyzers.suggest import Decision
from analyzers.suggest.turns import parse_request
from bridge.advise import ContextRequest
from bridge.ab_measures import ABMeasures
from bridge.audition import Audition, parse_region
from bridge.chain import Chain, chain_from_moves
from bridge.errors import BridgeError
from bridge.plugins.placement import PluginChoice, place_moves
from bridge.session import Card, Session, SessionError, SessionRegistry
from bridge.watch import FolderWatcher
from presets import Preset, PresetEntry, PresetStore, Provenance, TasteLog
from presets.taste import describe_taste

from . import tasks
from .tasks import Rendered, Task

#: ``run_task(work, on_done, on_error, on_progress)``: run ``work`` (which may take a
#: ``progress`` keyword) off the GUI thread, then ``on_done(result)`` or ``on_error(exc)`` on it.
RunTask = Callable[[Callable[..., Any], Callable[[Any], None], Callable[[BaseException], None],
                    Callable[[int, int], None] | None], None]  # fmt: skip


class PanelView(Protocol):
    """What the controller tells the window (every call on the GUI thread)."""

    def draw_session(self, session: Session) -> None: ...  # a session is shown (again): redraw all

    def card_changed(self, suggestion_id: str) -> None: ...  # one card's answer changed

    def ab_changed(self, result: Audition | None, message: str) -> None: ...  # an A/B is ready, or stale

    def measuring(self, label: str | None) -> None: ...  # a source is being measured (None: done or failed)

    def side_changed(self, side: str, suggestion_id: str | None) -> None: ...  # the side heard: a, b, solo, bypass

    def status(self, text: str) -> None: ...

    def error(self, what: str, exc: BaseException) -> None: ...


def run_now(work: Callable[..., Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
            on_progress: Callable[[int, int], None] | None = None) -> None:  # fmt: skip
    """A :data:`RunTask` that runs the work at once, in this thread (tests, scripts)."""
    try:
        result = work(progress=on_progress or (lambda _d, _t: None)) if _takes_progress(work) else work()
    except Exception as exc:  # noqa: BLE001 - handed to on_error like the threaded runner does
        on_error(exc)
        return
    on_done(result)


def _takes_progress(fn: Callable[..., Any]) -> bool:
    try:
        return "progress" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class _Step:
    """One undoable step: the answers of some cards of one session before and after."""

    text: str
    session: Session
    before: Mapping[str, Card]
    after: Mapping[str, Card]
    snapshots: tuple[Any, Any] | None = None  # a conversation turn: the whole session before and after


@dataclass
class UndoHistory:
    """The engineer's answers, undoable step by step (a new step drops what was undone)."""

    steps: list[_Step] = field(default_factory=list)
    position: int = 0  # steps[:position] are done

    def push(self, step: _Step) -> None:
        del self.steps[self.position:]
        self.steps.append(step)
        self.position = len(self.steps)

    def clear(self) -> None:
        self.steps.clear()
        self.position = 0

    @property
    def undo_text(self) -> str | None:
        return self.steps[self.position - 1].text if self.position else None

    @property
    def redo_text(self) -> str | None:
        return self.steps[self.position].text if self.position < len(self.steps) else None


class PanelController:
    """The panel's state; see the module's docstring.

    Parameters
    ----------
    run_task : callable
        How long work runs (:data:`RunTask`); :func:`run_now` by default.
    to_main : callable
        ``to_main(fn)`` runs ``fn`` on the GUI thread; by default at once.
    taste : mapping, optional
        The engineer's taste summary every session opened here is nudged by.
    on_decision : callable, optional
        Called with each :class:`~analyzers.suggest.Decision` (the taste log).
    store : PresetStore, optional
        Where presets are saved and loaded (the user's folder by default).
    """

    def __init__(self, *, run_task: RunTask = run_now, to_main: Callable[[Callable[[], None]], None] | None = None,
                 taste: Mapping[str, Any] | None = None, on_decision: Callable[[Decision], object] | None = None,
                 store: PresetStore | None = None) -> None:  # fmt: skip
        self.run_task = run_task
        self.to_main = to_main or (lambda fn: fn())
        self.taste = taste
        self.on_decision = on_decision
        self.store = store
        self.view: PanelView | None = None
        self.registry = SessionRegistry()
        self.labels: dict[str, str] = {}  # session key -> the label shown in the source list
        self._given_labels: dict[str, str] = {}  # the labels asked for (DAW tracks); the rest are file names
        self.tracks: dict[str, str] = {}  # DAW track name -> session key
        self.history = UndoHistory()
        self.words_history: list[str] = []  # the conversation's words, newest first
        self.last_said: tuple[Any, Any] | None = None  # the last turn set_intent took, and its reply
        self.placements: list[PluginChoice] = []  # the plugins the moves go on (EQ first); none: built in
        self.audition_result: Audition | None = None
        self.ab_measures: ABMeasures | None = None  # A and B measured, gain reduction over time
        self.side = "a"  # the side heard: "a", "b", or "solo"/"bypass" of the card variant_id
        self.variant_id: str | None = None  # the card whose solo and bypass the A/B holds
        self.region_text = ""  # the region the last A/B was asked for
        self.last_error = ""
        self.watcher: FolderWatcher | None = None
        self._advice_asked = 0  # contexts asked to be suggested in: only the newest one's advice is taken

    # -- telling the view ------------------------------------------------------------------

    def _status(self, text: str) -> None:
        if self.view is not None:
            self.view.status(text)

    def _error(self, what: str, exc: BaseException) -> None:
        self.last_error = f"{what}: {exc}"
        if self.view is not None:
            self.view.error(what, exc)

    def _ab_stale(self, message: str) -> None:
        self.audition_result = None
        self.ab_measures = None
        self.variant_id = None
        if self.side in ("solo", "bypass"):
            self.side = "b"
        if self.view is not None:
            self.view.ab_changed(None, message)

    # -- sessions -----------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The session shown (None before the first one)."""
        return self.registry.selected

    @property
    def sessions(self) -> dict[str, Session]:
        """The open sessions by key, in the order they were opened."""
        return {k: s for k in self.registry.keys() if (s := self.registry.get(k)) is not None}

    def show(self, session: Session, *, label: str | None = None) -> None:
        """Show ``session``: kept under its source (a new measurement of the same file — a new
        bounce — replaces the old one), labelled ``label`` (default: the file's name)."""
        session.on_decision = self.on_decision
        if self.taste and session.taste is None:
            session.taste = self.taste
            session.suggest()
        elif session.advice is None:
            session.suggest()
        key = session.source
        self.registry.put(key, session)
        if label:
            self._given_labels[key] = label
        names = distinct_names([k for k in self.registry.keys() if k not in self._given_labels])
        self.labels = {k: self._given_labels.get(k) or names[k] for k in self.registry.keys()}
        self.history.clear()
        self._ab_stale("accept a move, then render A/B")
        if self.view is not None:
            self.view.draw_session(session)

    def switch(self, key: str) -> None:
        """Show the session kept under ``key`` (nothing when it is the one shown or unknown)."""
        s = self.registry.get(key)
        if s is not None and s is not self.session:
            self.show(s)

    def open_demo(self, *, context: Context | None = None) -> None:
        """Measure the built-in demo (off the GUI thread) in ``context`` (a resolved
        :class:`~analyzers.context.Context`; default: the shown session's, else the
        default one) and show it."""
        ctx = context if context is not None else self.session.context if self.session is not None else None
        self._load(Task(tasks.measure_demo, (ctx, self.taste)), "the demo")

    def open_file(self, path: str | os.PathLike[str], *, context: Context | None = None) -> None:
        """Read and measure ``path`` (off the GUI thread) in ``context`` (default: the shown
        session's, else the default one), then show it."""
        ctx = context if context is not None else self.session.context if self.session is not None else None
        path = os.path.abspath(os.fspath(path))
        self._load(Task(tasks.measure_file, (path, ctx, self.taste)), Path(path).name)

    def _load(self, work: Callable[..., Session], label: str) -> None:
        self._status(f"measuring {label}…")
        if self.view is not None:
            self.view.measuring(label)

        def done(session: Session) -> None:
            if self.view is not None:
                self.view.measuring(None)
            self.show(session)
            n = len(session.cards)
            self._status(f"{short_name(session.source)}: {n} suggestion{'s' if n != 1 else ''}, "
                         f"{len(session.advice.leave_alone) if session.advice else 0} left alone")  # fmt: skip

        def failed(exc: BaseException) -> None:
            if self.view is not None:
                self.view.measuring(None)
            self._error(f"could not open {label}", exc)

        self.run_task(work, done, failed, None)

    # -- context ------------------------------------------------------------------------

    def set_context(self, *, role: str, genre: str | None, target: str | None, intent: str) -> bool:
        """Suggest again in this context (the reference stays; the engine runs in a worker
        process); False, with the error said, when a name is unknown (nothing changes then)."""
        s = self.session
        if s is None:
            return False
        request = ContextRequest(role=role, genre=genre, target=target, intent=intent,
                                 reference_path=s.context.reference_name)  # fmt: skip
        try:
            context = request.check(reference=s.context.reference)
        except ParameterError as exc:
            self._error("that context cannot be used", exc)
            return False
        self._suggest_again(s, context, lambda s: f"suggested again: {len(s.cards)} suggestions")
        return True

    def _suggest_again(self, s: Session, context: Context, said: Callable[[Session], str],
                       on_done: Callable[[Session], None] | None = None,
                       on_error: Callable[[BaseException], None] | None = None) -> None:  # fmt: skip
        """``s`` suggested again in ``context`` (:func:`.tasks.advise_in`, in a worker: the engine
        holds the GUI thread 50 ms on a song) and drawn; ``said(s)`` in the status bar, then
        ``on_done(s)``. Only the newest of the contexts asked meanwhile is taken."""
        self._advice_asked += 1
        asked = self._advice_asked

        def done(advice: Any) -> None:
            if asked != self._advice_asked:  # another context asked since: its advice is the one to show
                failed(SessionError("other words or another context came meanwhile: those are suggested"))
                return
            s.use_advice(context, advice)
            self.history.clear()
            self._ab_stale("suggested again: render A/B again")
            if self.view is not None and s is self.session:
                self.view.draw_session(s)
            self._status(said(s))
            if on_done is not None:
                on_done(s)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            elif asked == self._advice_asked:
                self._error("could not suggest again", exc)

        if s.analysis is None:  # not measured yet: measured and suggested in place
            s.use_context(context)
            done(s.advice)
            return
        self._status("suggesting again…")
        self.run_task(Task(tasks.advise_in, (s.analysis, context, s.taste)), done, failed, None)

    def answer(self, flag: str, choice: str) -> bool:
        """A question answered with one click: the context with ``--role``, ``--genre`` or
        ``--target`` set to ``choice``, suggested again (:meth:`set_context`)."""
        s = self.session
        if s is None:
            return False
        req = ContextRequest.of(s.context)
        values = {"role": req.role, "genre": req.genre, "target": req.target, "intent": req.intent}
        values[{"--role": "role", "--genre": "genre", "--target": "target"}[flag]] = choice
        return self.set_context(**values)

    def set_intent(self, text: str, on_done: Callable[[Session], None] | None = None,
                   on_error: Callable[[BaseException], None] | None = None) -> None:  # fmt: skip
        """The shown session's intent words, suggested again (the DAW's ``/secondear/intent``);
        once a move is accepted or a turn asked, the conversation's next turn instead (off
        the GUI thread: :meth:`say`). ``on_done(session)`` once it is shown, on the GUI
        thread; ``on_error(exc)`` else (the panel says it otherwise).

        Raises
        ------
        BridgeError
            Nothing is shown.
        ParameterError
            An unknown word (nothing changes).
        """
        s = self.session
        if s is None:
            raise BridgeError("nothing to suggest for: send /secondear/analyze <track> <path> first")
        self.last_said = None
        if s.in_conversation():  # moves accepted: the words are the next turn ("a bit more"), one undo step
            parse_request(text)  # words it cannot read: said now, before any work
            self._converse(s, text, on_done, on_error)
            return
        context = replace(ContextRequest.of(s.context), intent=text).check(reference=s.context.reference)
        self._suggest_again(s, context, lambda s: f"'{text}': {len(s.cards)} suggestions", on_done, on_error)

    def set_reference(self, path: str | os.PathLike[str]) -> None:
        """Measure ``path`` as the reference (off the GUI thread) and suggest again."""
        s = self.session
        if s is None:
            return
        request = replace(ContextRequest.of(s.context), reference_path=os.path.abspath(os.fspath(path)))

        def done(context: Any) -> None:
            self._suggest_again(s, context, lambda s: f"reference {Path(path).name}: {len(s.cards)} suggestions")

        self._status(f"measuring the reference {Path(path).name}…")
        self.run_task(Task(tasks.measure_reference, (request,)), done,
                      lambda exc: self._error("could not read the reference", exc), None)  # fmt: skip

    # -- decisions (undoable) ---------------------------------------------------------------

    def _decide(self, text: str, ids: Sequence[str], act: Callable[[Session], object]) -> None:
        s = self.session
        if s is None or not ids:
            return
        before = {i: s.card(i) for i in ids}  # an unknown id: SessionError naming the known ones
        act(s)
        after = {i: s.card(i) for i in ids}
        self.history.push(_Step(text, s, before, after))
        self._cards_changed(ids)

    def _cards_changed(self, ids: Sequence[str]) -> None:
        s = self.session
        self._ab_stale("changed: render A/B again" if s is not None and s.chosen() else "accept a move, then render A/B")
        if self.view is not None:
            for i in ids:
                self.view.card_changed(i)

    def accept(self, suggestion_id: str) -> None:
        self._decide(f"accept {suggestion_id}", [suggestion_id], lambda s: s.accept(suggestion_id))

    def reject(self, suggestion_id: str) -> None:
        self._decide(f"reject {suggestion_id}", [suggestion_id], lambda s: s.reject(suggestion_id))

    def reset(self, suggestion_id: str) -> None:
        self._decide(f"reset {suggestion_id}", [suggestion_id], lambda s: s.reset(suggestion_id))

    def tweak(self, suggestion_id: str, params: Mapping[str, float]) -> bool:
        """Accept with changed parameters; False, with the error said, for a value out of range."""
        s = self.session
        if s is None:
            return False
        card = s.card(suggestion_id)
        try:
            Move(card.suggestion.move.kind, {**card.final_move.params, **params})
        except ParameterError as exc:
            self._error("that value cannot be used", exc)
            if self.view is not None:
                self.view.card_changed(suggestion_id)
            return False
        self._decide(f"tweak {suggestion_id}", [suggestion_id], lambda s: s.tweak(suggestion_id, **params))
        return True

    def accept_all(self) -> None:
        """Accept every undecided card: one step."""
        s = self.session
        if s is None:
            return
        pending = [sid for sid, c in s.cards.items() if c.status == "pending"]

        def act(session: Session) -> None:
            for sid in pending:
                session.accept(sid)

        self._decide("accept all", pending, act)

    def undo(self) -> None:
        h = self.history
        if not h.position:
            return
        step = h.steps[h.position - 1]
        h.position -= 1
        self._restore(step, step.before)

    def redo(self) -> None:
        h = self.history
        if h.position >= len(h.steps):
            return
        step = h.steps[h.position]
        h.position += 1
        self._restore(step, step.after)

    def _restore(self, step: _Step, cards: Mapping[str, Card]) -> None:
        if step.snapshots is not None:  # a turn: the whole session as it was
            step.session.restore_snapshot(step.snapshots[0] if cards is step.before else step.snapshots[1])
            if step.session is self.session:
                self._ab_stale("changed: render A/B again")
                if self.view is not None:
                    self.view.draw_session(step.session)
            return
        for card in cards.values():
            step.session.restore(card)
        if step.session is self.session:
            self._cards_changed(list(cards))

    # -- the conversation (undoable, one step a turn) ------------------------------------------

    def say(self, text: str) -> None:
        """One turn on the shown session ("warmer", "a bit more", "too dark now", "undo that"):
        resolved against the accepted moves and their render (in a worker process: it renders
        and measures the whole file), its proposals shown as cards; one undo step. Unknown
        words: the error said, nothing changes."""
        s = self.session
        text = text.strip()
        if s is None or not text:
            return
        if text in self.words_history:  # newest first, each once (a typo too: easier to correct)
            self.words_history.remove(text)
        self.words_history.insert(0, text)
        self._converse(s, text, None, None)

    def _converse(self, s: Session, text: str, on_done: Callable[[Session], None] | None,
                  on_error: Callable[[BaseException], None] | None) -> None:  # fmt: skip
        """The turn ``text`` taken on a copy of ``s`` in a worker (:func:`.tasks.converse`) and
        put into ``s`` when it comes back, unless ``s`` was changed meanwhile (an answer
        given while the turn was worked out: the turn is not taken, said so)."""
        if not s.turns:
            s.open_conversation()  # the cards shown are its first turn
        before = s.snapshot()

        def done(result: tasks.Conversed) -> None:
            if s.snapshot() != before:
                failed(SessionError(f"the cards changed while '{text}' was worked out: say it again"))
                return
            s.restore_snapshot(result.snapshot)
            self.last_said = (result.turn, result.reply)
            self.history.push(_Step(f"'{text}'", s, {}, {}, snapshots=(before, s.snapshot())))
            self._ab_stale("changed: render A/B again")
            if self.view is not None and s is self.session:
                self.view.draw_session(s)
            turn, reply = result.turn, result.reply
            said = [f"{len(reply.proposals)} to decide" if reply.proposals else "", *reply.already, *reply.notes]
            self._status(f"'{text}' ({turn.kind}): " + ("; ".join(x for x in said if x) or "nothing to change"))
            if on_done is not None:
                on_done(s)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self._error("those words cannot be used", exc)

        self._status(f"'{text}'…")
        self.run_task(Task(tasks.converse, (s, text)), done, failed, None)

    def taste_text(self) -> str:
        """What the taste log taught (:func:`presets.taste.describe_taste`)."""
        log = TasteLog()
        return f"{log.path}\n" + "\n".join(describe_taste(log.summary()))

    def reset_taste(self) -> Path | None:
        """Forget the taste (the log moved aside, returned); sessions opened from now on use the
        defaults, and the shown one is suggested again without it."""
        aside = TasteLog().reset()
        self.taste = None
        s = self.session
        if s is not None:
            s.taste = None
            self._suggest_again(s, s.context, lambda s: f"without the taste: {len(s.cards)} suggestions")
        return aside

    # -- where the moves render -------------------------------------------------------------

    def current_chain(self) -> Chain:
        """The chain the accepted moves make, on the chosen plugins (the rest built in)."""
        s = self.session
        if s is None:
            raise SessionError("no session is shown")
        return self.chain_of(s.chosen_moves(whole_file_only=True))

    def chain_of(self, moves: Sequence[Move]) -> Chain:
        """The chain ``moves`` make on the chosen plugins (the rest built in)."""
        if not self.placements:
            return chain_from_moves(moves)
        rate = self.session.sample_rate_hz if self.session is not None else 48000.0
        return place_moves(moves, [(c.plugin, c.plugin_map) for c in self.placements], sample_rate_hz=rate)

    def set_placements(self, choices: Sequence[PluginChoice]) -> None:
        """The plugins chosen for the moves (EQ first); the A/B is stale then."""
        if list(choices) == self.placements:
            return
        self.placements = list(choices)
        names = [c.plugin.name for c in self.placements]
        self._ab_stale(f"moves on {' and '.join(names)}: render A/B again" if names else
                       "moves on the built-ins: render A/B again")  # fmt: skip

    # -- audition, export -------------------------------------------------------------------

    def audition(self, region_text: str = "") -> bool:
        """Render A/B over the region (``START:END`` seconds; empty: the whole file), off the
        GUI thread, loudness-matched; False when nothing can be rendered (said why)."""
        s = self.session
        if s is None:
            return False
        try:
            region = parse_region(region_text) if region_text.strip() else None
        except ValueError as exc:
            self._error("that region cannot be used", exc)
            return False
        if not s.chosen():
            self._status("nothing accepted yet: accept or tweak a suggestion to audition it")
            return False
        try:
            self.current_chain()
        except Exception as exc:  # noqa: BLE001 - a map that cannot take the moves: said, nothing renders
            self._error("the moves cannot go on the chosen plugin", exc)
            return False

        self.region_text = region_text

        def done(rendered: Rendered) -> None:
            s.keep_settled(rendered.settled)
            if s is not self.session:
                return
            self.audition_result, self.ab_measures = rendered.audition, rendered.measures
            result = self.audition_result
            self.variant_id = None
            if self.side not in ("a", "b"):
                self.side = "b"
            if self.view is not None:
                self.view.ab_changed(result, "A/B ready: press Play and switch A/B")
                self.view.side_changed(self.side, None)

        self._status("rendering A/B…")
        self.run_task(Task(tasks.render_ab, (s, region, tuple(self.placements))), done,
                      lambda exc: self._error("the A/B render failed", exc), None)  # fmt: skip
        return True

    def listen(self, side: str) -> None:
        """Hear ``"a"`` or ``"b"`` (of the A/B rendered; nothing before one is)."""
        if side not in ("a", "b"):
            raise ValueError(f"side must be 'a' or 'b', not {side!r}")
        self.side = side
        if self.view is not None:
            self.view.side_changed(side, self.variant_id)

    def toggle_ab(self) -> None:
        """From B (or a solo or bypass) to A, from A to B."""
        self.listen("b" if self.side == "a" else "a")

    def solo(self, suggestion_id: str) -> bool:
        """Hear the card's move alone, loudness-matched with the A/B (rendered off the GUI
        thread when the A/B does not hold it yet); again: back to B. False when it cannot."""
        return self._variant("solo", suggestion_id)

    def bypass(self, suggestion_id: str) -> bool:
        """Hear the chosen moves without the card's move (rendered as :meth:`solo` is); again: back to B."""
        return self._variant("bypass", suggestion_id)

    def _variant(self, side: str, suggestion_id: str) -> bool:
        s = self.session
        if s is None:
            return False
        if self.side == side and self.variant_id == suggestion_id:
            self.listen("b")
            return True
        if self.audition_result is not None and self.variant_id == suggestion_id:
            self.side = side
            if self.view is not None:
                self.view.side_changed(side, suggestion_id)
            return True
        try:
            s.card(suggestion_id)
            region = parse_region(self.region_text) if self.region_text.strip() else None
        except ValueError as exc:
            self._error(f"cannot {side} that move", exc)
            return False

        def done(rendered: Rendered) -> None:
            s.keep_settled(rendered.settled)
            if s is not self.session:
                return
            self.audition_result, self.ab_measures = rendered.audition, rendered.measures
            result = self.audition_result
            self.variant_id = suggestion_id
            self.side = side
            if self.view is not None:
                self.view.ab_changed(result, f"{side} {suggestion_id} ready (loudness-matched with A and B)")
                self.view.side_changed(side, suggestion_id)

        self._status(f"rendering {side} of {suggestion_id}…")
        self.run_task(Task(tasks.render_variants, (s, suggestion_id, region, tuple(self.placements))), done,
                      lambda exc: self._error(f"the {side} render failed", exc), None)  # fmt: skip
        return True

    def export(self, path: str | os.PathLike[str], on_done: Callable[[Path], None] | None = None) -> None:
        """Render the whole file with the chosen moves into ``path`` (off the GUI thread)."""
        s = self.session
        if s is None or not s.chosen():
            self._status("nothing accepted yet: there is nothing to export")
            return
        try:
            self.current_chain()  # made again in the worker; checked here so that a map that cannot take the moves is said now
        except Exception as exc:  # noqa: BLE001 - said, nothing renders
            self._error("the moves cannot go on the chosen plugin", exc)
            return

        def done(p: Path) -> None:
            self._status(f"wrote {p}")
            if on_done is not None:
                on_done(p)

        self._status(f"rendering {Path(path).name}…")
        self.run_task(Task(tasks.export, (s, os.path.abspath(os.fspath(path)), tuple(self.placements))), done,
                      lambda exc: self._error("the export failed", exc), None)  # fmt: skip

    # -- presets ----------------------------------------------------------------------------

    def preset(self, name: str, *, tags: Sequence[str] = (), notes: str = "") -> Preset:
        """The :class:`presets.Preset` of the accepted chain (on the chosen plugins), with its provenance."""
        s = self.session
        if s is None:
            raise SessionError("no session is shown")
        provenance = Provenance.of(file=s.source, analysis=s.analysis, context=s.context,
                                   suggestions=[x for x in s.chosen() if x.aspect != "preset"])  # fmt: skip
        return Preset(name=name, chain=self.current_chain(), tags=tuple(tags), notes=notes, provenance=provenance)

    def save_preset(self, name: str, *, tags: Sequence[str] = (), notes: str = "", overwrite: bool = False) -> PresetEntry:
        """Save the accepted chain as a preset (raises :class:`presets.PresetExistsError`
        when the name is taken and ``overwrite`` is False, :class:`presets.PresetError` else)."""
        entry = self._store().save(self.preset(name, tags=tags, notes=notes), overwrite=overwrite)
        self._status(f"saved preset {entry.name!r} ({entry.slots} slot{'s' if entry.slots != 1 else ''}) in {entry.path}")
        return entry

    def load_preset(self, name: str) -> int:
        """Add a preset's moves to the shown session as accepted cards; how many (raises
        :class:`presets.PresetError`)."""
        s = self.session
        if s is None:
            return 0
        preset = self._store().load(name)
        moves = list(preset.chain.moves)
        if not moves:
            self._status(f"preset {preset.name!r} holds no moves Second Ear can render")
            return 0
        s.add_moves(moves, label=f"preset '{preset.name}'", source=preset.source or "")
        self.history.clear()
        self._ab_stale("changed: render A/B again")
        if self.view is not None:
            self.view.draw_session(s)
        self._status(f"loaded preset {preset.name!r}: {len(moves)} move(s) added as accepted cards")
        return len(moves)

    def preset_entries(self) -> list[PresetEntry]:
        """The presets that can be loaded (readable ones)."""
        return [e for e in self._store().list() if e.error is None]

    def _store(self) -> PresetStore:
        if self.store is None:
            self.store = PresetStore()
        return self.store

    # -- the DAW: tracks it sent, a watched bounce folder -------------------------------------

    def open_track(self, track: str, path: str, *, role: str | None = None,
                   on_done: Callable[[Session], None] | None = None,
                   on_error: Callable[[BaseException], None] | None = None) -> None:  # fmt: skip
        """Measure a DAW bounce (in a worker process) in the shown session's genre and
        destination, with ``role``, and show it as the track's session
        (:meth:`show_track`); then ``on_done(session)``, or ``on_error(exc)``, on the GUI
        thread. Raises :class:`~analyzers.errors.ParameterError` for an unknown role."""
        def done(session: Session) -> None:
            self.show_track(track, session)
            if on_done is not None:
                on_done(session)

        failed = on_error or (lambda exc: self._error(f"could not open {short_name(path)}", exc))
        self._status(f"from the DAW: {track}; measuring {short_name(path)}…")
        self.run_task(Task(tasks.measure_track, (path, self.track_context(role), self.taste)), done, failed, None)

    def track_context(self, role: str | None) -> Context:
        """The context a DAW bounce is measured in: ``role`` (a mix by default), the shown
        session's genre and destination."""
        ctx = self.session.context if self.session is not None else None
        d = ctx.describe() if ctx is not None else {}
        request = ContextRequest(role=role or "mix", genre=d.get("genre"),
                                 target=None if not d.get("target") else d["target"]["name"])  # fmt: skip
        return request.check()

    def show_track(self, track: str, session: Session) -> None:
        """Show a DAW track's session, labelled ``track — file``; the track selects it later."""
        self.tracks[track] = session.source
        self.show(session, label=f"{track} — {short_name(session.source)}")
        self._status(f"from the DAW: {track} ({short_name(session.source)}), {len(session.cards)} suggestions")

    def select_track(self, track: str) -> Session:
        """Show the session of a DAW track (raises :class:`BridgeError` naming the tracks known)."""
        key = self.tracks.get(track)
        s = None if key is None else self.registry.get(key)
        if s is None:
            known = ", ".join(self.tracks) or "none yet"
            raise BridgeError(f"track {track!r} has not been analyzed here; send /secondear/analyze first "
                              f"(analyzed: {known})")  # fmt: skip
        self.show(s)
        return s

    def track_of(self, session: Session) -> str:
        """The DAW track a session came from (its source when none)."""
        return next((t for t, k in self.tracks.items() if k == session.source), session.source)

    def watch(self, folder: str | os.PathLike[str], *, settle_s: float = 1.0, poll_s: float = 0.5) -> None:
        """Open every bounce that lands in ``folder`` (measured in the current context)."""
        self.stop_watching()
        self.watcher = FolderWatcher(folder, lambda p: self.to_main(lambda: self._bounce(os.fspath(p))),
                                     settle_s=settle_s, poll_s=poll_s)  # fmt: skip
        self.watcher.start()
        self._status(f"watching {folder}: a bounce that lands there is analyzed")

    def _bounce(self, path: str) -> None:
        self._status(f"new bounce: {Path(path).name}; measuring…")
        self.open_file(path)

    def stop_watching(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None


def distinct_names(paths: Sequence[str]) -> dict[str, str]:
    """Each path as the source list shows it: its file name, with as many parent folders as
    tell it apart from the others (``a/mix.flac``, ``b/mix.flac``); labels such as ``<demo>`` as they are."""
    parts = {p: (Path(p).parts if not p.startswith("<") else (p,)) for p in paths}
    out: dict[str, str] = {}
    for p, mine in parts.items():
        k = 1
        while k < len(mine) and any(q != p and o[-k:] == mine[-k:] for q, o in parts.items()):
            k += 1
        out[p] = str(Path(*mine[-k:])) if not p.startswith("<") else p
    return out


def short_name(path: str | None) -> str:
    """A source as the source list shows it: the file's name (labels such as ``<demo>`` as they are)."""
    if not path:
        return ""
    return path if path.startswith("<") else Path(path).name

