"""A question card: what the engine asks when missing context would change its answer most
(:class:`analyzers.suggest.records.Question`), answered with one click on a choice. The card
only emits ``answered(flag, choice)``; the window hands it to the controller."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from analyzers.suggest import Question


class QuestionCard(QFrame):
    """One question, why it is asked, and a button per choice."""

    answered = pyqtSignal(str, str)  # flag (--role, --genre, --target), choice

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.setObjectName("card")
        self.question = question
        col = QVBoxLayout(self)
        title = QLabel(f"Question: {question.text}")
        title.setObjectName("cardTitle")
        title.setWordWrap(True)
        col.addWidget(title)
        why = QLabel(question.why)
        why.setObjectName("why")
        why.setWordWrap(True)
        col.addWidget(why)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for choice in question.choices:
            b = QPushButton(choice)
            b.setToolTip(f"the same as {question.flag} {choice} on the command line")
            b.clicked.connect(lambda _checked=False, c=choice: self.answered.emit(question.flag, c))
            row.addWidget(b)
            self.buttons[choice] = b
        row.addStretch(1)
        col.addLayout(row)
