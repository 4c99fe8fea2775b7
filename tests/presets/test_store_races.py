"""Two saves of one new preset name at once: one wins, the other is told "exists" (issue 11,
item 6); ``presets export -o`` keeps an unrelated file (item 10).

Processes started together by a barrier, 16 rounds; before the fix every round said "saved"
twice (one preset silently lost, or two files for one name).
"""

from __future__ import annotations

import json
import multiprocessing as mp

import pytest

from analyzers.moves import Move
from bridge.chain import BuiltinSlot, Chain
from presets import Preset, PresetExistsError, PresetStore, PresetStoreError
from ui.cli import main

ROUNDS = 16


def _saver(folder: str, gain_db: float, barrier, results) -> None:
    store = PresetStore(folder, factory=False)
    for i in range(ROUNDS):
        barrier.wait(timeout=60)
        preset = Preset(name=f"Round {i}", chain=Chain((BuiltinSlot(Move("gain", {"gain_db": gain_db})),)))
        try:
            store.save(preset)
            results.put((i, gain_db, "saved"))
        except PresetExistsError:
            results.put((i, gain_db, "exists"))


def test_two_saves_of_one_new_name_one_wins(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_saver, args=(str(folder), g, barrier, results)) for g in (-3.0, -6.0)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    got: dict[int, list[tuple[float, str]]] = {}
    while not results.empty():
        i, g, what = results.get()
        got.setdefault(i, []).append((g, what))
    store = PresetStore(folder, factory=False)
    wrong = []
    for i in range(ROUNDS):
        outcomes = sorted(w for _, w in got.get(i, []))
        winner = [g for g, w in got.get(i, []) if w == "saved"]
        files = [p for p in folder.glob("*.json") if json.loads(p.read_text())["name"] == f"Round {i}"]
        kept = store.load(f"Round {i}").chain.slots[0].move.params["gain_db"]
        if outcomes != ["exists", "saved"] or len(files) != 1 or winner != [kept]:
            wrong.append((i, outcomes, len(files), winner, kept))
    assert wrong == []


def test_export_keeps_an_unrelated_file(tmp_path, capsys):
    folder = tmp_path / "presets"
    store = PresetStore(folder)
    store.save(Preset(name="Mine", chain=Chain((BuiltinSlot(Move("gain", {"gain_db": -2.0})),))))
    notes = tmp_path / "notes.txt"
    notes.write_text("my session notes\n")
    code = main(["presets", "export", "Mine", "-o", str(notes), "--dir", str(folder)])
    err = capsys.readouterr().err
    assert code == 2 and "is not an export of 'Mine'" in err and "--force" in err
    assert notes.read_text() == "my session notes\n"
    # an earlier export of the same preset is replaced; --force replaces anything
    out = tmp_path / "mine.json"
    assert main(["presets", "export", "Mine", "-o", str(out), "--dir", str(folder)]) == 0
    assert main(["presets", "export", "Mine", "-o", str(out), "--dir", str(folder)]) == 0
    assert main(["presets", "export", "Mine", "-o", str(notes), "--force", "--dir", str(folder)]) == 0
    assert json.loads(notes.read_text())["name"] == "Mine"
    with pytest.raises(PresetStoreError, match="not a regular file"):
        store.export("Mine", "/dev/full", overwrite=True)
