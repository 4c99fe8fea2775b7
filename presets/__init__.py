"""Preset storage: the preset file format, the engineer's preset folder, the factory
presets, and the taste profile (DESIGN.md: "presets/ is storage").

* :mod:`presets.records` — :class:`Preset` (a :class:`bridge.chain.Chain` plus
  :class:`Provenance`, tags, name, created time, schema version).
* :mod:`presets.format` — the JSON form: strict validation, ``schema_version``, atomic writes.
* :mod:`presets.names` — names compared case-insensitively, safe file names.
* :mod:`presets.store` — :class:`PresetStore`: save, load, list, delete, rename, export,
  import; the factory presets in ``presets/factory/``.
* :mod:`presets.taste` — the decision log and :func:`summarize`.

No Qt here; the only imports from the rest of the project are :mod:`bridge.chain` (the
Chain record and its loader), :mod:`bridge.files` (atomic writes), :mod:`bridge.app` (the
program's name for its folders) and :mod:`analyzers` records.
"""

from .errors import (
    PresetError,
    PresetExistsError,
    PresetFormatError,
    PresetNotFoundError,
    PresetStoreError,
    ReadOnlyPresetError,
    UnsupportedSchemaError,
)
from .format import (
    FORMAT,
    dumps,
    loads,
    preset_from_dict,
    preset_to_dict,
    provenance_to_dict,
    read_preset_file,
    write_preset_file,
)
from .records import SCHEMA_VERSION, Analyzed, Preset, PresetContext, Provenance, SuggestionRef
from .store import PresetEntry, PresetStore, default_preset_dir, factory_presets
from .taste import Decision, TasteLog, default_taste_path, summarize

__all__ = [
    "FORMAT", "SCHEMA_VERSION", "Analyzed", "Decision", "Preset", "PresetContext", "PresetEntry", "PresetError",
    "PresetExistsError", "PresetFormatError", "PresetNotFoundError", "PresetStore", "PresetStoreError", "Provenance",
    "ReadOnlyPresetError", "SuggestionRef", "TasteLog", "UnsupportedSchemaError", "default_preset_dir",
    "default_taste_path", "dumps", "factory_presets", "loads", "preset_from_dict", "preset_to_dict",
    "provenance_to_dict",
    "read_preset_file", "summarize", "write_preset_file",
]  # fmt: skip
