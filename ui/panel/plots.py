"""The panel's plots (pyqtgraph): the spectrum before and after, loudness over time, and
the gain reduction of the dynamics moves.

:class:`SpectrumView` — on a log-frequency axis (20 Hz–20 kHz): the audio's long-term
1/3-octave spectrum (``Analysis.spectrum.level_db``: each band's share of the total, dB),
filled; the comparison (the reference's spectrum or the genre's target), dashed; the
summed response of the chosen EQ moves (:func:`analyzers.eq_response.move_response_db`) on
its own ±dB scale on the right; and, once an A/B is rendered, A's and B's spectra over the
region (B, the processed one, in green). Hovering reads out Hz and dB; dragging a
rectangle zooms into it, the wheel zooms, right click → "View All" goes back.

:class:`LoudnessView` — the short-term loudness (3 s, BS.1770) over time, the sections
found, the destination's level, B's curve after an A/B, and the A/B region: drag its
edges or its body to choose the region (``region_changed``).

:class:`GainReductionView` — each compressor, limiter, gate and expander's gain reduction over
the A/B region, with its maximum and average (:mod:`bridge.ab_measures`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, Qt, pyqtSignal
from PyQt6.QtWidgets import QLabel, QSizePolicy, QWidget

from analyzers import Analysis
from analyzers.eq_response import move_response_db
from analyzers.loudness import SHORT_TERM_SEGMENTS
from analyzers.moves import EQ_KINDS, Move
from bridge.ab_measures import ABMeasures

from .style import COLOURS

F_LO_HZ, F_HI_HZ = 20.0, 20000.0
_GR_COLOURS = ("#e0533f", "#e0a33f", "#b07fe0", "#5ad1c9")

pg.setConfigOptions(antialias=True, foreground=COLOURS["muted"], background=COLOURS["plot_bg"])


def chain_response_db(moves: Sequence[Move], freqs_hz: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Summed magnitude response (dB) of the EQ moves among ``moves``."""
    total = np.zeros_like(np.asarray(freqs_hz, dtype=float))
    for m in moves:
        if m.kind in EQ_KINDS:
            total += move_response_db(m, freqs_hz, sample_rate_hz)
    return total


def _hz_text(f_hz: float) -> str:
    return f"{f_hz / 1000:.2f} kHz" if f_hz >= 1000 else f"{f_hz:.0f} Hz"


def _levels(centres: np.ndarray, values: Sequence[float | None]) -> tuple[np.ndarray, np.ndarray]:
    keep = [(f, v) for f, v in zip(centres, values) if v is not None and F_LO_HZ <= f <= F_HI_HZ]
    if not keep:
        return np.zeros(0), np.zeros(0)
    f, v = zip(*keep)
    return np.asarray(f, dtype=float), np.asarray(v, dtype=float)


#: A series' points per pixel drawn (each keeps its lowest and highest value: 2 points).
PER_PIXEL = {"autoDownsampleFactor": 1.0, "antialias": False}


def _few_points(p: pg.PlotItem) -> None:
    """Draw a long series with about as many points as the plot has pixels (curves added
    with :data:`PER_PIXEL`): stroking four minutes of 50 ms windows, antialiased, held the
    GUI thread for 350 ms."""
    p.setDownsampling(auto=True, mode="peak")
    p.setClipToView(True)


def _cheap_axes(p: pg.PlotItem) -> None:
    """Axes (and the grid they draw) that repaint cheaply: ticks and grid lines at the major
    and minor levels only — pyqtgraph's third level adds dozens of faint grid lines and made
    a plot's repaint 3 times as long (15 ms against 5 here) — each axis kept drawn as a
    pixmap (Qt's item cache), drawn again only when it changes rather than replayed on every
    repaint of its plot, and the room for tick labels kept (grown when a label needs more,
    never shrunk): otherwise the first paint of new ticks resized the axis by a fraction of
    a pixel, and the plot was laid out and painted whole again (two to three paints of
    10-20 ms in a row for every new range)."""
    for name in ("left", "bottom", "right", "top"):
        axis = p.getAxis(name)
        axis.setStyle(maxTickLevel=1, autoReduceTextSpace=False)
        axis.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


