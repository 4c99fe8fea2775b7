"""The panel's conversation: the say box resolves each turn against the accepted moves, its
proposals become cards, every turn is one undo step, the words keep their history; the
taste view says what was learnt and resets it."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from analyzers.suggest import Decision
from bridge.session import Session
from presets import TasteLog
from signals import pink_noise
from ui.panel.window import PanelWindow

RATE = 48000


def gain_db(y: np.ndarray, x: np.ndarray, lo_hz: float, hi_hz: float) -> float:
    f = np.fft.rfftfreq(x.shape[1], 1 / RATE)
    sel = (f >= lo_hz) & (f <= hi_hz)
    p = [np.sum(np.abs(np.fft.rfft(a.astype(np.float64), axis=1)[:, sel]) ** 2) for a in (y, x)]
    return float(10 * np.log10(p[0] / p[1]))


@pytest.fixture
def window(qtbot, qapp):
    x = pink_noise(np.random.default_rng(41), 5.0, RATE, level_dbfs=-20.0)
    s = Session(x, float(RATE), "pink")
    s.measure()
    s.set_context(intent="warmer")
    w = PanelWindow(s)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.jobs.wait()


def test_turns_in_the_say_box_each_one_undo_step(window, qtbot):
    s = window.session
    window.controller.accept("warmer-low-mids")
    x = s.samples()
    first = gain_db(s.render()[0], x, 235, 265)
    window.say_box.setEditText("a bit more")
    window.say()
    qtbot.waitUntil(lambda: "warmer-low-mids-2" in window.cards or bool(window.controller.last_error), timeout=30000)
    assert not window.controller.last_error, (window.controller.last_error, list(window.cards), list(s.cards))
    window.controller.accept("warmer-low-mids-2")
    assert "warmer-low-mids" not in s.cards  # the replacement took its place
    assert gain_db(s.render()[0], x, 235, 265) == pytest.approx(1.5 * first, abs=0.3)
    assert window.say_box.itemText(0) == "a bit more" and window.controller.words_history == ["a bit more"]
    window.undo()  # the acceptance
    window.undo()  # the turn, as one step: its card gone, the conversation one turn shorter
    assert "warmer-low-mids-2" not in window.cards and s.cards["warmer-low-mids"].status == "accepted"
    assert [t.words for t in s.turns] == ["warmer"]
    window.redo()
    assert "warmer-low-mids-2" in window.cards and len(s.turns) == 2
    window.say("too purple")  # unknown: said, nothing changes
    qtbot.waitUntil(lambda: "not a quality" in window.controller.last_error, timeout=30000)
    assert len(s.turns) == 2


def test_a_turn_is_worked_out_in_a_worker_as_it_is_in_place(window, qtbot):
    s = window.session
    window.controller.accept("warmer-low-mids")
    here = pickle.loads(pickle.dumps(s))  # the same session, to take the same turn in this thread
    window.say("a bit more")
    assert len(s.turns) == 1  # asked: nothing taken yet, the window free meanwhile
    qtbot.waitUntil(lambda: len(s.turns) == 2 or bool(window.controller.last_error), timeout=60000)
    assert window.controller.last_error == "" and window.jobs.processes is not None  # it went to a worker process
    turn, reply = here.ask("a bit more")
    assert s.snapshot() == here.snapshot()  # cards, turns (with the figures measured on the render), replacements
    assert s.turns[-1] == turn and window.controller.last_said == (turn, reply)
    assert "warmer-low-mids-2" in window.cards and "1 to decide" in window.statusBar().currentMessage()


def test_a_turn_is_not_taken_when_the_cards_changed_while_it_was_worked_out(window, qtbot):
    s = window.session
    window.controller.accept("warmer-low-mids")
    window.say("a bit more")
    window.controller.accept("warmer-less-top")  # while the worker works the turn out
    qtbot.waitUntil(lambda: bool(window.controller.last_error), timeout=60000)
    assert "the cards changed while 'a bit more' was worked out: say it again" in window.controller.last_error
    assert "warmer-low-mids-2" not in s.cards and s.cards["warmer-less-top"].status == "accepted"
    assert window.controller.history.undo_text == "accept warmer-less-top"


def test_taste_view_and_reset(window, qtbot):
    s = window.session
    log = TasteLog()
    for _ in range(6):
        card = s.cards["warmer-less-top"].suggestion
        log.append(Decision.of(card, "tweaked", final={**card.move.params, "gain_db": -1.0}, context=s.context))
    text = window.controller.taste_text()
    assert "6 decisions" in text and "high-shelf cuts at 2–8 kHz on mix: about 40 % (6 decisions)" in text
    with qtbot.waitSignal(window.session_shown, timeout=60000):  # the session suggested again without it
        assert window.controller.reset_taste() is not None
    assert "nothing learnt yet" in window.controller.taste_text()


def test_a_question_is_a_card_answered_with_one_click(qtbot, qapp):
    """A quiet bounce with no destination: the panel asks where it goes; one click on
    'spotify' sets the destination and the loudness move appears."""
    x = pink_noise(np.random.default_rng(42), 5.0, RATE, level_dbfs=-36.0)
    s = Session(x, float(RATE), "quiet")
    s.measure()
    w = PanelWindow(s)
    qtbot.addWidget(w)
    (card,) = w.question_cards
    assert card.question.flag == "--target" and "LU from the nearest platform" in card.question.why
    with qtbot.waitSignal(w.session_shown, timeout=60000):  # suggested again in a worker process
        card.buttons["spotify"].click()
    assert w.session.context.destination.name == "spotify" and "loudness" in w.cards
    assert w.question_cards == [] and w.target_combo.currentText() == "spotify"
    w.jobs.wait()
