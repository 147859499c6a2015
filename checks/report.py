"""The result of grading one submission, and every form it is shown in.

``GradeReport`` is the one results object. The grader builds it; ``batch``, ``gradescope`` and
``collect`` add their notes to it (never to a rendered file); and it renders itself as

- ``text()``: the table a person reads (one line per check, then the total and the notes);
- ``results_json()``: Gradescope's results.json (``score``, ``max_score``, ``execution_time``,
  ``output``, ``tests``, ``extra_data``);
- ``csv_row(names)``: the student's scores in the columns of grades.csv;
- ``to_dict()`` / ``from_dict()``: a lossless plain form, for the pipe between a grading
  process and ``batch`` and for the per-student JSON that the class report reads.

A run that could not grade at all (the grading process failed, or never finished) is still a
``GradeReport``, made by ``not_run``: every check failed with the reason, and ``graded`` False.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from .answers import PLACEHOLDER, answered
from .files import write_text

VERSION = "0.1.0"


@dataclass
class CheckResult:
    name: str
    function: str
    module: str
    max_score: float
    score: float
    passed: bool
    feedback: str
    seconds: float = 0.0
    hidden: bool = False
    mistake: Optional[str] = None  # id of the known mistake recognized, if any


def _points(value: float) -> str:
    return f"{value:g}"


@dataclass
class GradeReport:
    submission: str  # how the reports name it: a path, "alice (alice.zip)", "your submission"
    results: List[CheckResult]
    seconds: float = 0.0
    notes: List[str] = field(default_factory=list)
    graded: bool = True  # False when the grader could not run this submission's checks at all
    extra: Dict[str, Any] = field(default_factory=dict)  # more of results.json's extra_data
    answers: Dict[str, str] = field(default_factory=dict)  # the notebooks' inline answers, by question id

    # ------------------------------------------------------------------ building
    @classmethod
    def not_run(cls, submission: str, checks: Sequence[Any], reason: str) -> "GradeReport":
        """The report of a submission whose checks never ran: each ``check`` failed with ``reason``."""
        results = [CheckResult(name=c.name, function=c.function, module=c.module, max_score=c.points, score=0.0,
                               passed=False, feedback=reason, hidden=c.hidden) for c in checks]
        return cls(submission, results, 0.0, [reason], graded=False)

    def add_notes_first(self, notes: Sequence[str]) -> None:
        """Put ``notes`` (e.g. the intake's) before the notes already there, in their order."""
        for note in reversed(list(notes)):
            self.add_note(note, first=True)

    def add_note(self, note: str, first: bool = False) -> None:
        """Add a note that every rendering shows (``first``: before the notes already there)."""
        if note in self.notes:
            return
        if first:
            self.notes.insert(0, note)
        else:
            self.notes.append(note)

    # ------------------------------------------------------------------ totals
    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 6)

    @property
    def max_score(self) -> float:
        return round(sum(r.max_score for r in self.results), 6)

    @property
    def passed(self) -> int:
        """How many checks passed."""
        return sum(1 for r in self.results if r.passed)

    # ------------------------------------------------------------------ renderings
    def text(self, verbose: bool = False) -> str:
        """One line per check (status, points, name, first line of feedback), then the total."""
        rows = []
        width = max([len(r.name) for r in self.results] + [5])
        for r in self.results:
            status = "pass" if r.passed else "FAIL"
            first = r.feedback.splitlines()[0] if r.feedback else ""
            points = f"{_points(r.score)}/{_points(r.max_score)}"
            line = f"{status}  {points:>7}  {r.name:<{width}}"
            rows.append((line + ("  " + first if first else "")).rstrip())
            if verbose and not r.passed:
                rows.extend("        " + extra for extra in r.feedback.splitlines()[1:])
        lines = [f"Grading {self.submission}", ""] + rows + [""]
        failed = len(self.results) - self.passed
        lines.append(
            f"Total: {_points(self.score)} / {_points(self.max_score)}   "
            f"({self.passed} of {len(self.results)} checks passed, {self.seconds:.1f} s)"
        )
        if failed and not verbose:
            lines.append("Run with --verbose for the full feedback of each failed check.")
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)

    def results_json(self) -> Dict[str, Any]:
        """Gradescope's results.json: score, max_score, execution_time, output, tests, extra_data."""
        tests = []
        for r in self.results:
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
        for key, text in self.answers.items():  # worth nothing here: a person reads and grades them
            tests.append({"name": f"Inline answer {key}", "score": 0, "max_score": 0, "status": "passed",
                          "output": text if answered(text) else f"Not answered: the cell still reads {PLACEHOLDER}."})
        output = "\n".join([f"{_points(self.score)} / {_points(self.max_score)} points"]
                           + [f"Note: {note}" for note in self.notes])
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.seconds, 3),
            "output": output,
            "tests": tests,
            "extra_data": {"kit_version": VERSION, "notes": list(self.notes), **self.extra},
        }

    def csv_row(self, names: Sequence[str]) -> List[str]:
        """The total, the score of each check in ``names`` ("" for a check not in this report), the notes."""
        scores = {r.name: r.score for r in self.results}
        return ([_points(self.score)] + [_points(scores[n]) if n in scores else "" for n in names]
                + [" | ".join(self.notes)])

    def write_json(self, path: Path) -> Path:
        """Write results.json to ``path`` atomically (a partial file is never left behind)."""
        return write_text(path, json.dumps(self.results_json(), indent=2) + "\n")

    # ------------------------------------------------------------------ plain form
    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "GradeReport":
        """The report ``to_dict`` gave; raises ``ValueError`` naming what is wrong with ``data``."""
        try:
            known = {f.name for f in fields(CheckResult)}
            results = [CheckResult(**{k: v for k, v in r.items() if k in known}) for r in data["results"]]
            return cls(str(data["submission"]), results, float(data.get("seconds", 0.0)),
                       [str(n) for n in data.get("notes", [])], bool(data.get("graded", True)),
                       dict(data.get("extra", {})), {str(k): str(v) for k, v in data.get("answers", {}).items()})
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a grade report: {type(error).__name__}: {error}") from None
