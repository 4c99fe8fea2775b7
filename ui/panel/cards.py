"""A suggestion card: the move, why (with the measured numbers), and the engineer's answer.

Each card shows the move in words, its severity and confidence, the sentence that says
why, what it is predicted to change, and one editor per parameter (ranges and units from
:data:`analyzers.moves.KINDS`). Accept, reject, reset, solo (the move alone) and bypass
(the chain without it) are buttons; editing a value accepts the move with that value (a
tweak). Collapsed (every card but the focused one), a card is two lines: the move with its
severity and answer, and the first line of why. The card only emits signals: the window
decides (through its controller) and then calls :meth:`set_status` / :meth:`set_heard`.
"""

from __future__ import annotations

from collections.abc import Mapping

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from analyzers.moves import INTEGER_PARAMS, KINDS, Move
from analyzers.suggest import Suggestion

from .style import COLOURS, SEVERITY_LABEL

_UNITS = (("_dbtp", " dBTP"), ("_hz", " Hz"), ("_db_oct", " dB/oct"), ("_db", " dB"), ("_ms", " ms"),
          ("_samples", " smp"))  # fmt: skip
_LABELS = {"freq_hz": "freq", "gain_db": "gain", "threshold_db": "thresh", "attack_ms": "attack",
           "release_ms": "release", "makeup_db": "makeup", "ceiling_dbtp": "ceiling", "side_gain_db": "side",
           "mono_below_hz": "mono <", "delay_samples": "delay", "slope_db_oct": "slope"}  # fmt: skip
_PREDICTED = {"integrated_lufs": ("integrated", "LUFS"), "true_peak_dbtp": ("true peak", "dBTP"),
              "crest_db": ("crest", "dB"), "width": ("width", ""), "section_lufs": ("section", "LUFS")}  # fmt: skip


def unit_suffix(param: str) -> str:
    """The unit a parameter's name carries, as a spin box suffix (``freq_hz`` → `` Hz``)."""
    if param == "ratio":
        return ":1"
    for end, unit in _UNITS:
        if param.endswith(end):
            return unit
    return ""


def predicted_text(predicted: Mapping[str, float]) -> str:
    """``predicted`` in words: ``integrated −14.0 LUFS · band 315 Hz −4.2 dB``."""
    parts = []
    for key, value in predicted.items():
        if key in _PREDICTED:
            name, unit = _PREDICTED[key]
            parts.append(f"{name} {value:+.1f}{(' ' + unit) if unit else ''}" if key == "width" else
                         f"{name} {value:.1f} {unit}")  # fmt: skip
        elif key.startswith("band_") and key.endswith("_change_db"):
            hz_text = key[len("band_") : -len("_change_db")].removesuffix("_hz")
            try:
                hz = float(hz_text)
            except ValueError:
                continue
            label = f"{hz / 1000:g} kHz" if hz >= 1000 else f"{hz:g} Hz"
            parts.append(f"{label} {value:+.1f} dB")
    return " · ".join(parts[:4])


