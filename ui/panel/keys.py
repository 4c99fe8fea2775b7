"""The panel's keys: one table for the menus, the help overlay (``?``) and the README.

Single letters act on the focused card (the expanded one); a text field keeps its letters
(Qt gives a line edit or spin box the keys it types before any shortcut).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

#: (name, keys, what it does); the window binds each name to an action of the same name.
KEYS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("next", ("J", "Ctrl+Down"), "next card"),
    ("previous", ("K", "Ctrl+Up"), "previous card"),
    ("accept", ("A",), "accept the focused card"),
    ("reject", ("R",), "reject the focused card"),
    ("reset", ("U",), "back to undecided (the proposed values)"),
    ("solo", ("S",), "hear the focused card's move alone (again: back to B)"),
    ("bypass", ("B",), "hear the accepted moves without it (again: back to B)"),
    ("toggle_ab", ("X",), "switch A (original) / B (processed), at the same place"),
    ("play", ("Space",), "play / stop the A/B region in a loop"),
    ("render", ("Ctrl+R",), "render the A/B (loudness-matched)"),
    ("accept_all", ("Ctrl+Shift+A",), "accept every undecided card"),
    ("undo", ("Ctrl+Z",), "undo the last answer"),
    ("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo"),
    ("help", ("?", "F1"), "this list of keys"),
)


def keys_of(name: str) -> tuple[str, ...]:
    """The keys bound to ``name`` (KeyError for an unknown name)."""
    for n, keys, _ in KEYS:
        if n == name:
            return keys
    raise KeyError(name)


def help_html() -> str:
    rows = "".join(f"<tr><td style='padding:2px 14px 2px 0'><b>{' · '.join(k)}</b></td><td>{what}</td></tr>"
                   for _, k, what in KEYS)  # fmt: skip
    return f"<h3>Keys</h3><table>{rows}</table><p style='color:#9aa3ad'>? or Esc closes this list</p>"


class HelpOverlay(QFrame):
    """The keys, drawn over the window's middle; ``?``, ``F1`` or ``Esc`` close it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAutoFillBackground(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 12, 18, 12)
        self.label = QLabel(help_html())
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet("background: transparent;")
        lay.addWidget(self.label)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
            return
        self.adjustSize()
        p = self.parentWidget()
        self.move((p.width() - self.width()) // 2, max(0, (p.height() - self.height()) // 2))
        self.raise_()
        self.show()
