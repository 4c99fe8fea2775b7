"""The engineer's presets in a folder, and the factory presets that ship with Second Ear.

The folder is, in order: the ``folder`` argument, ``$SECONDEAR_PRESET_DIR``, or
``presets`` in platformdirs' user data folder for ``secondear`` (``~/.local/share/secondear/
presets`` on Linux). Each user preset is one ``<slug>.json`` file there (:mod:`presets.names`:
the slug keeps only ``[a-z0-9-]``, so no name reaches outside the folder), written
atomically (:func:`bridge.files.atomic_write_text`): a full disk or a crash leaves the old
file as it was.

Factory presets are ``presets/factory/*.json`` inside the package: read-only, listed with
the user's, and shadowed by a user preset of the same name (save a changed copy under the
same name; delete it and the factory one is back).

Names are looked up case-insensitively; a miss says which names are nearest. A file in the
folder that cannot be read (written by a newer Second Ear, or damaged) is listed with its
reason, refused by :meth:`PresetStore.load`, and never overwritten.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs

from bridge.app import APP_NAME

from .errors import (
    PresetError,
    PresetExistsError,
    PresetFormatError,
    PresetNotFoundError,
    PresetStoreError,
    ReadOnlyPresetError,
)
from .format import loads, read_preset_file, read_text_limited, write_preset_file
from .names import check_name, file_stem, name_hash, name_key
from .records import Preset

#: The environment variable that moves the preset folder.
ENV_PRESET_DIR = "SECONDEAR_PRESET_DIR"
USER = "user"
FACTORY = "factory"


def data_dir() -> Path:
    """Second Ear's user data folder (platformdirs), where presets and the taste log live."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_preset_dir() -> Path:
    """``$SECONDEAR_PRESET_DIR``, else ``presets`` in :func:`data_dir`."""
    env = os.environ.get(ENV_PRESET_DIR)
    return Path(env).expanduser() if env else data_dir() / "presets"


@dataclass(frozen=True, slots=True, kw_only=True)
class PresetEntry:
    """One preset as a listing shows it (the preset itself: :meth:`PresetStore.load`).

    ``origin`` is ``"user"`` or ``"factory"``; ``path`` the file (for a factory preset, the
    file inside the package); ``shadows_factory`` says a user preset hides the factory one
    of the same name; ``error`` is why a file cannot be read (None when it can).
    """

    name: str
    origin: str
    path: str
    tags: tuple[str, ...] = ()
    created: datetime | None = None
    slots: int = 0
    shadows_factory: bool = False
    error: str | None = None

    @property
    def read_only(self) -> bool:
        return self.origin == FACTORY

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "origin": self.origin, "path": self.path, "tags": list(self.tags),
                "created": None if self.created is None else self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "slots": self.slots, "shadows_factory": self.shadows_factory, "error": self.error}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Found:
    entry: PresetEntry
    preset: Preset | None
    failure: PresetError | None


@lru_cache(maxsize=1)
def factory_presets() -> tuple[tuple[str, Preset], ...]:
    """The factory presets shipped in ``presets/factory/``: ``(file path, Preset)`` pairs, by name."""
    out = []
    folder = resources.files("presets").joinpath("factory")
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name.endswith(".json") and not item.name.startswith("."):
            preset = loads(item.read_text(encoding="utf-8"), source=f"factory preset {item.name}")
            out.append((str(item), preset))
    return tuple(sorted(out, key=lambda pair: name_key(pair[1].name)))


def _entry(preset: Preset, origin: str, path: str, shadows: bool = False) -> PresetEntry:
    return PresetEntry(name=preset.name, origin=origin, path=path, tags=preset.tags, created=preset.created,
                       slots=len(preset.chain.slots), shadows_factory=shadows)  # fmt: skip


