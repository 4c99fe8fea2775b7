"""The panel's long work in worker processes: the window says what it measures while a
worker measures it, the worker's numbers are the ones measured in place, big arrays come
back mapped from shared memory, a killed worker is one clear error and the next task
works, and closing the window ends the workers."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from analyzers.moves import Move
from bridge.session import Session
from signals import pink_noise, write_float_wav
from ui.panel.window import PanelWindow


@pytest.fixture
def song(tmp_path, rng):
    path = tmp_path / "song.wav"
    write_float_wav(path, pink_noise(rng, 8.0, 48000) * 0.2, 48000)
    return path


@pytest.fixture
def window(qtbot):
    w = PanelWindow()
    qtbot.addWidget(w)
    w.resize(1200, 760)
    w.show()
    yield w
    w.jobs.close(10000)


def _open(window, qtbot, path) -> Session:
    window.open_file(str(path))
    assert window.measuring_label.isVisible() and f"Measuring {path.name}…" in window.measuring_label.text()
    assert window.cards == {}  # nothing to draw yet: the window is there, its figures follow
    with qtbot.waitSignal(window.session_shown, timeout=60000):
        pass
    assert not window.measuring_label.isVisible() and window.last_error == ""
    return window.session


def test_a_file_measured_in_a_worker_reads_as_measured_in_place(window, qtbot, song):
    s = _open(window, qtbot, song)
    here = Session.from_file(song)
    assert window.jobs.processes is not None  # it went to a worker process
    assert s.analysis.loudness.integrated_lufs == here.analysis.loudness.integrated_lufs
    assert s.analysis.spectrum.level_db == here.analysis.spectrum.level_db
    assert [c.suggestion.move for c in s.cards.values()] == [c.suggestion.move for c in here.cards.values()]
    assert s.audio is None  # the panel does not hold the 90 MB of a song; the worker keeps it
    assert window.meters.values["integrated"].text() == f"{here.analysis.loudness.integrated_lufs:.1f}"


def test_the_ab_rendered_in_a_worker_is_the_one_rendered_in_place_and_comes_back_mapped(window, qtbot, song):
    s = _open(window, qtbot, song)
    s.add_moves([Move("peak", {"freq_hz": 1000.0, "gain_db": 4.0, "q": 1.0}),
                 Move("compressor", {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": 80.0,
                                     "makeup_db": 0.0})], label="a test")  # fmt: skip
    window.refresh()
    window.audition()
    qtbot.waitUntil(lambda: window.audition_result is not None or bool(window.last_error), timeout=120000)
    assert window.last_error == ""
    r = window.audition_result
    local = Session.from_file(song)
    local.add_moves([c.suggestion.move for c in s.cards.values() if c.suggestion.aspect == "preset"], label="a test")
    expected = local.audition()
    assert r.b_lufs == pytest.approx(expected.b_lufs, abs=1e-6)
    assert r.offset_db == pytest.approx(expected.offset_db, abs=1e-6)
    assert np.array_equal(r.a, expected.a) and np.array_equal(r.b, expected.b)
    assert r.b.nbytes >= (1 << 20) and not r.b.flags.owndata  # mapped from the worker's shared file, not copied
    assert os.listdir(window.jobs.processes.folder) == []  # each shared file is removed once mapped
    gr = {g.kind: g for g in window.controller.ab_measures.gain_reduction}
    assert gr["compressor"].max_db > 1.0  # the compressor's reduction, measured in the worker
    assert s.settled is not None  # what the worker settled is kept for the next render


def test_a_killed_worker_is_one_clear_error_and_the_next_render_works(window, qtbot, song):
    s = _open(window, qtbot, song)
    s.add_moves([Move("peak", {"freq_hz": 500.0, "gain_db": -3.0, "q": 1.0})], label="a test")
    window.audition()
    qtbot.waitUntil(lambda: bool(window.jobs.processes.executor._processes), timeout=30000)
    time.sleep(0.2)
    for p in list(window.jobs.processes.executor._processes.values()):
        os.kill(p.pid, 9)
    qtbot.waitUntil(lambda: bool(window.last_error) or window.audition_result is not None, timeout=60000)
    if window.audition_result is None:  # the kill landed while it rendered
        assert "worker process" in window.last_error and "stopped" in window.last_error
    window.controller.last_error = ""
    window.audition()
    qtbot.waitUntil(lambda: window.audition_result is not None or bool(window.last_error), timeout=120000)
    assert window.last_error == "" and window.audition_result.b_lufs is not None


def test_closing_the_window_ends_its_workers_and_their_shared_folder(qtbot, song):
    w = PanelWindow()
    qtbot.addWidget(w)
    w.open_file(str(song))
    with qtbot.waitSignal(w.session_shown, timeout=60000):
        pass
    pool = w.jobs.processes
    procs = list(pool.executor._processes.values())
    assert procs and os.path.isdir(pool.folder)
    w.close()
    for p in procs:
        p.join(10)
        assert not p.is_alive()
    assert not os.path.exists(pool.folder)


def test_workers_end_when_the_panels_process_dies_without_closing(tmp_path):
    """A panel killed (or ending with os._exit) leaves no worker behind waiting for tasks,
    nor its shared folder."""
    import subprocess
    import sys

    script = tmp_path / "panel_dies.py"
    script.write_text(
        "import os\n"
        "from ui.panel.processes import WorkerPool\n"
        "from ui.panel.tasks import Task\n"
        "if __name__ == '__main__':\n"
        "    pool = WorkerPool()\n"
        "    print(pool.submit(Task(os.getpid)).result(), pool.folder, flush=True)\n"
        "    os._exit(0)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    worker_pid, folder = out.stdout.split()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (os.path.exists(f"/proc/{worker_pid}") or os.path.exists(folder)):
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{worker_pid}") and not os.path.exists(folder)
