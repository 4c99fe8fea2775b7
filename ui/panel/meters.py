"""The meter strip: the figures the suggestions answer, next to the destination's numbers."""

from __future__ import annotations

from PyQt6.QtWidgets import QGridLayout, QLabel, QWidget

from analyzers import Analysis
from analyzers.context import Context

from .style import COLOURS

#: (key, name shown, unit, tooltip)
METERS = (
    ("integrated", "Integrated", "LUFS", "BS.1770-4 integrated loudness (gated)"),
    ("lra", "Range", "LU", "EBU Tech 3342 loudness range"),
    ("true_peak", "True peak", "dBTP", "BS.1770-4 Annex 2 true peak (4× oversampled)"),
    ("plr", "PLR", "dB", "peak-to-loudness ratio: true peak − integrated"),
    ("crest", "Crest", "dB", "sample peak − RMS"),
    ("correlation", "Correlation", "", "stereo correlation (+1 mono, 0 unrelated, −1 opposite)"),
)


def meter_values(analysis: Analysis) -> dict[str, float | None]:
    """The strip's numbers from an analysis (None where there is none, e.g. silence)."""
    lv, ld = analysis.levels, analysis.loudness
    return {
        "integrated": ld.integrated_lufs, "lra": ld.lra_lu, "true_peak": lv.true_peak_dbtp,
        "plr": lv.plr_db, "crest": lv.crest_db, "correlation": analysis.stereo.correlation,
    }  # fmt: skip


class MeterStrip(QWidget):
    """Six figures in a row; the destination's loudness and ceiling as a note under them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        self.values: dict[str, QLabel] = {}
        self.notes: dict[str, QLabel] = {}
        for col, (key, name, unit, tip) in enumerate(METERS):
            n = QLabel(name + (f" ({unit})" if unit else ""))
            n.setObjectName("meterName")
            n.setToolTip(tip)
            v = QLabel("–")
            v.setObjectName("meterValue")
            v.setToolTip(tip)
            note = QLabel("")
            note.setObjectName("meterName")
            grid.addWidget(n, 0, col)
            grid.addWidget(v, 1, col)
            grid.addWidget(note, 2, col)
            self.values[key] = v
            self.notes[key] = note

    def show_analysis(self, analysis: Analysis, context: Context | None = None) -> None:
        vals = meter_values(analysis)
        for key, label in self.values.items():
            v = vals[key]
            label.setText("–" if v is None else (f"{v:+.2f}" if key == "correlation" else f"{v:.1f}"))
            label.setStyleSheet("")
            self.notes[key].setText("")
        dest = None if context is None else context.destination
        if dest is not None:
            i, tp = vals["integrated"], vals["true_peak"]
            self.notes["integrated"].setText(f"{dest.name}: {dest.lufs:g}")
            self.notes["true_peak"].setText(f"ceiling {dest.ceiling_dbtp:g}")
            if tp is not None:
                ok = tp <= dest.ceiling_dbtp
                self.values["true_peak"].setStyleSheet(f"color: {COLOURS['ok' if ok else 'bad']};")
            if i is not None:
                off = abs(i - dest.lufs)
                self.values["integrated"].setStyleSheet(
                    f"color: {COLOURS['ok' if off <= 1.0 else ('warn' if off <= 3.0 else 'bad')]};")  # fmt: skip
        c = vals["correlation"]
        if c is not None and c < 0:
            self.values["correlation"].setStyleSheet(f"color: {COLOURS['bad']};")
