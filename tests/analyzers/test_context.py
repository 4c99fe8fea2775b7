"""Context: names resolved with clear errors, loudness numbers parsed, data files sound."""

from __future__ import annotations

import math

import pytest

from analyzers.context import (
    UnknownNameError,
    destination,
    genre,
    load_data,
    make_context,
    role,
)
from analyzers.errors import ParameterError

ROLES = list(load_data("roles")["roles"])
GENRES = list(load_data("genres")["genres"])
DESTINATIONS = list(load_data("destinations")["destinations"])


@pytest.mark.parametrize(
    ("resolver", "typed", "known", "nearest"),
    [
        (role, "vocla", ROLES, "vocal"),
        (role, "drumz", ROLES, "drums"),
        (genre, "popp", GENRES, "pop"),
        (genre, "jaz", GENRES, "jazz"),
        (destination, "spotfy", DESTINATIONS, "spotify"),
        (destination, "youtub", DESTINATIONS, "youtube"),
    ],
)
def test_unknown_name_lists_the_known_names_and_the_nearest(resolver, typed, known, nearest):
    with pytest.raises(UnknownNameError) as info:
        resolver(typed)
    msg = str(info.value)
    assert repr(typed) in msg
    for name in known:
        assert name in msg, f"{name!r} missing from {msg!r}"
    assert "nearest:" in msg
    assert nearest in msg.split("nearest:")[1].split(",")[0], msg


def test_unknown_name_with_nothing_near_still_lists_the_known_names():
    with pytest.raises(UnknownNameError) as info:
        genre("zzzzqqq")
    msg = str(info.value)
    assert all(name in msg for name in GENRES)
    assert "nearest" not in msg


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"role_name": "vocla"}, "role"), ({"genre_name": "popp"}, "genre"), ({"target": "spotfy"}, "destination")],
)
def test_make_context_reports_each_unknown_name(kwargs, word):
    with pytest.raises(UnknownNameError, match=word):
        make_context(**kwargs)


@pytest.mark.parametrize(
    ("typed", "name"),
    [("Vocals", "vocal"), ("drum-bus", "drums"), ("mix_bus", "mix"), ("hip_hop", "hip-hop"), ("R&B", "r&b"), ("EBU", "ebu-r128"),
     ("apple", "apple-music")],
)
def test_aliases_and_case_resolve(typed, name):
    table = {"vocal": role, "drums": role, "mix": role, "hip-hop": genre, "r&b": genre}
    resolver = table.get(name, destination)
    assert resolver(typed).name == name


@pytest.mark.parametrize(
    ("typed", "lufs"),
    [("-16", -16.0), ("-9.5 LUFS", -9.5), ("-14lufs", -14.0), (" -23 LKFS ", -23.0), ("-40", -40.0), ("0", 0.0)],
)
def test_destination_numbers_parse(typed, lufs):
    d = destination(typed)
    assert d.lufs == lufs
    assert d.ceiling_dbtp == -1.0
    assert d.source


@pytest.mark.parametrize("typed", ["-40.5", "-100", "5", "12 LUFS", "-99 lufs"])
def test_out_of_range_loudness_is_rejected(typed):
    with pytest.raises(ParameterError) as info:
        destination(typed)
    assert not isinstance(info.value, UnknownNameError), "a number is not an unknown name"
    assert "40" in str(info.value) and "0 LUFS" in str(info.value)


@pytest.mark.parametrize("name", DESTINATIONS)
def test_every_destination_resolves_with_a_sane_target(name):
    d = destination(name)
    assert -30.0 <= d.lufs <= -5.0
    assert -3.0 <= d.ceiling_dbtp <= 0.0


@pytest.mark.parametrize("name", GENRES)
def test_every_genre_builds_a_31_band_curve_of_shares(name):
    g = genre(name)
    assert len(g.band_level_db) == 31
    assert all(math.isfinite(v) for v in g.band_level_db)
    total_db = 10 * math.log10(sum(10 ** (v / 10) for v in g.band_level_db))
    assert total_db == pytest.approx(0.0, abs=0.01)
    assert g.lra_lu[0] < g.lra_lu[1] and g.crest_db[0] < g.crest_db[1]


@pytest.mark.parametrize("name", ROLES)
def test_every_role_resolves_with_consistent_ranges(name):
    r = role(name)
    assert r.fundamental_hz[0] < r.fundamental_hz[1]
    assert r.highpass_hz <= r.fundamental_hz[0]
    assert r.crest_db[0] < r.crest_db[1]


def _entries():
    out = []
    for file, key in (("roles", "roles"), ("genres", "genres"), ("destinations", "destinations"), ("intents", "descriptors")):
        for name, entry in load_data(file)[key].items():
            out.append(pytest.param(file, name, entry, id=f"{file}:{name}"))
    out.append(pytest.param("genres", "base", load_data("genres")["base"], id="genres:base"))
    return out


@pytest.mark.parametrize(("file", "name", "entry"), _entries())
def test_every_data_entry_names_its_source(file, name, entry):
    assert isinstance(entry.get("source"), str) and entry["source"].strip(), f"{file}.json {name!r} has no source"


@pytest.mark.parametrize("file", ["roles", "genres", "destinations", "intents"])
def test_every_data_file_has_schema_about_and_licence(file):
    data = load_data(file)
    assert data["schema"] == 1
    assert data["about"].strip() and data["licence"].strip()


def test_aliases_never_shadow_each_other():
    for file, key in (("roles", "roles"), ("genres", "genres"), ("destinations", "destinations"), ("intents", "descriptors")):
        seen: dict[str, str] = {}
        for name, entry in load_data(file)[key].items():
            for alias in [name, *entry.get("aliases", [])]:
                assert alias not in seen, f"{file}.json: {alias!r} names both {seen[alias]!r} and {name!r}"
                seen[alias] = name
