"""Second Ear installed the way users install it: a wheel built from this tree, installed
(not editable) into a fresh virtual environment, run from outside the source tree.

An editable install reads data files from the source tree and so hides a wheel that leaves
them out (it once shipped without ``bridge/daw/profiles/*.json``). The fresh environment
borrows the dependencies of the test environment through a ``.pth`` line (a path line only:
the test environment's editable-install hook is not run), so only Second Ear comes from the
wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest
from signals import pink_noise, write_float_wav

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analyzers", "bridge", "presets", "ui")

pytestmark = pytest.mark.slow


#: Files in the tree that the code never reads: the README's pictures.
README_ASSETS = {"ui/panel/screenshot.png", "ui/panel/screenshot-corpus.png"}


def source_data_files() -> set[str]:
    """Every file under the four packages that is not Python source, a cache or a README picture."""
    out: set[str] = set()
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc"):
                out.add(p.relative_to(ROOT).as_posix())
    return out - README_ASSETS


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (whl,) = out.glob("secondear-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    # the test environment's third-party packages, as a plain path (appended after the venv's own)
    Path(site, "secondear-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return env_dir


def run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(env_dir / "bin" / "secondear"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_the_wheel_holds_every_data_file_of_the_tree(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(source_data_files() - names)
    assert not missing, f"the wheel leaves out {missing}"
    assert "bridge/daw/profiles/ardour.json" in names
    assert not any(n.startswith("tests/") for n in names)


def test_the_installed_program_runs_from_outside_the_tree(installed, tmp_path):
    where = run(installed, "--version", cwd=tmp_path)
    assert where.returncode == 0 and "0." in where.stdout, where.stderr
    # the code comes from the wheel, not from this tree
    py = installed / "bin" / "python"
    origin = subprocess.run([str(py), "-c", "import bridge; print(bridge.__file__)"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert str(installed) in origin and str(ROOT) not in origin, origin

    # a DAW profile read from the installed package data: no DAW listens on this port, so the
    # answer is "did not answer", not "no DAW profile 'ardour'"
    status = run(installed, "daw", "status", "--profile", "ardour", "--port", "1", "--timeout", "0.3", cwd=tmp_path)
    assert "no DAW profile" not in status.stderr, status.stderr
    assert status.returncode == 1 and "did not answer" in status.stderr, status.stdout + status.stderr

    # factory presets and analyzer data come with the wheel
    presets = run(installed, "presets", "list", cwd=tmp_path)
    assert presets.returncode == 0 and "Vocal clean-up" in presets.stdout, presets.stderr

    # analyzer data (genre targets) and the demo: `analyze` with no file, piped into head
    demo = subprocess.run(f"'{installed}/bin/secondear' analyze | head -3", shell=True, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert len(demo.stdout.splitlines()) == 3 and "Traceback" not in demo.stderr, demo.stderr
    write_float_wav(tmp_path / "mix.wav", pink_noise(np.random.default_rng(3), 4.0, 48000, level_dbfs=-20.0), 48000)
    suggest = run(installed, "suggest", "mix.wav", "--genre", "pop", "--target", "spotify", cwd=tmp_path)
    assert suggest.returncode == 0 and "LUFS" in suggest.stdout, suggest.stderr

    plugins = run(installed, "plugins", "list", cwd=tmp_path)
    assert plugins.returncode == 0, plugins.stderr
