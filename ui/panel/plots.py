"""The spectrum view: what was measured, what it is compared with, what the moves do.

Three curves on a log-frequency axis (20 Hz–20 kHz):

* the audio's long-term 1/3-octave spectrum (``Analysis.spectrum.level_db``: each band's
  share of the total, in dB), filled;
* the comparison, when there is one: the reference track's spectrum, or the genre's
  target curve (``analyzers.context.Genre.band_level_db``), dashed;
* the summed magnitude response of the chosen EQ moves
  (:func:`analyzers.eq_response.move_response_db`), on its own ±dB scale on the right, so
  that the engineer sees where the accepted moves act and by how much.

Drawn with QPainter: three lines do not need a plotting library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from analyzers.eq_response import move_response_db
from analyzers.moves import EQ_KINDS, Move

from .style import COLOURS

F_LO_HZ, F_HI_HZ = 20.0, 20000.0
_GRID_HZ = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)


def chain_response_db(moves: Sequence[Move], freqs_hz: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Summed magnitude response (dB) of the EQ moves among ``moves``."""
    total = np.zeros_like(np.asarray(freqs_hz, dtype=float))
    for m in moves:
        if m.kind in EQ_KINDS:
            total += move_response_db(m, freqs_hz, sample_rate_hz)
    return total


class SpectrumView(QWidget):
    """Spectrum, comparison and EQ response; set with :meth:`set_data`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._centres: np.ndarray = np.zeros(0)
        self._levels: list[float | None] = []
        self._compare: list[float | None] | None = None
        self._compare_label = ""
        self._moves: list[Move] = []
        self._rate = 48000.0
        self.setToolTip("Long-term spectrum (1/3 octave, share of the total in dB); dashed: the reference or the "
                        "genre's target; orange: the accepted EQ moves' response (right-hand scale)")  # fmt: skip

    def set_data(self, centres_hz: Sequence[float], levels_db: Sequence[float | None], sample_rate_hz: float, *,
                 compare_db: Sequence[float | None] | None = None, compare_label: str = "",
                 moves: Sequence[Move] = ()) -> None:  # fmt: skip
        self._centres = np.asarray(centres_hz, dtype=float)
        self._levels = list(levels_db)
        self._compare = None if compare_db is None else list(compare_db)
        self._compare_label = compare_label
        self._moves = list(moves)
        self._rate = float(sample_rate_hz)
        self.update()

    def set_moves(self, moves: Sequence[Move]) -> None:
        self._moves = list(moves)
        self.update()

    def eq_curve(self, n: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """The EQ response drawn: frequencies (Hz) and dB."""
        f = np.geomspace(F_LO_HZ, min(F_HI_HZ, 0.49 * self._rate), n)
        return f, chain_response_db(self._moves, f, self._rate)

    # -- drawing ------------------------------------------------------------------------

    def _x(self, plot: QRectF, f: float) -> float:
        t = (math.log10(f) - math.log10(F_LO_HZ)) / (math.log10(F_HI_HZ) - math.log10(F_LO_HZ))
        return plot.left() + t * plot.width()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(COLOURS["plot_bg"]))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        p.setFont(small)
        plot = QRectF(40, 12, self.width() - 84, self.height() - 34)
        levels = [v for v in self._levels if v is not None]
        if self._compare:
            levels += [v for v in self._compare if v is not None]
        top = 5 * math.ceil(max(levels) / 5) if levels else 0.0
        bottom = top - 40.0
        eq_f, eq_db = self.eq_curve()
        eq_span = max(6.0, 3 * math.ceil(float(np.abs(eq_db).max()) / 3) if eq_db.size else 6.0)

        def y(db: float) -> float:
            return plot.top() + (top - db) / (top - bottom) * plot.height()

        def y_eq(db: float) -> float:
            return plot.center().y() - db / eq_span * plot.height() / 2

        grid = QPen(QColor(COLOURS["grid"]))
        grid.setWidthF(1.0)
        p.setPen(grid)
        text = QColor(COLOURS["muted"])
        for f in _GRID_HZ:
            x = self._x(plot, f)
            p.setPen(grid)
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            p.setPen(text)
            label = f"{f // 1000}k" if f >= 1000 else str(f)
            p.drawText(QRectF(x - 20, plot.bottom() + 2, 40, 16), Qt.AlignmentFlag.AlignHCenter, label)
        for db in range(int(bottom), int(top) + 1, 10):
            p.setPen(grid)
            p.drawLine(QPointF(plot.left(), y(db)), QPointF(plot.right(), y(db)))
            p.setPen(text)
            p.drawText(QRectF(0, y(db) - 8, 36, 16), Qt.AlignmentFlag.AlignRight, f"{db}")
        for db in (-eq_span, -eq_span / 2, eq_span / 2, eq_span):
            p.setPen(QColor(COLOURS["eq"]))
            p.drawText(QRectF(plot.right() + 4, y_eq(db) - 8, 40, 16), Qt.AlignmentFlag.AlignLeft, f"{db:+.0f}")
        p.setClipRect(plot)
        self._draw_levels(p, plot, self._levels, y, fill=True)
        if self._compare:
            pen = QPen(QColor(COLOURS["compare"]), 1.6, Qt.PenStyle.DashLine)
            p.setPen(pen)
            self._draw_levels(p, plot, self._compare, y, fill=False)
        if self._moves and np.abs(eq_db).max() > 0.01:
            p.setPen(QPen(QColor(COLOURS["eq"]), 1.0, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(plot.left(), y_eq(0)), QPointF(plot.right(), y_eq(0)))
            path = QPainterPath()
            for i, (f, db) in enumerate(zip(eq_f, eq_db)):
                pt = QPointF(self._x(plot, f), y_eq(float(np.clip(db, -eq_span, eq_span))))
                path.moveTo(pt) if i == 0 else path.lineTo(pt)
            p.setPen(QPen(QColor(COLOURS["eq"]), 2.2))
            p.drawPath(path)
        p.setClipping(False)
        p.setPen(text)
        legend = "spectrum"
        if self._compare:
            legend += f"  ·  dashed: {self._compare_label}"
        if self._moves:
            legend += "  ·  orange: accepted EQ (dB, right)"
        p.drawText(QRectF(plot.left() + 6, plot.top() + 2, plot.width() - 12, 16), Qt.AlignmentFlag.AlignLeft, legend)
        p.end()

    def _draw_levels(self, p: QPainter, plot: QRectF, values: Sequence[float | None], y, *, fill: bool) -> None:
        pts = [QPointF(self._x(plot, f), y(v)) for f, v in zip(self._centres, values)
               if v is not None and F_LO_HZ <= f <= F_HI_HZ]  # fmt: skip
        if len(pts) < 2:
            return
        path = QPainterPath(pts[0])
        for pt in pts[1:]:
            path.lineTo(pt)
        if fill:
            area = QPainterPath(path)
            area.lineTo(QPointF(pts[-1].x(), plot.bottom()))
            area.lineTo(QPointF(pts[0].x(), plot.bottom()))
            area.closeSubpath()
            c = QColor(COLOURS["spectrum"])
            c.setAlpha(70)
            p.fillPath(area, c)
            p.setPen(QPen(QColor(COLOURS["spectrum"]), 1.8))
        p.drawPath(path)
