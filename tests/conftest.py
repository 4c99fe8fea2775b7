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
