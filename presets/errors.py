"""The presets' error family: everything :mod:`presets` raises derives from :class:`PresetError`.

The stdlib base is kept where it helps a generic handler (``ValueError`` for a bad file,
``LookupError`` for an unknown name, ``OSError`` for a write that failed).
"""

from __future__ import annotations


class PresetError(Exception):
    """Root of every error raised by :mod:`presets`."""


class PresetFormatError(PresetError, ValueError):
    """A preset (file or dict) is not valid; the message names the file and the field."""


class UnsupportedSchemaError(PresetFormatError):
    """The preset was written by a newer Second Ear (a larger ``schema_version``)."""


class PresetNotFoundError(PresetError, LookupError):
    """No preset has that name; the message lists the nearest names."""

    def __str__(self) -> str:  # LookupError would quote the message like a KeyError
        return str(self.args[0]) if self.args else ""


class PresetExistsError(PresetError):
    """A user preset with that name exists and overwriting was not asked for."""


class ReadOnlyPresetError(PresetError):
    """Factory presets cannot be changed, renamed or deleted."""


class PresetStoreError(PresetError, OSError):
    """A preset file or the taste log cannot be written (full disk, no permission); the
    message names the file and says what is left as it was."""
