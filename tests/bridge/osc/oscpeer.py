"""An OSC peer on loopback for the tests: datagrams built with python-osc, replies read back."""

from __future__ import annotations

import socket
import time

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from bridge.osc.server import BridgeServer


def msg(address: str, *args) -> bytes:
    b = OscMessageBuilder(address=address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram


class Client:
    """A UDP socket on loopback that sends datagrams and reads the replies."""

    def __init__(self, server: BridgeServer, host: str = "127.0.0.1") -> None:
        self.target = server.address
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.target)

    def recv(self, timeout_s: float = 5.0) -> OscMessage | None:
        self.sock.settimeout(timeout_s)
        try:
            data, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            return None
        return OscMessage(data)

    def ask(self, data: bytes, count: int = 1, timeout_s: float = 10.0) -> list[OscMessage]:
        self.send(data)
        out = []
        deadline = time.monotonic() + timeout_s
        while len(out) < count and time.monotonic() < deadline:
            m = self.recv(max(0.01, deadline - time.monotonic()))
            if m is not None:
                out.append(m)
        return out

    def close(self) -> None:
        self.sock.close()
