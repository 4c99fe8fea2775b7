"""``apply --save-preset/--save-chain`` keep exactly the accepted moves with provenance;
``ab FILE --accept …`` auditions the file's own suggestions without a chain file.

In-process through :func:`ui.cli.main` on the demo mix (suggestions: EQ, compressor,
limiter in the pop context for Spotify); B's loudness match checked with ffmpeg's ebur128.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bridge.audio_io import read_audio
from bridge.chain import load_chain
from bridge.demo import demo_mix
from presets import PresetStore
from signals import ffmpeg_ebur128, require_executable, write_float_wav
from ui.cli import main

RATE = 48000
CONTEXT = ("--genre", "pop", "--target", "spotify", "--no-progress", "--no-taste")


@pytest.fixture(scope="module")
def demo_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("keep") / "demo.wav"
    write_float_wav(path, demo_mix()[:, : 20 * RATE], RATE)
    return path


@pytest.fixture(scope="module")
def suggestions(demo_wav):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["suggest", str(demo_wav), *CONTEXT, "--json"]) == 0
    return json.loads(out.getvalue())["suggestions"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_save_preset_and_chain_keep_exactly_the_accepted_moves_with_provenance(capsys, demo_wav, suggestions, tmp_path):
    whole = [s for s in suggestions if "region_s" not in s or s["region_s"] is None]
    assert len(whole) >= 3
    picked = [whole[0], whole[2]]  # a subset, not in a row: exactly these and nothing else
    ids = ",".join(s["id"] for s in picked)
    chain_path = tmp_path / "kept.json"
    code, out, err = run(capsys, "apply", demo_wav, "-o", tmp_path / "out.wav", "--accept", ids, *CONTEXT,
                         "--save-preset", "Demo picks", "--save-chain", chain_path)  # fmt: skip
    assert code == 0, err
    assert "Preset saved: 'Demo picks' (2 slots)" in out and f"Chain saved: {chain_path} (2 slots)" in out
    preset = PresetStore().load("Demo picks")
    wanted = sorted((s["kind"], sorted(s["params"].items())) for s in picked)
    for chain in (preset.chain, load_chain(chain_path)):
        assert sorted((m.kind, sorted(m.params.items())) for m in chain.moves) == wanted
    prov = preset.provenance
    assert [r.id for r in prov.suggestions] == [s["id"] for s in picked]
    assert [r.why for r in prov.suggestions] == [s["why"] for s in picked]
    assert prov.analyzed.file == "demo.wav" and prov.context.genre == "pop" and prov.context.destination == "spotify"
    measured = ffmpeg_ebur128(require_executable("ffmpeg"), demo_wav)  # the input's figures, by a second meter
    assert prov.analyzed.summary["integrated_lufs"] == pytest.approx(measured["integrated_lufs"], abs=0.2)
    data = json.loads(chain_path.read_text())
    assert [x["id"] for x in data["provenance"]["suggestions"]] == [s["id"] for s in picked]
    # the chain file renders as any other
    code, _, err = run(capsys, "render", demo_wav, "-o", tmp_path / "r.wav", "--chain", chain_path)
    assert code == 0, err


def test_save_preset_refuses_a_taken_name_before_rendering_and_several_files(capsys, demo_wav, suggestions, tmp_path):
    sid = suggestions[0]["id"]
    out_wav = tmp_path / "o.wav"
    assert run(capsys, "apply", demo_wav, "-o", out_wav, "--accept", sid, *CONTEXT, "--save-preset", "Taken")[0] == 0
    out_wav.unlink()
    code, _, err = run(capsys, "apply", demo_wav, "-o", out_wav, "--accept", sid, *CONTEXT, "--save-preset", "taken")
    assert code == 2 and "a preset named 'taken' exists" in err and "--force" in err
    assert not out_wav.exists()  # refused before anything was rendered
    assert run(capsys, "apply", demo_wav, "-o", out_wav, "--accept", sid, *CONTEXT, "--save-preset", "taken",
               "--force")[0] == 0  # fmt: skip
    code, _, err = run(capsys, "apply", demo_wav, demo_wav, "-o", tmp_path / "dir", *CONTEXT, "--save-chain", tmp_path / "c.json")
    assert code == 2 and "give one file" in err and len(err.strip().splitlines()) == 1


def test_ab_accept_auditions_the_suggestions_as_the_saved_chain_does(capsys, demo_wav, suggestions, tmp_path):
    ids = ",".join(s["id"] for s in suggestions if s["kind"] in ("peak", "low_shelf", "high_shelf", "compressor"))
    chain_path = tmp_path / "c.json"
    assert run(capsys, "apply", demo_wav, "-o", tmp_path / "o.wav", "--accept", ids, *CONTEXT, "--save-chain", chain_path)[0] == 0
    b1, b2 = tmp_path / "b-accept.wav", tmp_path / "b-chain.wav"
    code, out, err = run(capsys, "ab", demo_wav, "--accept", ids, *CONTEXT, "--region", "4:16", "--export-b", b1)
    assert code == 0, err
    assert out.startswith(f"A/B demo.wav with accepted {ids.replace(',', ', ')}, 4–16 s")
    assert run(capsys, "ab", demo_wav, "--chain", chain_path, "--region", "4:16", "--export-b", b2)[0] == 0
    x1, _ = read_audio(b1)
    x2, _ = read_audio(b2)
    # the same B, without a chain file (under −60 dBFS apart: the file keeps parameters to 3 decimals)
    assert x1.shape == (2, 12 * RATE) and np.abs(x1 - x2).max() < 1e-3
    ffmpeg = require_executable("ffmpeg")
    a = tmp_path / "a.wav"
    assert run(capsys, "ab", demo_wav, "--accept", ids, *CONTEXT, "--region", "4:16", "--export-a", a)[0] == 0
    assert ffmpeg_ebur128(ffmpeg, b1)["integrated_lufs"] == pytest.approx(ffmpeg_ebur128(ffmpeg, a)["integrated_lufs"], abs=0.2)
    xa, _ = read_audio(a)
    assert np.abs(xa - x1).max() > 0.01  # and B is not A: the moves changed it


def test_ab_usage_errors(capsys, demo_wav, tmp_path):
    code, _, err = run(capsys, "ab", demo_wav)
    assert code == 2 and "give either --chain" in err
    code, _, err = run(capsys, "ab", demo_wav, "--accept", "nope", *CONTEXT)
    assert code == 2 and "no suggestion 'nope'" in err and "Traceback" not in err
    code, _, err = run(capsys, "ab", demo_wav, "--accept", "none", *CONTEXT)
    assert code == 2 and "nothing accepted" in err
    code, _, err = run(capsys, "ab", demo_wav, "--accept", "all", "--genre", "polka")
    assert code == 2 and "polka" in err
    code, _, err = run(capsys, "ab", tmp_path / "missing.wav", "--accept", "all")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_an_unwritable_chain_file_is_refused_before_rendering(capsys, demo_wav, suggestions, tmp_path, monkeypatch):
    """``--save-chain`` into a place that cannot take a file (``/proc``: nothing can be created
    there, as on a read-only mount; a path through a regular file) is one line, exit 1,
    before anything is rendered: the existing output stays as it was (it was replaced, and
    only then the chain refused). A chain that fails to save after the render (the disk
    fills in between) still leaves the render's report on stdout, with the error on stderr."""
    from bridge.chain import ChainError

    sid = suggestions[0]["id"]
    out_wav = tmp_path / "o.wav"
    out_wav.write_bytes(b"previous result")
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for chain, says in (("/proc/c.json", "cannot write /proc/c.json: "),
                        (blocker / "c.json", f"cannot write {blocker / 'c.json'}: a part of the path is not a folder")):  # fmt: skip
        code, out, err = run(capsys, "apply", demo_wav, "-o", out_wav, "--accept", sid, *CONTEXT, "--save-chain", chain)
        assert (code, out) == (1, ""), err
        assert err.startswith(f"secondear: --save-chain: {says}") and len(err.splitlines()) == 1, err
        assert out_wav.read_bytes() == b"previous result"
    session = tmp_path / "s.json"
    assert run(capsys, "suggest", demo_wav, *CONTEXT, "--session", session)[0] == 0
    code, out, err = run(capsys, "apply", demo_wav, "-o", out_wav, "--session", session, "--accept", sid,
                         "--save-chain", "/proc/c.json", "--no-taste")  # fmt: skip
    assert (code, out) == (1, "") and "--save-chain: cannot write /proc/c.json" in err
    assert out_wav.read_bytes() == b"previous result"

    def disk_filled(*args, **kwargs):
        raise ChainError(f"chain file {tmp_path / 'c.json'}: cannot write it (the disk is full)")

    monkeypatch.setattr("ui.cli.suggest.save_kept", disk_filled)
    code, out, err = run(capsys, "apply", demo_wav, "-o", out_wav, "--accept", sid, *CONTEXT,
                         "--save-chain", tmp_path / "c.json")  # fmt: skip
    assert code == 1 and err.splitlines() == [f"secondear: chain file {tmp_path / 'c.json'}: cannot write it (the disk is full)"]
    assert out.startswith(f"{demo_wav} → {out_wav}") and "predicted against measured" in out
