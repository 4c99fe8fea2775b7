"""Can Qt open a window here? Checked before Qt is loaded, so that a missing library is a
clear message (exit 2) instead of Qt's abort (SIGABRT) when it cannot load its platform.

On Linux with X11 (``QT_QPA_PLATFORM`` unset with a ``DISPLAY``, or ``xcb``), Qt loads the
``libqxcb.so`` platform plugin, which needs a dozen ``libxcb-*`` libraries that a desktop
usually has and a minimal system often lacks (``libxcb-cursor0``, ``libxcb-icccm4``,
``libxcb-keysyms1`` …). :func:`platform_problem` asks the dynamic linker (``ldd``) which of
the plugin's libraries it cannot find, names the Debian/Ubuntu package of each, then checks
that the X display answers (``xcb_connect`` through ``ctypes``, a few milliseconds). Other
platforms (offscreen, wayland, macOS, Windows) are left to Qt.

The plugin checked is the PyQt6 wheel's ``Qt6/plugins/platforms/libqxcb.so``; ``ldd`` runs
with the environment given, so ``LD_LIBRARY_PATH`` counts as it does for Qt.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

#: Package names that do not follow the ``libNAME.so.N`` → ``libnameN`` rule.
_PACKAGES = {"libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libGLX.so.0": "libglx0",
             "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6", "libglib-2.0.so.0": "libglib2.0-0",
             "libgthread-2.0.so.0": "libglib2.0-0", "libstdc++.so.6": "libstdc++6"}  # fmt: skip


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships ``soname`` (``libxcb-cursor.so.0`` → ``libxcb-cursor0``)."""
    if soname in _PACKAGES:
        return _PACKAGES[soname]
    m = re.fullmatch(r"(lib.+?)\.so\.(\d+)(?:\..*)?", soname)
    if not m:
        return soname
    name, major = m.group(1).lower(), m.group(2)
    return f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"


def xcb_plugin() -> Path | None:
    """The PyQt6 wheel's ``libqxcb.so`` (found without importing PyQt6), or None.

    A plugin in ``QT_QPA_PLATFORM_PLUGIN_PATH`` is tried first by Qt, but Qt falls back to
    this one when that fails: this is the one that must load."""
    spec = importlib.util.find_spec("PyQt6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        p = Path(root) / "Qt6" / "plugins" / "platforms" / "libqxcb.so"
        if p.is_file():
            return p
    return None


def missing_libraries(plugin: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    """The libraries ``plugin`` needs that the dynamic linker cannot find (``ldd``'s "not
    found") in ``environ`` (``LD_LIBRARY_PATH`` counts; this process's by default)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run(
            [ldd, os.fspath(plugin)],
            capture_output=True,
            text=True,
            timeout=20,
            env=None if environ is None else dict(environ),
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]
    return list(dict.fromkeys(found))


def display_answers(display: str) -> bool:
    """Whether the X server ``display`` accepts a connection (libxcb's ``xcb_connect``)."""
    name = ctypes.util.find_library("xcb") or "libxcb.so.1"
    try:
        xcb = ctypes.CDLL(name)
    except OSError:
        return False  # libxcb itself is missing: missing_libraries has said so
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(conn) and xcb.xcb_connection_has_error(conn) == 0
    finally:
        if conn:
            xcb.xcb_disconnect(conn)


def platform_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Why Qt could not open a window here (one message naming the fix), or None."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    display = env.get("DISPLAY", "")
    uses_xcb = platform.startswith("xcb") or (not platform and display and not env.get("WAYLAND_DISPLAY"))
    if not uses_xcb:
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin, env)
    if missing:
        packages = " ".join(dict.fromkeys(debian_package(m) for m in missing))
        return (f"Qt's X11 platform plugin ({plugin}) cannot load: {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing. Install with: sudo apt-get install {packages} "
                "(or run scripts/setup-system); meanwhile 'secondear panel --screenshot panel.png' draws off screen")  # fmt: skip
    if not display:
        return "QT_QPA_PLATFORM is xcb but DISPLAY is not set: no X display to open the panel on"
    if not display_answers(display):
        return (f"the X display {display!r} does not answer (no X server there, or no permission to use it): "
                "run 'xvfb-run secondear panel', or 'secondear panel --screenshot panel.png'")  # fmt: skip
    return None
