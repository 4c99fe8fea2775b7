"""Faults of the DAW link that the other test files do not cover.

Already covered elsewhere (not repeated here): the DAW not running and non-OSC replies
(``test_daw_ardour.py``), a BridgeServer port in use matching "cannot listen"
(``osc/test_osc_server.py``). Here: the port in use named in the error (server, CLI, the client's
reply port), and a real Ardour quitting mid-session.
"""

from __future__ import annotations

import socket
import time

import pytest

from bridge.daw import DawClient
from bridge.errors import BridgeError, DawLinkError
from bridge.osc.server import BridgeServer
from tests.daw.ardour_session import _group_alive, start_ardour


@pytest.fixture
def held_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


def test_bridge_port_in_use_names_the_port(held_port):
    srv = BridgeServer(port=held_port)
    with pytest.raises(BridgeError) as info:
        srv.start()
    assert f"127.0.0.1:{held_port}" in str(info.value)
    assert "in use" in str(info.value).lower()
    srv.close()


def test_cli_serve_port_in_use_exits_1_naming_the_port(held_port, capsys):
    from ui.cli import main

    assert main(["daw", "serve", "--port", str(held_port)]) == 1
    assert f"127.0.0.1:{held_port}" in capsys.readouterr().err


def test_client_reply_port_in_use_names_the_port(held_port):
    with pytest.raises(DawLinkError) as info:
        DawClient("ardour", "127.0.0.1", 3819, reply_port=held_port)
    assert str(held_port) in str(info.value)


def test_daw_quitting_mid_session_is_a_link_error_within_the_timeout(tmp_path):
    session = start_ardour(tmp_path)
    try:
        with DawClient("ardour", "127.0.0.1", session.port, timeout_s=1.0, attempts=3) as daw:
            assert [t["name"] for t in daw.list_tracks()] == ["Vox"]
            session.stop()
            assert session.proc.returncode is not None
            t0 = time.monotonic()
            with pytest.raises(DawLinkError) as info:
                daw.get_gain_db(1)
            assert time.monotonic() - t0 < 1.0 + 0.5
            assert "did not answer /strip/gain" in str(info.value)
    finally:
        if session.proc.poll() is None:
            session.stop()
    assert not _group_alive(session.proc.pid)
