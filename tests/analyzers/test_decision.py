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


def test_a_decision_pickles_whole_and_read_only():
    """Decisions cross to worker processes with their session (the panel's renders)."""
    import pickle

    d = Decision(verdict="tweaked", suggestion_id="eq-315", kind="peak", proposed={"gain_db": -3.0, "freq_hz": 315.0},
                 final={"gain_db": -1.5, "freq_hz": 315.0}, role="mix", genre="pop", destination="spotify")  # fmt: skip
    back = pickle.loads(pickle.dumps(d))
    assert back == d and back.time == d.time and back.rule_id == "eq"
    with pytest.raises(TypeError):
        back.final["gain_db"] = 0.0  # still a read-only mapping
