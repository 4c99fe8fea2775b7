"""The skip policy itself: a skip passes locally and fails under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent


def run_pytest(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_needs_part.py").write_text(
        "import pytest\n\ndef test_needs_a_missing_part():\n    pytest.skip('ffmpeg is not installed')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(TESTS)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "ci_policy", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def test_skip_is_a_skip_locally(tmp_path):
    done = run_pytest(tmp_path, None)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout


def test_skip_fails_under_ci(tmp_path):
    done = run_pytest(tmp_path, "true")
    assert done.returncode == 1, done.stdout
    assert "1 failed" in done.stdout
    assert "counts as a failure" in done.stdout and "ffmpeg is not installed" in done.stdout
