"""The real panel under Qt's offscreen platform (pytest-qt): what an engineer clicks, and
what comes out — cards from the engine, decisions that change the chain, a loudness-matched
A/B, an export measured by ffmpeg, context and intent words, a watched bounce folder, the
plugin maps' verdicts, and a screenshot that is looked at.
"""

from __future__ import annotations

import pickle

import subprocess
import sys

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from analyzers.eq_response import move_response_db
from bridge.session import Session
from signals import ffmpeg_ebur128, pink_noise, require_executable, write_float_wav
from ui.panel.plots import chain_response_db
from ui.panel.style import STYLE_SHEET
from ui.panel.window import NONE, PanelWindow


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
    log = []
    w = PanelWindow(s, on_decision=log.append)
    w.decision_log = log
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    w.stop_watching()
    w.jobs.wait()


def _first(window, kinds):
    return next(sid for sid, c in window.session.cards.items() if c.suggestion.move.kind in kinds)


def test_the_panel_shows_the_engines_cards_meters_and_verdicts(window):
    s = window.session
    assert list(window.cards) == [x.id for x in s.advice.suggestions] and len(window.cards) >= 4
    assert window.meters.values["integrated"].text() == f"{s.analysis.loudness.integrated_lufs:.1f}"
    assert window.meters.notes["integrated"].text() == "spotify: -14"
    for sid, card in window.cards.items():
        assert card.title.text() == s.cards[sid].suggestion.move.describe()
    assert "inside pop's usual" in window.leave_label.text()  # the "leave it" verdicts are shown
    assert window.source_combo.currentText().startswith("<demo")
    assert window.genre_combo.currentText() == "pop" and window.target_combo.currentText() == "spotify"


def test_clicking_accept_reject_and_undo(window, qtbot):
    eq = _first(window, ("peak", "low_shelf", "high_shelf"))
    card = window.cards[eq]
    qtbot.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
    assert window.session.cards[eq].status == "accepted"
    assert "1 accepted" in window.count_label.text() and card.status_label.text() == "✓ accepted"
    # the spectrum's orange curve is the accepted move's response, checked against scipy's freqz
    from scipy.signal import freqz

    from analyzers.eq_response import biquad_coefficients

    f, db = window.spectrum.eq_curve()
    move = window.session.cards[eq].suggestion.move
    resp = np.ones_like(f, dtype=complex)
    for b, a in biquad_coefficients(move, 48000.0):
        resp *= freqz(b, a, worN=f, fs=48000.0)[1]
    assert np.allclose(db, 20 * np.log10(np.abs(resp)), atol=0.01)
    assert np.abs(db).max() == pytest.approx(abs(move.params["gain_db"]), abs=0.3)

    qtbot.mouseClick(card.reject_button, Qt.MouseButton.LeftButton)
    assert window.session.cards[eq].status == "rejected" and window.spectrum.eq_curve()[1].max() == 0
    window.undo()
    assert window.session.cards[eq].status == "accepted"
    window.undo()
    assert window.session.cards[eq].status == "pending" and card.status_label.text() == ""
    window.redo()
    assert window.session.cards[eq].status == "accepted"
    assert [d.verdict for d in window.decision_log] == ["accepted", "rejected"]  # undo/redo are not new decisions


def test_typing_a_value_tweaks_the_move(window):
    comp = _first(window, ("compressor",))
    box = window.cards[comp].editors["ratio"]
    box.setValue(2.0)
    c = window.session.cards[comp]
    assert c.status == "tweaked" and c.final_move.params["ratio"] == 2.0
    assert window.cards[comp].title.text().startswith("compressor") and "2.0:1" in window.cards[comp].title.text()
    assert window.decision_log[-1].final["ratio"] == 2.0
    window.undo()
    assert window.session.cards[comp].status == "pending" and box.value() == c.suggestion.move.params["ratio"]


