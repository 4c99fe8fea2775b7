"""The preset file: round trip, versions, unknown keys, strict validation, and safety.

Real files in ``tmp_path``; the plugin index and folders are pointed at empty temporary
ones (environment variables), so the machine's own plugins play no part.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from analyzers import analyze
from analyzers.context import make_context
from analyzers.moves import Move
from analyzers.suggest import Suggestion
from bridge.chain import BuiltinSlot, Chain, ChainError, PluginSlotSpec
from bridge.slots import build_slots
from presets import (
    FORMAT,
    SCHEMA_VERSION,
    Analyzed,
    Preset,
    PresetContext,
    PresetFormatError,
    Provenance,
    SuggestionRef,
    UnsupportedSchemaError,
    dumps,
    loads,
    preset_from_dict,
    preset_to_dict,
    read_preset_file,
    write_preset_file,
)
from presets.format import MAX_FILE_BYTES
from signals import pink_noise

RATE = 48000


@pytest.fixture
def no_plugins(tmp_path, monkeypatch):
    """An empty plugin index, no fetch cache, no ~/.vst3, one empty plugin folder."""
    monkeypatch.setenv("SECONDEAR_PLUGIN_INDEX", str(tmp_path / "index.json"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SECONDEAR_PLUGIN_PATH", str(tmp_path / "vst3"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def full_preset() -> Preset:
    """A preset with every part filled from the analyzers' own records."""
    x = pink_noise(np.random.default_rng(5), 3.0, RATE)
    analysis = analyze(x, RATE)
    ctx = make_context(role_name="vox", genre_name=None, target="spotify", reference_name="ref.wav",
                       intent="less muddy, more air")  # fmt: skip
    hpf = Suggestion(id="hpf", move=Move("highpass", {"freq_hz": 80}), why="rumble at 30 Hz is 6 dB over",
                     confidence=0.8, severity="medium", aspect="rumble")  # fmt: skip
    chain = Chain((BuiltinSlot(Move("highpass", {"freq_hz": 80})), BuiltinSlot(Move("peak", {"freq_hz": 300, "gain_db": -3})),
                   PluginSlotSpec(name="ZamCompX2", path="/usr/lib/vst3/ZamCompX2.vst3", params={"ratio": 3.0},
                                  state=b"\x00state", moves=(Move("compressor", {"threshold_db": -18, "ratio": 3}),))))  # fmt: skip
    return Preset(name="Vox — verse", chain=chain, tags=("vocal", "Verse"), notes="from the verse",
                  provenance=Provenance.of(file="/mix/stems/vox.wav", analysis=analysis, context=ctx, suggestions=[hpf]))  # fmt: skip


def test_a_preset_round_trips_through_its_file(tmp_path):
    preset = full_preset()
    path = write_preset_file(preset, tmp_path / "p.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and data["schema_version"] == SCHEMA_VERSION == 1
    assert data["name"] == "Vox — verse" and data["tags"] == ["vocal", "Verse"]
    assert data["chain"]["schema"] == 1 and [s["kind"] for s in data["chain"]["slots"]] == ["builtin", "builtin", "plugin"]
    prov = data["provenance"]
    assert prov["analyzed"]["file"] == "vox.wav"  # the name, not the engineer's folders
    assert prov["analyzed"]["summary"]["integrated_lufs"] == pytest.approx(preset.provenance.analyzed.summary["integrated_lufs"])
    assert prov["context"] == {"role": "vocal", "genre": None, "destination": "spotify",
                               "intent": ["less muddy", "more air"], "reference": "ref.wav"}  # fmt: skip
    assert prov["suggestions"] == [{"id": "hpf", "kind": "highpass", "why": "rumble at 30 Hz is 6 dB over"}]
    assert data["created"].endswith("Z") and datetime.fromisoformat(data["created"]).tzinfo is not None
    loaded = read_preset_file(path)
    assert loaded == preset
    assert preset_to_dict(loaded) == data
    assert loaded.chain.slots[2].state == b"\x00state"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]  # no temporary file left


