"""The taste profile: the decision log on disk, its summary, and the analyzers' pure hook."""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime, timezone

import pytest

from analyzers.context import make_context
from analyzers.moves import Move
from analyzers.suggest import Advice, Suggestion
from analyzers.suggest.taste import MAX_SHIFT, rule_id, taste_adjusted
from presets import Decision, PresetStoreError, TasteLog, default_taste_path, summarize

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)


def peak(freq_hz=315.0, gain_db=-3.0, q=1.0) -> Move:
    return Move("peak", {"freq_hz": freq_hz, "gain_db": gain_db, "q": q})


def sug(sid="eq-315", move=None, confidence=0.5, severity="medium") -> Suggestion:
    return Suggestion(id=sid, move=move or peak(), why="315 Hz is 4 dB over", confidence=confidence,
                      severity=severity, aspect="bump:315")  # fmt: skip


def test_the_log_lives_in_the_user_data_dir_unless_moved(tmp_path, monkeypatch):
    monkeypatch.delenv("SECONDEAR_TASTE_FILE", raising=False)
    assert default_taste_path().parts[-2:] == ("secondear", "taste.jsonl")
    monkeypatch.setenv("SECONDEAR_TASTE_FILE", str(tmp_path / "t.jsonl"))
    assert TasteLog().path == tmp_path / "t.jsonl"


def test_decisions_append_as_json_lines_and_read_back(tmp_path):
    ctx = make_context(role_name="vox", genre_name="pop")
    log = TasteLog(tmp_path / "data" / "taste.jsonl")
    a = Decision.of(sug(), "accepted", context=ctx, time=T0)
    t = Decision.of(sug("tone-2.5k", peak(2500, 2.0)), "tweaked", final=peak(2800, 1.0), context=ctx, time=T0)
    r = Decision.of(sug("hpf", Move("highpass", {"freq_hz": 90})), "rejected", time=T0)
    for d in (a, t, r):
        log.append(d)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert first == {"v": 1, "time": "2026-11-25T10:00:00+00:00", "verdict": "accepted", "suggestion_id": "eq-315",
                     "rule_id": "eq", "kind": "peak", "proposed": {"freq_hz": 315.0, "gain_db": -3.0, "q": 1.0},
                     "role": "vocal", "genre": "pop"}  # fmt: skip
    assert json.loads(lines[1])["final"] == {"freq_hz": 2800.0, "gain_db": 1.0, "q": 1.0}
    got = log.read()
    assert got.decisions == (a, t, r) and got.skipped_lines == 0


def test_damaged_and_newer_lines_are_skipped_and_a_torn_line_is_not_glued_onto(tmp_path):
    log = TasteLog(tmp_path / "taste.jsonl")
    good = Decision(verdict="accepted", suggestion_id="hpf", kind="highpass", time=T0)
    log.append(good)
    with open(log.path, "ab") as f:
        f.write(b'{"v": 2, "verdict": "accepted"}\nnot json\n{"v": 1, "verdict": "accepted", "suggestion_id": "x"')
    log.append(good)  # after a writer died mid-line
    got = log.read()
    assert got.decisions == (good, good) and got.skipped_lines == 3
    assert log.summary()["skipped_lines"] == 3 and log.summary()["decisions"] == 2