class _Legend(QLabel):
    """A plot's legend as one rich-text label over its top corner (``right``: the top right):
    each entry a stroke in its curve's colour and its words. pyqtgraph's ``LegendItem``
    lays out graphics items for each entry — 9 ms an entry on the GUI thread here, and the
    spectrum's legend changes with every A/B and accepted EQ move."""

    def __init__(self, parent: QWidget, *, right: bool) -> None:
        super().__init__(parent)
        self.right = right
        self.entries: list[tuple[str, str, str]] = []  # (stroke, colour, words)
        self.setStyleSheet(f"background: rgba(0,0,0,110); color: {COLOURS['text']}; padding: 2px 5px; font-size: 8pt;")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def set_entries(self, entries: Sequence[tuple[str, str, str]]) -> None:
        entries = list(entries)
        if entries == self.entries:
            return
        self.entries = entries
        self.setText("<br>".join(f'<span style="color:{c}">{s}</span> {w}' for s, c, w in entries))
        self.adjustSize()
        self.setVisible(bool(entries))
        self.place()

    def place(self) -> None:
        """Over the plot's top corner, clear of its axes."""
        parent = self.parentWidget()
        self.move(max(0, parent.width() - self.width() - 58) if self.right else 62, 6)


def _readout_label(parent: QWidget) -> QLabel:
    label = QLabel("", parent)
    label.setStyleSheet(f"background: rgba(0,0,0,150); color: {COLOURS['text']}; padding: 1px 4px;")
    label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    label.hide()
    return label


class _PlotWithLegend(pg.PlotWidget):
    """A plot whose :class:`_Legend` (``self.legend``, made by the subclass) keeps to its
    top corner when the plot is resized."""

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        legend = getattr(self, "legend", None)  # pyqtgraph resizes the view while it is being made
        if legend is not None:
            legend.place()