def test_render_ab_is_loudness_matched_and_switchable(window, qtbot):
    window.accept("loudness")
    window.region_edit.setText("4:16")
    qtbot.mouseClick(window.audition_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.audition_result is not None, timeout=30000)
    r = window.audition_result
    assert r.region_s == (4.0, 16.0)
    assert abs(r.matched_a_lufs - r.matched_b_lufs) < 0.05
    assert "B turned down" in window.ab_label.text()
    assert window.play_button.isEnabled() and window.b_button.isEnabled()
    qtbot.mouseClick(window.b_button, Qt.MouseButton.LeftButton)
    assert window.b_button.isChecked() and not window.a_button.isChecked()
    # a new decision makes the A/B stale
    window.accept(_first(window, ("compressor",)))
    assert window.audition_result is None and not window.play_button.isEnabled()


def test_a_bad_region_is_said_and_nothing_renders(window):
    window.accept("loudness")
    window.region_edit.setText("20:10")
    window.audition()
    assert "region" in window.last_error and window.audition_result is None


@pytest.mark.ffmpeg
def test_export_lands_on_the_destination_as_ffmpeg_measures_it(window, qtbot, tmp_path):
    ffmpeg = require_executable("ffmpeg")
    window.accept("loudness")
    done = []
    window.export_to(str(tmp_path / "demo-spotify.wav"), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    theirs = ffmpeg_ebur128(ffmpeg, done[0])
    assert theirs["integrated_lufs"] == pytest.approx(-14.0, abs=0.3) and theirs["true_peak_dbtp"] <= -0.8


def test_changing_the_context_and_intent_words_suggests_again(window, qtbot):
    window.target_combo.setCurrentText(NONE)
    with qtbot.waitSignal(window.session_shown, timeout=60000):  # suggested again in a worker process
        window.apply_context()
    assert "loudness" not in window.cards and window.meters.notes["integrated"].text() == ""
    assert window.jobs.processes is not None
    here = pickle.loads(pickle.dumps(window.session))  # the same session, suggested again in place
    here.with_intent("warmer")
    window.intent_edit.setText("warmer")
    with qtbot.waitSignal(window.session_shown, timeout=60000):
        qtbot.keyClick(window.intent_edit, Qt.Key.Key_Return)
    assert any(sid.startswith("warmer") for sid in window.cards), list(window.cards)
    assert window.session.advice == here.advice and window.session.cards == here.cards
    window.intent_edit.setText("crunchier-than-ever")
    window.apply_context()
    assert "unknown" in window.last_error and window.session.context.intent == "warmer"


def test_a_file_opens_off_the_gui_thread_and_a_reference_changes_the_comparison(window, qtbot, tmp_path, rng):
    path = tmp_path / "pink.wav"
    write_float_wav(path, pink_noise(rng, 6.0, 48000) * 0.2, 48000)
    with qtbot.waitSignal(window.session_shown, timeout=30000):
        window.open_file(str(path))
    assert window.session.source == str(path) and window.source_combo.count() == 2
    window.set_reference(str(path))
    qtbot.waitUntil(lambda: window.session.context.reference is not None, timeout=30000)
    assert window.reference_label.text() == "ref: pink.wav"
    assert window.spectrum._compare_label == "reference"
    # against itself as reference there is nothing to match: no tonal move
    assert not any(c.suggestion.aspect.startswith("tonal") for c in window.session.cards.values())
    window.source_combo.setCurrentIndex(0)
    window.source_combo.activated.emit(0)
    assert window.session.source.startswith("<demo")


def test_a_broken_file_is_reported_and_the_session_kept(window, qtbot, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    before = window.session
    window.open_file(str(bad))
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10000)
    assert "broken.wav" in window.last_error and window.session is before


def test_a_bounce_landing_in_the_watched_folder_is_analyzed_and_offered(window, qtbot, tmp_path, rng):
    window.watch(str(tmp_path), settle_s=0.2, poll_s=0.05)
    path = tmp_path / "bounce-1.wav"
    with qtbot.waitSignal(window.session_shown, timeout=30000):
        write_float_wav(path, pink_noise(rng, 4.0, 48000) * 0.3, 48000)
    assert window.session.source == str(path)
    assert window.source_combo.currentText() == "bounce-1.wav"
    assert window.meters.values["integrated"].text() == f"{window.session.analysis.loudness.integrated_lufs:.1f}"


def test_the_screenshot_command_draws_the_panel(tmp_path):
    out = tmp_path / "panel.png"
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "panel", "--screenshot", str(out), "--accept", "all",
                           "--size", "1200x760"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no Qt noise on stderr
    from PyQt6.QtGui import QImage

    img = QImage(str(out))
    assert (img.width(), img.height()) == (1200, 760)
    # not a blank picture: the spectrum's blue and the accepted EQ's orange are both drawn
    colours = {img.pixelColor(x, y).name() for x in range(0, 1200, 4) for y in range(0, 760, 4)}
    assert "#5aa9e6" in colours and "#f5a623" in colours


def test_a_screenshot_of_a_file_without_accept_shows_its_cards_unaccepted(tmp_path, rng):
    """Found by trying the installed wheel: ``panel FILE --screenshot OUT`` with no --accept
    ended in a traceback (select() was given None)."""
    src, out = tmp_path / "take.wav", tmp_path / "panel.png"
    write_float_wav(src, pink_noise(rng, 3.0, 48000) * 0.3, 48000)
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "panel", str(src), "--screenshot", str(out),
                           "--size", "1200x760"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    from PyQt6.QtGui import QImage

    img = QImage(str(out))
    assert (img.width(), img.height()) == (1200, 760)
    colours = {img.pixelColor(x, y).name() for x in range(0, 1200, 4) for y in range(0, 760, 4)}
    assert "#5aa9e6" in colours  # the spectrum is drawn


def test_without_a_display_the_panel_says_what_to_do():
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "panel"], capture_output=True, text=True, env=env,
                          timeout=60)  # fmt: skip
    if sys.platform.startswith("linux"):
        assert proc.returncode == 2 and "xvfb-run" in proc.stderr and "--screenshot" in proc.stderr