def test_created_is_kept_in_utc_to_the_second():
    cet = timezone(timedelta(hours=1))
    p = Preset(name="t", chain=Chain(), created=datetime(2026, 3, 1, 12, 30, 15, 999, tzinfo=cet))
    assert p.created == datetime(2026, 3, 1, 11, 30, 15, tzinfo=timezone.utc)
    assert preset_to_dict(p)["created"] == "2026-03-01T11:30:15Z"
    with pytest.raises(PresetFormatError, match="timezone-aware"):
        Preset(name="t", chain=Chain(), created=datetime(2026, 3, 1))


def test_a_newer_schema_is_refused_clearly_and_the_file_is_untouched(tmp_path):
    data = preset_to_dict(full_preset())
    data.update(schema_version=3, chain={"entirely": "new"}, name=7)  # nothing else is even looked at
    path = tmp_path / "new.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    with pytest.raises(UnsupportedSchemaError) as err:
        read_preset_file(path)
    assert "written by a newer Second Ear (schema 3, this reads up to 1); update to open it" in str(err.value)
    assert str(path) in str(err.value)
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_a_newer_chain_schema_inside_is_refused_as_newer_too():
    data = preset_to_dict(full_preset())
    data["chain"]["schema"] = 2
    with pytest.raises(UnsupportedSchemaError, match="newer Second Ear"):
        preset_from_dict(data)


def test_unknown_keys_from_a_newer_minor_addition_are_kept_and_written_back():
    data = preset_to_dict(full_preset())
    data["colour"] = "#ff8800"
    data["provenance"]["session"] = {"daw": "ardour", "track": 3}
    data["provenance"]["context"]["tempo_bpm"] = 120
    data["provenance"]["suggestions"][0]["confidence"] = 0.8
    data["provenance"]["analyzed"]["sha256"] = "ab" * 32
    p = preset_from_dict(data)
    assert p.extra == {"colour": "#ff8800"} and p.provenance.extra == {"session": {"daw": "ardour", "track": 3}}
    assert p.provenance.context.extra == {"tempo_bpm": 120}
    assert p.provenance.suggestions[0].extra == {"confidence": 0.8}
    assert preset_to_dict(p) == data  # never interpreted, never lost


@pytest.mark.parametrize("key, hint", [("tag", "tags"), ("nmae", "name"), ("provenence", "provenance")])
def test_a_near_typo_of_a_known_key_is_an_error_not_an_extra(key, hint):
    data = preset_to_dict(full_preset())
    data[key] = data.pop(hint)
    with pytest.raises(PresetFormatError, match=f"unknown key '{key}': did you mean '{hint}'"):
        preset_from_dict(data, source="x.json")


def _mutate(path: str, value):
    data = preset_to_dict(full_preset())
    *parents, last = path.split(".")
    node = data
    for k in parents:
        node = node[int(k)] if isinstance(node, list) else node[k]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return data


