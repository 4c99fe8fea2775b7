"""Where plugins live: the standard folders per OS, the fetch cache, the folders users add.

Folders, in the order they are searched (:func:`plugin_folders`):

1. the standard ones (:func:`standard_folders`) —
   Linux ``~/.vst3``, ``/usr/lib/vst3``, ``/usr/local/lib/vst3``;
   macOS ``~/Library/Audio/Plug-Ins/VST3``, ``/Library/Audio/Plug-Ins/VST3`` and the two
   ``Components`` folders for Audio Units;
   Windows ``%COMMONPROGRAMFILES%\\VST3`` and the per-user
   ``%LOCALAPPDATA%\\Programs\\Common\\VST3``;
2. the folder ``scripts/fetch-plugins`` extracts Debian's VST3 builds into:
   ``CACHE/usr/lib/vst3`` with CACHE = ``$SECONDEAR_PLUGIN_CACHE`` or platformdirs' user
   cache dir for ``secondear`` plus ``/plugins`` (:func:`fetch_cache_dir`);
3. the folders in ``$SECONDEAR_PLUGIN_PATH`` (separated by ``os.pathsep``);
4. the folders the user added with ``secondear plugins scan FOLDER`` (kept in the index).

A bundle is a ``.vst3`` (a folder on every OS, or a single file for old Windows plugins)
or, on macOS, a ``.component`` (Audio Unit). Nothing here loads plugin code.
"""

from __future__ import annotations

import json
import os
import platform
import plistlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import platformdirs

from ..app import APP_NAME

#: Bundle suffix → plugin format.
BUNDLE_FORMATS: Mapping[str, str] = {".vst3": "VST3", ".component": "AU"}

def fetch_cache_dir() -> Path:
    """The folder ``scripts/fetch-plugins`` fills (``$SECONDEAR_PLUGIN_CACHE`` overrides)."""
    env = os.environ.get("SECONDEAR_PLUGIN_CACHE")
    return Path(env) if env else Path(platformdirs.user_cache_dir(APP_NAME)) / "plugins"


def fetched_plugin_folder() -> Path:
    """Where the fetched Debian packages put their VST3 bundles (``CACHE/usr/lib/vst3``)."""
    return fetch_cache_dir() / "usr" / "lib" / "vst3"


def standard_folders(system: str | None = None, *, env: Mapping[str, str] | None = None,
                     home: Path | None = None) -> tuple[Path, ...]:  # fmt: skip
    """The OS's standard plugin folders (they need not exist).

    ``system`` is ``platform.system()``'s answer (``"Linux"``, ``"Darwin"``,
    ``"Windows"``); ``env`` and ``home`` default to this process's.
    """
    system = system or platform.system()
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if system == "Darwin":
        plug_ins = "Library/Audio/Plug-Ins"
        return (home / plug_ins / "VST3", Path("/") / plug_ins / "VST3",
                home / plug_ins / "Components", Path("/") / plug_ins / "Components")  # fmt: skip
    if system == "Windows":
        common = env.get("COMMONPROGRAMFILES") or r"C:\Program Files\Common Files"
        folders = [Path(common) / "VST3"]
        if env.get("LOCALAPPDATA"):
            folders.append(Path(env["LOCALAPPDATA"]) / "Programs" / "Common" / "VST3")
        return tuple(folders)
    return (home / ".vst3", Path("/usr/lib/vst3"), Path("/usr/local/lib/vst3"))


def env_folders() -> tuple[Path, ...]:
    """Folders named in ``$SECONDEAR_PLUGIN_PATH``."""
    raw = os.environ.get("SECONDEAR_PLUGIN_PATH", "")
    return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip())


def plugin_folders(user_folders: Iterable[str | os.PathLike[str]] = ()) -> tuple[Path, ...]:
    """Every folder to search, in order, without repeats (see the module's docstring)."""
    out: list[Path] = []
    seen: set[str] = set()
    for folder in (*standard_folders(), fetched_plugin_folder(), *env_folders(), *map(Path, user_folders)):
        key = os.path.normcase(os.path.abspath(folder))
        if key not in seen:
            seen.add(key)
            out.append(Path(os.path.abspath(folder)))
    return tuple(out)


def is_bundle(path: str | os.PathLike[str]) -> bool:
    """True when ``path``'s suffix is a plugin bundle's (``.vst3``, ``.component``)."""
    return Path(path).suffix.lower() in BUNDLE_FORMATS


def bundle_format(path: str | os.PathLike[str]) -> str:
    """``"VST3"`` or ``"AU"``, from the bundle's suffix."""
    return BUNDLE_FORMATS[Path(path).suffix.lower()]


def find_bundles(folders: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Every bundle in ``folders`` (searched recursively; a bundle given as a folder counts).

    Missing folders are skipped. Bundles are not searched inside (a bundle's ``Contents``
    is its own). Paths are absolute, sorted, and each real bundle appears once.
    """
    found: dict[str, Path] = {}

    def add(p: Path) -> None:
        found.setdefault(os.path.normcase(os.path.realpath(p)), Path(os.path.abspath(p)))

    for folder in map(Path, folders):
        if is_bundle(folder) and folder.exists():
            add(folder)
            continue
        if not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder, followlinks=True):
            for d in [d for d in dirs if is_bundle(d)]:
                add(Path(root) / d)
                dirs.remove(d)
            dirs.sort()
            for f in files:
                if is_bundle(f):
                    add(Path(root) / f)
    return sorted(found.values(), key=lambda p: (p.name.lower(), str(p)))


def bundle_vendor(path: str | os.PathLike[str], plugin_name: str | None = None) -> str | None:
    """The vendor a bundle's metadata names, without loading it (None when it names none).

    Reads VST3's ``Contents/Resources/moduleinfo.json`` (the class whose name is
    ``plugin_name``, else the factory) or the ``Contents/Info.plist`` of a macOS bundle
    (an Audio Unit's ``AudioComponents`` name reads ``"Vendor: Plugin"``).
    """
    bundle = Path(path)
    info = bundle / "Contents" / "Resources" / "moduleinfo.json"
    if info.is_file():
        try:
            # moduleinfo.json is JSON5-ish: tolerate trailing commas
            data = json.loads(re.sub(r",\s*([}\]])", r"\1", info.read_text(encoding="utf-8")))
            for cls in data.get("Classes", []):
                if cls.get("Vendor") and (plugin_name is None or cls.get("Name") == plugin_name):
                    return str(cls["Vendor"])
            vendor = data.get("Factory Info", {}).get("Vendor")
            if vendor:
                return str(vendor)
        except (OSError, ValueError, AttributeError):
            pass
    plist = bundle / "Contents" / "Info.plist"
    if plist.is_file():
        try:
            with plist.open("rb") as f:
                data = plistlib.load(f)
            for comp in data.get("AudioComponents", []):
                name = str(comp.get("name", ""))
                if ":" in name:
                    return name.split(":", 1)[0].strip() or None
            ident = str(data.get("CFBundleIdentifier", ""))
            parts = ident.split(".")
            if len(parts) >= 3:  # com.vendor.plugin
                return parts[1]
        except (OSError, ValueError, plistlib.InvalidFileException):
            pass
    return None
