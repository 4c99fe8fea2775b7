"""The panel's long work as tasks that can run in a worker process, without Qt.

A :class:`Task` is a module-level function and its arguments, all picklable: measuring a
file or the demo (or a DAW track's bounce), rendering the A/B (or one card's solo and
bypass) with its measures, exporting, measuring a reference, suggesting again in another
context, a conversation's turn (which renders and measures the accepted moves), verifying a
plugin's map on the plugin. The panel's job runner (:class:`.workers.Jobs`) runs a task in
a worker process (:mod:`.processes`), so that numpy and pedalboard, which hold
Python's GIL for hundreds of milliseconds at a time on a long file, never stall the window;
a synchronous runner (:func:`.controller.run_now`, the tests) calls it in place. Either way
the task works on the session as the controller handed it over and returns what the
controller then puts into its own session on the GUI thread.

A worker keeps the audio of the last files it read (:data:`AUDIO_CACHE_FILES`), so that
rendering after measuring does not decode the file again (a session crosses to the worker
without its audio: :meth:`bridge.session.Session.__getstate__`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from analyzers import Analysis
from analyzers.context import Context
from analyzers.moves import Move
from analyzers.suggest import Advice
from analyzers.suggest.turns import Reply, Turn
from bridge.ab_measures import ABMeasures, measure_ab
from bridge.advise import ContextRequest, advise, advise_file, resolve_context
from bridge.audition import Audition
from bridge.chain import Chain, chain_from_moves
from bridge.plugins import PluginInfo
from bridge.plugins.placement import PluginChoice, place_moves
from bridge.plugins.verdicts import record_verdict
from bridge.plugins.verify import DEFAULT_VERIFY_TIMEOUT_S, verify_map
from bridge.session import Session

#: How many files' audio a worker keeps (a song and the one opened next).
AUDIO_CACHE_FILES = 2


@dataclass(frozen=True, slots=True)
class Task:
    """``fn(*args)``, to run elsewhere: ``fn`` a module-level function (pickled by name),
    ``args`` picklable."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()

    def __call__(self) -> Any:
        return self.fn(*self.args)

    @property
    def name(self) -> str:
        return self.fn.__name__


@dataclass(frozen=True, slots=True)
class Rendered:
    """An A/B (or a card's solo and bypass) rendered and measured, and what the session's copy
    settled on the way (:meth:`bridge.session.Session.keep_settled`)."""

    audition: Audition
    measures: ABMeasures
    settled: tuple[Any, Move | None] | None


@dataclass(frozen=True, slots=True)
class Conversed:
    """A conversation's turn taken on a copy of the session (:meth:`bridge.session.Session.ask`):
    the turn, its reply, and the copy's cards, turns and replacements after it
    (:meth:`bridge.session.Session.snapshot`), to be put into the panel's session."""

    turn: Turn
    reply: Reply
    snapshot: tuple[Any, Any, Any]


# -- the audio a worker keeps ---------------------------------------------------------------

_audio: OrderedDict[tuple[str, int, int], tuple[np.ndarray, float]] = OrderedDict()
_audio_lock = threading.Lock()


def _file_key(path: str) -> tuple[str, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), st.st_mtime_ns, st.st_size


def with_audio(session: Session) -> Session:
    """``session`` with its samples: the ones kept for its file (unchanged since), or read
    now and kept. A session whose audio no file holds (the demo) brings it along."""
    if session.audio is not None:
        key = _file_key(session.source)
        if key is not None:
            _keep(key, session.audio, session.sample_rate_hz)
        return session
    key = _file_key(session.source)
    with _audio_lock:
        kept = _audio.get(key) if key is not None else None
    if kept is not None and kept[1] == session.sample_rate_hz:
        session.audio = kept[0]
        return session
    audio = session.samples()
    if key is not None:
        _keep(key, audio, session.sample_rate_hz)
    return session


def _keep(key: tuple[str, int, int], audio: np.ndarray, rate: float) -> None:
    with _audio_lock:
        _audio[key] = (audio, rate)
        _audio.move_to_end(key)
        while len(_audio) > AUDIO_CACHE_FILES:
            _audio.popitem(last=False)


# -- where the moves render ------------------------------------------------------------------