@pytest.mark.parametrize("path, value, message", [
    ("name", "", "name is empty"),
    ("name", "x" * 101, "101 characters"),
    ("name", "a\x00b", "control character U\\+0000"),
    ("name", KeyError, "'name' is missing"),
    ("tags", "vocal", "tags must be a list"),
    ("tags.0", 5, r"tags\[0\] must be a string"),
    ("created", "yesterday", "created = 'yesterday' is not an ISO 8601 time"),
    ("created", "2026-01-01T10:00:00", "with a time zone"),
    ("notes", ["a"], "notes must be a string"),
    ("chain", [], "chain must be an object"),
    ("chain.slots.1.move.params.gain_db", 99, r"chain: slot 1 \(builtin\): peak gain_db=99 is outside"),
    ("chain.slots.2.nonsense", 1, r"slot 2 \(plugin ZamCompX2\) has unknown key\(s\) nonsense"),
    ("provenance.context.role", 3, "provenance.context.role must be a string or null, not 3"),
    ("provenance.context.intent", "warmer", "provenance.context.intent must be a list"),
    ("provenance.analyzed.summary.integrated_lufs", "loud", "provenance.analyzed.summary.integrated_lufs must be a finite number"),
    ("provenance.analyzed.summary.Bad Key", 1.0, "is not a figure name"),
    ("provenance.suggestions.0.id", KeyError, r"provenance.suggestions\[0\].id is missing"),
    ("provenance.suggestions.0.why", 12, r"provenance.suggestions\[0\].why must be a string"),
    ("schema_version", "1", "'schema_version' must be an integer"),
    ("schema_version", 0, "schema_version 0 is not a preset schema"),
    ("format", "secondear-chain", "not a Second Ear preset"),
])  # fmt: skip
def test_validation_errors_name_the_file_and_the_field(path, value, message):
    with pytest.raises(PresetFormatError, match=message) as err:
        preset_from_dict(_mutate(path, value), source="preset file vox.json")
    assert str(err.value).startswith("preset file vox.json")


def test_not_a_preset_at_all(tmp_path):
    chain_file = tmp_path / "chain.json"
    chain_file.write_text(json.dumps({"schema": 1, "slots": []}))
    with pytest.raises(PresetFormatError, match="is a chain file, not a preset: save it as one with"):
        read_preset_file(chain_file)
    for text, message in (("[1, 2]", "a preset is a JSON object, not list"), ("{", "is not valid JSON"),
                          ('{"format": "secondear-preset", "schema_version": NaN}', "not valid JSON"),
                          ("[" * 100_000 + "]" * 100_000, "not valid JSON")):  # fmt: skip
        with pytest.raises(PresetFormatError, match=message):
            loads(text)
    with pytest.raises(PresetFormatError, match="not UTF-8"):
        (tmp_path / "latin1.json").write_bytes(b'{"name": "\xe9"}')
        read_preset_file(tmp_path / "latin1.json")
    with pytest.raises(PresetFormatError, match="is not a regular file"):
        read_preset_file(tmp_path)
    with pytest.raises(PresetFormatError, match="cannot read it"):
        read_preset_file(tmp_path / "missing.json")


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(PresetFormatError, match=f"a preset is at most {MAX_FILE_BYTES}"):
        read_preset_file(big)


def test_a_malicious_plugin_path_never_loads_a_library(tmp_path, no_plugins, monkeypatch):
    """A preset pointing at /tmp/evil.so (or a bundle outside the index and plugin folders)
    is refused; pedalboard's loader is never reached."""
    import pedalboard

    def must_not_load(*a, **k):
        raise AssertionError("a library was loaded from a preset")

    monkeypatch.setattr(pedalboard, "load_plugin", must_not_load)
    data = preset_to_dict(full_preset())
    data["chain"]["slots"] = [{"kind": "plugin", "name": "Evil", "path": "/tmp/evil.so", "format": "vst3"}]
    with pytest.raises(PresetFormatError, match=r"slot 0 \(plugin Evil\): a vst3 plugin is a \.vst3 bundle, not /tmp/evil\.so"):
        preset_from_dict(data)
    # a real bundle-shaped folder outside the allowed places: the preset reads (it is data),
    # but the chain cannot be built, so nothing is ever loaded from it
    evil = tmp_path / "evil.vst3" / "Contents" / "x86_64-linux"
    evil.mkdir(parents=True)
    (evil / "evil.so").write_bytes(b"\x7fELF not really")
    link = tmp_path / "vst3"
    link.mkdir()
    (link / "Sneaky.vst3").symlink_to(tmp_path / "evil.vst3")  # a symlink out of the folder does not help
    for path in (str(tmp_path / "evil.vst3"), str(link / "Sneaky.vst3"), str(link / ".." / "evil.vst3")):
        data["chain"]["slots"] = [{"kind": "plugin", "name": "Evil", "path": path, "format": "vst3"}]
        preset = preset_from_dict(data)
        with pytest.raises(ChainError, match="neither a plugin the plugin index"):
            build_slots(preset.chain)


