"""``daw push`` is confirmed by reading the fader back, or reported unconfirmed with a non-zero
exit (issue 11, item 7): with no DAW listening it printed ``fader: gain_db=-3`` and exited 0.
"""

from __future__ import annotations

import socket

from ui.cli import main


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_push_to_no_daw_is_unconfirmed(capsys):
    port = _free_udp_port()  # nothing listens there: the datagrams are lost
    code = main(["daw", "push", "--profile", "ardour", "--port", str(port), "--track", "1",
                 "--move", "gain gain_db=-3"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    assert "UNCONFIRMED" in out and "no answer when reading the fader back" in out
    assert err.strip().count("\n") == 0 and "1 of 1 target(s) unconfirmed" in err


def test_a_profile_that_cannot_read_back_says_so(capsys):
    port = _free_udp_port()
    code = main(["daw", "push", "--profile", "reaper", "--port", str(port), "--track", "1",
                 "--move", "gain gain_db=-3"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1 and "cannot be asked for a fader's value" in out
