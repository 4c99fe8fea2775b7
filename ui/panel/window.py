"""The panel's main window: context, meters and spectrum, suggestion cards, A/B, export.

Layout, top to bottom: the context bar (role, genre, destination, intent words,
reference), then two columns — left the meters, the spectrum with the accepted EQ's
response, and what to leave alone; right the suggestion cards — then the audition bar
(region, A/B, play, export) and the status bar with a progress bar for long work.

Every action goes through :class:`bridge.session.Session`, the object the command line
uses too; measuring, rendering, exporting and talking to a DAW run off the GUI thread
(:class:`.workers.Jobs`). Decisions can be undone (Ctrl+Z).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from analyzers.context import load_data
from analyzers.errors import ParameterError
from bridge.session import Card, Session, counts

from .cards import SuggestionCard
from .meters import MeterStrip
from .plots import SpectrumView
from .workers import Jobs

AUDIO_FILTER = "Audio (*.wav *.flac *.aif *.aiff *.mp3 *.ogg);;All files (*)"
NONE = "—"


class _Decide(QUndoCommand):
    """One decision on one card, undoable."""

    def __init__(self, window: PanelWindow, suggestion_id: str, action: Callable[[], object], text: str) -> None:
        super().__init__(text)
        self._w = window
        self._id = suggestion_id
        self._action = action
        self._before: Card = window.session.card(suggestion_id)
        self._after: Card | None = None

    def redo(self) -> None:
        if self._after is None:
            self._action()
            self._after = self._w.session.card(self._id)
        else:
            self._w.session.restore(self._after)
        self._w.card_changed(self._id)

    def undo(self) -> None:
        self._w.session.restore(self._before)
        self._w.card_changed(self._id)


class PanelWindow(QMainWindow):
    """The panel over one :class:`Session` at a time (several can be open; see ``Sessions``)."""

    #: emitted (from any thread) when a watched folder hands over a new bounce
    bounce_arrived = pyqtSignal(str)
    #: emitted after an analysis lands and the cards are drawn
    session_shown = pyqtSignal()

    def __init__(self, session: Session | None = None, *, on_decision: Callable[[Any], object] | None = None,
                 taste: dict[str, Any] | None = None) -> None:  # fmt: skip
        super().__init__()
        self.setWindowTitle("Second Ear")
        self.resize(1280, 800)
        self.jobs = Jobs(self)
        self.undo_stack = QUndoStack(self)
        self.on_decision = on_decision
        self.taste = taste  # the taste summary every session opened here is nudged by
        self.sessions: dict[str, Session] = {}
        self.session: Session | None = None
        self.cards: dict[str, SuggestionCard] = {}
        self.audition_result: Any = None
        self.player: Any = None
        self.last_error: str = ""
        self.watcher: Any = None
        self._build()
        self.bounce_arrived.connect(self._open_bounce)
        if session is not None:
            self.show_session(session)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(10, 8, 10, 6)
        outer.addWidget(self._context_bar())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._left_column())
        split.addWidget(self._right_column())
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([640, 620])
        outer.addWidget(split, 1)
        outer.addWidget(self._audition_bar())
        self.setCentralWidget(central)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.jobs.busy.connect(self._busy)
        self._menus()

    def _menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        self._action(m, "&Open audio…", QKeySequence.StandardKey.Open, self.open_dialog)
        self._action(m, "Open the &demo", None, self.open_demo)
        self._action(m, "&Reference track…", None, self.reference_dialog)
        self._action(m, "&Watch a bounce folder…", None, self.watch_dialog)
        m.addSeparator()
        self._action(m, "&Export the render…", QKeySequence("Ctrl+E"), self.export_dialog)
        self._action(m, "&Save the chain as a preset…", QKeySequence.StandardKey.Save, self.save_preset_dialog)
        self._action(m, "&Load a preset…", QKeySequence("Ctrl+L"), self.load_preset_dialog)
        m.addSeparator()
        self._action(m, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        e = self.menuBar().addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        e.addAction(undo)
        e.addAction(redo)
        e.addSeparator()
        self._action(e, "&Accept the focused card", QKeySequence("A"), lambda: self._on_focused(self.accept))
        self._action(e, "&Reject the focused card", QKeySequence("R"), lambda: self._on_focused(self.reject))
        d = self.menuBar().addMenu("&DAW")
        self._action(d, "&Push the accepted moves…", QKeySequence("Ctrl+P"), self.push_dialog)
        self.listen_action = self._action(d, "&Listen for the DAW on 127.0.0.1:9000", None, self._toggle_listen)
        self.listen_action.setCheckable(True)
        p = self.menuBar().addMenu("&Plugins")
        self._action(p, "Parameter maps and their &verdicts…", None, self.plugins_dialog)

    def _action(self, menu, text: str, shortcut, slot) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(shortcut)
        a.triggered.connect(lambda _checked=False: slot())
        menu.addAction(a)
        self.addAction(a)
        return a

    def _context_bar(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.source_combo = QComboBox()
        self.source_combo.setMinimumWidth(220)
        self.source_combo.setToolTip("the audio being listened to (open files, the demo, bounces from a watched folder)")
        self.source_combo.activated.connect(lambda i: self._switch(self.source_combo.itemData(i)))
        row.addWidget(self.source_combo)
        self.role_combo = self._combo(list(load_data("roles")["roles"]), "what the audio is: a role changes which "
                                      "figures matter and the tolerances")  # fmt: skip
        self.genre_combo = self._combo([NONE, *load_data("genres")["genres"]], "the genre's tonal balance and dynamics "
                                       "range to compare with")  # fmt: skip
        self.target_combo = self._combo([NONE, *load_data("destinations")["destinations"]],
                                        "where it goes: its loudness and true-peak ceiling")  # fmt: skip
        for label, combo in (("Role", self.role_combo), ("Genre", self.genre_combo), ("For", self.target_combo)):
            lab = QLabel(label)
            lab.setObjectName("meterName")
            row.addWidget(lab)
            row.addWidget(combo)
        self.intent_edit = QLineEdit()
        self.intent_edit.setPlaceholderText("what you want, in words: warmer, more glue, less harsh…")
        self.intent_edit.setToolTip("intent words (see README): each maps onto a documented move, scaled by what the "
                                    "analysis shows is already there; Enter to suggest again")  # fmt: skip
        self.intent_edit.returnPressed.connect(self.apply_context)
        row.addWidget(self.intent_edit, 1)
        self.reference_label = QLabel("no reference")
        self.reference_label.setObjectName("meterName")
        row.addWidget(self.reference_label)
        self.reference_button = QPushButton("Reference…")
        self.reference_button.clicked.connect(self.reference_dialog)
        row.addWidget(self.reference_button)
        for combo in (self.role_combo, self.genre_combo, self.target_combo):
            combo.activated.connect(lambda _i: self.apply_context())
        return bar

    def _combo(self, items: list[str], tip: str) -> QComboBox:
        c = QComboBox()
        c.addItems(items)
        c.setToolTip(tip)
        return c

    def _left_column(self) -> QWidget:
        w = QWidget()
        col = QVBoxLayout(w)
        col.setContentsMargins(0, 0, 6, 0)
        self.meters = MeterStrip()
        col.addWidget(self.meters)
        self.spectrum = SpectrumView()
        col.addWidget(self.spectrum, 1)
        title = QLabel("Leave it — inside tolerance")
        title.setObjectName("sectionTitle")
        col.addWidget(title)
        self.leave_label = QLabel("")
        self.leave_label.setWordWrap(True)
        self.leave_label.setObjectName("why")
        self.leave_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.leave_label)
        return w

    def _right_column(self) -> QWidget:
        w = QWidget()
        col = QVBoxLayout(w)
        col.setContentsMargins(6, 0, 0, 0)
        head = QHBoxLayout()
        t = QLabel("Suggestions")
        t.setObjectName("sectionTitle")
        head.addWidget(t)
        self.count_label = QLabel("")
        self.count_label.setObjectName("why")
        head.addWidget(self.count_label, 1)
        b = QPushButton("Accept all")
        b.setToolTip("accept every suggestion still undecided")
        b.clicked.connect(self.accept_all)
        head.addWidget(b)
        col.addLayout(head)
        self.cards_host = QWidget()
        self.cards_layout = QVBoxLayout(self.cards_host)
        self.cards_layout.setContentsMargins(0, 0, 4, 0)
        self.cards_layout.setSpacing(8)
        self.cards_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.cards_host)
        col.addWidget(scroll, 1)
        self.notes_label = QLabel("")
        self.notes_label.setWordWrap(True)
        self.notes_label.setObjectName("why")
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.notes_label)
        return w

    def _audition_bar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("card")
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(8, 6, 8, 6)
        rows.setSpacing(4)
        row = QHBoxLayout()
        second = QHBoxLayout()
        rows.addLayout(row)
        rows.addLayout(second)
        lab = QLabel("Region")
        lab.setObjectName("meterName")
        row.addWidget(lab)
        self.region_edit = QLineEdit()
        self.region_edit.setPlaceholderText("whole file, or 30:45")
        self.region_edit.setMaximumWidth(130)
        self.region_edit.setToolTip("START:END in seconds (30:45) to render and loop; empty: the whole file")
        self.region_edit.returnPressed.connect(self.audition)
        row.addWidget(self.region_edit)
        self.audition_button = QPushButton("Render A/B")
        self.audition_button.setToolTip("render the accepted moves and match loudness, so the louder one does not "
                                        "win by being louder")  # fmt: skip
        self.audition_button.clicked.connect(self.audition)
        row.addWidget(self.audition_button)
        self.a_button = QPushButton("A  original")
        self.b_button = QPushButton("B  processed")
        for side, btn in (("a", self.a_button), ("b", self.b_button)):
            btn.setCheckable(True)
            btn.setEnabled(False)
            btn.clicked.connect(lambda _c, s=side: self.select_side(s))
            row.addWidget(btn)
        self.a_button.setChecked(True)
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setEnabled(False)
        self.play_button.setShortcut(QKeySequence("Space"))
        self.play_button.setToolTip("play the region in a loop; switch A/B while it plays (Space: play/stop)")
        self.play_button.clicked.connect(self.toggle_play)
        row.addWidget(self.play_button)
        self.eq_combo = QComboBox()
        self.eq_combo.setToolTip("where the EQ moves render: the built-in filters, or one of your plugins through "
                                 "its parameter map (its measured verdict beside it)")  # fmt: skip
        self.dyn_combo = QComboBox()
        self.dyn_combo.setToolTip("where the compressor and limiter moves render: built-in, or one of your plugins")
        for label, combo in (("EQ on", self.eq_combo), ("Dynamics on", self.dyn_combo)):
            lab = QLabel(label)
            lab.setObjectName("meterName")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(22)
            second.addWidget(lab)
            second.addWidget(combo)
            combo.activated.connect(lambda _i: self._placement_changed())
        self.load_plugin_choices()
        self.ab_label = QLabel("accept a move, then render A/B")
        self.ab_label.setObjectName("why")
        self.ab_label.setWordWrap(True)
        row.addWidget(self.ab_label, 1)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("render the whole file with the accepted moves (Ctrl+E)")
        self.export_button.clicked.connect(self.export_dialog)
        second.addStretch(1)
        second.addWidget(self.export_button)
        self.preset_button = QPushButton("Save preset…")
        self.preset_button.clicked.connect(self.save_preset_dialog)
        second.addWidget(self.preset_button)
        self.push_button = QPushButton("Push to DAW…")
        self.push_button.clicked.connect(self.push_dialog)
        second.addWidget(self.push_button)
        return bar

    # -- sessions ------------------------------------------------------------------------

    def show_session(self, session: Session, *, label: str | None = None) -> None:
        """Make ``session`` the one shown: added to the source list (as ``label``), or in place
        of the session of the same source."""
        session.on_decision = self.on_decision
        if self.taste and session.taste is None:
            session.taste = self.taste
            session.suggest()
        elif session.advice is None:
            session.suggest()
        self.session = session
        self._ab_stale()
        self.undo_stack.clear()
        key = session.source
        self.sessions[key] = session  # a new measurement of the same file (a new bounce) replaces the old
        i = self.source_combo.findData(key)
        if i < 0:
            self.source_combo.addItem(label or _short(key), key)
            i = self.source_combo.count() - 1
        elif label:
            self.source_combo.setItemText(i, label)
        self.source_combo.setCurrentIndex(i)
        self._show_context(session)
        self.refresh()
        self.session_shown.emit()

    def _switch(self, key: str) -> None:
        if key in self.sessions and self.sessions[key] is not self.session:
            self.show_session(self.sessions[key])

    def _show_context(self, s: Session) -> None:
        d = s.context.describe()
        self.role_combo.setCurrentText(d["role"])
        self.genre_combo.setCurrentText(d["genre"] or NONE)
        self.target_combo.setCurrentText(d["target"]["name"] if d["target"] else NONE)
        self.intent_edit.setText(d["intent"] or "")
        self.reference_label.setText(f"ref: {_short(d['reference'])}" if d["reference"] else "no reference")

    def open_demo(self) -> None:
        taste = self.taste
        self._load(lambda: Session.demo(taste=taste), "the demo")

    def open_file(self, path: str) -> None:
        """Read and measure ``path`` off the GUI thread, then show it."""
        ctx = self.session.context if self.session is not None else None
        taste = self.taste

        def work(progress):
            from bridge.audio_io import read_audio

            progress(0, 2)
            audio, rate = read_audio(path)  # probes the file itself: an unreadable one raises here
            progress(1, 2)
            s = Session(audio, float(rate), os.fspath(path), taste=taste)  # suggested once, with taste
            if ctx is not None:
                s.context = ctx
            s.measure()
            progress(2, 2)
            return s

        self._load(work, Path(path).name)

    def _load(self, work, label: str) -> None:
        self.status(f"measuring {label}…")
        self.jobs.start(work, self._loaded, lambda exc: self.error(f"could not open {label}", exc), self._progress)

    def _loaded(self, session: Session) -> None:
        self.show_session(session)
        n = len(session.cards)
        self.status(f"{_short(session.source)}: {n} suggestion{'s' if n != 1 else ''}, "
                    f"{len(session.advice.leave_alone)} left alone")  # fmt: skip

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open audio", "", AUDIO_FILTER)
        if path:
            self.open_file(path)

    # -- context -------------------------------------------------------------------------

    def apply_context(self) -> None:
        """Suggest again with the context bar's role, genre, destination and intent."""
        if self.session is None:
            return
        ref = self.session.context.reference
        try:
            self.session.set_context(
                role_name=self.role_combo.currentText(),
                genre_name=None if self.genre_combo.currentText() == NONE else self.genre_combo.currentText(),
                target=None if self.target_combo.currentText() == NONE else self.target_combo.currentText(),
                intent=self.intent_edit.text(), reference=ref, reference_name=self.session.context.reference_name,
            )  # fmt: skip
        except ParameterError as exc:
            self.error("that context cannot be used", exc)
            return
        self.undo_stack.clear()
        self._ab_stale()
        self.refresh()
        self.status(f"suggested again: {len(self.session.cards)} suggestions")

    def set_reference(self, path: str) -> None:
        """Measure ``path`` as the reference (off the GUI thread) and suggest again."""
        if self.session is None:
            return

        def work(progress):
            from bridge.measure import analyze_file

            return analyze_file(path, progress=progress)[1]

        def done(analysis) -> None:
            c = self.session.context
            self.session.context = type(c)(role=c.role, genre=c.genre, destination=c.destination, reference=analysis,
                                           reference_name=os.fspath(path), intent=c.intent)  # fmt: skip
            self.reference_label.setText(f"ref: {_short(path)}")
            self.apply_context()

        self.status(f"measuring the reference {Path(path).name}…")
        self.jobs.start(work, done, lambda exc: self.error("could not read the reference", exc), self._progress)

    def reference_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Reference track", "", AUDIO_FILTER)
        if path:
            self.set_reference(path)

    # -- drawing the session -------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw meters, spectrum, cards and notes from the session."""
        s = self.session
        if s is None or s.analysis is None:
            return
        a = s.analysis
        self.meters.show_analysis(a, s.context)
        compare, label = None, ""
        if s.context.reference is not None:
            compare, label = s.context.reference.spectrum.level_db, "reference"
        elif s.context.genre is not None:
            compare, label = s.context.genre.band_level_db, f"{s.context.genre.name} target"
        self.spectrum.set_data(a.spectrum.centres_hz, a.spectrum.level_db, a.sample_rate_hz, compare_db=compare,
                               compare_label=label, moves=s.chosen_moves(whole_file_only=True))  # fmt: skip
        for card in self.cards.values():
            card.setParent(None)
            card.deleteLater()
        self.cards = {}
        for sid, c in s.cards.items():
            w = SuggestionCard(c.suggestion)
            w.accept_clicked.connect(self.accept)
            w.reject_clicked.connect(self.reject)
            w.reset_clicked.connect(self.reset)
            w.tweaked.connect(self.tweak)
            w.focused.connect(self._focus)
            self.cards_layout.insertWidget(self.cards_layout.count() - 1, w)
            self.cards[sid] = w
            w.set_status(c.status, c.move)
        if not s.cards:
            whole = next((x for x in s.advice.leave_alone if x.aspect == "everything"), None)
            self.count_label.setText(f"Nothing to suggest: {whole.why}. Leave it." if whole else
                                     "Nothing to change: every figure is inside its tolerance. Leave it.")  # fmt: skip
        leave = s.advice.leave_alone
        self.leave_label.setText("\n".join(f"• {x.why}" for x in leave) or "—")
        self.notes_label.setText("\n".join([*(f"Warning: {w}" for w in a.warnings),
                                            *(f"Note: {n}" for n in s.advice.notes)]))  # fmt: skip
        self._counts()
        self.ab_label.setText("render A/B to compare, loudness-matched" if s.chosen() else
                              "accept a move, then render A/B")  # fmt: skip

    def card_changed(self, suggestion_id: str) -> None:
        c = self.session.card(suggestion_id)
        self.cards[suggestion_id].set_status(c.status, c.move)
        self.spectrum.set_moves(self.session.chosen_moves(whole_file_only=True))
        self._ab_stale("changed: render A/B again" if self.session.chosen() else "accept a move, then render A/B")
        self._counts()

    def _ab_stale(self, message: str | None = None) -> None:
        """The rendered A/B no longer matches the decisions: drop it, stop, say so."""
        self.audition_result = None
        self.stop_playback()
        for b in (self.a_button, self.b_button, self.play_button):
            b.setEnabled(False)
        if message is not None:
            self.ab_label.setText(message)

    def _counts(self) -> None:
        if self.session is None or not self.session.cards:
            return
        n = counts(self.session.cards)
        self.count_label.setText(f"{len(self.session.cards)} · {n['accepted'] + n['tweaked']} accepted · "
                                 f"{n['rejected']} rejected · {n['pending']} to decide")  # fmt: skip

    # -- decisions -----------------------------------------------------------------------

    def accept(self, suggestion_id: str) -> None:
        self.undo_stack.push(_Decide(self, suggestion_id, lambda: self.session.accept(suggestion_id),
                                     f"accept {suggestion_id}"))  # fmt: skip

    def reject(self, suggestion_id: str) -> None:
        self.undo_stack.push(_Decide(self, suggestion_id, lambda: self.session.reject(suggestion_id),
                                     f"reject {suggestion_id}"))  # fmt: skip

    def reset(self, suggestion_id: str) -> None:
        self.undo_stack.push(_Decide(self, suggestion_id, lambda: self.session.reset(suggestion_id),
                                     f"reset {suggestion_id}"))  # fmt: skip

    def tweak(self, suggestion_id: str, params: dict) -> None:
        from analyzers.moves import Move

        card = self.session.card(suggestion_id)
        try:  # validated here: an exception inside QUndoStack.push would not reach us
            Move(card.suggestion.move.kind, {**card.final_move.params, **params})
        except ParameterError as exc:
            self.error("that value cannot be used", exc)
            self.card_changed(suggestion_id)
            return
        self.undo_stack.push(_Decide(self, suggestion_id, lambda: self.session.tweak(suggestion_id, **params),
                                     f"tweak {suggestion_id}"))  # fmt: skip

    def accept_all(self) -> None:
        if self.session is None:
            return
        self.undo_stack.beginMacro("accept all")
        for sid, c in self.session.cards.items():
            if c.status == "pending":
                self.accept(sid)
        self.undo_stack.endMacro()

    def _focus(self, suggestion_id: str) -> None:
        self._focused = suggestion_id

    def _on_focused(self, fn) -> None:
        sid = getattr(self, "_focused", None)
        if sid is not None and self.session is not None and sid in self.session.cards:
            fn(sid)

    # -- where the moves render ------------------------------------------------------------

    def load_plugin_choices(self) -> None:
        """Fill "EQ on" and "Dynamics on" from the plugin index: every plugin whose map
        realises those kinds, with its kept verdict."""
        from bridge.plugins.placement import DYNAMICS_KINDS, EQ_KINDS, realises

        choices: list[tuple[Any, Any, str]] = []
        try:
            from bridge.plugins import load_index
            from bridge.plugins.verdicts import map_and_verdict, read_verdicts, verdict_label

            verdicts = read_verdicts()
            for p in load_index().plugins:
                plugin_map, _how, report = map_and_verdict(p, entries=verdicts)
                if plugin_map is not None:
                    choices.append((p, plugin_map, verdict_label(report)))
        except Exception as exc:  # noqa: BLE001 - an unreadable index leaves the built-ins
            self.status(f"the plugin index cannot be read ({exc}): moves render on the built-ins")
        for combo, kinds in ((self.eq_combo, EQ_KINDS), (self.dyn_combo, DYNAMICS_KINDS)):
            keep = combo.currentText()
            combo.clear()
            combo.addItem("built-in", None)
            for p, plugin_map, verdict in choices:
                if realises(plugin_map, kinds):
                    combo.addItem(f"{p.name} · {verdict}", (p, plugin_map))
            i = combo.findText(keep)
            combo.setCurrentIndex(max(0, i))

    def placements(self) -> list[tuple[Any, Any]]:
        """The chosen plugins and their maps (EQ first), none for the built-ins."""
        return [c.currentData() for c in (self.eq_combo, self.dyn_combo) if c.currentData() is not None]

    def current_chain(self) -> Any:
        """The chain the accepted moves make, on the chosen plugins (the rest built in)."""
        places = self.placements()
        if not places:
            return self.session.chain()
        from bridge.plugins.placement import place_moves

        return place_moves(self.session.chosen_moves(whole_file_only=True), places,
                           sample_rate_hz=self.session.sample_rate_hz)  # fmt: skip

    def _placement_changed(self) -> None:
        names = [c.currentText() for c in (self.eq_combo, self.dyn_combo) if c.currentData() is not None]
        self._ab_stale(f"moves on {' and '.join(names)}: render A/B again" if names else
                       "moves on the built-ins: render A/B again")  # fmt: skip

    # -- audition ------------------------------------------------------------------------

    def audition(self) -> None:
        """Render A/B over the region (off the GUI thread), loudness-matched."""
        from bridge.audition import parse_region

        if self.session is None:
            return
        text = self.region_edit.text().strip()
        try:
            region = parse_region(text) if text else None
        except ValueError as exc:
            self.error("that region cannot be used", exc)
            return
        if not self.session.chosen():
            self.status("nothing accepted yet: accept or tweak a suggestion to audition it")
            return
        session = self.session
        try:
            chain = self.current_chain()
        except Exception as exc:  # noqa: BLE001 - a map that cannot take the moves: said, nothing renders
            self.error("the moves cannot go on the chosen plugin", exc)
            return
        self.stop_playback()
        self.audition_button.setEnabled(False)
        self.status("rendering A/B…")

        def done(result) -> None:
            self.audition_button.setEnabled(True)
            if session is not self.session:
                return
            self.audition_result = result
            self._show_audition(result)

        def failed(exc) -> None:
            self.audition_button.setEnabled(True)
            self.error("the A/B render failed", exc)

        def work():
            from bridge.chain import build_slots

            return session.audition(region, slots=build_slots(chain))

        self.jobs.start(work, done, failed)

    def _show_audition(self, r) -> None:
        for b in (self.a_button, self.b_button, self.play_button):
            b.setEnabled(True)
        if r.offset_db is None:
            text = "A or B is silent: no loudness to match"
        else:
            louder = "B" if r.offset_db > 0 else "A"
            text = (f"A {r.a_lufs:.1f} · B {r.b_lufs:.1f} LUFS → {louder} turned down {abs(r.offset_db):.1f} dB; "
                    f"matched to {abs(r.matched_a_lufs - r.matched_b_lufs):.2f} LU")  # fmt: skip
        plugins = [s["name"] for s in r.slots if s.get("kind") not in (None, "builtin")]
        if plugins:
            text += f" · B on {', '.join(dict.fromkeys(plugins))}"
        if r.latency_samples:
            text += f" (latency {r.latency_samples} samples compensated)"
        if r.warnings:
            text += " · " + "; ".join(r.warnings)
        self.ab_label.setText(text)
        self.status("A/B ready: press Play and switch A/B")

    def select_side(self, side: str) -> None:
        self.a_button.setChecked(side == "a")
        self.b_button.setChecked(side == "b")
        if self.player is not None:
            self.player.select(side)

    def toggle_play(self) -> None:
        from bridge.audition import PlaybackUnavailable
        from bridge.player import ABPlayer

        if self.player is not None and self.player.playing:
            self.stop_playback()
            return
        r = self.audition_result
        if r is None:
            self.play_button.setChecked(False)
            return
        self.player = ABPlayer(r.a, r.b, r.sample_rate_hz)
        self.player.select("b" if self.b_button.isChecked() else "a")
        try:
            self.player.play()
        except PlaybackUnavailable as exc:
            self.play_button.setChecked(False)
            self.status(f"cannot play: {exc}; export A and B to listen elsewhere")
            return
        self.play_button.setText("Stop")

    def stop_playback(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.play_button.setChecked(False)
        self.play_button.setText("Play")

    # -- export, presets, DAW, plugins ----------------------------------------------------

    def export_to(self, path: str, on_done: Callable[[Path], None] | None = None) -> None:
        """Render the whole file with the chosen moves into ``path`` (off the GUI thread)."""
        session = self.session
        chain = self.current_chain()

        def done(p) -> None:
            self.status(f"wrote {p}")
            if on_done is not None:
                on_done(p)

        self.status(f"rendering {Path(path).name}…")
        self.jobs.start(lambda: session.export(path, chain=chain), done, lambda exc: self.error("the export failed", exc))

    def export_dialog(self) -> None:
        if self.session is None or not self.session.chosen():
            self.status("nothing accepted yet: there is nothing to export")
            return
        stem = Path(self.session.source).stem if Path(self.session.source).exists() else "demo"
        path, _ = QFileDialog.getSaveFileName(self, "Export the render", f"{stem}-secondear.wav",
                                              "WAV (*.wav);;FLAC (*.flac);;AIFF (*.aiff)")  # fmt: skip
        if path:
            self.export_to(path)

    def save_preset_dialog(self) -> None:
        from .dialogs import save_preset

        if self.session is None or not self.session.chosen():
            self.status("nothing accepted yet: a preset keeps accepted moves")
            return
        save_preset(self)

    def load_preset_dialog(self) -> None:
        from .dialogs import load_preset

        load_preset(self)

    def push_dialog(self) -> None:
        from .dialogs import DawPushDialog

        if self.session is None or not self.session.chosen():
            self.status("nothing accepted yet: there is nothing to push")
            return
        DawPushDialog(self).exec()

    def plugins_dialog(self) -> None:
        from .dialogs import PluginVerdictsDialog

        PluginVerdictsDialog(self).exec()
        self.load_plugin_choices()  # verdicts measured there show in "EQ on" / "Dynamics on"

    def watch_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a bounce folder")
        if folder:
            self.watch(folder)

    def watch(self, folder: str, *, settle_s: float = 1.0, poll_s: float = 0.5) -> None:
        """Analyze every bounce that lands in ``folder`` and offer its suggestions."""
        import threading

        from bridge.watch import watch_folder

        self.stop_watching()
        stop = threading.Event()
        thread = threading.Thread(
            target=watch_folder, name="secondear-watch", daemon=True,
            args=(folder, lambda p: self.bounce_arrived.emit(os.fspath(p))),
            kwargs={"stop_event": stop, "settle_s": settle_s, "poll_s": poll_s,
                    "on_error": lambda p, e: None},
        )  # fmt: skip
        thread.start()
        self.watcher = (thread, stop, folder)
        self.status(f"watching {folder}: a bounce that lands there is analyzed")

    def stop_watching(self) -> None:
        if self.watcher is not None:
            thread, stop, _ = self.watcher
            stop.set()
            thread.join(timeout=5)
            self.watcher = None

    def listen(self, port: int = 9000, host: str = "127.0.0.1") -> Any:
        """Answer the bridge's OSC address space (``/secondear/analyze`` …) from this panel;
        returns the server (its ``address`` is where it listens)."""
        from .listener import start_listening

        self.stop_listening()
        self.osc_server = start_listening(self, host=host, port=port)
        h, p = self.osc_server.address
        self.listen_action.setChecked(True)
        self.listen_action.setText(f"&Listen for the DAW on {h}:{p}")
        self.status(f"listening for the DAW on {h}:{p} (/secondear/analyze, select, intent, accept, reject)")
        return self.osc_server

    def stop_listening(self) -> None:
        server = getattr(self, "osc_server", None)
        if server is not None:
            server.close()
            self.osc_server = None
        self.listen_action.setChecked(False)

    def _toggle_listen(self) -> None:
        from bridge.errors import BridgeError

        if getattr(self, "osc_server", None) is not None:
            self.stop_listening()
            self.status("no longer listening for the DAW")
            return
        try:
            self.listen()
        except BridgeError as exc:
            self.listen_action.setChecked(False)
            self.error("cannot listen for the DAW", exc)

    def _open_bounce(self, path: str) -> None:
        self.status(f"new bounce: {Path(path).name}; measuring…")
        self.open_file(path)

    # -- status --------------------------------------------------------------------------

    def status(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def error(self, what: str, exc: BaseException) -> None:
        """Say what went wrong in the status bar (and a dialog when the window is shown)."""
        self.last_error = f"{what}: {exc}"
        self.status(self.last_error)
        if self.isVisible() and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            QMessageBox.warning(self, "Second Ear", self.last_error)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)  # until a job reports progress

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.stop_playback()
        self.stop_watching()
        self.stop_listening()
        self.jobs.wait(10000)
        super().closeEvent(event)


def _short(path: str | None) -> str:
    if not path:
        return ""
    return path if path.startswith("<") else Path(path).name
