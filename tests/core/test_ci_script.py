""".ci/run runs exactly the test command the README gives to people."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^TEST_CMD='(.+)'$", script, re.MULTILINE).group(1)
    assert command.endswith(".venv/bin/pytest")
    readme_lines = (ROOT / "README.md").read_text().splitlines()
    assert command in [line.strip() for line in readme_lines], "README.md and .ci/run disagree"
    assert "set -euo pipefail" in script
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111, ".ci/run must be executable"
