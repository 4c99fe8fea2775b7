"""The preset file: JSON, versioned, validated strictly, written atomically.

The form (``schema_version`` 1)::

    {"format": "secondear-preset",
     "schema_version": 1,
     "name": "Vocal clean-up",
     "created": "2025-06-01T10:00:00Z",               # ISO 8601, UTC
     "tags": ["vocal", "eq"],
     "notes": "…", "source": "…", "licence": "…",     # optional free text
     "chain": {"schema": 1, "slots": [...]},          # bridge.chain's form, read by Chain.from_dict
     "provenance": {                                  # optional; every part may be empty
       "analyzed": {"file": "vox.wav", "summary": {"integrated_lufs": -18.2, "true_peak_dbtp": -1.3}},
       "context": {"role": "vocal", "genre": null, "destination": "spotify",
                   "intent": ["less muddy"], "reference": "ref.wav"},
       "suggestions": [{"id": "hpf", "kind": "highpass", "why": "…"}]}}

Versions. ``schema_version`` is an integer. A file with a larger one than
:data:`SCHEMA_VERSION` was written by a newer Second Ear and is refused with
:class:`~presets.errors.UnsupportedSchemaError` before anything else in it is read (and
nothing is written back). An older one is brought up to date on reading by the steps in
``_MIGRATIONS`` (none yet: 1 is the first). A change an older reader can safely ignore (a
new optional key) does not bump the version; one that changes a key's meaning does.

Unknown keys. In the preset's own objects (the top level, ``provenance`` and its parts) a
key this version does not know is such a safe addition from a newer Second Ear: it is kept
in the record's ``extra`` and written back unchanged, never interpreted. A key within a
typo of a known one (``"tag"`` for ``"tags"``) is an error instead, so a mistake in a
hand-edited file is not silently kept. The chain is :mod:`bridge.chain`'s format, which
refuses unknown keys in a slot: what is rendered is never guessed.

Safety. Reading is ``json.loads`` and validation only: no code runs and no library is
loaded. A plugin slot's path is data; it is loaded only through
:func:`bridge.chain.build_slots`, which accepts only bundles the plugin index knows or that
lie under the plugin folders. Files over :data:`MAX_FILE_BYTES`, nesting beyond the JSON
parser's depth, and NaN or infinite numbers are refused.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from bridge.chain import Chain, ChainError, UnsupportedChainSchemaError
from bridge.files import atomic_write_text, create_new_text

from .errors import PresetFormatError, PresetStoreError, UnsupportedSchemaError
from .records import (
    SCHEMA_VERSION,
    Analyzed,
    Preset,
    PresetContext,
    Provenance,
    SuggestionRef,
)

#: The value of ``format`` in every preset file.
FORMAT = "secondear-preset"
#: Preset files larger than this are refused (bytes): plugin states are the bulk.
MAX_FILE_BYTES = 16 * 1024 * 1024

_TOP = ("format", "schema_version", "name", "created", "tags", "notes", "source", "licence", "chain", "provenance")
_PROVENANCE = ("analyzed", "context", "suggestions")
_ANALYZED = ("file", "summary")
_CONTEXT = ("role", "genre", "destination", "intent", "reference")
_SUGGESTION = ("id", "kind", "why")

#: Steps that bring an older file's dict up to the next version: ``{from_version: step}``.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


# --- to JSON -----------------------------------------------------------------------------------


def provenance_to_dict(p: Provenance) -> dict[str, Any]:
    """The ``provenance`` object of the JSON form (also written beside a chain file's slots)."""
    prov: dict[str, Any] = {**p.extra}
    if p.analyzed is not None:
        prov["analyzed"] = {**p.analyzed.extra, "file": p.analyzed.file, "summary": dict(p.analyzed.summary)}
    c = p.context
    prov["context"] = {**c.extra, "role": c.role, "genre": c.genre, "destination": c.destination,
                       "intent": list(c.intent), "reference": c.reference}  # fmt: skip
    prov["suggestions"] = [{**s.extra, "id": s.id, "kind": s.kind, "why": s.why} for s in p.suggestions]
    return prov


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    """The JSON form (always :data:`SCHEMA_VERSION`), unknown keys written back as read."""
    prov = provenance_to_dict(preset.provenance)
    out: dict[str, Any] = {**preset.extra, "format": FORMAT, "schema_version": SCHEMA_VERSION, "name": preset.name,
                           "created": preset.created.strftime("%Y-%m-%dT%H:%M:%SZ"), "tags": list(preset.tags)}  # fmt: skip
    for key in ("notes", "source", "licence"):
        if getattr(preset, key):
            out[key] = getattr(preset, key)
    out["chain"] = preset.chain.to_dict()
    out["provenance"] = prov
    return out


def dumps(preset: Preset) -> str:
    """The file's text: indented JSON, UTF-8 characters kept, a final newline."""
    return json.dumps(preset_to_dict(preset), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


# --- from JSON ---------------------------------------------------------------------------------


def peek_schema(data: Any) -> int | None:
    """The ``schema_version`` of a preset dict, or None when it has no integer one."""
    v = data.get("schema_version") if isinstance(data, Mapping) else None
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def preset_from_dict(data: Any, *, source: str = "preset") -> Preset:
    """Validate and read the JSON form; ``source`` names the file in messages.

    Raises
    ------
    UnsupportedSchemaError
        ``schema_version`` is newer than :data:`SCHEMA_VERSION`.
    PresetFormatError
        Anything else wrong; the message names ``source`` and the field.
    """
    if not isinstance(data, Mapping):
        raise PresetFormatError(f"{source}: a preset is a JSON object, not {type(data).__name__}")
    if data.get("format") != FORMAT:
        if "slots" in data and "schema" in data:
            raise PresetFormatError(f"{source} is a chain file, not a preset: save it as one with "
                                    "'secondear presets save NAME --chain FILE'")  # fmt: skip
        raise PresetFormatError(f"{source}: not a Second Ear preset ('format' is {data.get('format')!r}, "
                                f"not {FORMAT!r})")  # fmt: skip
    version = peek_schema(data)
    if version is None:
        raise PresetFormatError(f"{source}: 'schema_version' must be an integer, not {data.get('schema_version')!r}")
    if version > SCHEMA_VERSION:
        raise UnsupportedSchemaError(
            f"{source} was written by a newer Second Ear (schema {version}, this reads up to {SCHEMA_VERSION}); "
            "update to open it"
        )
    if version < 1:
        raise PresetFormatError(f"{source}: schema_version {version} is not a preset schema (1 is the first)")
    d = dict(data)
    for v in range(version, SCHEMA_VERSION):
        d = _MIGRATIONS[v](d)
    try:
        return _read(d, version, source)
    except UnsupportedSchemaError:
        raise
    except PresetFormatError as exc:
        raise PresetFormatError(f"{source}: {exc}") from None


def _read(d: dict[str, Any], version: int, source: str) -> Preset:
    known, extra = _split(d, _TOP, "")
    for key in ("name", "chain"):
        if key not in known:
            raise PresetFormatError(f"'{key}' is missing")
    created = known.get("created")
    if created is None:
        raise PresetFormatError("'created' is missing (an ISO 8601 time, e.g. 2025-06-01T10:00:00Z)")
    try:
        when = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise PresetFormatError(f"created = {created!r} is not an ISO 8601 time with a time zone "
                                "(e.g. 2025-06-01T10:00:00Z)")  # fmt: skip
    if not isinstance(known["chain"], Mapping):
        raise PresetFormatError("chain must be an object ({\"schema\": 1, \"slots\": […]})")
    try:
        chain = Chain.from_dict(known["chain"], source="chain")
    except UnsupportedChainSchemaError as exc:
        raise UnsupportedSchemaError(f"{source}: {exc}") from None
    except ChainError as exc:
        raise PresetFormatError(str(exc)) from None
    tags = known.get("tags", [])
    if not isinstance(tags, list):
        raise PresetFormatError(f"tags must be a list of strings, not {tags!r}")
    texts = {}
    for key in ("notes", "source", "licence"):
        v = known.get(key, "")
        if not isinstance(v, str):
            raise PresetFormatError(f"{key} must be a string, not {type(v).__name__}")
        texts[key] = v
    return Preset(name=known["name"], chain=chain, tags=tuple(tags), created=when,
                  provenance=_provenance(known.get("provenance")), schema_version=version, extra=extra,
                  **texts)  # fmt: skip


def _split(obj: Mapping[str, Any], keys: tuple[str, ...], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Known keys and unknown ones; an unknown key that is a near-typo of a known one is an error."""
    known, extra = {}, {}
    for k, v in obj.items():
        if k in keys:
            known[k] = v
            continue
        hint = difflib.get_close_matches(str(k), keys, n=1, cutoff=0.75)
        if hint and hint[0] not in obj:
            raise PresetFormatError(f"unknown key {where}{k!r}: did you mean {hint[0]!r}?")
        extra[k] = v
    return known, extra


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PresetFormatError(f"{where} must be an object, not {type(value).__name__}")
    return value


def _provenance(value: Any) -> Provenance:
    if value is None:
        return Provenance()
    known, extra = _split(_object(value, "provenance"), _PROVENANCE, "provenance.")
    analyzed = None
    if known.get("analyzed") is not None:
        a, a_extra = _split(_object(known["analyzed"], "provenance.analyzed"), _ANALYZED, "provenance.analyzed.")
        if "file" not in a:
            raise PresetFormatError("provenance.analyzed.file is missing")
        analyzed = Analyzed(file=a["file"], summary=_object(a.get("summary", {}), "provenance.analyzed.summary"),
                            extra=a_extra)  # fmt: skip
    context = PresetContext()
    if known.get("context") is not None:
        c, c_extra = _split(_object(known["context"], "provenance.context"), _CONTEXT, "provenance.context.")
        intent = c.get("intent", [])
        if not isinstance(intent, list):
            raise PresetFormatError(f"provenance.context.intent must be a list of words, not {intent!r}")
        context = PresetContext(role=c.get("role"), genre=c.get("genre"), destination=c.get("destination"),
                                intent=tuple(intent), reference=c.get("reference"), extra=c_extra)  # fmt: skip
    raw = known.get("suggestions", [])
    if not isinstance(raw, list):
        raise PresetFormatError("provenance.suggestions must be a list")
    refs = []
    for i, s in enumerate(raw):
        where = f"provenance.suggestions[{i}]"
        k, s_extra = _split(_object(s, where), _SUGGESTION, f"{where}.")
        for key in ("id", "kind"):
            if key not in k:
                raise PresetFormatError(f"{where}.{key} is missing")
        try:
            refs.append(SuggestionRef(id=k["id"], kind=k["kind"], why=k.get("why", ""), extra=s_extra))
        except PresetFormatError as exc:
            raise PresetFormatError(str(exc).replace("provenance.suggestions[]", where)) from None
    return Provenance(analyzed=analyzed, context=context, suggestions=tuple(refs), extra=extra)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def loads(text: str, *, source: str = "preset") -> Preset:
    """Parse and validate a preset's text (see :func:`preset_from_dict`)."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise PresetFormatError(f"{source} is not valid JSON ({exc})") from None
    return preset_from_dict(data, source=source)


# --- files -------------------------------------------------------------------------------------


def read_text_limited(path: str | os.PathLike[str], *, what: str = "preset file") -> str:
    """A regular file's text, if it is at most :data:`MAX_FILE_BYTES`; else PresetFormatError."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise PresetFormatError(f"{what} {p}: cannot read it ({exc.strerror or exc})") from exc
    import stat as stat_

    if not stat_.S_ISREG(st.st_mode):
        raise PresetFormatError(f"{what} {p} is not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise PresetFormatError(f"{what} {p} is {st.st_size} bytes; a preset is at most {MAX_FILE_BYTES}")
    try:
        with open(p, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PresetFormatError(f"{what} {p}: cannot read it ({exc.strerror or exc})") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise PresetFormatError(f"{what} {p} is larger than {MAX_FILE_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PresetFormatError(f"{what} {p} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def read_preset_file(path: str | os.PathLike[str]) -> Preset:
    """Read and validate a preset file; nothing is ever written to it.

    Raises
    ------
    UnsupportedSchemaError
        Written by a newer Second Ear.
    PresetFormatError
        Unreadable, too large, not JSON, or invalid (the message names the file and field).
    """
    return loads(read_text_limited(path), source=f"preset file {Path(path)}")


def write_preset_file(preset: Preset, path: str | os.PathLike[str]) -> Path:
    """Write ``preset`` atomically (temporary file in the same folder, fsync, rename).

    Raises
    ------
    PresetStoreError
        The folder cannot be written or the disk is full; a file already at ``path`` is
        then left as it was.
    """
    p = Path(path)
    text = dumps(preset)
    try:
        return atomic_write_text(p, text)
    except OSError as exc:
        raise PresetStoreError(_write_failure(p, exc)) from exc


def create_preset_file(preset: Preset, path: str | os.PathLike[str]) -> Path:
    """Write ``preset`` to ``path`` only if nothing is there (:func:`bridge.files.create_new_text`).

    Raises
    ------
    FileExistsError
        ``path`` exists; nothing was written.
    PresetStoreError
        The folder cannot be written or the disk is full.
    """
    p = Path(path)
    try:
        return create_new_text(p, dumps(preset))
    except FileExistsError:
        raise
    except OSError as exc:
        raise PresetStoreError(_write_failure(p, exc)) from exc


def _write_failure(p: Path, exc: OSError) -> str:
    import errno

    if exc.errno is None:  # bridge.files.OutputError: already one line
        return str(exc)
    why = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
    kept = "the previous file is unchanged" if p.exists() else "nothing was written"
    return f"cannot write {p}: {why}; {kept}"
