"""The panel's main window: layout and wiring over a :class:`~.controller.PanelController`.

Layout, top to bottom: the context bar (the source, role, genre, destination, intent words,
reference), then two columns — left the meters, the spectrum with the accepted EQ's
response, and what to leave alone (a fixed height, scrolled); right the suggestion cards —
then the audition bar (region, A/B, play, plugins, export) and the status bar with a spinner
for long work (a progress bar for work that says how far it is).

Every intent goes to the controller (Qt-free: sessions, decisions and their undo history,
the chain, A/B, export, presets, the watched folder); the window draws what the controller
tells it through the :class:`~.controller.PanelView` methods. Long work runs off the GUI
thread (:class:`.workers.Jobs`: measuring and rendering in worker processes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analyzers.context import load_data
from analyzers.moves import DYNAMICS_KINDS, EQ_KINDS
from analyzers.suggest import Decision
from bridge.audio_io import AUDIO_SUFFIXES, WRITE_SUFFIXES
from bridge.audition import Audition, PlaybackUnavailable, parse_region
from bridge.errors import BridgeError
from bridge.osc.codec import DEFAULT_PORT
from bridge.osc.server import BridgeServer
from bridge.player import ABPlayer
from bridge.plugins import PluginIndexError
from bridge.plugins.placement import PluginChoice, plugin_choices
from bridge.session import Session, counts

from .cards import SuggestionCard
from .controller import PanelController, short_name
from .keys import HelpOverlay, keys_of
from .dialogs import DawPushDialog, PluginVerdictsDialog, load_preset, save_preset
from .listener import start_listening
from .meters import MeterStrip
from .plots import GainReductionView, LoudnessView, SpectrumView
from .question import QuestionCard
from .processes import WorkerPool
from .workers import Jobs

#: The open dialogs' filter: every suffix the bridge reads as audio.
AUDIO_FILTER = f"Audio ({' '.join('*' + s for s in sorted(AUDIO_SUFFIXES))});;All files (*)"
#: The export dialog's filter: the formats the bridge writes.
EXPORT_FILTER = ";;".join(f"{s[1:].upper()} (*{s})" for s in WRITE_SUFFIXES)
NONE = "—"
#: Lines of "Leave it" verdicts shown without scrolling.
LEAVE_LINES = 8
#: The busy spinner's frames, and how long each is shown.
BUSY_FRAMES = ("●○○", "○●○", "○○●", "○●○")
BUSY_FRAME_MS = 250


class PanelWindow(QMainWindow):
    """The panel's window over a :class:`~.controller.PanelController` (made here unless given).

    Parameters
    ----------
    session : Session, optional
        Shown first.
    on_decision : callable, optional
        Called with each :class:`~analyzers.suggest.Decision` (the taste log).
    taste : mapping, optional
        The taste summary every session opened here is nudged by.
    controller : PanelController, optional
        The controller to show (its ``run_task`` and ``to_main`` are set to this window's).
    processes : WorkerPool, optional
        The worker processes measuring and rendering run in (started on the first task
        when not given).
    """

    #: emitted after a session is shown: its cards drawn, then its plots (each in an event-loop turn of its own)
    session_shown = pyqtSignal()
    _call_main = pyqtSignal(object)

    def __init__(self, session: Session | None = None, *, on_decision: Callable[[Decision], object] | None = None,
                 taste: Mapping[str, Any] | None = None, controller: PanelController | None = None,
                 processes: WorkerPool | None = None) -> None:  # fmt: skip
        super().__init__()
        self.setWindowTitle("Second Ear")
        self.resize(1280, 800)
        self.jobs = Jobs(self, processes=processes)
        self._call_main.connect(lambda fn: fn())
        self.controller = controller or PanelController(taste=taste, on_decision=on_decision)
        self.controller.run_task = self._run_task
        self.controller.to_main = self._call_main.emit
        self.controller.view = self
        self.cards: dict[str, SuggestionCard] = {}
        self.player: ABPlayer | None = None
        self.osc_server: BridgeServer | None = None
        self._focused: str | None = None
        self._plot_generation = 0  # the staged plot drawing: steps of an older one stop
        self._shown_pending = False  # session_shown is owed when the staged plot drawing ends
        self._build()
        # PyQt6 makes QStyle's Python enums the first time a style is handed out: 40-50 ms
        # once, which a card's re-polish otherwise pays when the first file's cards are drawn
        self.style()
        if session is not None:
            self.controller.show(session)

    def _run_task(self, work, on_done, on_error, on_progress=None) -> None:
        self.jobs.start(work, on_done, on_error, on_progress or self._progress)

    # -- what the controller holds ------------------------------------------------------

    @property
    def session(self) -> Session | None:
        return self.controller.session

    @property
    def sessions(self) -> dict[str, Session]:
        return self.controller.sessions

    @property
    def audition_result(self) -> Audition | None:
        return self.controller.audition_result

    @property
    def last_error(self) -> str:
        return self.controller.last_error

    @property
    def on_decision(self) -> Callable[[Decision], object] | None:
        return self.controller.on_decision

    @on_decision.setter
    def on_decision(self, fn: Callable[[Decision], object] | None) -> None:
        self.controller.on_decision = fn
        if self.session is not None:
            self.session.on_decision = fn

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
        self.progress = QProgressBar()  # a job that says how far it is
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        # any other job: a spinner that moves a few times a second; Qt's busy (indeterminate)
        # progress bar repainted itself 60 times a second, 1-13 ms each on the GUI thread
        self.busy_label = QLabel("")
        self.busy_label.setObjectName("meterName")
        self.busy_label.setMinimumWidth(self.busy_label.fontMetrics().horizontalAdvance("working " + BUSY_FRAMES[0]))
        self.busy_label.hide()
        self.statusBar().addPermanentWidget(self.busy_label)
        self._busy_frame = 0
        self._busy_timer = QTimer(self)
        self._busy_timer.setInterval(BUSY_FRAME_MS)
        self._busy_timer.timeout.connect(self._busy_turn)
        self.jobs.busy.connect(self._busy)
        self.help_overlay = HelpOverlay(central)
        self.key_actions: dict[str, QAction] = {}
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
        self.undo_action = self._key_action(e, "&Undo", "undo", self.undo)
        self.redo_action = self._key_action(e, "&Redo", "redo", self.redo)
        self._history_changed()
        e.addSeparator()
        self._action(e, "Your &taste…", None, self.taste_dialog)
        c = self.menuBar().addMenu("&Cards")
        self._key_action(c, "&Next card", "next", lambda: self.focus_step(1))
        self._key_action(c, "&Previous card", "previous", lambda: self.focus_step(-1))
        c.addSeparator()
        self._key_action(c, "&Accept the focused card", "accept", lambda: self._on_focused(self.accept))
        self._key_action(c, "&Reject the focused card", "reject", lambda: self._on_focused(self.reject))
        self._key_action(c, "Re&set the focused card", "reset", lambda: self._on_focused(self.reset))
        self._key_action(c, "Accept a&ll", "accept_all", self.accept_all)
        a = self.menuBar().addMenu("&Listen")
        self._key_action(a, "&Render A/B", "render", self.audition)
        self._key_action(a, "&Play / stop", "play", self.toggle_play)
        self._key_action(a, "Switch &A / B", "toggle_ab", self.controller.toggle_ab)
        self._key_action(a, "&Solo the focused card's move", "solo", lambda: self._on_focused(self.solo))
        self._key_action(a, "&Bypass the focused card's move", "bypass", lambda: self._on_focused(self.bypass))
        d = self.menuBar().addMenu("&DAW")
        self._action(d, "&Push the accepted moves…", QKeySequence("Ctrl+P"), self.push_dialog)
        self.listen_action = self._action(d, f"&Listen for the DAW on 127.0.0.1:{DEFAULT_PORT}", None, self._toggle_listen)
        self.listen_action.setCheckable(True)
        p = self.menuBar().addMenu("&Plugins")
        self._action(p, "Parameter maps and their &verdicts…", None, self.plugins_dialog)
        h = self.menuBar().addMenu("&Help")
        self._key_action(h, "&Keys", "help", self.help_overlay.toggle)
        close = QAction(self)
        close.setShortcut(QKeySequence("Esc"))
        close.triggered.connect(self.help_overlay.hide)
        self.addAction(close)

    def _key_action(self, menu, text: str, name: str, slot) -> QAction:
        """A menu action on the keys :data:`.keys.KEYS` gives ``name``; kept in ``key_actions``."""
        a = self._action(menu, text, None, slot)
        keys = list(keys_of(name))
        # "?" arrives as Shift+? from a keyboard where it is shifted (not every platform maps it back)
        keys += [f"Shift+{k}" for k in keys if len(k) == 1 and not k.isalnum()]
        a.setShortcuts([QKeySequence(k) for k in keys])
        self.key_actions[name] = a
        return a

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
        self.source_combo.activated.connect(lambda i: self.controller.switch(self.source_combo.itemData(i)))
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
        self.say_box = QComboBox()  # the conversation: words said after the first suggestions, with their history
        self.say_box.setEditable(True)
        self.say_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.say_box.setMinimumWidth(200)
        self.say_box.lineEdit().setPlaceholderText("then: a bit more · too dark now · undo that")
        self.say_box.setToolTip("the next turn, against the moves accepted so far (Enter); earlier turns in the list; "
                                "Edit ▸ Undo takes a turn back as one step")  # fmt: skip
        self.say_box.lineEdit().returnPressed.connect(self.say)
        row.addWidget(self.say_box, 1)
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
        col.addWidget(self.spectrum, 3)
        self.plots_tabs = QTabWidget()
        self.loudness_view = LoudnessView()
        self.loudness_view.region_changed.connect(self._region_dragged)
        self.gr_view = GainReductionView()
        self.plots_tabs.addTab(self.loudness_view, "Loudness over time")
        self.plots_tabs.addTab(self.gr_view, "Gain reduction")
        col.addWidget(self.plots_tabs, 2)
        title = QLabel("Leave it — inside tolerance")
        title.setObjectName("sectionTitle")
        col.addWidget(title)
        self.leave_label = QLabel("")
        self.leave_label.setWordWrap(True)
        self.leave_label.setObjectName("why")
        self.leave_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.leave_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a fixed height, scrolled when the verdicts need more: a label that grew with them
        # shrank both plots above it, and a new session's first paint painted both again;
        # the scroll bar always there, so that more verdicts do not narrow and re-wrap the
        # label (and paint a scroll bar for the first time) in the turn that draws a session
        leave = QScrollArea()
        leave.setWidgetResizable(True)
        leave.setFrameShape(QFrame.Shape.NoFrame)
        leave.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        leave.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        leave.setWidget(self.leave_label)
        leave.setFixedHeight(LEAVE_LINES * self.leave_label.fontMetrics().lineSpacing() + 4)
        col.addWidget(leave)
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
        self.measuring_label = QLabel("")  # while a source is measured: the window is drawn, its figures follow
        self.measuring_label.setObjectName("sectionTitle")
        self.measuring_label.setWordWrap(True)
        self.measuring_label.hide()
        col.addWidget(self.measuring_label)
        self.cards_host = QWidget()
        self.cards_layout = QVBoxLayout(self.cards_host)
        self.cards_layout.setContentsMargins(0, 0, 4, 0)
        self.cards_layout.setSpacing(8)
        self.cards_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.cards_host)
        self.cards_scroll = scroll
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
        self.region_edit.editingFinished.connect(self._region_typed)
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

    # -- the controller tells (PanelView) -------------------------------------------------

    def show_session(self, session: Session, *, label: str | None = None) -> None:
        """Show ``session`` (kept by the controller under its source, labelled ``label``)."""
        self.controller.show(session, label=label)

    def draw_session(self, session: Session) -> None:
        """Draw ``session``: the source list, the context bar, meters, spectrum and cards."""
        key = session.source
        label = self.controller.labels.get(key, short_name(key))
        i = self.source_combo.findData(key)
        if i < 0:
            self.source_combo.addItem(label, key)
            i = self.source_combo.count() - 1
        for j in range(self.source_combo.count()):  # a new file may lengthen the others' names
            other = self.source_combo.itemData(j)
            self.source_combo.setItemText(j, self.controller.labels.get(other, short_name(other)))
        self.source_combo.setCurrentIndex(i)
        self._show_context(session)
        self._draw_cards(session)
        self._history_changed()
        self._draw_plots_staged(shown=True)

    def card_changed(self, suggestion_id: str) -> None:
        s = self.session
        if s is None or suggestion_id not in self.cards:
            return
        c = s.card(suggestion_id)
        self.cards[suggestion_id].set_status(c.status, c.move)
        self.spectrum.set_moves(s.chosen_moves(whole_file_only=True))
        self._counts()
        self._history_changed()

    def ab_changed(self, result: Audition | None, message: str) -> None:
        self._draw_ab(self.controller.ab_measures if result is not None else None)
        if result is None:
            self.stop_playback()
            for b in (self.a_button, self.b_button, self.play_button):
                b.setEnabled(False)
            self.ab_label.setText(message)
            return
        self.audition_button.setEnabled(True)
        self._show_audition(result)
        self.status(message)
        if self.player is not None and self.player.playing:  # a new render while playing: on, from the same place
            at_s = self.player.position / self.player.sample_rate_hz
            self.player.stop()
            self._start_player(result, at_s)

    def measuring(self, label: str | None) -> None:
        """Say that ``label`` is being measured: its meters and cards fill in when it is (None: done)."""
        self.measuring_label.setVisible(label is not None)
        if label is not None:
            self.measuring_label.setText(f"Measuring {label}… its meters and suggestions appear here when it is "
                                         "measured.")  # fmt: skip

    def _draw_ab(self, measures) -> None:
        """B beside A in the spectrum, B's loudness over the region, the gain reduction."""
        self.spectrum.set_ab(measures)
        self.loudness_view.set_ab(measures)
        self.gr_view.set_ab(measures)

    def _region_dragged(self, start_s: float, end_s: float) -> None:
        """The A/B region dragged on the loudness plot: into the region field."""
        duration = self.session.analysis.duration_s if self.session and self.session.analysis else None
        whole = duration is not None and start_s <= 0.05 and end_s >= duration - 0.05
        self.region_edit.setText("" if whole else f"{start_s:g}:{end_s:g}")
        self.status("A/B region " + ("the whole file" if whole else f"{start_s:g}–{end_s:g} s") + ": Ctrl+R renders it")

    def _region_typed(self) -> None:
        """The region field into the loudness plot's band (the whole file when empty)."""
        s = self.session
        if s is None or s.analysis is None:
            return
        text = self.region_edit.text().strip()
        try:
            region = parse_region(text) if text else (0.0, s.analysis.duration_s)
        except ValueError:
            return
        self.loudness_view.set_region(region)

    def side_changed(self, side: str, suggestion_id: str | None) -> None:
        """Show (and play, when playing) the side the controller says is heard."""
        self.a_button.setChecked(side == "a")
        self.b_button.setChecked(side == "b")
        for sid, card in self.cards.items():
            card.set_heard(side if sid == suggestion_id and side in ("solo", "bypass") else None)
        if self.player is not None and side in self.player.side_names:
            self.player.select(side)
        if side in ("solo", "bypass") and suggestion_id is not None:
            self.status(f"hearing {side} of {suggestion_id} (loudness-matched with A and B)")

    def status(self, text: str) -> None:
        self.statusBar().showMessage(text)

    def error(self, what: str, exc: BaseException) -> None:
        """Say what went wrong in the status bar (and a dialog when the window is shown)."""
        text = f"{what}: {exc}"
        self.controller.last_error = text
        self.audition_button.setEnabled(True)
        self.status(text)
        if self.isVisible() and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
            QMessageBox.warning(self, "Second Ear", text)

    # -- drawing ----------------------------------------------------------------------------

    def _show_context(self, s: Session) -> None:
        d = s.context.describe()
        self.role_combo.setCurrentText(d["role"])
        self.genre_combo.setCurrentText(d["genre"] or NONE)
        self.target_combo.setCurrentText(d["target"]["name"] if d["target"] else NONE)
        self.intent_edit.setText(d["intent"] or "")
        self.reference_label.setText(f"ref: {short_name(d['reference'])}" if d["reference"] else "no reference")

    def refresh(self) -> None:
        """Redraw meters, cards and notes from the session, then its plots (each in an
        event-loop turn of its own while the window is shown, as for a session shown)."""
        s = self.session
        if s is None or s.analysis is None or s.advice is None:
            return
        self._draw_cards(s)
        self._draw_plots_staged(shown=False)

    def _draw_plots_staged(self, *, shown: bool) -> None:
        """The plots of the session shown, each in an event-loop turn of its own (the spectrum,
        then the loudness over time, then the A/B's curves), so that the window answers
        between them; then ``session_shown`` when ``shown`` (a session shown, not one
        redrawn), or when an older drawing that this one takes over owed it. Drawn at once
        while the window is hidden (nothing to answer)."""
        self._plot_generation += 1
        self._shown_pending = self._shown_pending or shown
        generation = self._plot_generation
        steps = self._plot_steps()

        def drawn() -> None:
            if self._shown_pending:
                self._shown_pending = False
                self.session_shown.emit()

        def step(i: int) -> None:
            s = self.session
            if generation != self._plot_generation:
                return  # drawn again since: the newer steps draw it
            if s is not None and s.analysis is not None and s.advice is not None:
                steps[i](s)
            if i + 1 < len(steps):
                self._later(lambda: step(i + 1))
            else:
                drawn()

        if self.isVisible():
            self._later(lambda: step(0))
            return
        s = self.session
        if s is not None and s.analysis is not None and s.advice is not None:
            self._draw_plots(s)
        drawn()

    def _later(self, fn: Callable[[], None]) -> None:
        """``fn`` in the event loop's next turn, unless this window is gone by then (a timer of
        its own, deleted with it)."""
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(fn)
        timer.timeout.connect(timer.deleteLater)
        timer.start(0)

    def _plot_steps(self) -> list[Callable[[Session], None]]:
        """Drawing the plots, one function of the session each, in order."""
        return [self._draw_spectrum, self._draw_loudness, lambda _s: self._draw_ab(self.controller.ab_measures)]

    def _draw_plots(self, s: Session) -> None:
        for draw in self._plot_steps():
            draw(s)

    def _draw_spectrum(self, s: Session) -> None:
        a = s.analysis
        compare, label = None, ""
        if s.context.reference is not None:
            compare, label = s.context.reference.spectrum.level_db, "reference"
        elif s.context.genre is not None:
            compare, label = s.context.genre.band_level_db, f"{s.context.genre.name} target"
        self.spectrum.set_data(a.spectrum.centres_hz, a.spectrum.level_db, a.sample_rate_hz, compare_db=compare,
                               compare_label=label, moves=s.chosen_moves(whole_file_only=True))  # fmt: skip

    def _draw_loudness(self, s: Session) -> None:
        dest = s.context.destination
        self.loudness_view.set_analysis(s.analysis, dest.lufs if dest is not None else None,
                                        dest.name if dest is not None else "")  # fmt: skip
        self._region_typed()

    def _draw_cards(self, s: Session) -> None:
        """The meters, cards, questions, what to leave alone and the notes."""
        if s.analysis is None or s.advice is None:
            return
        a = s.analysis
        self.meters.show_analysis(a, s.context)
        for card in [*self.cards.values(), *getattr(self, "question_cards", [])]:
            card.setParent(None)
            card.deleteLater()
        self.question_cards: list[QuestionCard] = []
        self.cards = {}
        for sid, c in s.cards.items():
            w = SuggestionCard(c.suggestion)
            w.accept_clicked.connect(self.accept)
            w.reject_clicked.connect(self.reject)
            w.reset_clicked.connect(self.reset)
            w.tweaked.connect(self.tweak)
            w.focused.connect(self._focus)
            w.solo_clicked.connect(self.solo)
            w.bypass_clicked.connect(self.bypass)
            self.cards_layout.insertWidget(self.cards_layout.count() - 1, w)
            self.cards[sid] = w
            w.set_status(c.status, c.move)
        for q in s.advice.questions:  # a question first: its answer changes the cards below
            w = QuestionCard(q)
            w.answered.connect(self.controller.answer)
            self.cards_layout.insertWidget(0, w)
            self.question_cards.append(w)
        if self._focused not in self.cards:
            self._focused = next(iter(self.cards), None)
        self._focus(self._focused)
        if not s.cards:
            whole = next((x for x in s.advice.leave_alone if x.aspect == "everything"), None)
            self.count_label.setText(f"Nothing to suggest: {whole.why}. Leave it." if whole else
                                     "Nothing to change: every figure is inside its tolerance. Leave it.")  # fmt: skip
        leave = s.advice.leave_alone
        self.leave_label.setText("\n".join(f"• {x.why}" for x in leave) or "—")
        self.notes_label.setText("\n".join([*(f"Warning: {w}" for w in a.warnings),
                                            *(f"Note: {n}" for n in s.advice.notes)]))  # fmt: skip
        self._counts()
        if self.audition_result is None:
            self.ab_label.setText("render A/B to compare, loudness-matched" if s.chosen() else
                                  "accept a move, then render A/B")  # fmt: skip

    def _counts(self) -> None:
        if self.session is None or not self.session.cards:
            return
        n = counts(self.session.cards)
        self.count_label.setText(f"{len(self.session.cards)} · {n['accepted'] + n['tweaked']} accepted · "
                                 f"{n['rejected']} rejected · {n['pending']} to decide")  # fmt: skip

    def _history_changed(self) -> None:
        h = self.controller.history
        for action, verb, text in ((self.undo_action, "Undo", h.undo_text), (self.redo_action, "Redo", h.redo_text)):
            action.setEnabled(text is not None)
            action.setText(f"&{verb} {text}" if text else f"&{verb}")

    # -- intents: sessions and context ------------------------------------------------------

    def open_demo(self) -> None:
        self.controller.open_demo()

    def open_file(self, path: str) -> None:
        """Read and measure ``path`` off the GUI thread, then show it."""
        self.controller.open_file(path)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open audio", "", AUDIO_FILTER)
        if path:
            self.open_file(path)

    def apply_context(self) -> None:
        """Suggest again with the context bar's role, genre, destination and intent."""
        genre, target = self.genre_combo.currentText(), self.target_combo.currentText()
        self.controller.set_context(role=self.role_combo.currentText(), genre=None if genre == NONE else genre,
                                    target=None if target == NONE else target, intent=self.intent_edit.text())  # fmt: skip

    def say(self, text: str | None = None) -> None:
        """The next turn of the conversation (the say box's words, or ``text``)."""
        words = (self.say_box.currentText() if text is None else text).strip()
        self.controller.say(words)
        self.say_box.clear()
        self.say_box.addItems(self.controller.words_history[:20])
        self.say_box.setCurrentIndex(-1)
        self.say_box.setEditText("")

    def taste_dialog(self) -> None:
        """What the taste log taught, and a way to forget it."""
        box = QMessageBox(self)
        box.setWindowTitle("Your taste")
        box.setText(self.controller.taste_text())
        reset = box.addButton("Reset to the defaults", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if box.clickedButton() is reset:
            aside = self.controller.reset_taste()
            self.status("taste reset: the defaults again" + (f" (old log kept as {aside})" if aside else ""))

    def set_reference(self, path: str) -> None:
        """Measure ``path`` as the reference (off the GUI thread) and suggest again."""
        self.controller.set_reference(path)

    def reference_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Reference track", "", AUDIO_FILTER)
        if path:
            self.set_reference(path)

    # -- intents: decisions ---------------------------------------------------------------

    def accept(self, suggestion_id: str) -> None:
        self.controller.accept(suggestion_id)

    def reject(self, suggestion_id: str) -> None:
        self.controller.reject(suggestion_id)

    def reset(self, suggestion_id: str) -> None:
        self.controller.reset(suggestion_id)

    def tweak(self, suggestion_id: str, params: dict[str, float]) -> None:
        self.controller.tweak(suggestion_id, params)

    def accept_all(self) -> None:
        self.controller.accept_all()

    def undo(self) -> None:
        self.controller.undo()
        self._history_changed()

    def redo(self) -> None:
        self.controller.redo()
        self._history_changed()

    def _focus(self, suggestion_id: str | None) -> None:
        """The card in focus: expanded, the others collapsed to two lines."""
        self._focused = suggestion_id
        for sid, card in self.cards.items():
            card.set_expanded(sid == suggestion_id)

    def focus_card(self, suggestion_id: str) -> None:
        """Give ``suggestion_id``'s card the keyboard focus (expanded, scrolled into view)."""
        card = self.cards[suggestion_id]
        self._focus(suggestion_id)
        card.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.cards_scroll.ensureWidgetVisible(card)

    def focus_step(self, step: int) -> None:
        """Focus the next (``+1``) or previous (``-1``) card, stopping at the ends."""
        ids = list(self.cards)
        if not ids:
            return
        i = ids.index(self._focused) if self._focused in ids else (-1 if step > 0 else len(ids))
        self.focus_card(ids[max(0, min(len(ids) - 1, i + step))])

    def _on_focused(self, fn: Callable[[str], None]) -> None:
        sid = self._focused
        if sid is not None and self.session is not None and sid in self.session.cards:
            fn(sid)

    # -- where the moves render -------------------------------------------------------------

    def load_plugin_choices(self) -> None:
        """Fill "EQ on" and "Dynamics on" from the plugin index: every plugin whose map
        realises those kinds, with its kept verdict."""
        choices: list[PluginChoice] = []
        try:
            choices = plugin_choices()
        except (PluginIndexError, OSError) as exc:  # an unreadable index leaves the built-ins
            self.status(f"the plugin index cannot be read ({exc}): moves render on the built-ins")
        for combo, kinds in ((self.eq_combo, EQ_KINDS), (self.dyn_combo, DYNAMICS_KINDS)):
            keep = combo.currentText()
            combo.clear()
            combo.addItem("built-in", None)
            for c in choices:
                if c.realises(kinds):
                    combo.addItem(c.label, c)
            combo.setCurrentIndex(max(0, combo.findText(keep)))

    def _placement_changed(self) -> None:
        self.controller.set_placements([c.currentData() for c in (self.eq_combo, self.dyn_combo)
                                        if c.currentData() is not None])  # fmt: skip

    def current_chain(self):
        return self.controller.current_chain()

    # -- intents: audition, export, presets, DAW, plugins -------------------------------------

    def audition(self) -> None:
        """Render A/B over the region (off the GUI thread), loudness-matched."""
        self.stop_playback()
        if self.controller.audition(self.region_edit.text()):
            self.audition_button.setEnabled(False)

    def _show_audition(self, r: Audition) -> None:
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

    def select_side(self, side: str) -> None:
        self.controller.listen(side)

    def solo(self, suggestion_id: str) -> None:
        self.controller.solo(suggestion_id)

    def bypass(self, suggestion_id: str) -> None:
        self.controller.bypass(suggestion_id)

    def toggle_play(self) -> None:
        if self.player is not None and self.player.playing:
            self.stop_playback()
            return
        r = self.audition_result
        if r is None:
            self.play_button.setChecked(False)
            self.status("nothing to play yet: render the A/B first (Ctrl+R)")
            return
        self._start_player(r, 0.0)

    def _start_player(self, r: Audition, at_s: float) -> None:
        self.player = ABPlayer(r.a, r.b, r.sample_rate_hz, sides=r.sides)
        side = self.controller.side
        self.player.select(side if side in self.player.side_names else "b")
        self.player.seek(at_s)
        try:
            self.player.play()
        except PlaybackUnavailable as exc:
            self.play_button.setChecked(False)
            self.status(f"cannot play: {exc}; export A and B to listen elsewhere")
            return
        self.play_button.setChecked(True)
        self.play_button.setText("Stop")

    def stop_playback(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.play_button.setChecked(False)
        self.play_button.setText("Play")

    def export_to(self, path: str, on_done: Callable[[Path], None] | None = None) -> None:
        """Render the whole file with the chosen moves into ``path`` (off the GUI thread)."""
        self.controller.export(path, on_done)

    def export_dialog(self) -> None:
        if self.session is None or not self.session.chosen():
            self.status("nothing accepted yet: there is nothing to export")
            return
        stem = Path(self.session.source).stem if Path(self.session.source).exists() else "demo"
        path, _ = QFileDialog.getSaveFileName(self, "Export the render", f"{stem}-secondear.wav",
                                              EXPORT_FILTER)  # fmt: skip
        if path:
            self.export_to(path)

    def save_preset_dialog(self) -> None:
        if self.session is None or not self.session.chosen():
            self.status("nothing accepted yet: a preset keeps accepted moves")
            return
        save_preset(self, self.controller)

    def load_preset_dialog(self) -> None:
        load_preset(self, self.controller)

    def push_dialog(self) -> None:
        if self.session is None or not self.session.chosen():
            self.status("nothing accepted yet: there is nothing to push")
            return
        DawPushDialog(self, self.controller, self.jobs).exec()

    def plugins_dialog(self) -> None:
        PluginVerdictsDialog(self, self.jobs).exec()
        self.load_plugin_choices()  # verdicts measured there show in "EQ on" / "Dynamics on"

    def watch_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a bounce folder")
        if folder:
            self.watch(folder)

    def watch(self, folder: str, *, settle_s: float = 1.0, poll_s: float = 0.5) -> None:
        """Analyze every bounce that lands in ``folder`` and offer its suggestions."""
        self.controller.watch(folder, settle_s=settle_s, poll_s=poll_s)

    def stop_watching(self) -> None:
        self.controller.stop_watching()

    def listen(self, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> BridgeServer:
        """Answer the bridge's OSC address space (``/secondear/analyze`` …) from this panel;
        returns the server (its ``address`` is where it listens)."""
        self.stop_listening()
        self.osc_server = start_listening(self.controller, host=host, port=port, parent=self)
        h, p = self.osc_server.address
        self.listen_action.setChecked(True)
        self.listen_action.setText(f"&Listen for the DAW on {h}:{p}")
        self.status(f"listening for the DAW on {h}:{p} (/secondear/analyze, select, intent, accept, reject)")
        return self.osc_server

    def stop_listening(self) -> None:
        if self.osc_server is not None:
            self.osc_server.close()
            self.osc_server = None
        self.listen_action.setChecked(False)

    def _toggle_listen(self) -> None:
        if self.osc_server is not None:
            self.stop_listening()
            self.status("no longer listening for the DAW")
            return
        try:
            self.listen()
        except BridgeError as exc:
            self.listen_action.setChecked(False)
            self.error("cannot listen for the DAW", exc)

    # -- status -----------------------------------------------------------------------------

    def _busy(self, busy: bool) -> None:
        """Jobs running (the spinner, until a job reports progress) or none (nothing shown)."""
        self.progress.hide()
        self.busy_label.setVisible(busy)
        if busy:
            self._busy_frame = 0
            self.busy_label.setText("working " + BUSY_FRAMES[0])
            self._busy_timer.start()
        else:
            self._busy_timer.stop()

    def _busy_turn(self) -> None:
        self._busy_frame = (self._busy_frame + 1) % len(BUSY_FRAMES)
        self.busy_label.setText("working " + BUSY_FRAMES[self._busy_frame])

    def _progress(self, done: int, total: int) -> None:
        """A job's progress: the bar instead of the spinner while jobs run."""
        if total > 0 and self.jobs.running:
            self._busy_timer.stop()
            self.busy_label.hide()
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.show()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.stop_playback()
        self.stop_watching()
        self.stop_listening()
        self.jobs.close(10000)
        super().closeEvent(event)
