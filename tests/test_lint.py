"""assignment/, solutions/ and checks/ lint clean: pyflakes finds nothing (SPEC.md, "Reading code").

The student copy counts too: its stubs bind what the given code after them reads, and the
imports only the answers use stay in use (checks/instructor/assign.py).
"""
from pathlib import Path

from pyflakes import api
from pyflakes.reporter import Reporter

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("assignment", "solutions", "checks")


class _Collect(Reporter):
    """A pyflakes reporter that keeps every finding as one line."""

    def __init__(self):
        self.findings = []

    def unexpectedError(self, filename, message):
        self.findings.append(f"{filename}: {message}")

    def syntaxError(self, filename, message, lineno, offset, text):
        self.findings.append(f"{filename}:{lineno}:{offset or 0}: {message}")

    def flake(self, message):
        self.findings.append(str(message))


def test_pyflakes_finds_nothing():
    reporter = _Collect()
    api.checkRecursive([str(ROOT / folder) for folder in FOLDERS], reporter)
    findings = [line.replace(str(ROOT) + "/", "") for line in reporter.findings]
    assert not findings, f"pyflakes: {len(findings)} findings\n" + "\n".join(findings)


def test_the_check_sees_a_finding():
    reporter = _Collect()
    api.check("import os\n\n\ndef f():\n    return out\n", "example.py", reporter)
    assert len(reporter.findings) == 2
    assert "'os' imported but unused" in reporter.findings[0]
    assert "undefined name 'out'" in reporter.findings[1]
