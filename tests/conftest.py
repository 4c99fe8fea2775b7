"""Shared fixtures. The skip policy (a skip fails under ``CI=true``) is in ``ci_policy.py``."""

from __future__ import annotations

import numpy as np
import pytest

pytest_plugins = ["ci_policy"]


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every test sees the same noise."""
    return np.random.default_rng(seed=440)


@pytest.fixture(autouse=True)
def _private_user_data(tmp_path_factory, monkeypatch):
    """Presets and the taste log go to a temporary folder, never the tester's own (the panel
    and the CLI read and write them; a test may still point them elsewhere)."""
    home = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("SECONDEAR_PRESET_DIR", str(home / "presets"))
    monkeypatch.setenv("SECONDEAR_TASTE_FILE", str(home / "taste.jsonl"))


@pytest.fixture(scope="module")
def ardour(tmp_path_factory):
    """A real headless Ardour 7 session for the module (tests/daw/ardour_session.py): track
    "Vox" with ZamCompX2, its OSC surface on 127.0.0.1; stopped with its process group."""
    from tests.daw.ardour_session import start_ardour

    session = start_ardour(tmp_path_factory.mktemp("ardour"))
    yield session
    if session.proc.poll() is None:
        session.stop()
