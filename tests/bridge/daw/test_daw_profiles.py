"""DAW profiles for REAPER, Ableton Live (AbletonOSC), Bitwig (DrivenByMoss) and the generic one.

These DAWs cannot run here: each test checks the DOCUMENTED protocol. A fake DAW (a
python-osc server on 127.0.0.1) records what arrives and, for the DAWs that answer
requests, answers as their documentation says; the test checks the exact addresses and
arguments each verb of :class:`bridge.daw.DawClient` sends. Sources are named in each
profile (``bridge/daw/profiles/*.json``). Ardour itself is tested for real in
``test_daw_ardour.py``.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

from analyzers.moves import parse_move
from bridge.daw import DawClient, DawProfileError, load_profile, match_parameter, push_moves
from bridge.daw.profile import PROFILE_NAMES, PROFILES_DIR

VERBS = ("list_tracks", "select", "set_gain", "get_gain", "list_plugins", "plugin_parameters",
         "set_plugin_parameter", "bypass_on", "bypass_off")  # fmt: skip


class FakeDaw:
    """Records (address, args) and answers some addresses to the sender, as a DAW would."""

    def __init__(self, answers=None):
        self.received: list[tuple[str, list]] = []
        self.answers = answers or {}
        d = Dispatcher()
        d.set_default_handler(self._on, needs_reply_address=True)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), d)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _on(self, client_addr, address, *args):
        self.received.append((address, list(args)))
        answer = self.answers.get(address)
        if answer is not None:
            for reply_address, reply_args in answer(list(args)):
                SimpleUDPClient(*client_addr).send_message(reply_address, reply_args)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)

    def wait(self, n, timeout=2.0):
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.received


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_profile_maps_every_verb_and_names_its_sources(name):
    p = load_profile(name)
    assert p["daw"] == name and p["sources"] and p["indexing"]["track"] in (0, 1)
    assert json.loads((PROFILES_DIR / f"{name}.json").read_text())["verbs"]
    for verb in VERBS:
        spec = p["verbs"][verb]  # every verb is either mapped or says why not
        assert "address" in spec or spec.get("unsupported"), (name, verb)


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(DawProfileError, match="ardour, reaper"):
        load_profile("cubase")


def test_a_profile_file_naming_an_unknown_parser_or_a_verb_without_address_is_refused(tmp_path):
    good = json.loads((PROFILES_DIR / "generic.json").read_text())
    bad = tmp_path / "bad.json"
    verb = next(k for k, v in good["verbs"].items() if "reply" in v)
    broken = {**good, "verbs": {**good["verbs"], verb: {**good["verbs"][verb], "reply": {"address": "/x", "parser": "guess"}}}}
    bad.write_text(json.dumps(broken))
    with pytest.raises(DawProfileError, match=f"{verb}.*'guess'"):
        load_profile(bad)
    bad.write_text(json.dumps({**good, "verbs": {**good["verbs"], "select": {"args": []}}}))
    with pytest.raises(DawProfileError, match="'select' has neither"):
        load_profile(bad)
    bad.write_text(json.dumps({**good, "default_port": "9000"}))
    with pytest.raises(DawProfileError, match="default_port"):
        load_profile(bad)
    bad.write_text(json.dumps(good))
    assert load_profile(bad)["verbs"] == good["verbs"]  # the control: the shipped profile, copied, loads


def test_reaper_sends_default_reaperosc_patterns():
    with FakeDaw() as daw, DawClient("reaper", "127.0.0.1", daw.port, timeout_s=0.5) as c:
        c.select(3)
        c.set_gain_db(3, -6.0)
        c.set_plugin_parameter(3, 2, 5, 0.25)  # no descriptor: the value is already 0-1
        c.bypass(3, 2, True)
        c.bypass(3, 2, False)
        got = daw.wait(5)
        assert got == [("/track/3/select", [1]), ("/track/3/volume/db", [-6.0]),
                       ("/track/3/fx/2/fxparam/5/value", [0.25]), ("/track/3/fx/2/bypass", [0]),
                       ("/track/3/fx/2/bypass", [1])]  # 0 = bypassed (see the profile's source note)  # fmt: skip
        with pytest.raises(DawProfileError, match="feedback"):
            c.list_tracks()


def _ableton_answers():
    return {
        "/live/song/get/track_names": lambda a: [("/live/song/get/track_names", ["Drums", "Vox"])],
        "/live/track/get/volume": lambda a: [("/live/track/get/volume", [a[0], 0.7])],
        "/live/track/get/devices/name": lambda a: [("/live/track/get/devices/name", [a[0], "EQ Eight", "Compressor"])],
        "/live/device/get/parameters/name": lambda a: [("/live/device/get/parameters/name",
                                                        [a[0], a[1], "Device On", "Threshold", "Ratio"])],
    }  # fmt: skip


def test_ableton_abletonosc_addresses_indexing_and_volume_law():
    with FakeDaw(_ableton_answers()) as daw, DawClient("ableton", "127.0.0.1", daw.port, reply_port=0, timeout_s=1.0) as c:
        assert [t["name"] for t in c.list_tracks()] == ["Drums", "Vox"]
        c.select("Vox")
        c.set_gain_db("Vox", -6.0)  # v = (dB + 34) / 40
        assert c.get_gain_db(2) == pytest.approx(40 * 0.7 - 34)
        assert [p["name"] for p in c.list_plugins(2)] == ["EQ Eight", "Compressor"]
        assert [p["name"] for p in c.plugin_parameters(2, "Compressor")] == ["Device On", "Threshold", "Ratio"]
        c.set_plugin_parameter(2, 2, 2, -18.0)  # raw units, 0-based on the wire
        c.bypass(2, 2, True)
        c.bypass(2, 2, False)
        sent = [m for m in daw.wait(12) if "/get/" not in m[0]]
        assert sent == [("/live/view/set/selected_track", [1]), ("/live/track/set/volume", [1, pytest.approx(0.7)]),
                        ("/live/device/set/parameter/value", [1, 1, 1, -18.0]),
                        ("/live/device/set/parameter/value", [1, 1, 0, 0.0]),
                        ("/live/device/set/parameter/value", [1, 1, 0, 1.0])]  # fmt: skip
        asked = [m for m in daw.received if "/get/" in m[0]]
        assert ("/live/track/get/volume", [1]) in asked and ("/live/device/get/parameters/name", [1, 1]) in asked
        with pytest.raises(DawProfileError, match="AbletonOSC volume law"):
            c.set_gain_db(1, -40.0)


def test_bitwig_drivenbymoss_cursor_device_and_value_scale():
    with FakeDaw() as daw, DawClient("bitwig", "127.0.0.1", daw.port, timeout_s=0.5) as c:
        c.select(2)
        c.set_plugin_parameter(2, 1, 3, 0.5)  # no descriptor: already 0-1, scaled to 0..MAX_VALUE (127)
        c.bypass(2, 1, True)
        got = daw.wait(7)
        assert got == [("/track/2/select", [1]),
                       ("/track/2/select", [1]), ("/device/1/select", [1]), ("/device/param/3/value", [64]),
                       ("/track/2/select", [1]), ("/device/1/select", [1]), ("/device/bypass", [])]  # fmt: skip
        with pytest.raises(DawProfileError, match="no dB law"):
            c.set_gain_db(2, -6.0)


def test_generic_template_round_trip_and_push_moves():
    tracks = lambda a: [("/tracks", ["Bass", "Vox"])]  # noqa: E731
    answers = {
        "/tracks": tracks,
        "/track/2/gain_db": lambda a: [] if a else [("/track/2/gain_db", [-6.0])],
        "/track/2/plugins": lambda a: [("/track/2/plugins", ["ZamCompX2"])],
        "/track/2/plugin/1/parameters": lambda a: [("/track/2/plugin/1/parameters",
                                                    ["Attack", "Release", "Knee", "Ratio", "Threshold"])],
    }  # fmt: skip
    with FakeDaw(answers) as daw, DawClient("generic", "127.0.0.1", daw.port, timeout_s=1.0) as c:
        report = push_moves(c, "Vox", [parse_move("gain gain_db=-6"), parse_move("compressor threshold_db=-18 ratio=3")])
        assert report[0] == {"target": "fader", "moves": [report[0]["moves"][0]],
                             "set": [{"name": "gain_db", "value": -6.0}], "unmatched": []}  # fmt: skip
        assert report[1]["target"] == "ZamCompX2"
        assert c.get_gain_db("Vox") == -6.0  # answered after every earlier message was handled (one thread, in order)
        sets = {m[0]: m[1] for m in daw.received if m[0].startswith("/track/2/plugin/1/param/")}
        assert sets["/track/2/plugin/1/param/5"] == [-18.0] and sets["/track/2/plugin/1/param/4"] == [3.0]
        assert ("/track/2/gain_db", [-6.0]) in daw.received


def test_repairs_no_plugin_takes_are_rendered_not_pushed_and_the_rest_is_pushed():
    answers = {
        "/track/2/plugins": lambda a: [("/track/2/plugins", ["ZamCompX2"])],
        "/track/2/plugin/1/parameters": lambda a: [("/track/2/plugin/1/parameters",
                                                    ["Attack", "Release", "Knee", "Ratio", "Threshold"])],
        "/tracks": lambda a: [("/tracks", ["Bass", "Vox"])],
    }  # fmt: skip
    moves = [parse_move("dehum freq_hz=50 harmonic_mask=7"), parse_move("compressor threshold_db=-18 ratio=3"),
             parse_move("noise_reduction profile_below_db=-55")]  # fmt: skip
    with FakeDaw(answers) as daw, DawClient("generic", "127.0.0.1", daw.port, timeout_s=1.0) as c:
        report = push_moves(c, "Vox", moves)
    skipped = [r for r in report if r["target"] == "rendered, not pushed"]
    assert [r["moves"][0].split()[0] for r in skipped] == ["dehum", "noise"]
    assert all("secondear apply" in r["note"] for r in skipped)
    assert [r["target"] for r in report if r not in skipped] == ["ZamCompX2"]
    with pytest.raises(DawProfileError, match="realises a peak move"):  # an EQ move is still refused
        with FakeDaw(answers) as daw, DawClient("generic", "127.0.0.1", daw.port, timeout_s=1.0) as c:
            push_moves(c, "Vox", [parse_move("peak freq_hz=300 gain_db=-3")])


def test_match_parameter_maps_pedalboard_names_onto_daw_labels():
    params = [{"number": 7, "name": "Threshold", "input": True}, {"number": 13, "name": "Output Level", "input": False},
              {"number": 8, "name": "Makeup", "input": True}, {"number": 3, "name": "Attack", "input": True}]  # fmt: skip
    assert match_parameter("threshold_db", params)["number"] == 7
    assert match_parameter("makeup_db", params)["number"] == 8
    assert match_parameter("attack_ms", params)["number"] == 3
    assert match_parameter("output_level", params) is None  # an output is never set


def test_malformed_replies_are_counted_and_ignored():
    def garbage_then_answer(a):
        return [("/live/song/get/track_names", [])]

    with FakeDaw({"/live/song/get/track_names": garbage_then_answer}) as daw:
        with DawClient("ableton", "127.0.0.1", daw.port, reply_port=0, timeout_s=1.0) as c:
            # a malformed datagram straight to the client's reply port first
            import socket

            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"\xffnot osc at all", ("127.0.0.1", c.reply_port))
            s.close()
            time.sleep(0.05)
            c._sock.settimeout(0.5)
            data = c._sock.recv(65536)
            assert c._decode(data) == [] and c.malformed == 1
            assert c.list_tracks() == []


def test_push_says_a_ride_and_an_unmapped_deesser_are_rendered_not_pushed():
    answers = {
        "/tracks": lambda a: [("/tracks", ["Vox"])],
        "/track/1/plugins": lambda a: [("/track/1/plugins", ["ZamCompX2"])],
        "/track/1/plugin/1/parameters": lambda a: [("/track/1/plugin/1/parameters", ["Threshold", "Ratio"])],
    }  # fmt: skip
    with FakeDaw(answers) as daw, DawClient("generic", "127.0.0.1", daw.port, timeout_s=1.0) as c:
        report = push_moves(c, "Vox", [parse_move("ride curve=0:0,2:-6"),
                                       parse_move("deesser freq_hz=7000 threshold_db=-40"),
                                       parse_move("compressor threshold_db=-18 ratio=3")])  # fmt: skip
        by_target = {}
        for r in report:
            by_target.setdefault(r["target"], []).append(r)
        rendered = by_target["rendered, not pushed"]
        assert [r["moves"][0].split()[0] for r in rendered] == ["ride:", "de-esser"]
        assert "automation" in rendered[0]["note"] and "secondear apply" in rendered[1]["note"]
        assert by_target["ZamCompX2"][0]["set"]  # the others still go to the DAW
