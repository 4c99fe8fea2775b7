"""The panel's dialogs: pushing moves into a DAW, the plugin maps' verdicts, presets.

Each dialog is a thin face over the code the command line uses: ``daw push`` is
:func:`bridge.daw.push.push_moves`, ``plugins verify`` is
:func:`bridge.plugins.verify.verify_map` (its verdict kept by
:mod:`bridge.plugins.verdicts`), ``presets save/load`` go through the
:class:`~.controller.PanelController` (:class:`presets.PresetStore` underneath). A dialog
talks to the controller and the job runner it is given, never to the window's fields;
network work runs off the GUI thread, and verifying a plugin runs as a
:class:`~.tasks.Task` in a worker process (the plugin itself in a child of that: a plugin
that crashes or hangs there is a verdict's reason, and the panel lives on).
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bridge.daw import PROFILE_NAMES, DawClient, load_profile, push_moves
from bridge.plugins import default_index_path, load_index
from bridge.plugins.verdicts import map_and_verdict, read_verdicts, verdict_label
from bridge.plugins.verify import DEFAULT_VERIFY_TIMEOUT_S
from presets import PresetError, PresetExistsError

from .controller import PanelController
from . import tasks
from .style import COLOURS
from .tasks import Task
from .workers import Jobs


def daw_profiles() -> dict[str, dict[str, Any]]:
    """The shipped DAW profiles by name (``ardour``, ``reaper``, …), as ``daw push`` loads them."""

    return {name: load_profile(name) for name in PROFILE_NAMES}


class DawPushDialog(QDialog):
    """Choose the DAW, the track, and push the accepted moves (``secondear daw push``)."""

    def __init__(self, parent: QWidget | None, controller: PanelController, jobs: Jobs) -> None:
        super().__init__(parent)
        self.controller = controller
        self.jobs = jobs
        self.setWindowTitle("Push the accepted moves to the DAW")
        self.profiles = daw_profiles()
        form = QFormLayout()
        self.profile_combo = QComboBox()
        for name, p in self.profiles.items():
            self.profile_combo.addItem(p.get("title", name), name)
        self.profile_combo.currentIndexChanged.connect(self._profile_changed)
        form.addRow("DAW", self.profile_combo)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setObjectName("why")
        form.addRow("", self.status_label)
        self.host_edit = QLineEdit("127.0.0.1")
        form.addRow("Host", self.host_edit)
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        form.addRow("Port", self.port_spin)
        track_row = QHBoxLayout()
        self.track_combo = QComboBox()
        self.track_combo.setEditable(True)
        self.track_combo.setToolTip("the track's name or number as the DAW shows it")
        track_row.addWidget(self.track_combo, 1)
        self.list_button = QPushButton("List tracks")
        self.list_button.clicked.connect(self.list_tracks)
        track_row.addWidget(self.list_button)
        form.addRow("Track", track_row)
        moves = controller.session.chosen_moves(whole_file_only=True) if controller.session is not None else []
        self.moves_label = QLabel("\n".join(f"• {m.describe()}" for m in moves))
        form.addRow("Moves", self.moves_label)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(140)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.push_button = buttons.addButton("Push", QDialogButtonBox.ButtonRole.ActionRole)
        self.push_button.clicked.connect(self.push)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.report)
        layout.addWidget(buttons)
        ardour = self.profile_combo.findData("ardour")
        self.profile_combo.setCurrentIndex(max(0, ardour))
        self._profile_changed()

    def profile_name(self) -> str:
        return self.profile_combo.currentData()

    def _profile_changed(self) -> None:
        p = self.profiles[self.profile_name()]
        self.port_spin.setValue(int(p["default_port"]))  # checked when the profile was read
        self.status_label.setText(p.get("status", ""))

    def _client(self):

        return DawClient(self.profile_name(), self.host_edit.text().strip() or "127.0.0.1", self.port_spin.value(),
                         timeout_s=1.0, attempts=2)  # fmt: skip

    def list_tracks(self) -> None:
        def work():
            with self._client() as c:
                return c.list_tracks()

        def done(tracks) -> None:
            self.track_combo.clear()
            for t in tracks:
                self.track_combo.addItem(f"{t.get('number')}: {t.get('name')}", t.get("name"))
            self.report.appendPlainText(f"{len(tracks)} track(s) listed")

        self._run(work, done)

    def track(self) -> str:
        """The track as listed (its name), or as typed."""
        i = self.track_combo.currentIndex()
        text = self.track_combo.currentText().strip()
        if i >= 0 and text == self.track_combo.itemText(i) and self.track_combo.itemData(i) is not None:
            return str(self.track_combo.itemData(i))
        return text

    def push(self) -> None:

        track = self.track()
        if not track:
            self.report.appendPlainText("name the track first (List tracks asks the DAW)")
            return
        moves = self.controller.session.chosen_moves(whole_file_only=True) if self.controller.session else []
        target: int | str = int(track) if track.isdigit() else track

        rides = [m for m in moves if m.kind == "ride" and m.curve]
        if rides:
            self.report.appendPlainText(f"a ride is written as fader automation where the DAW can take it: the DAW "
                                        f"plays {rides[0].curve[-1][0]:.1f} s twice (write, then read back)")  # fmt: skip

        def work():
            with self._client() as c:
                return push_moves(c, target, moves)

        def done(report) -> None:
            for r in report:
                sets = ", ".join(f"{s.get('name')}={s.get('value'):.3g}" if isinstance(s.get("value"), float)
                                 else str(s) for s in r["set"])  # fmt: skip
                line = f"{r['target']}: {'; '.join(r['moves'])} → {sets}"
                if r.get("unmatched"):
                    line += f" (not set: {', '.join(r['unmatched'])})"
                if r.get("note"):
                    line += f" ({r['note']})"
                elif "confirmed" in r:
                    line += f"  [{'confirmed' if r['confirmed'] else 'UNCONFIRMED'}: {r.get('confirmation', '')}]"
                self.report.appendPlainText(line)
            self.controller._status(f"pushed {len(moves)} move(s) to {self.profile_name()} track {track}")

        self._run(work, done)

    def _run(self, work, done) -> None:
        self.push_button.setEnabled(False)
        self.list_button.setEnabled(False)

        def finish() -> None:
            self.push_button.setEnabled(True)
            self.list_button.setEnabled(True)

        def ok(result) -> None:
            finish()
            done(result)

        def bad(exc) -> None:
            finish()
            self.report.appendPlainText(f"failed: {exc}")

        self.jobs.start(work, ok, bad)


class PluginVerdictsDialog(QDialog):
    """Every scanned plugin, its parameter map and the map's measured verdict; verify one."""

    COLUMNS = ("Plugin", "Format", "Channels", "Map", "Move kinds", "Verdict")

    def __init__(self, parent: QWidget | None, jobs: Jobs, *, timeout_s: float = DEFAULT_VERIFY_TIMEOUT_S) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.timeout_s = timeout_s  # a plugin that does not answer within this is killed, and failed
        self.setWindowTitle("Plugin maps and their verdicts")
        self.resize(820, 460)
        layout = QVBoxLayout(self)
        note = QLabel("A map is trusted only as far as it was measured: 'verified' ≤ 0.5 dB from what the move "
                      "intends, 'approximate' ≤ 2 dB, else 'failed' (secondear plugins verify NAME).")  # fmt: skip
        note.setWordWrap(True)
        note.setObjectName("why")
        layout.addWidget(note)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.message = QLabel("")
        self.message.setObjectName("why")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.verify_button = buttons.addButton("Verify selected", QDialogButtonBox.ButtonRole.ActionRole)
        self.verify_button.clicked.connect(self.verify_selected)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.plugins: list[Any] = []
        self.load()

    def load(self) -> None:

        try:
            index = load_index()
        except Exception as exc:  # noqa: BLE001 - an unreadable index is shown, not fatal
            self.message.setText(f"the plugin index cannot be read: {exc}")
            return
        self.plugins = list(index.plugins)
        if not self.plugins:
            self.message.setText(f"the plugin index ({default_index_path()}) is empty: run 'secondear plugins scan'")
        self.table.setRowCount(len(self.plugins))
        verdicts = read_verdicts()
        for row, p in enumerate(self.plugins):
            plugin_map, how, report = map_and_verdict(p, entries=verdicts)
            kinds = ", ".join(sorted((plugin_map or {}).get("kinds", {})))
            self._set_row(row, (p.name, p.format, p.channels, how if plugin_map is not None else "none", kinds or "—"),
                          report, plugin_map)  # fmt: skip

    def _set_row(self, row: int, cells, report, plugin_map) -> None:

        for col, text in enumerate(cells):
            self.table.setItem(row, col, QTableWidgetItem(str(text)))
        if plugin_map is None or not plugin_map.get("kinds"):
            label, colour = "—", COLOURS["muted"]
        else:
            label = verdict_label(report)
            status = None if report is None else report.get("status")
            colour = {"verified": COLOURS["ok"], "approximate": COLOURS["warn"], "failed": COLOURS["bad"]}.get(
                status, COLOURS["muted"])  # fmt: skip
        item = QTableWidgetItem(label)
        item.setForeground(_brush(colour))
        if report is not None and report.get("reason"):
            item.setToolTip(str(report["reason"]))
        self.table.setItem(row, len(self.COLUMNS) - 1, item)

    def verify_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if not rows:
            self.message.setText("select a plugin first")
            return
        row = rows[0]
        plugin = self.plugins[row]
        self.verify_row(row)
        self.message.setText(f"verifying {plugin.name}: rendering test signals through it…")

    def verify_row(self, row: int, plugin_map: dict[str, Any] | None = None) -> None:
        """Measure the row's plugin map (``plugin_map``: another one) on the plugin, in a worker
        process; the verdict shown in the row and kept."""
        plugin = self.plugins[row]
        if plugin_map is None:
            plugin_map, _how, _ = map_and_verdict(plugin)
        if plugin_map is None or not plugin_map.get("kinds"):
            self.message.setText(f"{plugin.name} has no map with move kinds: nothing to verify")
            return

        def done(report) -> None:
            self.verify_button.setEnabled(True)
            cells = [self.table.item(row, c).text() for c in range(len(self.COLUMNS) - 1)]
            self._set_row(row, cells, report, plugin_map)
            self.message.setText(f"{plugin.name}: {report['status']}" + (f" — {report['reason']}" if report.get(
                "reason") else ""))  # fmt: skip

        def bad(exc) -> None:
            self.verify_button.setEnabled(True)
            self.message.setText(f"verifying {plugin.name} failed: {exc}")

        self.verify_button.setEnabled(False)
        self.jobs.start(Task(tasks.verify_plugin, (plugin, plugin_map, self.timeout_s)), done, bad)