def chain_on(placements: Sequence[PluginChoice], sample_rate_hz: float) -> Callable[[Sequence[Move]], Chain]:
    """``chain_of(moves)``: the chain ``moves`` make on the chosen plugins (EQ first), the
    rest built in; the built-ins alone without placements. Picklable."""
    if not placements:
        return chain_from_moves
    return partial(_placed, tuple((c.plugin, c.plugin_map) for c in placements), float(sample_rate_hz))


def _placed(placements: Sequence[tuple[Any, Mapping[str, Any]]], sample_rate_hz: float, moves: Sequence[Move]) -> Chain:
    return place_moves(moves, placements, sample_rate_hz=sample_rate_hz)


# -- the tasks ------------------------------------------------------------------------------


def measure_file(path: str, context: Context | None, taste: Mapping[str, Any] | None) -> Session:
    """``path`` read, measured and advised in ``context`` (the default one when None)."""
    s = Session.from_file(path, taste=taste, **({} if context is None else {"context": context}))
    with_audio(s)  # kept for the renders that follow
    return s


def measure_demo(context: Context | None, taste: Mapping[str, Any] | None) -> Session:
    """The built-in demo, measured and advised in ``context`` (the default one when None)."""
    return Session.demo(taste=taste, **({} if context is None else {"context": context}))


def measure_track(path: str, context: Context, taste: Mapping[str, Any] | None) -> Session:
    """A DAW track's bounce measured in blocks (memory bounded) and advised in ``context``;
    its samples are read when a render needs them."""
    return Session.from_advice(advise_file(path, context, taste=taste), taste=taste)


def advise_in(analysis: Analysis, context: Context, taste: Mapping[str, Any] | None) -> Advice:
    """The engine's advice on ``analysis`` in ``context``, nudged by ``taste`` (what
    :meth:`bridge.session.Session.suggest` makes in place)."""
    return advise(analysis, context, taste=taste)


def measure_reference(request: ContextRequest) -> Context:
    """The context ``request`` names, its reference track measured."""
    return resolve_context(request)


def render_ab(session: Session, region_s: tuple[float, float] | None,
              placements: Sequence[PluginChoice]) -> Rendered:  # fmt: skip
    """The A/B of the session's chosen moves over ``region_s`` (None: the whole file), on the
    chosen plugins, loudness-matched, with A and B measured and the gain reduction."""
    s = with_audio(session)
    result = s.audition(region_s, chain_of=chain_on(placements, s.sample_rate_hz))
    return Rendered(result, measure_ab(result, s.audition_moves()), s.settled)


def render_variants(session: Session, suggestion_id: str, region_s: tuple[float, float] | None,
                    placements: Sequence[PluginChoice]) -> Rendered:  # fmt: skip
    """The A/B with the card's solo and bypass (:meth:`bridge.session.Session.audition_move`), measured."""
    s = with_audio(session)
    result = s.audition_move(suggestion_id, region_s, chain_of=chain_on(placements, s.sample_rate_hz))
    return Rendered(result, measure_ab(result, s.audition_moves()), s.settled)


def export(session: Session, path: str, placements: Sequence[PluginChoice]) -> Path:
    """The whole file rendered with the chosen moves (on the chosen plugins when there are
    some: the chain is made here, a plugin slot's values do not pickle) and written to
    ``path``, atomically."""
    s = with_audio(session)
    chain = chain_on(placements, s.sample_rate_hz)(s.chosen_moves(whole_file_only=True)) if placements else None
    return s.export(path, chain=chain)


def converse(session: Session, words: str) -> Conversed:
    """The conversation's next turn (``words``: "a bit more", "too dark now", "undo that"),
    resolved against the accepted moves and the audio rendered with them."""
    s = with_audio(session)
    turn, reply = s.ask(words)
    return Conversed(turn, reply, s.snapshot())


def verify_plugin(plugin: PluginInfo, plugin_map: Mapping[str, Any],
                  timeout_s: float = DEFAULT_VERIFY_TIMEOUT_S) -> dict[str, Any]:  # fmt: skip
    """``plugin_map`` measured on the plugin (:func:`bridge.plugins.verify.verify_map`: the
    plugin runs in a child process of its own, killed after ``timeout_s``); the verdict kept
    when a measurement came back."""
    report = verify_map(plugin, plugin_map, timeout_s=timeout_s)
    if report["ran"]:
        record_verdict(plugin, plugin_map, report)
    return report
