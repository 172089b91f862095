"""`make test` on a fresh machine without Chromium (issue 12 point 11): installs Debian's chromium
when missing and allowed, as .ci/run did; otherwise one clear line, before the long run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "chromium"
# apt-get as this test plays it: records its arguments; "install" puts a chromium on PATH.
FAKE_APT_GET = """#!/bin/bash
echo "$*" >> "{log}"
if [ "$1" = install ]; then printf '#!/bin/bash\\n' > "{bin}/chromium"; /bin/chmod +x "{bin}/chromium"; fi
"""


@pytest.fixture
def machine(tmp_path):
    """A PATH with no chromium: only a fake apt-get (and nothing else the script may find)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt-get.log"
    apt_get = bin_dir / "apt-get"
    apt_get.write_text(FAKE_APT_GET.format(log=log, bin=bin_dir))
    apt_get.chmod(0o755)
    return bin_dir, log


def _run(bin_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", str(SCRIPT)], env={"PATH": str(bin_dir), **env}, capture_output=True,
                          text=True, timeout=60)


def test_missing_chromium_is_installed_from_debian_when_allowed(machine):
    bin_dir, log = machine
    done = _run(bin_dir)
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]
    assert (bin_dir / "chromium").exists()
    assert _run(bin_dir).returncode == 0 and log.read_text().count("install") == 1  # once


def test_missing_chromium_not_allowed_is_one_clear_line(machine):
    bin_dir, log = machine
    done = _run(bin_dir, TCONNECT_INSTALL_CHROMIUM="0")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "apt-get install -y chromium" in done.stderr
    assert not log.exists()


def test_without_apt_get_it_is_one_clear_line(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Chromium" in done.stderr


def test_make_test_sees_to_chromium_before_the_suite():
    plan = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    lines = plan.stdout.splitlines()
    chromium = next(i for i, line in enumerate(lines) if line.strip() == ".ci/chromium")
    pytest_run = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert chromium < pytest_run