def test_chain_response_sums_the_eq_moves_only():
    from analyzers.moves import Move

    f = np.array([100.0, 1000.0, 8000.0])
    moves = [Move("peak", {"freq_hz": 1000, "gain_db": 6, "q": 1}), Move("gain", {"gain_db": -3}),
             Move("high_shelf", {"freq_hz": 6000, "gain_db": -4})]  # fmt: skip
    want = move_response_db(moves[0], f, 48000) + move_response_db(moves[2], f, 48000)
    assert np.allclose(chain_response_db(moves, f, 48000), want)


def test_save_a_preset_with_provenance_and_load_it_into_another_session(window, qtbot, tmp_path):
    from presets import PresetStore
    from ui.panel.dialogs import load_preset

    store = PresetStore(tmp_path / "presets")
    window.controller.store = store
    eq = _first(window, ("high_shelf",))
    window.accept(eq)
    window.session.tweak("comp", ratio=2.5)
    entry = window.controller.save_preset("Demo master", tags=["master"], notes="from the panel test")
    preset = store.load("demo MASTER")
    assert [m.kind for m in preset.chain.moves] == ["high_shelf", "compressor"]
    assert preset.chain.moves[1].params["ratio"] == 2.5
    assert preset.provenance.context.genre == "pop" and preset.tags == ("master",)
    assert {r.id for r in preset.provenance.suggestions} == {eq, "comp"}
    assert entry.slots == 2

    # into a fresh session on another file: accepted cards that render like the originals
    window.open_demo()
    qtbot.waitUntil(lambda: window.session is not None and not window.session.chosen(), timeout=30000)
    load_preset(window, window.controller, "Demo master")
    added = [c for c in window.session.cards.values() if c.suggestion.aspect == "preset"]
    assert [c.final_move for c in added] == list(preset.chain.moves) and all(c.status == "accepted" for c in added)
    assert set(window.cards) >= {c.suggestion.id for c in added}
    with qtbot.waitSignal(window.session_shown, timeout=60000):
        window.apply_context()  # suggesting again keeps the preset's cards
    assert all(c.suggestion.id in window.session.cards for c in added)


def test_decisions_reach_the_taste_log_and_nudge_the_next_session(qtbot, measured_demo, tmp_path):
    from presets import TasteLog

    log = TasteLog(tmp_path / "taste.jsonl")
    first = Session(measured_demo.audio, measured_demo.sample_rate_hz, measured_demo.source,
                    context=measured_demo.context, analysis=measured_demo.analysis)  # fmt: skip
    w = PanelWindow(first, on_decision=log.append)
    qtbot.addWidget(w)
    before = w.session.cards["comp"].suggestion.confidence
    for _ in range(5):  # five times this engineer rejects the mix compressor
        w.reject("comp")
        w.reset("comp")
    assert [d.verdict for d in log.read().decisions] == ["rejected"] * 5
    second = Session(measured_demo.audio, measured_demo.sample_rate_hz, measured_demo.source,
                     context=measured_demo.context, analysis=measured_demo.analysis)  # fmt: skip
    w2 = PanelWindow(on_decision=log.append, taste=log.summary())
    qtbot.addWidget(w2)
    w2.show_session(second)
    assert w2.session.cards["comp"].suggestion.confidence < before
    assert "taste: comp" in w2.notes_label.text()


