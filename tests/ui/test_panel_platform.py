"""The panel on a real X server (Xvfb, Qt's xcb platform), and the clear message instead of
Qt's abort when the xcb platform cannot load.

The missing-library case is made real without touching the system (the "LD_LIBRARY_PATH
trick"): a stand-in ``libxcb-cursor.so.0`` is compiled (gcc) that needs
``libxcb-secondear-missing.so.0``, a library linked against and then deleted; with its
folder first on ``LD_LIBRARY_PATH`` the dynamic linker finds the stand-in before the real
one, so Qt's real ``libqxcb.so`` cannot load exactly as when a package is not installed.
The control shows Qt itself aborting (SIGABRT) there, which the launcher's check prevents.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtGui import QImage

from signals import require_executable
from ui.cli.qt_platform import debian_package, missing_libraries, platform_problem, xcb_plugin

SECONDEAR = [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())"]


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    for k, v in changes.items():
        if v is not None:
            env[k] = v
    return env


@pytest.fixture(scope="module")
def xvfb_display():
    """A private Xvfb on a free display number (``-displayfd`` says which); stopped after."""
    xvfb = require_executable("Xvfb")
    r, w = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(w), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


def test_the_panel_opens_on_a_real_x_server_with_qts_xcb_platform(xvfb_display, tmp_path):
    out = tmp_path / "xcb.png"
    env = _env(DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    assert platform_problem(env) is None
    run = subprocess.run([*SECONDEAR, "panel", "--accept", "all", "--screenshot", str(out), "--size", "1100x700"],
                         env=env, capture_output=True, text=True, timeout=240)  # fmt: skip
    assert run.returncode == 0, run.stderr
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1100, 700)
    # drawn, not blank: the dark background and the light text and curves both present
    grey = np.array([[img.pixelColor(x, y).lightness() for x in range(0, 1100, 7)] for y in range(0, 700, 7)])
    assert grey.min() < 60 and grey.max() > 180 and grey.std() > 10


def _broken_xcb_cursor(folder: Path) -> Path:
    """A folder whose ``libxcb-cursor.so.0`` needs ``libxcb-secondear-missing.so.0``, which is gone."""
    gcc = require_executable("gcc")
    (folder / "dep.c").write_text("int secondear_dep(void) { return 1; }\n")
    (folder / "cursor.c").write_text(
        "int secondear_dep(void);\nint secondear_cursor(void) { return secondear_dep(); }\n"
    )
    dep = folder / "libxcb-secondear-missing.so.0"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(dep), "-Wl,-soname,libxcb-secondear-missing.so.0",
                    str(folder / "dep.c")], check=True)  # fmt: skip
    libs = folder / "lib"
    libs.mkdir()
    subprocess.run([gcc, "-shared", "-fPIC", "-o", str(libs / "libxcb-cursor.so.0"), "-Wl,-soname,libxcb-cursor.so.0",
                    str(folder / "cursor.c"), str(dep)], check=True)  # fmt: skip
    dep.unlink()
    return libs


def test_a_missing_xcb_library_is_one_line_naming_the_package_and_exit_2(xvfb_display, tmp_path):
    env = _env(DISPLAY=xvfb_display, LD_LIBRARY_PATH=str(_broken_xcb_cursor(tmp_path)))
    assert missing_libraries(xcb_plugin(), env) == ["libxcb-secondear-missing.so.0"]
    assert missing_libraries(xcb_plugin(), _env(DISPLAY=xvfb_display)) == []  # the clean control
    run = subprocess.run([*SECONDEAR, "panel"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, (run.returncode, run.stderr)  # not -SIGABRT
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert "libxcb-secondear-missing.so.0 is missing" in lines[0]
    assert "sudo apt-get install libxcb-secondear-missing0" in lines[0]


def test_without_the_check_qt_itself_aborts_there(xvfb_display, tmp_path):
    """The control: the same environment given to Qt directly is the abort the check prevents."""
    env = _env(DISPLAY=xvfb_display, LD_LIBRARY_PATH=str(_broken_xcb_cursor(tmp_path)))
    run = subprocess.run([sys.executable, "-c", "from PyQt6.QtWidgets import QApplication; QApplication([])"],
                         env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == -signal.SIGABRT
    assert "xcb" in run.stderr


def test_a_display_that_does_not_answer_is_exit_2(tmp_path):
    env = _env(DISPLAY=":4999")  # no X server on that number (Xvfb fixtures pick free ones from 0 up)
    problem = platform_problem(env)
    assert problem is not None and "':4999' does not answer" in problem
    run = subprocess.run([*SECONDEAR, "panel"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "does not answer" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(("soname", "package"), [
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"), ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libEGL.so.1", "libegl1"), ("libdbus-1.so.3", "libdbus-1-3"),
])  # fmt: skip
def test_debian_package_names_of_qts_libraries(soname, package):
    assert debian_package(soname) == package
