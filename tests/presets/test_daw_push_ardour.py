"""``secondear daw push --preset`` into a REAL headless Ardour 7 session (the session of
``tests/bridge/daw/test_daw_ardour.py``: track "Vox" carrying ZamCompX2): the factory "Mix bus
glue" preset's compressor lands on the plugin's parameters and reads back. Skips with a
how-to when Ardour is missing (a failure under CI=true)."""

from __future__ import annotations

import json

import pytest

from bridge.daw import DawClient
from ui.cli import main


def test_push_a_factory_preset_into_ardour(ardour, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SECONDEAR_PRESET_DIR", str(tmp_path / "presets"))
    code = main(["daw", "push", "--profile", "ardour", "--host", "127.0.0.1", "--port", str(ardour.port),
                 "--track", "Vox", "--preset", "mix bus glue", "--json"])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    (report,) = json.loads(out.out)
    assert report["target"] == "ZamCompX2"
    with DawClient("ardour", "127.0.0.1", ardour.port, timeout_s=3.0) as daw:
        params = {p["name"]: p["value"] for p in daw.plugin_parameters("Vox", "ZamCompX2")}
    assert params["Threshold"] == pytest.approx(-20.0, abs=0.01) and params["Ratio"] == pytest.approx(2.0, abs=0.01)
    assert params["Attack"] == pytest.approx(30.0, abs=0.01) and params["Release"] == pytest.approx(250.0, abs=0.5)
    ardour.stop()
