"""The panel's plots after an A/B (pytest-qt, offscreen): B's spectrum beside A's, read out
by hovering, zoomed with the wheel; the loudness over time with the destination and a
dragged A/B region that the render then uses; the gain reduction of a compressor.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtWidgets import QApplication

from analyzers.context import make_context
from analyzers.moves import Move
from bridge.session import Session
from signals import pink_noise
from ui.panel.window import PanelWindow

RATE = 48000.0
PEAK = Move("peak", {"freq_hz": 1000.0, "gain_db": 6.0, "q": 1.4})
COMP = Move("compressor", {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 100.0, "makeup_db": 0.0})


@pytest.fixture
def window(qtbot, qapp, rng):
    x = pink_noise(rng, 20.0, RATE)
    x[:, : int(8 * RATE)] *= 0.25  # a quiet first 8 s, then 12 dB louder: two sections
    s = Session(x, RATE, "pink", context=make_context(target="spotify"))
    s.measure()
    s.suggest()
    s.add_moves([PEAK, COMP], label="test")
    w = PanelWindow(s)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.jobs.wait()


def _render(window, qtbot) -> None:
    window.audition()
    window.jobs.wait()
    qtbot.waitUntil(lambda: window.controller.ab_measures is not None, timeout=60000)


def _band(f_hz: np.ndarray, db: np.ndarray, at_hz: float) -> float:
    return float(db[np.argmin(np.abs(np.log(f_hz / at_hz)))])


def test_b_is_drawn_beside_a_and_shows_the_eq_move(window, qtbot):
    assert window.spectrum.processed_curve()[0].size == 0  # before the A/B: no B
    _render(window, qtbot)
    f, a, b = window.spectrum.processed_curve()
    assert f.size >= 25 and np.isfinite(a).all() and np.isfinite(b).all()
    assert np.allclose(window.spectrum.b_curve.getData()[1], b)  # what is drawn
    # B − A: the +6 dB bell at 1 kHz against 100 Hz, as pink noise through that peak
    lift = (_band(f, b, 1000) - _band(f, a, 1000)) - (_band(f, b, 100) - _band(f, a, 100))
    assert lift == pytest.approx(6.0, abs=1.0)
    window.controller.reject("preset-1")  # a decision: the A/B and its curves go
    assert window.spectrum.processed_curve()[0].size == 0


def test_hovering_reads_hz_and_db_and_the_wheel_zooms(window, qtbot):
    _render(window, qtbot)
    view = window.spectrum
    vb = view.getPlotItem().vb
    scene_pt = vb.mapViewToScene(QPointF(math.log10(1000.0), -20.0))
    qtbot.mouseMove(view.viewport(), view.mapFromScene(scene_pt))
    qtbot.waitUntil(view.readout.isVisible)
    text = view.readout.text()
    hz_text, db_text, spectrum_text, *_ = text.split(" · ")
    hz = float(hz_text.split()[0]) * (1000 if "kHz" in hz_text else 1)
    # where the pointer is, to a pixel (the readout rounds to 0.1 dB)
    assert hz == pytest.approx(1000, rel=0.01) and float(db_text.split()[0]) == pytest.approx(-20.0, abs=0.15)
    assert float(spectrum_text.split()[1]) == pytest.approx(-14.9, abs=0.5)  # pink noise: −14.9 dB a band
    assert " · B " in text and "EQ +6.0 dB" in text
    before = vb.viewRange()[0]
    at = view.mapFromScene(scene_pt)
    wheel = QWheelEvent(QPointF(at), QPointF(view.viewport().mapToGlobal(at)), QPoint(0, 0), QPoint(0, 480),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(view.viewport(), wheel)
    after = vb.viewRange()[0]
    assert after[1] - after[0] < 0.8 * (before[1] - before[0])  # zoomed in around 1 kHz
    assert after[0] < math.log10(1000.0) < after[1]


def test_loudness_over_time_shows_the_destination_and_a_dragged_region_is_rendered(window, qtbot):
    lv = window.loudness_view
    assert lv.target_line.isVisible() and lv.target_line.value() == -14.0
    assert "spotify -14 LUFS" in lv.target_line.label.toPlainText()
    assert len(lv.section_items) == len(window.session.analysis.sections) >= 2
    assert lv.region.getRegion() == pytest.approx((0.0, 20.0))  # no region typed: the whole file
    lv.region.setRegion((6.0, 15.0))
    lv.region.sigRegionChangeFinished.emit(lv.region)  # what a drag ends with
    assert window.region_edit.text() == "6:15"
    _render(window, qtbot)
    assert window.audition_result.region_s == (6.0, 15.0)
    t, v = lv.b_data()
    assert t.min() >= 6.0 and t.max() <= 15.0 and np.isfinite(v).sum() > 50
    # B's loudness over time is the chain's: the compressor holds the loud part down
    assert np.nanmax(v) < np.nanmax(lv.curve.getData()[1]) - 3


def test_gain_reduction_of_the_compressor_after_the_ab(window, qtbot):
    assert window.gr_view.curves == [] and "render the A/B" in window.gr_view.summary
    _render(window, qtbot)
    (gr,) = window.controller.ab_measures.gain_reduction
    assert gr.suggestion_id == "preset-2" and gr.kind == "compressor"
    assert f"max {gr.max_db:.1f} dB, avg {gr.mean_db:.1f} dB" in window.gr_view.summary
    assert window.gr_view.curves == []  # its tab is hidden: drawn when it is shown, not for nothing
    window.plots_tabs.setCurrentWidget(window.gr_view)
    assert window.gr_view.legend.isVisible() and "max" in window.gr_view.legend.text()
    t, red = window.gr_view.curves[0].getData()
    quiet, loud = np.nanmedian(red[t < 7.5]), np.nanmedian(red[t > 9])
    assert loud > quiet + 3  # the louder part is turned down more


def test_the_panels_ab_reads_the_destination_the_render_reaches(window, qtbot):
    """The panel's A/B drives the loudness move as the render will (settled after the other
    accepted moves over the whole file): with a 4:1 compressor before the limiter, B reads
    Spotify's −14 LUFS, as the exported file does (before the fix the panel passed its own
    chain and B read the guessed drive: a compressor at −30 dB takes several dB back)."""
    c = window.controller
    s = c.session
    assert "loudness" in s.cards
    c.accept("preset-2")  # the compressor
    c.accept("loudness")
    _render(window, qtbot)
    rendered, _ = s.render()
    from analyzers import analyze

    want = analyze(rendered, RATE).loudness.integrated_lufs
    assert want == pytest.approx(-14.0, abs=0.15)
    assert c.ab_measures.b.loudness.integrated_lufs == pytest.approx(want, abs=0.2)
