"""The Decision record: the engineer's verdict on one suggestion, validated when made."""

from datetime import datetime

import pytest

from analyzers.errors import ParameterError
from analyzers.suggest.records import Decision


def test_decisions_validate():
    with pytest.raises(ParameterError, match="needs the final parameters"):
        Decision(verdict="tweaked", suggestion_id="eq-315", kind="peak")
    with pytest.raises(ParameterError, match="only for tweaked"):
        Decision(verdict="accepted", suggestion_id="eq-315", kind="peak", final={"gain_db": 1.0})
    with pytest.raises(ParameterError, match="is not one of accepted, tweaked, rejected"):
        Decision(verdict="maybe", suggestion_id="x", kind="peak")
    with pytest.raises(ParameterError, match="not a finite number"):
        Decision(verdict="accepted", suggestion_id="x", kind="peak", proposed={"gain_db": float("inf")})
    with pytest.raises(ParameterError, match="timezone-aware"):
        Decision(verdict="accepted", suggestion_id="x", kind="peak", time=datetime(2026, 1, 1))
