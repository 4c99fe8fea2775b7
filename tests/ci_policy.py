"""pytest plugin: under ``CI=true`` a skipped test is reported as a failure.

CI installs every real part the tests meet (ffmpeg, Ardour, liblo, espeak-ng, Xvfb, plugin
binaries) through ``scripts/``; a skip there means the set-up is broken, not that the test
does not apply. Locally a missing part is a skip that says how to install it.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"
