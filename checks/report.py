"""The grade as a text table (for people) and as Gradescope's results.json (for machines)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict

from .grader import GradeReport

VERSION = "0.1.0"


def _points(value: float) -> str:
    return f"{value:g}"


def text(report: GradeReport, verbose: bool = False) -> str:
    """One line per check (status, points, name, first line of feedback), then the total."""
    rows = []
    width = max([len(r.name) for r in report.results] + [5])
    for r in report.results:
        status = "pass" if r.passed else "FAIL"
        first = r.feedback.splitlines()[0] if r.feedback else ""
        points = f"{_points(r.score)}/{_points(r.max_score)}"
        line = f"{status}  {points:>7}  {r.name:<{width}}"
        rows.append((line + ("  " + first if first else "")).rstrip())
        if verbose and not r.passed:
            rows.extend("        " + extra for extra in r.feedback.splitlines()[1:])
    lines = [f"Grading {report.submission}", ""] + rows + [""]
    failed = sum(1 for r in report.results if not r.passed)
    lines.append(
        f"Total: {_points(report.score)} / {_points(report.max_score)}   "
        f"({len(report.results) - failed} of {len(report.results)} checks passed, {report.seconds:.1f} s)"
    )
    if failed and not verbose:
        lines.append("Run with --verbose for the full feedback of each failed check.")
    lines.extend(f"Note: {note}" for note in report.notes)
    return "\n".join(lines)


def results_json(report: GradeReport) -> Dict[str, Any]:
    """Gradescope's results.json: score, max_score, execution_time, tests, extra_data."""
    tests = []
    for r in report.results:
        entry = {
            "name": r.name,
            "score": r.score,
            "max_score": r.max_score,
            "status": "passed" if r.passed else "failed",
            "output": r.feedback or "Passed.",
        }
        if r.hidden:
            entry["visibility"] = "after_published"
        tests.append(entry)
    return {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": round(report.seconds, 3),
        "output": f"{_points(report.score)} / {_points(report.max_score)} points",
        "tests": tests,
        "extra_data": {"kit_version": VERSION, "notes": report.notes},
    }


def write_json(report: GradeReport, path: Path) -> None:
    """Write results.json atomically (a partial file is never left behind)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".results-", dir=str(path.parent))
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(results_json(report), out, indent=2)
        out.write("\n")
    os.replace(temporary, path)
