"""``suggest/apply --session S.json``: a conversation continued across commands, its renders
measured with an FFT of our own; ``--tweak`` with and without a session; every decision in
the taste log; a bad session file refused in one line."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from analyzers import analyze
from bridge.audio_io import read_audio
from bridge.chain import load_chain
from presets import PresetStore, TasteLog
from signals import pink_noise, write_wav16
from ui.cli import main

RATE = 48000


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def band_db(path, lo_hz: float, hi_hz: float) -> float:
    y, _ = read_audio(path)
    f = np.fft.rfftfreq(y.shape[1], 1 / RATE)
    sel = (f >= lo_hz) & (f <= hi_hz)
    return float(10 * np.log10(np.sum(np.abs(np.fft.rfft(y.astype(np.float64), axis=1)[:, sel]) ** 2)))


@pytest.fixture
def pink_wav(tmp_path):
    path = tmp_path / "pink.wav"
    write_wav16(path, pink_noise(np.random.default_rng(5), 6.0, RATE, level_dbfs=-22.0), RATE)
    return path


def test_conversation_across_commands(capsys, tmp_path, pink_wav):
    s = tmp_path / "S.json"
    t1 = run_json(capsys, "suggest", pink_wav, "--session", s, "--intent", "warmer")
    ids = [p["id"] for p in t1["proposals"]]
    assert {"warmer-low-mids", "warmer-less-top"} <= set(ids) and t1["turn"] == 1
    assert json.loads(s.read_text())["version"] == 1
    a1 = run_json(capsys, "apply", pink_wav, "-o", tmp_path / "1.wav", "--session", s, "--accept", "warmer-low-mids,warmer-less-top")
    assert [d["verdict"] for d in a1["decided"]] == ["accepted", "accepted"]
    lift = band_db(tmp_path / "1.wav", 235, 265) - band_db(pink_wav, 235, 265)
    assert lift == pytest.approx(a1["state"][0]["params"]["gain_db"], abs=0.3)

    # 'too dark now' continues from the state in the file: the warm shelf loses half
    t2 = run_json(capsys, "suggest", pink_wav, "--session", s, "--intent", "too dark now")
    assert t2["kind"] == "reverse" and t2["replaces"] == {t2["proposals"][0]["id"]: "warmer-less-top"}
    run_json(capsys, "apply", pink_wav, "-o", tmp_path / "2.wav", "--session", s, "--accept", "all")
    top1 = band_db(tmp_path / "1.wav", 13000, 16000) - band_db(pink_wav, 13000, 16000)
    top2 = band_db(tmp_path / "2.wav", 13000, 16000) - band_db(pink_wav, 13000, 16000)
    assert top1 < -1.0 and top2 == pytest.approx(top1 / 2, abs=0.3)

    # 'a bit more' of that, with a tweak on the command line instead of the proposal as is
    t3 = run_json(capsys, "suggest", pink_wav, "--session", s, "--intent", "a bit more")
    pid = t3["proposals"][0]["id"]
    code, text, err = run(capsys, "apply", pink_wav, "-o", tmp_path / "3.wav", "--session", s,
                          "--tweak", f"{pid}:gain_db=-0.5")  # fmt: skip
    assert code == 0, err
    assert f"{pid} tweaked" in text and "measured (before this turn → after)" in text
    top3 = band_db(tmp_path / "3.wav", 13000, 16000) - band_db(pink_wav, 13000, 16000)
    assert top3 == pytest.approx(-0.5, abs=0.25)

    # 'undo that' is done at once; the state is turn 2's again
    code, text, _ = run(capsys, "suggest", pink_wav, "--session", s, "--intent", "undo that")
    assert code == 0 and "done — moves now" in text
    run_json(capsys, "apply", pink_wav, "-o", tmp_path / "4.wav", "--session", s)
    assert band_db(tmp_path / "4.wav", 13000, 16000) == pytest.approx(band_db(tmp_path / "2.wav", 13000, 16000), abs=0.01)

    # every decision made on the command line reached the taste log
    # (a turn's replacement kept counts, for taste, as the original suggestion tweaked to it)
    logged = TasteLog().read().decisions
    assert [(d.suggestion_id, d.verdict) for d in logged] == [
        ("warmer-low-mids", "accepted"), ("warmer-less-top", "accepted"), ("warmer-less-top", "tweaked"),
        ("warmer-less-top", "tweaked")]  # fmt: skip
    shelf = t1["proposals"][[p["id"] for p in t1["proposals"]].index("warmer-less-top")]["params"]["gain_db"]
    assert logged[2].proposed["gain_db"] == shelf and logged[2].final["gain_db"] == pytest.approx(shelf / 2, abs=0.01)
    assert logged[-1].final["gain_db"] == -0.5
    status = run(capsys, "suggest", pink_wav, "--session", s)[1]
    assert "4 turns" in status and "'undo that' (undo)" in status


def test_tweak_without_a_session_is_logged(capsys, tmp_path, pink_wav):
    out = tmp_path / "o.wav"
    code, _, err = run(capsys, "apply", pink_wav, "-o", out, "--intent", "more air", "--tweak", "more-air:gain_db=1.5",
                       "--reject", "hpf")  # fmt: skip
    assert code == 0, err
    lift = band_db(out, 15000, 19000) - band_db(pink_wav, 15000, 19000)
    assert lift == pytest.approx(1.5, abs=0.3)
    logged = TasteLog().read().decisions
    assert [(d.suggestion_id, d.verdict) for d in logged] == [("more-air", "tweaked"), ("hpf", "rejected")]
    # the default (render everything, nothing named) is not a decision
    code, _, _ = run(capsys, "apply", pink_wav, "-o", out, "--intent", "more air")
    assert code == 0 and len(TasteLog().read().decisions) == 2


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "is not a session file (not JSON"),
    ('{"format": "something-else"}', "is not a session file"),
    ('{"format": "secondear-session", "version": 99}', "written by a newer Second Ear"),
    ('{"format": "secondear-session", "version": 1, "cards": 3}', "is damaged"),
])  # fmt: skip
def test_bad_session_file_is_one_line(capsys, tmp_path, pink_wav, content, message):
    s = tmp_path / "S.json"
    s.write_text(content.replace("}", f', "source": {json.dumps(os.path.abspath(pink_wav))}}}', 1)
                 if content.startswith('{"format": "secondear-session", "version": 1') else content)  # fmt: skip
    code, out, err = run(capsys, "suggest", pink_wav, "--session", s, "--intent", "warmer")
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_session_errors(capsys, tmp_path, pink_wav):
    s = tmp_path / "S.json"
    code, _, err = run(capsys, "apply", pink_wav, "-o", tmp_path / "o.wav", "--session", s)
    assert code == 1 and "start one with secondear suggest" in err
    assert run(capsys, "suggest", pink_wav, "--session", s, "--intent", "warmer")[0] == 0
    other = tmp_path / "other.wav"
    write_wav16(other, pink_noise(np.random.default_rng(6), 2.0, RATE), RATE)
    code, _, err = run(capsys, "suggest", other, "--session", s, "--intent", "brighter")
    assert code == 1 and "is the session of" in err
    code, _, err = run(capsys, "suggest", pink_wav, "--session", s, "--intent", "too purple")
    assert code == 2 and "not a quality I know" in err
    code, _, err = run(capsys, "apply", pink_wav, "-o", tmp_path / "o.wav", "--session", s, "--tweak", "warmer-low-mids:gain")
    assert code == 2 and "PARAM=NUMBER" in err


def test_a_question_answered_mid_session_keeps_the_moves(capsys, tmp_path):
    """A quiet bounce with no destination is asked where it goes; answering with --target on
    the next call suggests again (a loudness move) and keeps what was accepted."""
    path = tmp_path / "quiet.wav"
    write_wav16(path, pink_noise(np.random.default_rng(9), 6.0, RATE, level_dbfs=-33.0), RATE)
    s = tmp_path / "S.json"
    t1 = run_json(capsys, "suggest", path, "--session", s, "--intent", "more air")
    assert [q["flag"] for q in t1["questions"]] == ["--target"]
    run_json(capsys, "apply", path, "-o", tmp_path / "1.wav", "--session", s, "--accept", "more-air")
    t2 = run_json(capsys, "suggest", path, "--session", s, "--target", "spotify")
    assert t2["words"] == "context: target spotify" and t2["questions"] == []
    assert "loudness" in [p["id"] for p in t2["proposals"]] and [m["id"] for m in t2["state"]] == ["more-air"]
    run_json(capsys, "apply", path, "-o", tmp_path / "2.wav", "--session", s, "--accept", "loudness")
    y, _ = read_audio(tmp_path / "2.wav")
    assert analyze(y, RATE).loudness.integrated_lufs == pytest.approx(-14.0, abs=0.3)
    def air(p):  # 15–19 kHz against 1–2 kHz
        return band_db(p, 15000, 19000) - band_db(p, 1000, 2000)

    assert air(tmp_path / "1.wav") - air(path) >= 2.0  # 'more air' rendered…
    assert air(tmp_path / "2.wav") == pytest.approx(air(tmp_path / "1.wav"), abs=0.3)  # …and kept under the new loudness


def test_apply_session_keeps_exactly_the_sessions_moves_as_a_preset_and_a_chain(capsys, tmp_path, pink_wav):
    s = tmp_path / "S.json"
    run_json(capsys, "suggest", pink_wav, "--session", s, "--intent", "warmer")
    chain1 = tmp_path / "warm.json"
    a1 = run_json(capsys, "apply", pink_wav, "-o", tmp_path / "1.wav", "--session", s,
                  "--accept", "warmer-low-mids,warmer-less-top", "--save-preset", "Warm talk", "--save-chain", chain1)  # fmt: skip
    assert a1["kept"]["suggestions"] == ["warmer-low-mids", "warmer-less-top"] and a1["kept"]["slots"] == 2
    state = {x["id"]: x for x in a1["state"]}
    for chain in (PresetStore().load("Warm talk").chain, load_chain(chain1)):
        assert sorted((m.kind, dict(m.params)) for m in chain.moves) == sorted(
            (state[i]["kind"], state[i]["params"]) for i in ("warmer-low-mids", "warmer-less-top"))  # fmt: skip
    prov = PresetStore().load("Warm talk").provenance
    assert prov.analyzed.file == "pink.wav" and [r.id for r in prov.suggestions] == ["warmer-low-mids", "warmer-less-top"]
    assert prov.analyzed.summary["integrated_lufs"] == pytest.approx(analyze(*read_audio(pink_wav)).loudness.integrated_lufs)
    # the kept chain renders what the session rendered
    assert run(capsys, "render", pink_wav, "-o", tmp_path / "r1.wav", "--chain", chain1)[0] == 0
    for lo, hi in ((235, 265), (13000, 16000)):
        assert band_db(tmp_path / "r1.wav", lo, hi) == pytest.approx(band_db(tmp_path / "1.wav", lo, hi), abs=0.05)

    # a turn later the chain keeps the session's moves then: the shelf halved by 'too dark now', not the first one
    run_json(capsys, "suggest", pink_wav, "--session", s, "--intent", "too dark now")
    chain2 = tmp_path / "lighter.json"
    code, text, err = run(capsys, "apply", pink_wav, "-o", tmp_path / "2.wav", "--session", s, "--accept", "all",
                          "--save-chain", chain2)  # fmt: skip
    assert code == 0, err
    assert f"Chain saved: {chain2} (2 slots)" in text
    shelf1 = next(m for m in load_chain(chain1).moves if m.kind == "high_shelf")
    shelf2 = next(m for m in load_chain(chain2).moves if m.kind == "high_shelf")
    assert shelf2.params["gain_db"] == pytest.approx(shelf1.params["gain_db"] / 2, abs=0.01)
    assert run(capsys, "render", pink_wav, "-o", tmp_path / "r2.wav", "--chain", chain2)[0] == 0
    assert band_db(tmp_path / "r2.wav", 13000, 16000) == pytest.approx(band_db(tmp_path / "2.wav", 13000, 16000), abs=0.05)


def test_apply_session_refuses_a_taken_preset_name_or_its_own_file_before_rendering(capsys, tmp_path, pink_wav):
    s = tmp_path / "S.json"
    run_json(capsys, "suggest", pink_wav, "--session", s, "--intent", "warmer")
    out = tmp_path / "o.wav"
    assert run(capsys, "apply", pink_wav, "-o", out, "--session", s, "--accept", "all", "--save-preset", "Taken")[0] == 0
    out.unlink()
    before = s.read_text()
    code, _, err = run(capsys, "apply", pink_wav, "-o", out, "--session", s, "--save-preset", "taken")
    assert code == 2 and "a preset named 'taken' exists" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "apply", pink_wav, "-o", out, "--session", s, "--save-chain", s)
    assert code == 2 and "write the chain somewhere else" in err
    assert not out.exists() and s.read_text() == before  # nothing rendered, the session untouched
    assert run(capsys, "apply", pink_wav, "-o", out, "--session", s, "--save-preset", "taken", "--force")[0] == 0
