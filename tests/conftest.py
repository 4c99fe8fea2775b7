"""Shared fixtures. The skip policy (a skip fails under ``CI=true``) is in ``ci_policy.py``."""

from __future__ import annotations

import numpy as np
import pytest

pytest_plugins = ["ci_policy"]


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every test sees the same noise."""
    return np.random.default_rng(seed=440)
