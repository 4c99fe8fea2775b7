"""The panel with the real parts: plugin maps' verdicts measured on real VST3s (zam-plugins
from Debian, fetched by scripts/fetch-plugins), and accepted moves pushed into a real
headless Ardour 7 session through the panel's DAW dialog, then read back over OSC."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.daw import DawClient
from bridge.plugins import scan_plugins
from bridge.plugins.verdicts import cached_verdict
from bridge.plugins.mapping import find_map
from bridge.session import Session
from bridge.plugins.verify import verify_map
from tests.bridge.test_plugin_host import built
from tests.bridge.test_plugins_scan import require_fetched
from tests.daw.ardour_session import start_ardour
from ui.panel.dialogs import DawPushDialog, PluginVerdictsDialog
from ui.panel.window import PanelWindow


@pytest.fixture
def window(qtbot):
    s = Session.demo()
    s.set_context(genre_name="pop", target="spotify")
    w = PanelWindow(s)
    qtbot.addWidget(w)
    yield w
    w.jobs.wait()


def test_the_plugin_dialog_shows_and_measures_a_maps_verdict(window, qtbot, tmp_path, monkeypatch):
    folder = require_fetched("ZamEQ2", "ZamCompX2")
    index = tmp_path / "plugin-index.json"
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(index))
    report = scan_plugins([folder / "ZamEQ2.vst3", folder / "ZamCompX2.vst3"], index_path=index, remember=False)
    assert {p.name for p in report.plugins} == {"ZamEQ2", "ZamCompX2"}

    dialog = PluginVerdictsDialog(window, window.jobs)
    qtbot.addWidget(dialog)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    row = names.index("ZamEQ2")
    verdict_col = len(dialog.COLUMNS) - 1
    assert dialog.table.item(row, verdict_col).text() == "not verified"
    assert "peak" in dialog.table.item(row, 4).text()

    dialog.verify_row(row)
    qtbot.waitUntil(lambda: dialog.table.item(row, verdict_col).text() != "not verified", timeout=120000)
    text = dialog.table.item(row, verdict_col).text()
    assert text.startswith("verified"), (text, dialog.message.text())
    assert float(text.split()[1]) == pytest.approx(0.33, abs=0.05)  # ZamEQ2's measured worst error, dB
    kept = cached_verdict(dialog.plugins[row], find_map("ZamEQ2"))
    assert kept is not None and kept["status"] == "verified"
    assert window.jobs.processes is not None  # measured from a worker process, not a thread of the window's
    assert kept["error_db"] == verify_map(dialog.plugins[row], find_map("ZamEQ2"))["error_db"]  # as in place
    again = PluginVerdictsDialog(window, window.jobs)  # a new dialog reads the kept verdict
    qtbot.addWidget(again)
    assert again.table.item(row, verdict_col).text() == text


def test_a_plugin_that_crashes_or_hangs_while_verified_is_one_line_and_the_panel_lives_on(window, qtbot, tmp_path,
                                                                                          monkeypatch):  # fmt: skip
    """The test plugins built from tests/plugins/src: SecondEarAbort calls abort() and
    SecondEarHang never returns once their ``trigger`` is above 0.5; a map that sets it."""
    abort, hang = built("SecondEarAbort"), built("SecondEarHang")
    index = tmp_path / "plugin-index.json"
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(index))
    scan_plugins([abort, hang], index_path=index, remember=False)
    dialog = PluginVerdictsDialog(window, window.jobs, timeout_s=5.0)
    qtbot.addWidget(dialog)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    verdict_col = len(dialog.COLUMNS) - 1

    def misbehaving(name: str) -> dict:
        return {"plugin": name, "status": "a test", "fixed": {"trigger": 1.0},
                "kinds": {"limiter": {"slots": [{"id": "limiter", "params": {}}]}}}  # fmt: skip

    said = {}
    for name in ("SecondEarAbort", "SecondEarHang"):
        row = names.index(name)
        dialog.verify_row(row, misbehaving(name))
        assert not dialog.verify_button.isEnabled()
        qtbot.waitUntil(dialog.verify_button.isEnabled, timeout=120000)
        said[name] = dialog.message.text()
        verdict = dialog.table.item(row, verdict_col).text()
        assert verdict.startswith("failed"), verdict
    assert said["SecondEarAbort"] == "SecondEarAbort: failed — the plugin crashed (SIGABRT)"
    assert said["SecondEarHang"] == "SecondEarHang: failed — timed out: no answer after 5 s, killed"
    in_place = verify_map(dialog.plugins[names.index("SecondEarAbort")], misbehaving("SecondEarAbort"), timeout_s=5.0)
    assert in_place["reason"] == "the plugin crashed (SIGABRT)" and not in_place["ran"]
    # the panel and its worker processes live on: the next task runs
    window.open_demo()
    with qtbot.waitSignal(window.session_shown, timeout=120000):
        pass
    assert window.last_error == "" and window.session.cards


def test_the_push_dialog_puts_accepted_moves_on_a_real_ardour_track(window, qtbot, tmp_path):
    ardour = start_ardour(tmp_path / "ardour")
    try:
        comp = next(sid for sid, c in window.session.cards.items() if c.suggestion.move.kind == "compressor")
        window.session.tweak(comp, threshold_db=-18.0, ratio=3.0)
        dialog = DawPushDialog(window, window.controller, window.jobs)
        qtbot.addWidget(dialog)
        assert dialog.profile_name() == "ardour" and dialog.port_spin.value() == 3819
        dialog.port_spin.setValue(ardour.port)
        dialog.list_tracks()
        qtbot.waitUntil(lambda: dialog.track_combo.count() == 1, timeout=15000)
        assert dialog.track() == "Vox"
        dialog.push()
        qtbot.waitUntil(lambda: "ZamCompX2" in dialog.report.toPlainText() or "failed" in dialog.report.toPlainText(),
                        timeout=15000)  # fmt: skip
        assert "failed" not in dialog.report.toPlainText(), dialog.report.toPlainText()
        with DawClient("ardour", "127.0.0.1", ardour.port, timeout_s=3.0) as daw:
            values = {p["name"]: p["value"] for p in daw.plugin_parameters("Vox", "ZamCompX2")}
        assert values["Threshold"] == pytest.approx(-18.0, abs=0.01) and values["Ratio"] == pytest.approx(3.0, abs=0.01)
    finally:
        ardour.stop()


def test_the_push_dialog_says_when_the_daw_is_not_running(window, qtbot):
    window.session.accept("loudness")
    dialog = DawPushDialog(window, window.controller, window.jobs)
    qtbot.addWidget(dialog)
    dialog.port_spin.setValue(9)  # nothing listens on the discard port
    dialog.list_tracks()
    qtbot.waitUntil(lambda: "failed" in dialog.report.toPlainText(), timeout=15000)
    assert "ardour" in dialog.report.toPlainText().lower()
    assert dialog.push_button.isEnabled()  # nothing hangs: the dialog is usable again


def test_eq_moves_audition_on_the_engineers_plugin_as_on_the_built_ins(window, qtbot, tmp_path, monkeypatch):
    """"EQ on: ZamEQ2" puts the accepted shelf and bell on the real plugin (dual mono, in a
    worker process); what B changes in the 1/3-octave bands matches the built-in render
    within 0.5 dB, and the export goes through the plugin too."""
    from analyzers import analyze

    folder = require_fetched("ZamEQ2")
    index = tmp_path / "plugin-index.json"
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(index))
    scan_plugins([folder / "ZamEQ2.vst3"], index_path=index, remember=False)
    window.load_plugin_choices()
    labels = [window.eq_combo.itemText(i) for i in range(window.eq_combo.count())]
    assert labels[0] == "built-in" and labels[1].startswith("ZamEQ2 · ")
    assert window.dyn_combo.count() == 1  # ZamEQ2 realises no dynamics

    for sid, c in window.session.cards.items():
        if c.suggestion.move.kind in ("high_shelf", "peak"):
            window.accept(sid)
    changes = {}
    for choice in (0, 1):
        window.eq_combo.setCurrentIndex(choice)
        window._placement_changed()
        window.audition()
        qtbot.waitUntil(lambda: window.audition_result is not None, timeout=60000)
        r = window.audition_result
        a, b = analyze(r.a, 48000).spectrum, analyze(r.b, 48000).spectrum
        changes[choice] = np.array([(bv - av) if av is not None and bv is not None else 0.0
                                    for av, bv in zip(a.level_db, b.level_db)])  # fmt: skip
        names = [s["name"] for s in r.slots]
        assert ("ZamEQ2" in names) == (choice == 1), names
    assert "B on ZamEQ2" in window.ab_label.text()
    audible = np.abs(changes[0]) > 0.5
    assert audible.any()
    assert np.abs(changes[1] - changes[0])[audible].max() < 0.5, (changes[0][audible], changes[1][audible])

    done = []
    window.export_to(str(tmp_path / "on-zameq2.wav"), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done) or bool(window.last_error), timeout=60000)
    assert done, window.last_error


def _band_power(x: np.ndarray, rate: float, f_hz: float, width: float = 0.04) -> float:
    """Power of ``x`` (channels summed) within ±``width`` (relative) of ``f_hz``: an FFT of our own."""
    spec = np.abs(np.fft.rfft(x.astype(np.float64), axis=1)) ** 2
    f = np.fft.rfftfreq(x.shape[1], 1 / rate)
    return float(spec[:, (f >= f_hz * (1 - width)) & (f <= f_hz * (1 + width))].sum())


def test_solo_and_bypass_render_through_the_engineers_eq_plugin(window, qtbot, tmp_path, monkeypatch):
    """"EQ on: ZamEQ2", a bell and a shelf accepted: the bell's solo changes the spectrum by
    the bell's response, its bypass leaves the shelf's, and B over bypass is the bell again —
    each measured with an FFT on what the panel rendered through the real plugin (in a
    worker process), within 0.5 dB of the analytic responses; the built-ins' solo is not
    the same samples (the plugin really ran)."""
    from analyzers.eq_response import move_response_db
    from analyzers.moves import Move

    folder = require_fetched("ZamEQ2")
    index = tmp_path / "plugin-index.json"
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(index))
    scan_plugins([folder / "ZamEQ2.vst3"], index_path=index, remember=False)
    window.load_plugin_choices()
    bell = Move("peak", {"freq_hz": 1000.0, "gain_db": 6.0, "q": 1.0})
    shelf = Move("high_shelf", {"freq_hz": 6000.0, "gain_db": -4.0, "q": 0.7})
    bell_id, _ = window.session.add_moves([bell, shelf], label="a test")
    window.refresh()
    solos = {}
    for choice in (0, 1):  # the built-ins, then ZamEQ2 (whose render the rest measures)
        window.eq_combo.setCurrentIndex(choice)
        window._placement_changed()
        window.solo(bell_id)
        assert window.controller.side != "solo"  # rendering, off the GUI thread
        qtbot.waitUntil(lambda: window.controller.side == "solo" or bool(window.last_error), timeout=120000)
        assert window.last_error == ""
        r = window.audition_result
        assert set(r.sides) == {"solo", "bypass"} and ("ZamEQ2" in [s["name"] for s in r.slots]) == (choice == 1)
        solos[choice] = r.side("solo")
    rate = r.sample_rate_hz
    gains = {"a": r.gain_a_db, "b": r.gain_b_db, **r.side_gain_db}
    raw = {k: r.side(k) * np.float32(10 ** (-gains[k] / 20)) for k in ("a", "b", "solo", "bypass")}  # unmatched
    freqs = np.array([200.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0])
    a_power = np.array([_band_power(raw["a"], rate, f) for f in freqs])
    assert (a_power > 0).all()

    def change_db(num: str, den: str) -> np.ndarray:
        return np.array([10 * np.log10(_band_power(raw[num], rate, f) / _band_power(raw[den], rate, f)) for f in freqs])

    bell_db, shelf_db = move_response_db(bell, freqs, rate), move_response_db(shelf, freqs, rate)
    assert bell_db.max() > 5.5 and shelf_db.min() < -3.0  # the moves are audible where measured
    np.testing.assert_allclose(change_db("solo", "a"), bell_db, atol=0.5)
    np.testing.assert_allclose(change_db("bypass", "a"), shelf_db, atol=0.5)
    np.testing.assert_allclose(change_db("b", "bypass"), bell_db, atol=0.5)
    assert not np.array_equal(solos[0], solos[1])  # the plugin rendered, not the built-in filters
    # switching back to B and the solo again needs no render: the A/B holds the card's sides
    window.solo(bell_id)
    assert window.controller.side == "b"
