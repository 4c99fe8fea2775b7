"""A bridge answering on a free loopback port, and a peer talking to it."""

from __future__ import annotations

import pytest

from bridge.osc.dispatch import BridgeSession
from bridge.osc.server import BridgeServer
from tests.bridge.osc.oscpeer import Client


@pytest.fixture
def server():
    with BridgeServer(BridgeSession(version="9.9.9"), port=0) as s:
        yield s


@pytest.fixture
def client(server):
    c = Client(server)
    yield c
    c.close()