class PresetStore:
    """The user's presets in ``folder`` (see the module's docstring) plus the factory ones.

    Parameters
    ----------
    folder : path, optional
        Where user presets live; default :func:`default_preset_dir`. Created on the first save.
    factory : bool
        List and load the factory presets too (default True).

    Every method reads the folder afresh, so two programs (the panel and the command line)
    can share it; writes are atomic.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None, *, factory: bool = True) -> None:
        self.folder = Path(folder).expanduser() if folder is not None else default_preset_dir()
        self.factory = factory

    def __enter__(self) -> PresetStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing is held open between calls; here for symmetry with the other resources."""

    def __repr__(self) -> str:
        return f"PresetStore({str(self.folder)!r}, factory={self.factory})"

    # --- reading ---------------------------------------------------------------------------------

    def _user_files(self) -> Iterator[_Found]:
        try:
            paths = sorted(p for p in self.folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise PresetStoreError(f"cannot read the preset folder {self.folder}: {exc.strerror or exc}") from exc
        for p in paths:
            try:
                preset = read_preset_file(p)
            except PresetFormatError as exc:
                name = _peek_name(p) or p.stem
                yield _Found(PresetEntry(name=name, origin=USER, path=str(p), error=str(exc)), None, exc)
                continue
            yield _Found(_entry(preset, USER, str(p)), preset, None)

    def _all(self) -> list[_Found]:
        user: dict[str, _Found] = {}
        for f in self._user_files():
            user.setdefault(name_key(f.entry.name), f)
        out = []
        if self.factory:
            for path, preset in factory_presets():
                key = name_key(preset.name)
                if key in user:
                    u = user[key]
                    user[key] = replace(u, entry=replace(u.entry, shadows_factory=True))
                else:
                    out.append(_Found(_entry(preset, FACTORY, path), preset, None))
        out.extend(user.values())
        return sorted(out, key=lambda f: (name_key(f.entry.name), f.entry.origin))

    def list(self) -> list[PresetEntry]:
        """Every preset, by name: the user's, and the factory ones no user preset shadows.
        Files that cannot be read are listed too, with ``error`` set."""
        return [f.entry for f in self._all()]

    def names(self) -> list[str]:
        return [e.name for e in self.list()]

    def _find(self, name: str) -> _Found:
        key = name_key(str(name))
        found = self._all()
        for f in found:
            if name_key(f.entry.name) == key:
                return f
        by_key = {name_key(f.entry.name): f.entry.name for f in found}
        near = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.5)
        hint = f"; did you mean: {', '.join(repr(by_key[k]) for k in near)}?" if near else (
            f"; the presets are: {', '.join(repr(f.entry.name) for f in found)}" if found else
            f"; there are no presets in {self.folder} yet")  # fmt: skip
        raise PresetNotFoundError(f"no preset named {name!r}{hint}")

    def entry(self, name: str) -> PresetEntry:
        """The listing entry of the preset named ``name`` (case-insensitive)."""
        return self._find(name).entry

    def load(self, name: str) -> Preset:
        """The preset named ``name`` (case-insensitive; a user preset before a factory one).

        Raises
        ------
        PresetNotFoundError
            No such name; the message names the nearest ones.
        UnsupportedSchemaError, PresetFormatError
            Its file was written by a newer Second Ear, or is damaged (it is left untouched).
        """
        f = self._find(name)
        if f.failure is not None:
            raise f.failure
        assert f.preset is not None
        return f.preset

    def exists(self, name: str) -> bool:
        try:
            self._find(name)
        except PresetNotFoundError:
            return False
        return True

    # --- writing ---------------------------------------------------------------------------------

    def _user(self, name: str) -> _Found | None:
        key = name_key(name)
        return next((f for f in self._user_files() if name_key(f.entry.name) == key), None)

    def _path_for(self, name: str) -> Path:
        stem = file_stem(name)
        for candidate in (stem, f"{stem}-{name_hash(name)}"):
            p = self.folder / f"{candidate}.json"
            if not p.exists() and not p.is_symlink():
                return p
        raise PresetStoreError(f"cannot find a free file name for the preset {name!r} in {self.folder}")

    def save(self, preset: Preset, *, overwrite: bool = False) -> PresetEntry:
        """Write ``preset`` as a user preset (atomically) and return its entry.

        A user preset of the same name (case-insensitive) is replaced only with
        ``overwrite=True``, in its own file. The same name as a factory preset is allowed: the
        user's then shadows it.

        Raises
        ------
        PresetExistsError
            A user preset has that name and ``overwrite`` is False, or its file cannot be
            read (a newer Second Ear's, or damaged), in which case it is never replaced.
        PresetStoreError
            The folder cannot be made or written, or the disk is full; an existing file
            is then unchanged.
        """
        name = check_name(preset.name)
        existing = self._user(name)
        if existing is not None:
            if existing.failure is not None:
                raise PresetExistsError(f"a preset named {name!r} exists in {existing.entry.path} but cannot be "
                                        f"read ({existing.failure}); it is left untouched: choose another name")  # fmt: skip
            if not overwrite:
                raise PresetExistsError(f"a preset named {existing.entry.name!r} exists ({existing.entry.path}); "
                                        "overwrite it explicitly (--force) or choose another name")  # fmt: skip
            path = Path(existing.entry.path)
        else:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise PresetStoreError(f"cannot make the preset folder {self.folder}: {exc.strerror or exc}") from exc
            path = self._path_for(name)
        write_preset_file(preset, path)
        return _entry(preset, USER, str(path), self._shadows(name))

    def _shadows(self, name: str) -> bool:
        return self.factory and any(name_key(p.name) == name_key(name) for _, p in factory_presets())

    def _user_or_raise(self, name: str, verb: str) -> _Found:
        found = self._user(name)
        if found is None:
            f = self._find(name)  # raises PresetNotFoundError with the nearest names
            raise ReadOnlyPresetError(f"{f.entry.name!r} is a factory preset: factory presets are read-only "
                                      f"(cannot {verb} it); save a copy under another name to change it")  # fmt: skip
        return found

    def delete(self, name: str) -> Path:
        """Delete the user preset ``name``; returns the file removed.

        Raises
        ------
        ReadOnlyPresetError
            ``name`` is a factory preset.
        PresetNotFoundError, PresetStoreError
        """
        found = self._user_or_raise(name, "delete")
        path = Path(found.entry.path)
        try:
            path.unlink()
        except OSError as exc:
            raise PresetStoreError(f"cannot delete {path}: {exc.strerror or exc}") from exc
        return path

    def rename(self, old: str, new: str, *, overwrite: bool = False) -> PresetEntry:
        """Give the user preset ``old`` the name ``new`` (its file follows the new name).

        The new file is written before the old one is removed, so a failure leaves at
        least one of them. Raises as :meth:`save` and :meth:`delete` do.
        """
        found = self._user_or_raise(old, "rename")
        if found.failure is not None:
            raise found.failure
        assert found.preset is not None
        renamed = replace(found.preset, name=new)  # validates the new name
        old_path = Path(found.entry.path)
        if name_key(renamed.name) == name_key(found.entry.name):  # only the spelling changes: same file
            write_preset_file(renamed, old_path)
            return _entry(renamed, USER, str(old_path), self._shadows(renamed.name))
        entry = self.save(renamed, overwrite=overwrite)
        if Path(entry.path) != old_path:
            try:
                old_path.unlink()
            except OSError as exc:
                raise PresetStoreError(f"{renamed.name!r} was written to {entry.path} but {old_path} cannot be "
                                       f"removed: {exc.strerror or exc}") from exc  # fmt: skip
        return entry

    def export(self, name: str, path: str | os.PathLike[str]) -> Path:
        """Write the preset ``name`` (user or factory) to ``path``, atomically."""
        return write_preset_file(self.load(name), path)

    def import_file(self, path: str | os.PathLike[str], *, name: str | None = None,
                    overwrite: bool = False) -> PresetEntry:  # fmt: skip
        """Read a preset file (validated; a newer schema is refused) and save it as a user
        preset, under ``name`` if given."""
        preset = read_preset_file(path)
        if name is not None:
            preset = replace(preset, name=name)
        return self.save(preset, overwrite=overwrite)


def _peek_name(path: Path) -> str | None:
    """The ``name`` of a preset file that does not validate, if there is a readable one."""
    try:
        data = json.loads(read_text_limited(path))
    except (PresetError, ValueError, RecursionError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    try:
        return check_name(name) if isinstance(name, str) else None
    except ValueError:
        return None
