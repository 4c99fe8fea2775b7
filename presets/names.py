"""Preset names: what a name may be, how names compare, and the safe file name for one.

A name is what the engineer typed ("Vocal clean-up", "Streaming master −14 LUFS"); it is
kept as typed inside the file. Names compare case-insensitively (Unicode case folding,
NFC, runs of white space as one space). The file a name is stored in is a slug of it:
ASCII letters, digits and ``-`` only, so no name (``../../etc/x``, ``C:\\x``, ``con``, an
empty slug) can make a path outside the preset folder or a name the OS reserves.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: The longest name accepted (characters).
MAX_NAME_CHARS = 100
#: The longest file stem written (characters, before ``.json``).
MAX_STEM_CHARS = 64
#: Stems Windows reserves (kept away on every OS, so a folder can be copied anywhere).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def check_name(name: object, *, field: str = "name") -> str:
    """``name`` stripped, if it is a usable preset name; else ValueError naming ``field``.

    Usable: a string of 1 to :data:`MAX_NAME_CHARS` characters after stripping, without
    control characters.
    """
    if not isinstance(name, str):
        raise ValueError(f"{field} must be a string, not {type(name).__name__}")
    text = name.strip()
    if not text:
        raise ValueError(f"{field} is empty: a preset needs a name")
    if len(text) > MAX_NAME_CHARS:
        raise ValueError(f"{field} {text[:20]!r}… has {len(text)} characters; at most {MAX_NAME_CHARS}")
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")), None)
    if bad is not None:
        raise ValueError(f"{field} {text!r} holds the control character U+{ord(bad):04X}")
    return text


def name_key(name: str) -> str:
    """The form names are compared in: NFC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def file_stem(name: str) -> str:
    """A safe file stem for ``name``: ASCII ``[a-z0-9-]``, at most :data:`MAX_STEM_CHARS`.

    Accents are dropped (é → e), everything else that is not a letter or digit becomes
    ``-``. A name with nothing left (``"!!!"``, ``"低音"``) or a reserved device name gets a
    stem from its hash (``preset-1a2b3c4d5e``).
    """
    ascii_text = unicodedata.normalize("NFKD", name_key(name)).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:MAX_STEM_CHARS].strip("-")
    if not stem or stem in _RESERVED:
        stem = f"preset-{name_hash(name)}"
    return stem


def name_hash(name: str) -> str:
    """Ten hex digits that tell names apart when their stems collide."""
    return hashlib.sha1(name_key(name).encode("utf-8")).hexdigest()[:10]
