"""The panel from the keyboard (pytest-qt, offscreen): each key of ``ui.panel.keys.KEYS``
pressed where the keyboard focus is, and what it did measured on the session, the cards
and the A/B; solo and bypass from the keys and the card buttons, measured on the audio.
"""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from bridge.session import Session
from ui.panel.keys import KEYS
from ui.panel.style import STYLE_SHEET
from ui.panel.window import PanelWindow


@pytest.fixture(scope="module")
def measured_demo() -> Session:
    s = Session.demo()
    s.set_context(genre_name="pop", target="spotify")
    return s


@pytest.fixture
def window(qtbot, qapp, measured_demo):
    qapp.setStyleSheet(STYLE_SHEET)
    s = Session(measured_demo.audio, measured_demo.sample_rate_hz, measured_demo.source,
                context=measured_demo.context, analysis=measured_demo.analysis)  # fmt: skip
    s.suggest()
    w = PanelWindow(s)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    w.jobs.wait()


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed where the keyboard focus is (the window when nothing has it)."""
    qtbot.keyClick(QApplication.focusWidget() or QApplication.activeWindow(), key, modifier)


def _expanded(window) -> list[str]:
    return [sid for sid, c in window.cards.items() if c.expanded]


def _wait_render(window, qtbot, variant: str | None = None) -> None:
    window.jobs.wait()
    qtbot.waitUntil(lambda: window.audition_button.isEnabled() and window.audition_result is not None
                    and window.controller.variant_id == variant, timeout=60000)  # fmt: skip


def test_j_and_k_move_the_focus_and_only_the_focused_card_is_expanded(window, qtbot):
    ids = list(window.cards)
    assert _expanded(window) == [ids[0]]  # the first card starts in focus
    collapsed = window.cards[ids[1]]
    assert collapsed.summary.isVisible() and not collapsed.details.isVisible()
    qtbot.wait(10)
    assert collapsed.height() < window.cards[ids[0]].height() / 2
    # collapsed: the move, its severity, one line of why; every card fits the column at 1280×800
    assert all(c.height() < 90 for c in window.cards.values() if not c.expanded)
    assert window.cards_host.sizeHint().height() <= window.cards_scroll.viewport().height()
    press(qtbot, Qt.Key.Key_J)
    assert _expanded(window) == [ids[1]] and QApplication.focusWidget() is window.cards[ids[1]]
    press(qtbot, Qt.Key.Key_J)
    press(qtbot, Qt.Key.Key_K)
    assert _expanded(window) == [ids[1]]
    for _ in ids:
        press(qtbot, Qt.Key.Key_J)
    assert _expanded(window) == [ids[-1]]  # stops at the end
    press(qtbot, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert _expanded(window) == [ids[-2]]


def test_accept_reject_reset_undo_redo_from_the_keys(window, qtbot):
    ids = list(window.cards)
    s = window.session
    press(qtbot, Qt.Key.Key_J)
    press(qtbot, Qt.Key.Key_A)
    assert s.cards[ids[1]].status == "accepted" and s.cards[ids[0]].status == "pending"
    press(qtbot, Qt.Key.Key_K)
    press(qtbot, Qt.Key.Key_R)
    assert s.cards[ids[0]].status == "rejected"
    press(qtbot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.cards[ids[0]].status == "pending"
    press(qtbot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert s.cards[ids[0]].status == "rejected"
    press(qtbot, Qt.Key.Key_U)
    assert s.cards[ids[0]].status == "pending"
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert all(c.status in ("accepted",) for c in s.cards.values())


def test_letters_typed_in_a_text_field_stay_there(window, qtbot):
    window.intent_edit.setFocus()
    qtbot.waitUntil(window.intent_edit.hasFocus)
    for key in (Qt.Key.Key_A, Qt.Key.Key_R, Qt.Key.Key_J, Qt.Key.Key_S):
        press(qtbot, key)
    assert window.intent_edit.text() == "arjs"
    assert all(c.status == "pending" for c in window.session.cards.values())
    assert _expanded(window) == [next(iter(window.cards))]


def test_every_key_is_in_a_menu_and_the_help_overlay(window, qtbot):
    menus = {a.text().replace("&", ""): a for m in window.menuBar().actions() for a in m.menu().actions()}
    texts = {a.text().replace("&", "") for a in window.menuBar().actions()}
    assert {"Edit", "Cards", "Listen", "Help"} <= texts
    edit = next(m.menu() for m in window.menuBar().actions() if m.text() == "&Edit")
    assert [a.shortcut().toString() for a in edit.actions()[:2]] == ["Ctrl+Z", "Ctrl+Shift+Z"]
    assert set(window.key_actions) == {name for name, _, _ in KEYS}
    for name, keys, _ in KEYS:
        assert [k.toString() for k in window.key_actions[name].shortcuts()][: len(keys)] == list(keys)
        assert window.key_actions[name] in menus.values()
    assert not window.help_overlay.isVisible()
    press(qtbot, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert window.help_overlay.isVisible()
    text = window.help_overlay.label.text()
    assert all(what in text for _, _, what in KEYS) and "Ctrl+Shift+Z" in text
    press(qtbot, Qt.Key.Key_Escape)
    assert not window.help_overlay.isVisible()
    press(qtbot, Qt.Key.Key_F1)
    assert window.help_overlay.isVisible()


def _gain_at(x: np.ndarray, y: np.ndarray, rate: float, f_hz: float) -> float:
    """y/x level at ``f_hz`` (dB) from their spectra over ±1/6 octave."""
    fx, fy = np.abs(np.fft.rfft(x[0])) ** 2, np.abs(np.fft.rfft(y[0])) ** 2
    f = np.fft.rfftfreq(x.shape[1], 1 / rate)
    band = (f > f_hz / 2 ** (1 / 6)) & (f < f_hz * 2 ** (1 / 6))
    return float(10 * np.log10(fy[band].sum() / fx[band].sum()))


def _freqz_db(move, f_hz: float, rate: float) -> float:
    from scipy.signal import freqz

    from analyzers.eq_response import biquad_coefficients

    return float(sum(20 * np.log10(np.abs(freqz(b, a, worN=[f_hz], fs=rate)[1][0]))
                     for b, a in biquad_coefficients(move, rate)))  # fmt: skip


def test_solo_bypass_and_ab_from_the_keys_and_the_card_buttons(window, qtbot):
    s = window.session
    eq = next(sid for sid, c in s.cards.items() if c.suggestion.move.kind in ("peak", "low_shelf", "high_shelf"))
    others = [sid for sid in s.cards if sid != eq]
    window.controller.accept_all()
    window.focus_card(eq)
    window.region_edit.setText("2:8")
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # render the A/B
    _wait_render(window, qtbot)
    assert window.audition_result.sides == {} and window.controller.side == "a"
    press(qtbot, Qt.Key.Key_X)
    assert window.controller.side == "b" and window.b_button.isChecked()
    press(qtbot, Qt.Key.Key_S)  # solo: rendered off the GUI thread, then heard
    _wait_render(window, qtbot, eq)
    r = window.audition_result
    assert window.controller.side == "solo" and window.controller.variant_id == eq
    assert window.cards[eq].solo_button.isChecked() and not window.b_button.isChecked()
    assert r.side_names == ("a", "b", "solo", "bypass") and r.region_s == (2.0, 8.0)
    # the solo is the EQ move alone: its gain at the move's frequency
    move = s.cards[eq].final_move
    rate = r.sample_rate_hz
    x = s.samples()[:, int(2 * rate) : int(8 * rate)]
    f0 = move.params["freq_hz"]
    expected = _freqz_db(move, f0, rate)  # the move's biquads evaluated by scipy
    solo_gain = _gain_at(x, r.side("solo"), rate, f0) - r.side_gain_db["solo"]
    assert abs(expected) > 1.0 and solo_gain == pytest.approx(expected, abs=1.0)
    press(qtbot, Qt.Key.Key_B)  # bypass: already rendered with the solo, heard at once
    assert window.controller.side == "bypass" and window.cards[eq].bypass_button.isChecked()
    bypass_gain = _gain_at(x, r.side("bypass"), rate, f0) - r.side_gain_db["bypass"]
    b_gain = _gain_at(x, r.b, rate, f0) - r.gain_b_db
    assert b_gain - bypass_gain == pytest.approx(expected, abs=1.0)  # B = bypass + the move
    press(qtbot, Qt.Key.Key_B)  # again: back to B
    assert window.controller.side == "b" and not window.cards[eq].bypass_button.isChecked()
    qtbot.mouseClick(window.cards[eq].solo_button, Qt.MouseButton.LeftButton)
    assert window.controller.side == "solo" and window.cards[eq].solo_button.isChecked()
    # another card's solo renders again; a decision makes the A/B stale and goes back to B
    window.controller.solo(others[0])
    _wait_render(window, qtbot, others[0])
    assert window.controller.variant_id == others[0] and not window.cards[eq].solo_button.isChecked()
    press(qtbot, Qt.Key.Key_R)  # reject the focused card (eq)
    assert window.audition_result is None and window.controller.side == "b"


def test_space_plays_or_says_why_not(window, qtbot, monkeypatch):
    from bridge import audition as audition_module

    def no_device():
        raise audition_module.PlaybackUnavailable("no audio output device (test)")

    monkeypatch.setattr("bridge.player.output_device", no_device)
    press(qtbot, Qt.Key.Key_Space)
    assert "render the A/B first" in window.statusBar().currentMessage()
    window.controller.accept_all()
    window.audition()
    _wait_render(window, qtbot)
    press(qtbot, Qt.Key.Key_Space)
    assert "cannot play: no audio output device (test)" in window.statusBar().currentMessage()
    assert not window.play_button.isChecked()
