"""``apply … --save-preset NAME`` / ``--save-chain FILE`` (with or without ``--session``):
keep exactly the accepted moves, with their provenance (the file analysed and its figures,
the context, each suggestion's id, kind and why), as a preset or as a chain file.

The chain holds the accepted whole-file moves (built-in slots, in the render's chain order);
a move meant for one section cannot live in a chain and is named as left out. In a chain
file the provenance is written beside the slots (``render --chain`` and ``ab --chain`` read
the slots only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzers import Analysis
from analyzers.suggest import Suggestion
from bridge.chain import Chain, chain_from_moves, save_chain
from bridge.files import OutputError, check_output
from presets import (Analyzed, Preset, PresetContext, PresetError, PresetStore, Provenance, SuggestionRef,
                     provenance_to_dict)  # fmt: skip
from analyzers.context import Context


@dataclass(frozen=True, slots=True)
class Kept:
    """The chain of the accepted moves, its provenance, and the ids left out (one section only)."""

    chain: Chain
    provenance: Provenance
    left_out: tuple[str, ...]


def keep_problem(preset: str | None, chain_path: str | None, *, force: bool,
                 own_paths: Sequence[str]) -> tuple[str, int] | None:  # fmt: skip
    """Why ``--save-preset``/``--save-chain`` cannot keep the moves, and the exit status
    (checked before rendering, so that nothing is written when the moves cannot be kept):
    the chain file is one of ``own_paths`` (the input, the output, a session file) or the
    preset's name is taken without ``--force`` (2, usage); the chain file's place cannot
    take a file: a read-only or missing folder, a folder or device by that name (1, as an
    unwritable ``-o``). None when they can."""
    if chain_path and os.path.abspath(chain_path) in {os.path.abspath(p) for p in own_paths}:
        return f"--save-chain {chain_path} is the input or the output: write the chain somewhere else", 2
    if chain_path:
        try:
            check_output(chain_path, try_write=True)
        except OutputError as exc:
            return f"--save-chain: {exc}", 1
    if preset:
        try:
            if not force and PresetStore().exists(preset):
                return f"a preset named {preset!r} exists: choose another name, or --force to replace it", 2
        except PresetError as exc:
            return str(exc), 2
    return None


def input_figures(analysis: Analysis) -> dict[str, float | None]:
    """The input's figures a kept chain's provenance records (as ``apply`` reports them before)."""
    return {"integrated_lufs": analysis.loudness.integrated_lufs, "true_peak_dbtp": analysis.levels.true_peak_dbtp,
            "lra_lu": analysis.loudness.lra_lu, "crest_db": analysis.levels.crest_db}  # fmt: skip


def kept_moves(file: str, before: Mapping[str, float | None], context: Context,
               accepted: Sequence[Suggestion]) -> Kept:  # fmt: skip
    """What ``--save-preset`` and ``--save-chain`` keep (``before``: the input's figures)."""
    whole = [s for s in accepted if s.region_s is None]
    provenance = Provenance(analyzed=Analyzed(file=Path(file).name, summary=dict(before)),
                            context=PresetContext.from_context(context),
                            suggestions=tuple(SuggestionRef.from_suggestion(s) for s in whole))  # fmt: skip
    return Kept(chain_from_moves([s.move for s in whole]), provenance,
                tuple(s.id for s in accepted if s.region_s is not None))  # fmt: skip


def save_kept(kept: Kept, *, preset: str | None, chain_path: str | os.PathLike[str] | None,
              overwrite: bool = False, store: PresetStore | None = None) -> list[str]:  # fmt: skip
    """Save as a preset and/or a chain file; the lines that say where (raises
    :class:`presets.PresetError` / :class:`bridge.chain.ChainError`)."""
    lines = []
    if preset:
        entry = (store or PresetStore()).save(Preset(name=preset, chain=kept.chain, provenance=kept.provenance),
                                              overwrite=overwrite)  # fmt: skip
        lines.append(f"Preset saved: {entry.name!r} ({entry.slots} slot{'s' if entry.slots != 1 else ''}) in {entry.path}")
    if chain_path:
        saved = save_chain(kept.chain, chain_path, provenance=provenance_to_dict(kept.provenance))
        lines.append(f"Chain saved: {saved} ({len(kept.chain.slots)} slot{'s' if len(kept.chain.slots) != 1 else ''})")
    if kept.left_out:
        lines.append(f"not kept: {', '.join(kept.left_out)} act on one section only (a chain holds whole-file moves)")
    return lines


def kept_to_dict(kept: Kept) -> dict[str, Any]:
    return {"slots": len(kept.chain.slots), "suggestions": [r.id for r in kept.provenance.suggestions],
            "left_out": list(kept.left_out)}  # fmt: skip