class SpectrumView(_PlotWithLegend):
    """Spectrum, comparison, EQ response and (after an A/B) A and B; see the module."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._centres: np.ndarray = np.zeros(0)
        self._levels: list[float | None] = []
        self._compare: list[float | None] | None = None
        self._compare_label = ""
        self._moves: list[Move] = []
        self._rate = 48000.0
        self._ab: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # centres, A, B (dB)
        p = self.getPlotItem()
        p.setLogMode(x=True, y=False)
        p.showGrid(x=True, y=True, alpha=0.25)
        p.setLabel("left", "dB (share of the total)")
        p.getAxis("bottom").setTicks([[(math.log10(f), f"{f // 1000}k" if f >= 1000 else str(f))
                                       for f in (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)]])  # fmt: skip
        p.setXRange(math.log10(F_LO_HZ), math.log10(F_HI_HZ), padding=0)
        p.vb.setLimits(xMin=math.log10(F_LO_HZ) - 0.05, xMax=math.log10(F_HI_HZ) + 0.05)
        p.vb.setMouseMode(pg.ViewBox.RectMode)  # drag a rectangle to zoom into it
        self.legend = _Legend(self, right=True)  # top right: the highs are lowest
        c = pg.mkColor(COLOURS["spectrum"])
        c.setAlpha(70)
        self.spectrum_curve = p.plot([], [], pen=pg.mkPen(COLOURS["spectrum"], width=1.8), fillLevel=-200,
                                     brush=pg.mkBrush(c))  # fmt: skip
        self.compare_curve = p.plot([], [], pen=pg.mkPen(COLOURS["compare"], width=1.4, style=Qt.PenStyle.DashLine))
        self.a_curve = p.plot([], [], pen=pg.mkPen("#9fc9ee", width=1.2, style=Qt.PenStyle.DotLine))
        self.b_curve = p.plot([], [], pen=pg.mkPen(COLOURS["ok"], width=2.0))
        # the EQ response on its own scale (right axis), in a second view box sharing x
        self.eq_view = pg.ViewBox()
        p.showAxis("right")
        p.scene().addItem(self.eq_view)
        p.getAxis("right").linkToView(self.eq_view)
        p.getAxis("right").setTextPen(pg.mkPen(COLOURS["eq"]))
        self.eq_view.setXLink(p)
        self.eq_view.setMouseEnabled(x=False, y=False)
        self.eq_curve_item = pg.PlotCurveItem(pen=pg.mkPen(COLOURS["eq"], width=2.2))
        self.eq_zero = pg.InfiniteLine(angle=0, pos=0, pen=pg.mkPen(COLOURS["eq"], width=0.8, style=Qt.PenStyle.DotLine))
        self.eq_view.addItem(self.eq_curve_item)
        self.eq_view.addItem(self.eq_zero)
        p.vb.sigResized.connect(lambda _vb: self.eq_view.setGeometry(p.vb.sceneBoundingRect()))
        _cheap_axes(p)
        self.readout = _readout_label(self)
        p.scene().sigMouseMoved.connect(self._hover)
        self.setToolTip("Long-term spectrum (1/3 octave, share of the total in dB); dashed: the reference or the "
                        "genre's target; orange: the accepted EQ moves' response (right-hand scale); after an A/B, "
                        "green: B (processed), dotted: A, over the region. Drag a rectangle to zoom, wheel to "
                        "zoom, right click → View All to go back.")  # fmt: skip

    # -- data ---------------------------------------------------------------------------

    def set_data(self, centres_hz: Sequence[float], levels_db: Sequence[float | None], sample_rate_hz: float, *,
                 compare_db: Sequence[float | None] | None = None, compare_label: str = "",
                 moves: Sequence[Move] = ()) -> None:  # fmt: skip
        self._centres = np.asarray(centres_hz, dtype=float)
        self._levels = list(levels_db)
        self._compare = None if compare_db is None else list(compare_db)
        self._compare_label = compare_label
        self._rate = float(sample_rate_hz)
        self._ab = None
        f, v = _levels(self._centres, self._levels)
        self.spectrum_curve.setData(f, v)
        cf, cv = _levels(self._centres, self._compare or [])
        self.compare_curve.setData(cf, cv)
        self.a_curve.setData([], [])
        self.b_curve.setData([], [])
        self._legend()
        every = np.concatenate([v, cv]) if cv.size else v
        if every.size:
            top = 5 * math.ceil(float(every.max()) / 5)
            self.getPlotItem().setYRange(top - 40, top, padding=0)
        self.set_moves(moves)

    def set_moves(self, moves: Sequence[Move]) -> None:
        self._moves = list(moves)
        f, db = self.eq_curve()
        shown = bool(self._moves) and db.size and float(np.abs(db).max()) > 0.01
        self.eq_curve_item.setData(np.log10(f), db if shown else np.zeros_like(db))
        self.eq_curve_item.setVisible(bool(shown))
        span = max(6.0, 3 * math.ceil(float(np.abs(db).max()) / 3) if db.size else 6.0)
        self.eq_view.setYRange(-span, span, padding=0)
        self._legend()

    def set_ab(self, measures: ABMeasures | None) -> None:
        """Draw A's and B's spectra over the A/B region (None: take them away)."""
        if measures is None and self._ab is None:
            return  # nothing drawn: nothing to take away (setting empty data repaints the plot)
        if measures is None:
            self._ab = None
            self.a_curve.setData([], [])
            self.b_curve.setData([], [])
        else:
            centres = np.asarray(measures.b.spectrum.centres_hz, dtype=float)
            af, av = _levels(centres, measures.a.spectrum.level_db)
            bf, bv = _levels(centres, measures.b.spectrum.level_db)
            self._ab = (bf, np.interp(bf, af, av) if af.size else np.full_like(bf, np.nan), bv)
            self.a_curve.setData(af, av)
            self.b_curve.setData(bf, bv)
        self._legend()

    def eq_curve(self, n: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """The EQ response drawn: frequencies (Hz) and dB."""
        f = np.geomspace(F_LO_HZ, min(F_HI_HZ, 0.49 * self._rate), n)
        return f, chain_response_db(self._moves, f, self._rate)

    def processed_curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The A/B's spectra drawn: band centres (Hz), A's dB and B's (processed) dB; empty before an A/B."""
        if self._ab is None:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        return self._ab

    def _legend(self) -> None:
        entries = [("━━", COLOURS["spectrum"], "spectrum")]
        if self._compare:
            entries.append(("╍╍", COLOURS["compare"], self._compare_label))
        if self._moves and self.eq_curve_item.isVisible():
            entries.append(("━━", COLOURS["eq"], "accepted EQ (dB, right)"))
        if self._ab is not None:
            entries += [("┈┈", "#9fc9ee", "A (region)"), ("━━", COLOURS["ok"], "B processed")]
        self.legend.set_entries(entries)

    # -- reading values ---------------------------------------------------------------------

    def readout_at(self, f_hz: float, db: float | None = None) -> str:
        """What hovering at ``f_hz`` (and ``db`` on the left scale) says: Hz, the curves' dB there."""
        parts = [_hz_text(f_hz)]
        if db is not None:
            parts.append(f"{db:.1f} dB")
        f, v = _levels(self._centres, self._levels)
        lf = np.log10(max(f_hz, 1e-3))
        if f.size:
            parts.append(f"spectrum {np.interp(lf, np.log10(f), v):.1f} dB")
        if self._ab is not None and self._ab[0].size:
            bf, av, bv = self._ab
            parts.append(f"A {np.interp(lf, np.log10(bf), av):.1f} · B {np.interp(lf, np.log10(bf), bv):.1f} dB")
        if self._moves and self.eq_curve_item.isVisible():
            parts.append(f"EQ {float(chain_response_db(self._moves, np.array([f_hz]), self._rate)[0]):+.1f} dB")
        return " · ".join(parts)

    def _hover(self, pos: QPointF) -> None:
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self.readout.hide()
            return
        pt = vb.mapSceneToView(pos)
        self.readout.setText(self.readout_at(10 ** pt.x(), pt.y()))
        self.readout.adjustSize()
        self.readout.move(max(0, self.width() - self.readout.width() - 50), 4)
        self.readout.show()