def _odd_inputs(rng):
    rate = 48000
    stereo = pink_noise(rng, 4.0, rate) * 0.2
    with_nan = stereo.copy()
    with_nan[:, 1000:1010] = np.nan
    return {
        "mono": (stereo[:1], rate, None),
        "surround-5.1": (np.vstack([stereo, stereo * 0.5, stereo[:1] * 0.1, stereo[:1] * 0.3]), rate, None),
        "nan-samples": (with_nan, rate, "NaN/Inf samples"),
        "8khz": (pink_noise(rng, 4.0, 8000) * 0.2, 8000, None),
        "silence": (np.zeros((2, rate * 2), dtype=np.float32), rate, None),
    }


@pytest.mark.parametrize("kind", ["mono", "surround-5.1", "nan-samples", "8khz", "silence"])
def test_odd_audio_opens_with_its_warnings_shown_and_nothing_lost(window, qtbot, tmp_path, rng, kind):
    audio, rate, warning = _odd_inputs(rng)[kind]
    path = tmp_path / f"{kind}.wav"
    write_float_wav(path, audio, rate)
    with qtbot.waitSignal(window.session_shown, timeout=30000):
        window.open_file(str(path))
    s = window.session
    assert s.source == str(path) and s.samples().shape[0] == audio.shape[0] and window.last_error == ""
    assert list(window.cards) == list(s.cards)
    if warning:
        assert warning in window.notes_label.text()
    if kind == "silence":
        assert window.cards == {} and window.count_label.text() == "Nothing to suggest: no signal above the −70 LUFS gate. Leave it."
        assert window.meters.values["integrated"].text() == "–"
    # whatever came in, accepting what is proposed renders an A/B or says why not
    if s.cards:
        window.accept_all()
        window.audition()
        qtbot.waitUntil(lambda: window.audition_result is not None or bool(window.last_error), timeout=30000)
        if window.audition_result is not None:
            assert window.audition_result.a.shape[0] == audio.shape[0]


def test_keyboard_a_and_r_decide_the_card_in_focus(window, qtbot):
    comp = _first(window, ("compressor",))
    card = window.cards[comp]
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.hasFocus())
    qtbot.keyClick(card, Qt.Key.Key_A)
    assert window.session.cards[comp].status == "accepted"
    qtbot.keyClick(card, Qt.Key.Key_R)
    assert window.session.cards[comp].status == "rejected"
    # typing in the words field is typing, not deciding
    window.intent_edit.setFocus()
    qtbot.keyClicks(window.intent_edit, "a")
    assert window.intent_edit.text() == "a" and window.session.cards[comp].status == "rejected"


def test_a_new_bounce_of_the_same_file_replaces_its_session(window, qtbot, tmp_path, rng):
    path = tmp_path / "bounce.wav"
    noise = pink_noise(rng, 4.0, 48000)
    write_float_wav(path, noise * 0.05, 48000)
    with qtbot.waitSignal(window.session_shown, timeout=30000):  # its cards, then its plots, drawn
        window.open_file(str(path))
    assert window.last_error == "" and window.session.source == str(path)
    quiet = window.session.analysis.loudness.integrated_lufs
    write_float_wav(path, noise * 0.4, 48000)  # bounced again, 18.06 dB louder
    with qtbot.waitSignal(window.session_shown, timeout=30000):
        window.open_file(str(path))
    assert window.source_combo.count() == 2  # the demo and this file, not a second entry
    window.source_combo.activated.emit(0)  # to the demo and back: the new bounce is kept
    window.source_combo.activated.emit(1)
    assert window.session.source == str(path)
    assert window.session.analysis.loudness.integrated_lufs == pytest.approx(quiet + 18.06, abs=0.05)
