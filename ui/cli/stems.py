"""Cross-track answers when ``suggest`` or ``apply`` get several files (stems).

``secondear suggest --json kick_in.wav kick_out.wav vocal.wav guitar.wav [--focus vocal.wav]``
adds, to each file's answer, the moves only the set can justify (:func:`bridge.stems.cross_track`):
a ``polarity`` flip and a ``delay`` between related microphones, and complementary ``peak``
cuts on the tracks that mask the focus track. Each added suggestion carries
``"cross_track": true``.
"""

from __future__ import annotations

from typing import Any

from bridge.stems import cross_track

from .context import say


def add_cross_track(files: list[str], results: list[dict[str, Any]], *, focus: str | None) -> None:
    """Add the cross-track suggestions, verdicts and notes to ``results`` (in place).

    ``results`` holds each file's ``suggest`` answer in the order of ``files``, or ``{path,
    error}`` for a file that could not be read (left out here).
    """
    usable = [i for i, r in enumerate(results) if "error" not in r]
    if len(usable) < 2:
        return
    found = cross_track([files[i] for i in usable], focus=focus,
                        taken_ids=[{s["id"] for s in results[i]["suggestions"]} for i in usable])  # fmt: skip
    if found.focus_unknown:
        say(f"--focus {focus} is not one of the files; using {found.focus}")
    for j, s in found.suggestions:
        results[usable[j]]["suggestions"].append({**s.to_dict(), "cross_track": True})
    for j, k in found.leave_alone:
        results[usable[j]]["leave_alone"].append(k.to_dict())
    for i in usable:
        results[i].setdefault("notes", []).extend(found.notes)