def test_records_validate_when_made():
    with pytest.raises(PresetFormatError, match="tags must be a list"):
        Preset(name="x", chain=Chain(), tags="vocal")
    assert Preset(name="  x  ", chain=Chain(), tags=("Vocal", "vocal", " eq ")).tags == ("Vocal", "eq")
    assert Preset(name="  x  ", chain=Chain()).name == "x"
    with pytest.raises(PresetFormatError, match="at most 32"):
        Preset(name="x", chain=Chain(), tags=tuple(f"t{i}" for i in range(33)))
    with pytest.raises(PresetFormatError, match="chain must be a bridge.chain.Chain"):
        Preset(name="x", chain={"schema": 1, "slots": []})
    with pytest.raises(PresetFormatError, match="schema_version must be 1"):
        Preset(name="x", chain=Chain(), schema_version=2)
    with pytest.raises(PresetFormatError, match="finite number"):
        Analyzed(file="a.wav", summary={"integrated_lufs": float("nan")})
    assert PresetContext(intent=["warmer"]).intent == ("warmer",)
    assert SuggestionRef(id="hpf", kind="highpass").why == ""
    p = Preset(name="x", chain=Chain())
    assert replace(p, name="y").name == "y" and p.provenance == Provenance()
    assert loads(dumps(p)) == p


def test_provenance_of_keeps_only_the_file_name_and_plain_figures():
    prov = Provenance.of(file=os.path.join("home", "me", "secret project", "mix.wav"))
    assert prov.analyzed == Analyzed(file="mix.wav") and prov.suggestions == () and prov.context == PresetContext()


GOLDEN = Path(__file__).with_name("golden")


def test_the_golden_schema_1_file_still_reads_exactly():
    """A file written by the first version of the format (kept in tests/presets/golden): every
    later Second Ear must read it, to these values, and write it back the same."""
    path = GOLDEN / "schema-1.json"
    p = read_preset_file(path)
    assert p.name == "Vox — verse" and p.schema_version == 1 and p.tags == ("vocal", "Verse")
    assert p.created == datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    assert p.chain.moves[1] == Move("peak", {"freq_hz": 300, "gain_db": -3, "q": 1})
    assert p.chain.slots[2].state == b"\x00state" and p.chain.slots[2].params == {"ratio": 3.0}
    assert p.provenance.analyzed.file == "vox.wav" and p.provenance.analyzed.summary["integrated_lufs"] == -18.53
    assert p.provenance.context.destination == "spotify" and p.provenance.suggestions[0].id == "hpf"
    assert dumps(p) == path.read_text(encoding="utf-8")


def test_a_preset_keeps_the_repair_moves(tmp_path):
    """Hum notches, a gate and noise reduction round-trip with every parameter (the mask too)."""
    moves = (Move("dehum", {"freq_hz": 49.98, "harmonic_mask": 23, "width_hz": 2.0}),
             Move("noise_reduction", {"reduction_db": 12.0, "profile_below_db": -56.0}),
             Move("gate", {"threshold_db": -52.2, "ratio": 4.4, "range_db": 20.0, "hold_ms": 80.0}))  # fmt: skip
    preset = Preset(name="Vox repair", chain=Chain(tuple(BuiltinSlot(m) for m in moves)))
    loaded = read_preset_file(write_preset_file(preset, tmp_path / "repair.json"))
    assert loaded == preset
    assert [m.to_dict() for m in loaded.chain.moves] == [m.to_dict() for m in moves]
    assert loaded.chain.moves[0].to_dict()["params"]["harmonic_mask"] == 23
