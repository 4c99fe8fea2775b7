"""The panel answering the DAW over OSC (``secondear panel --listen``): real UDP on
127.0.0.1, liblo's ``oscsend`` as an independent sender, python-osc for the replies."""

from __future__ import annotations

import pickle
import socket
import subprocess

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage

from bridge.advise import advise_file
from bridge.errors import BridgeError
from bridge.session import Session
from signals import pink_noise, require_executable, sine, write_wav16
from tests.bridge.osc.oscpeer import msg
from ui.panel.window import PanelWindow

RATE = 48000


class Inbox:
    """A loopback UDP socket whose replies are collected without blocking the GUI thread
    (the panel answers on it: the test must keep Qt's event loop turning)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.got: list[OscMessage] = []

    def poll(self) -> list[OscMessage]:
        while True:
            try:
                data, _ = self.sock.recvfrom(65536)
            except BlockingIOError:
                return self.got
            self.got.append(OscMessage(data))


@pytest.fixture
def panel(qtbot):
    w = PanelWindow(Session.demo())
    qtbot.addWidget(w)
    server = w.listen(port=0)
    yield w, server.address
    w.stop_listening()
    w.jobs.wait()


@pytest.fixture(scope="module")
def vocal(tmp_path_factory):
    """Pink noise with a 40 Hz rumble: as a vocal it earns a high-pass (hpf)."""
    x = pink_noise(np.random.default_rng(1), 3.0, RATE, level_dbfs=-20.0) + sine(40.0, -12.0, 3.0, RATE)
    path = tmp_path_factory.mktemp("listen") / "vox.wav"
    write_wav16(path, x, RATE)
    return path


def _ask(qtbot, inbox, address, data, count, timeout=30000):
    start = len(inbox.got)
    inbox.sock.sendto(data, address)
    qtbot.waitUntil(lambda: len(inbox.poll()) >= start + count, timeout=timeout)
    return inbox.got[start : start + count]


def test_an_analyze_from_the_daw_opens_in_the_panel_and_decisions_come_back(panel, qtbot, vocal):
    w, address = panel
    inbox = Inbox()
    (summary,) = _ask(qtbot, inbox, address, msg("/secondear/analyze", "Vox", str(vocal), "vocal"), 1)
    assert summary.address == "/secondear/summary"
    track, lufs, peak, n = summary.params
    assert track == "Vox" and n == len(w.session.cards) >= 1
    assert w.session.source == str(vocal.resolve()) and w.source_combo.currentText() == "Vox — vox.wav"
    assert w.role_combo.currentText() == "vocal"
    assert lufs == pytest.approx(w.session.analysis.loudness.integrated_lufs, abs=1e-3)
    qtbot.waitUntil(lambda: len(inbox.poll()) >= 1 + n)
    ids = [m.params[1] for m in inbox.got[1 : 1 + n]]
    assert ids == list(w.session.cards) and "hpf" in ids

    (ok,) = _ask(qtbot, inbox, address, msg("/secondear/accept", "hpf"), 1)
    assert ok.params == ["hpf"] and w.session.cards["hpf"].status == "accepted"
    assert w.cards["hpf"].status_label.text() == "✓ accepted"
    w.undo()  # a decision from the DAW is undoable like a click
    assert w.session.cards["hpf"].status == "pending"
    (ok,) = _ask(qtbot, inbox, address, msg("/secondear/reject", "hpf"), 1)
    assert w.session.cards["hpf"].status == "rejected"
    (err,) = _ask(qtbot, inbox, address, msg("/secondear/accept", "nope"), 1)
    assert err.address == "/secondear/error" and "hpf" in err.params[1]

    (summary,) = _ask(qtbot, inbox, address, msg("/secondear/intent", "warmer"), 1)
    assert w.intent_edit.text() == "warmer" and any(sid.startswith("warmer") for sid in w.session.cards)
    base = next(i for i, m in enumerate(inbox.got) if m is summary)
    qtbot.waitUntil(lambda: len(inbox.poll()) >= base + 1 + summary.params[3])  # its suggestions
    assert [m.address for m in inbox.got[base + 1 :]] == ["/secondear/suggestion"] * summary.params[3]
    (err,) = _ask(qtbot, inbox, address, msg("/secondear/intent", "zzzqqq"), 1)
    assert err.address == "/secondear/error" and "zzzqqq" in err.params[1] and w.session.context.intent == "warmer"

    (ok,) = _ask(qtbot, inbox, address, msg("/secondear/select", "Vox"), 1)
    assert ok.address == "/secondear/ok"
    (err,) = _ask(qtbot, inbox, address, msg("/secondear/select", "Bass"), 1)
    assert err.address == "/secondear/error" and "Vox" in err.params[1]


def test_the_daws_bounce_and_its_words_are_worked_out_in_workers_as_in_place(panel, qtbot, vocal):
    """Measuring an /secondear/analyze and a turn said over /secondear/intent run in the
    panel's worker processes, not on the server's threads in the window's process; what
    comes back is what the same work gives in place."""
    w, address = panel
    context = w.controller.track_context("vocal")  # the demo's genre and destination, the role asked
    inbox = Inbox()
    (summary,) = _ask(qtbot, inbox, address, msg("/secondear/analyze", "Vox", str(vocal), "vocal"), 1, timeout=60000)
    assert w.jobs.processes is not None  # the panel's first task: measured in a worker process
    here = Session.from_advice(advise_file(str(vocal.resolve()), context))
    s = w.session
    assert s.analysis.loudness.integrated_lufs == here.analysis.loudness.integrated_lufs
    assert summary.params[1] == pytest.approx(here.analysis.loudness.integrated_lufs, abs=1e-3)
    moves = [(i, c.suggestion.move) for i, c in s.cards.items()]
    assert moves == [(i, c.suggestion.move) for i, c in here.cards.items()]
    # the summary's suggestions follow it: all of them in before the next request, whose
    # reply would otherwise be counted among them (and a later reply taken for the next one's)
    qtbot.waitUntil(lambda: len(inbox.poll()) >= 1 + summary.params[3])

    (ok,) = _ask(qtbot, inbox, address, msg("/secondear/accept", "hpf"), 1)
    assert ok.address == "/secondear/ok", ok
    copy = pickle.loads(pickle.dumps(s))  # the same session, to take the same turn in this thread
    copy.open_conversation()
    turn, _ = copy.ask("brighter")
    (summary,) = _ask(qtbot, inbox, address, msg("/secondear/intent", "brighter"), 1, timeout=60000)
    assert summary.address == "/secondear/summary" and s.turns[-1] == turn and s.snapshot() == copy.snapshot()
    assert summary.params[3] == len(s.cards) and w.controller.history.undo_text == "'brighter'"


def test_liblo_oscsend_drives_the_panel_and_bad_paths_are_refused(panel, qtbot, vocal, tmp_path):
    oscsend = require_executable("oscsend")
    w, (host, port) = panel
    subprocess.run([oscsend, host, str(port), "/secondear/analyze", "sss", "Lead", str(vocal), "vocal"],
                   check=True, timeout=10)  # fmt: skip
    qtbot.waitUntil(lambda: w.source_combo.currentText() == "Lead — vox.wav", timeout=30000)
    inbox = Inbox()
    before = w.session
    for bad in ("relative/vox.wav", str(tmp_path), "/dev/zero"):
        (err,) = _ask(qtbot, inbox, (host, port), msg("/secondear/analyze", "X", bad), 1)
        assert err.address == "/secondear/error", bad
    assert w.session is before  # nothing was opened


def test_the_port_in_use_is_a_clear_error(qtbot):
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    try:
        w = PanelWindow(Session.demo())
        qtbot.addWidget(w)
        with pytest.raises(BridgeError, match="another port"):
            w.listen(port=taken.getsockname()[1])
        assert not w.listen_action.isChecked()
    finally:
        taken.close()


def test_a_real_ardour_export_action_opens_in_the_panel(panel, qtbot, tmp_path):
    """Ardour 7's own Lua interpreter runs scripts/daw/ardour_export_to_secondear.lua on a
    headless session: it exports track Vox and sends /secondear/analyze through
    ARDOUR.LuaOSC to the panel, which opens the bounce as the session "Vox — …"."""
    from tests.daw.test_daw_scripts import start_export_action, stop_export_action

    w, (host, port) = panel
    with open(tmp_path / "ardour.log", "w") as log:
        proc, export = start_export_action(tmp_path, f"osc.udp://{host}:{port}/", log)
        try:
            qtbot.waitUntil(lambda: w.source_combo.currentText().startswith("Vox — secondear-Vox-"), timeout=90000)
        finally:
            stop_export_action(proc, 30)
    (bounce,) = sorted(export.glob("secondear-Vox-*.wav"))
    assert w.session.source == str(bounce.resolve())
    assert w.session.analysis.duration_s >= 1.0  # the exported range: one second at least