class LoudnessView(pg.PlotWidget):
    """Short-term loudness over time, sections, the destination, the A/B region; see the module."""

    #: the A/B region dragged to (start_s, end_s)
    region_changed = pyqtSignal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 110)
        p = self.getPlotItem()
        p.showGrid(x=True, y=True, alpha=0.25)
        p.setLabel("left", "LUFS (3 s)")
        p.vb.setMouseEnabled(x=True, y=False)
        _few_points(p)
        _cheap_axes(p)
        self.curve = p.plot([], [], pen=pg.mkPen(COLOURS["spectrum"], width=1.6), **PER_PIXEL)
        self.b_curve = p.plot([], [], pen=pg.mkPen(COLOURS["ok"], width=1.6), **PER_PIXEL)
        self.target_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(COLOURS["eq"], width=1.2, style=Qt.PenStyle.DashLine),
                                           label="destination", labelOpts={"position": 0.92, "color": COLOURS["eq"],
                                                                            "anchors": [(1, 1), (1, 1)]})  # fmt: skip
        self.target_line.setZValue(20)
        p.addItem(self.target_line)
        self.target_line.hide()
        self.section_items: list[pg.LinearRegionItem] = []
        self.region = pg.LinearRegionItem(brush=pg.mkBrush(90, 169, 230, 45), pen=pg.mkPen(COLOURS["spectrum"], width=1.5))
        self.region.setZValue(10)
        self.region.hide()
        p.addItem(self.region)
        self.region.sigRegionChangeFinished.connect(self._region_moved)
        self._duration_s = 0.0
        self._updating = False
        self.readout = _readout_label(self)
        p.scene().sigMouseMoved.connect(self._hover)
        self._t = np.zeros(0)
        self._lufs = np.zeros(0)
        self.setToolTip("Short-term loudness (3 s) over time; shaded: the sections found; dashed: the destination's "
                        "level; blue band: the A/B region (drag it or its edges to choose); green: B after the A/B")  # fmt: skip

    def set_analysis(self, analysis: Analysis, target_lufs: float | None, target_name: str = "") -> None:
        ld = analysis.loudness
        step = ld.series_step_s
        t = (np.arange(len(ld.short_term_lufs)) + SHORT_TERM_SEGMENTS) * step - SHORT_TERM_SEGMENTS * step / 2
        v = np.array([np.nan if x is None else x for x in ld.short_term_lufs], dtype=float)
        self._t, self._lufs = t, v
        self.curve.setData(t, v, connect="finite")
        self.b_curve.setData([], [])
        p = self.getPlotItem()
        for item in self.section_items:
            p.removeItem(item)
        self.section_items = []
        for i, sec in enumerate(analysis.sections):
            item = pg.LinearRegionItem((sec.start_s, sec.end_s), movable=False,
                                       brush=pg.mkBrush(255, 255, 255, 14 if i % 2 else 28), pen=pg.mkPen(None))  # fmt: skip
            item.setZValue(-10)
            p.addItem(item)
            self.section_items.append(item)
        if target_lufs is not None:
            self.target_line.show()
            self.target_line.setValue(target_lufs)
            self.target_line.label.setFormat(f"{target_name} {target_lufs:g} LUFS".strip())
        else:
            self.target_line.hide()
        self._duration_s = analysis.duration_s
        finite = v[np.isfinite(v)]
        lo = min(float(finite.min()) if finite.size else -30.0, target_lufs if target_lufs is not None else 0.0)
        hi = max(float(finite.max()) if finite.size else -10.0, target_lufs if target_lufs is not None else -60.0)
        p.setYRange(math.floor(lo - 2), math.ceil(hi + 2), padding=0)
        p.setXRange(0, max(self._duration_s, 1.0), padding=0.01)
        self.region.setBounds((0, self._duration_s))

    def set_region(self, region_s: tuple[float, float] | None) -> None:
        """Show the A/B region (None: hide it) without saying it changed."""
        self._updating = True
        try:
            if region_s is None:
                self.region.hide()
            else:
                self.region.setRegion(region_s)
                self.region.show()
        finally:
            self._updating = False

    def set_ab(self, measures: ABMeasures | None) -> None:
        """B's short-term loudness over the region rendered (None: take it away)."""
        if measures is None:
            if self.b_curve.getData()[0] is not None and len(self.b_curve.getData()[0]):
                self.b_curve.setData([], [])
            return
        ld = measures.b.loudness
        step = ld.series_step_s
        t = measures.region_s[0] + (np.arange(len(ld.short_term_lufs)) + SHORT_TERM_SEGMENTS / 2) * step
        self.b_curve.setData(t, np.array([np.nan if x is None else x for x in ld.short_term_lufs], dtype=float),
                             connect="finite")  # fmt: skip
        self.set_region(measures.region_s)

    def b_data(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.b_curve.getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def _region_moved(self) -> None:
        if self._updating:
            return
        a, b = self.region.getRegion()
        self.region_changed.emit(round(max(0.0, a), 1), round(min(self._duration_s, b), 1))

    def readout_at(self, t_s: float) -> str:
        """What hovering at ``t_s`` says: the time and the short-term loudness there."""
        if not self._t.size:
            return f"{t_s:.1f} s"
        v = float(np.interp(t_s, self._t, self._lufs))
        return f"{t_s:.1f} s · {v:.1f} LUFS" if math.isfinite(v) else f"{t_s:.1f} s"

    def _hover(self, pos: QPointF) -> None:
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self.readout.hide()
            return
        self.readout.setText(self.readout_at(vb.mapSceneToView(pos).x()))
        self.readout.adjustSize()
        self.readout.move(max(0, self.width() - self.readout.width() - 8), 4)
        self.readout.show()


class GainReductionView(_PlotWithLegend):
    """Each dynamics move's gain reduction over the A/B region (dB down, upwards)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 110)
        p = self.getPlotItem()
        p.showGrid(x=True, y=True, alpha=0.25)
        p.setLabel("left", "reduction dB")
        p.setLabel("bottom", "s")
        _few_points(p)
        _cheap_axes(p)
        self.legend = _Legend(self, right=False)
        self.curves: list[pg.PlotDataItem] = []
        self.summary = ""
        self._measures: ABMeasures | None = None
        self._drawn: ABMeasures | None = None

    def set_ab(self, measures: ABMeasures | None) -> None:
        """Say the gain reduction of ``measures`` (None: take it away); its curves are drawn
        when the view is seen (a hidden tab is not drawn for nothing)."""
        self._measures = measures
        lines = [f"{gr.kind} ({gr.suggestion_id}): max {gr.max_db:.1f} dB, avg {gr.mean_db:.1f} dB"
                 for gr in (measures.gain_reduction if measures is not None else ())]  # fmt: skip
        self.summary = "; ".join(lines) if lines else (
            "no compressor, limiter, gate, de-esser or ride among the accepted moves" if measures is not None else
            "render the A/B to see the dynamics moves' gain reduction")  # fmt: skip
        self.setToolTip(self.summary)
        if self.isVisible():
            self._draw()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._draw()
        super().showEvent(event)

    def _draw(self) -> None:
        measures = self._measures
        if measures is self._drawn:
            return
        self._drawn = measures
        p = self.getPlotItem()
        for c in self.curves:
            p.removeItem(c)
        self.curves = []
        entries = []
        for i, gr in enumerate(measures.gain_reduction if measures is not None else ()):
            colour = _GR_COLOURS[i % len(_GR_COLOURS)]
            c = p.plot(measures.region_s[0] + gr.times_s, gr.reduction_db, connect="finite",
                       pen=pg.mkPen(colour, width=1.6), **PER_PIXEL)  # fmt: skip
            entries.append(("━━", colour, f"{gr.kind} ({gr.suggestion_id}): max {gr.max_db:.1f} dB, "
                                          f"avg {gr.mean_db:.1f} dB"))  # fmt: skip
            self.curves.append(c)
        self.legend.set_entries(entries)