def test_a_failed_append_leaves_the_log_as_it_was(tmp_path, monkeypatch):
    log = TasteLog(tmp_path / "taste.jsonl")
    log.append(Decision(verdict="accepted", suggestion_id="hpf", kind="highpass", time=T0))
    before = log.path.read_bytes()
    real_write = os.write

    def half_then_full(fd, data):  # a short write, as a nearly full disk gives
        real_write(fd, data[: len(data) // 2])
        return len(data) // 2

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(PresetStoreError, match="the disk is full; the log is as it was"):
        log.append(Decision(verdict="rejected", suggestion_id="eq-315", kind="peak", time=T0))

    def enospc(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", enospc)
    with pytest.raises(PresetStoreError, match="disk is full"):
        log.append(Decision(verdict="rejected", suggestion_id="eq-315", kind="peak", time=T0))
    monkeypatch.undo()
    assert log.path.read_bytes() == before


def test_summary_per_rule_and_per_kind_and_role():
    ctx_vox, ctx_mix = make_context(role_name="vocal"), make_context(role_name="mix")
    ds = [
        Decision.of(sug("eq-315"), "accepted", context=ctx_vox),
        Decision.of(sug("eq-250", peak(250, -3)), "tweaked", final=peak(250, -1.5), context=ctx_vox),
        Decision.of(sug("eq-400", peak(400, -4)), "tweaked", final=peak(500, -2.0), context=ctx_vox),
        Decision.of(sug("eq-1k", peak(1000, -2)), "tweaked", final=peak(1000, -1.0), context=ctx_vox),
        Decision.of(sug("eq-2k", peak(2000, -2)), "rejected", context=ctx_mix),
        Decision.of(sug("hpf", Move("highpass", {"freq_hz": 80})), "rejected", context=ctx_vox),
        Decision(verdict="accepted", suggestion_id="loudness", kind="gain"),
    ]
    s = summarize(ds)
    json.dumps(s)  # plain data
    assert s["decisions"] == 7 and set(s["by_rule"]) == {"eq", "hpf", "loudness"}
    eq = s["by_rule"]["eq"]
    assert (eq["accepted"], eq["tweaked"], eq["rejected"], eq["total"]) == (1, 3, 1, 5) and eq["accept_rate"] == 0.8
    # tweaks: +1.5, +2.0, +1.0 dB → median +1.5; the frequency moved once, 400 → 500 Hz
    assert eq["median_tweak"] == {"gain_db": 1.5, "freq_hz": 100.0, "freq_oct": pytest.approx(0.322, abs=1e-3)}
    vox = s["by_kind_role"]["peak"]["vocal"]
    assert (vox["accepted"], vox["tweaked"], vox["rejected"]) == (1, 3, 0)
    assert s["by_kind_role"]["peak"]["mix"]["rejected"] == 1 and s["by_kind_role"]["gain"]["any"]["total"] == 1
    assert "median_tweak" in s["by_rule"]["hpf"] and s["by_rule"]["hpf"]["median_tweak"] == {}
    # amounts: the peak cuts kept on vocal, per region: 315 Hz (1), 250 Hz (½), 400 Hz (½) at 120–500 Hz
    assert s["amounts"]["peak|cut|at 120–500 Hz|vocal"] == {"n": 3, "kept": 0.5}
    assert s["amounts"]["peak|cut|at 500 Hz–2 kHz|vocal"] == {"n": 1, "kept": 0.5}
    assert "peak|cut|at 500 Hz–2 kHz|mix" not in s["amounts"]  # a rejection keeps no amount
    assert summarize([]) == {"decisions": 0, "by_rule": {}, "by_kind_role": {}, "amounts": {}, "loudness": {}}


@pytest.mark.parametrize("sid, rule", [("eq-315", "eq"), ("tone-2.5k", "tone"), ("eq-1k", "eq"), ("hpf", "hpf"),
                                       ("less-muddy-2", "less-muddy"), ("mask-bass-250", "mask-bass"),
                                       ("tone-1k-2", "tone"), ("lift-gain", "lift-gain"), ("315", "315")])  # fmt: skip
def test_rule_ids(sid, rule):
    assert rule_id(sid) == rule


def test_taste_nudges_confidence_by_kind_and_role_then_by_rule_and_reranks():
    advice = Advice(suggestions=(sug("eq-315", confidence=0.6), sug("comp", Move("compressor", {"threshold_db": -20, "ratio": 2}),
                                                                     confidence=0.5),
                                 sug("hpf", Move("highpass", {"freq_hz": 80}), confidence=0.55)),
                    leave_alone=(), notes=("a note",))  # fmt: skip
    many_rejected = {"accepted": 0, "tweaked": 0, "rejected": 12}
    summary = {"by_kind_role": {"peak": {"vocal": many_rejected}, "compressor": {"vocal": {"accepted": 1, "rejected": 0}}},
               "by_rule": {"comp": {"accepted": 9, "tweaked": 3, "rejected": 0, "median_tweak": {"gain_db": 1.0}}}}  # fmt: skip
    out = taste_adjusted(advice, summary, role="vocal")
    conf = {s.id: s.confidence for s in out.suggestions}
    assert conf["eq-315"] < 0.6 - 0.1 and 0.6 - conf["eq-315"] <= MAX_SHIFT
    assert conf["comp"] > 0.5 + 0.1  # too few (kind, role) decisions: the rule's figures decide
    assert conf["hpf"] == 0.55  # nothing known: unchanged
    assert [s.id for s in out.suggestions] == ["comp", "hpf", "eq-315"]  # re-ranked by confidence
    assert out.notes[0] == "a note" and any("taste: eq-315 confidence 0.60 →" in n for n in out.notes)
    assert any("usually tweaked by gain_db +1" in n for n in out.notes)
    assert [s.move for s in out.suggestions] == [advice.suggestions[i].move for i in (1, 2, 0)]  # moves untouched
    assert taste_adjusted(advice, {}, role="vocal") == advice
    assert taste_adjusted(advice, {"by_rule": {"eq": {"accepted": 1, "rejected": 1}}}, role="vocal") == advice