class _DetailButton:
    """A button of a card's expanded part, built with that part on first access
    (:meth:`SuggestionCard._fill_details`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, card: SuggestionCard | None, owner: type) -> QPushButton:
        if card is None:
            return self  # type: ignore[return-value]
        card._fill_details()
        return card._buttons[self.name]


class SuggestionCard(QFrame):
    """One suggestion; signals carry its id."""

    accept_clicked = pyqtSignal(str)
    reject_clicked = pyqtSignal(str)
    reset_clicked = pyqtSignal(str)
    tweaked = pyqtSignal(str, dict)
    focused = pyqtSignal(str)
    solo_clicked = pyqtSignal(str)
    bypass_clicked = pyqtSignal(str)

    def __init__(self, suggestion: Suggestion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggestion = suggestion
        self.setObjectName("card")
        self.setProperty("status", "pending")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        s = suggestion
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(4)

        head = QHBoxLayout()
        badge = QLabel(SEVERITY_LABEL.get(s.severity, s.severity))
        badge.setStyleSheet(f"background: {COLOURS[s.severity]}; color: #111; border-radius: 3px; padding: 0 4px;"
                            "font-weight: bold; font-size: 8pt;")  # fmt: skip
        badge.setToolTip(f"severity: how far {s.aspect} is off")
        head.addWidget(badge)
        self.title = QLabel(s.move.describe())
        self.title.setObjectName("cardTitle")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(self.title, 1)
        self.status_label = QLabel("")
        self.status_label.setStyleSheet("background: transparent;")
        head.addWidget(self.status_label)
        conf = QLabel(f"{s.confidence:.0%}")
        conf.setToolTip("confidence: how sure Second Ear is that the move helps")
        conf.setStyleSheet(f"color: {COLOURS['muted']}; background: transparent;")
        head.addWidget(conf)
        outer.addLayout(head)

        self.summary = QLabel(s.why.splitlines()[0] if s.why else "")
        self.summary.setObjectName("why")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setToolTip(s.why)
        outer.addWidget(self.summary)
        self.details = QWidget()  # filled the first time it is needed (_fill_details)
        self.details.setStyleSheet("background: transparent;")
        body = QVBoxLayout(self.details)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        outer.addWidget(self.details)
        self._editors: dict[str, QDoubleSpinBox] = {}
        self._buttons: dict[str, QPushButton] = {}
        self._filled = False
        self._move = s.move  # the values the editors show
        self._heard: str | None = None
        self._updating = False
        self.expanded = True
        self.set_expanded(False)

    def _fill_details(self) -> None:
        """Build the expanded part — why, the prediction, the editors and the buttons — once,
        when the card is first expanded or one of them is asked for: a collapsed card is
        built as its two lines (its editors and buttons were most of a card's 3-6 ms on the
        GUI thread, paid for every card of a session drawn)."""
        if self._filled:
            return
        self._filled = True
        s = self.suggestion
        outer = self.details.layout()
        why = QLabel(s.why)
        why.setObjectName("why")
        why.setWordWrap(True)
        why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tip = f"answers: {s.aspect}"
        if s.source:
            tip += f"\nsource: {s.source}"
        if s.region_s is not None:
            tip += f"\nacts on {s.region_s[0]:.1f}–{s.region_s[1]:.1f} s only"
        why.setToolTip(tip)
        outer.addWidget(why)
        pred = predicted_text(s.predicted)
        if pred:
            p = QLabel("predicted: " + pred)
            p.setObjectName("why")
            outer.addWidget(p)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        shown = [n for n in KINDS[s.move.kind] if n != "channel"]
        for i, name in enumerate(shown):
            spec = KINDS[s.move.kind][name]
            box = QDoubleSpinBox()
            box.setRange(spec.low, spec.high)
            box.setDecimals(0 if name in INTEGER_PARAMS or name == "slope_db_oct" else (2 if name == "q" else 1))
            box.setSingleStep(_step(name))
            if name == "freq_hz":
                box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            box.setSuffix(unit_suffix(name))
            box.setValue(float(self._move.params[name]))
            box.setKeyboardTracking(False)
            box.setToolTip(f"{name}: {spec.low:g}…{spec.high:g}" + (f" ({spec.doc})" if spec.doc else ""))
            box.setObjectName(f"edit_{name}")
            box.valueChanged.connect(lambda _v, n=name: self._edited(n))
            label = QLabel(_LABELS.get(name, name))
            label.setObjectName("why")
            r, c = divmod(i, 3)
            grid.addWidget(label, r, 2 * c)
            grid.addWidget(box, r, 2 * c + 1)
            self._editors[name] = box
        grid.setColumnStretch(6, 1)
        outer.addLayout(grid)
        row = QHBoxLayout()
        row.addStretch(1)
        for name, text, tip, signal in (
                ("accept", "Accept", "accept the move as it stands (A)", self.accept_clicked),
                ("reject", "Reject", "reject the move (R)", self.reject_clicked),
                ("reset", "Reset", "back to the proposed values, undecided", self.reset_clicked),
                ("solo", "Solo", "hear this move alone, loudness-matched with A and B (S)", self.solo_clicked),
                ("bypass", "Bypass", "hear the accepted moves without this one, loudness-matched (B)",
                 self.bypass_clicked)):  # fmt: skip
            b = QPushButton(text)
            if name in ("accept", "reject"):
                b.setObjectName(name)
            b.setToolTip(tip)
            b.clicked.connect(lambda _checked=False, sig=signal: sig.emit(s.id))
            self._buttons[name] = b
        for name in ("bypass", "solo"):
            self._buttons[name].setCheckable(True)
            row.insertWidget(0, self._buttons[name])
        for name in ("reset", "reject", "accept"):
            row.addWidget(self._buttons[name])
        outer.addLayout(row)
        self.set_heard(self._heard)

    @property
    def editors(self) -> dict[str, QDoubleSpinBox]:
        """One editor per parameter of the move, by name."""
        self._fill_details()
        return self._editors

    accept_button = _DetailButton("accept")
    reject_button = _DetailButton("reject")
    reset_button = _DetailButton("reset")
    solo_button = _DetailButton("solo")
    bypass_button = _DetailButton("bypass")

    def set_expanded(self, expanded: bool) -> None:
        """Expanded: why, the prediction, the editors and the buttons; collapsed: two lines."""
        if expanded == self.expanded:
            return
        if expanded:
            self._fill_details()
        self.expanded = expanded
        self.details.setVisible(expanded)
        self.summary.setVisible(not expanded)
        self.setProperty("focused", expanded)
        self.style().unpolish(self)
        self.style().polish(self)

    def set_heard(self, side: str | None) -> None:
        """Which of this card's sides is heard now: ``"solo"``, ``"bypass"`` or None."""
        self._heard = side
        if self._filled:
            self._buttons["solo"].setChecked(side == "solo")
            self._buttons["bypass"].setChecked(side == "bypass")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        text = self.summary.toolTip().splitlines()[0] if self.summary.toolTip() else ""
        width = max(40, self.summary.width())
        self.summary.setText(self.summary.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width))

    def _edited(self, _name: str) -> None:
        if self._updating:
            return
        values = {n: box.value() for n, box in self._editors.items()}
        self.tweaked.emit(self.suggestion.id, values)

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.focused.emit(self.suggestion.id)
        super().focusInEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # a click anywhere on the card focuses (and expands) it
        super().mousePressEvent(event)

    def set_status(self, status: str, move: Move | None = None) -> None:
        """Show ``status`` and ``move``'s values (the proposed ones when None)."""
        self.setProperty("status", status)
        self.style().unpolish(self)
        self.style().polish(self)
        shown = {"pending": "", "accepted": "✓ accepted", "tweaked": "✓ tweaked", "rejected": "✗ rejected"}
        colour = {"accepted": COLOURS["accept"], "tweaked": COLOURS["accept"], "rejected": COLOURS["reject"]}
        self.status_label.setText(shown[status])
        self.status_label.setStyleSheet(f"background: transparent; color: {colour.get(status, COLOURS['muted'])};"
                                        "font-weight: bold;")  # fmt: skip
        m = move or self.suggestion.move
        self._move = m
        self._updating = True
        try:
            for name, box in self._editors.items():  # none yet while the details are not built
                box.setValue(float(m.params[name]))
        finally:
            self._updating = False
        self.title.setText(m.describe())


def _step(name: str) -> float:
    if name == "freq_hz":
        return 10.0
    if name == "q":
        return 0.1
    if name in ("attack_ms",):
        return 1.0
    if name == "release_ms":
        return 10.0
    if name == "ratio":
        return 0.5
    if name == "slope_db_oct":
        return 6.0
    return 0.5