def _brush(colour: str) -> QBrush:
    return QBrush(QColor(colour))


class SavePresetDialog(QDialog):
    """Name, tags and notes for the accepted chain; saved with its provenance."""

    def __init__(self, parent: QWidget | None, moves_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save the chain as a preset")
        form = QFormLayout(self)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Vocal — warm and clear")
        form.addRow("Name", self.name_edit)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("comma-separated: vocal, eq")
        form.addRow("Tags", self.tags_edit)
        self.notes_edit = QLineEdit()
        form.addRow("Notes", self.notes_edit)
        form.addRow("Chain", QLabel(moves_text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, list[str], str]:
        tags = [t.strip() for t in self.tags_edit.text().split(",") if t.strip()]
        return self.name_edit.text().strip(), tags, self.notes_edit.text().strip()


def save_preset(parent: QWidget | None, controller: PanelController) -> None:
    """Ask for a name and save the accepted chain; a name in use asks before replacing."""
    s = controller.session
    if s is None:
        return
    dialog = SavePresetDialog(parent, "\n".join(f"• {m.describe()}" for m in s.chosen_moves(whole_file_only=True)))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    name, tags, notes = dialog.values()
    try:
        try:
            controller.save_preset(name, tags=tags, notes=notes)
        except PresetExistsError:
            answer = QMessageBox.question(parent, "Second Ear", f"A preset named {name!r} exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
            controller.save_preset(name, tags=tags, notes=notes, overwrite=True)
    except PresetError as exc:
        controller._error("the preset was not saved", exc)


def load_preset(parent: QWidget | None, controller: PanelController, name: str | None = None) -> None:
    """Add a preset's moves to the session as accepted cards (ask for the name when None)."""
    if controller.session is None:
        return
    try:
        if name is None:
            entries = controller.preset_entries()
            if not entries:
                controller._status("no presets yet: accept moves and save one (Ctrl+S)")
                return
            labels = [f"{e.name}  ({e.origin}, {e.slots} slot{'s' if e.slots != 1 else ''})" for e in entries]
            choice, ok = QInputDialog.getItem(parent, "Load a preset", "Preset", labels, 0, False)
            if not ok:
                return
            name = entries[labels.index(choice)].name
        controller.load_preset(name)
    except PresetError as exc:
        controller._error("the preset cannot be loaded", exc)
