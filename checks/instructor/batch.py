"""Grade a class: ``python -m checks batch SUBMISSIONS_DIR --out grades.csv --jobs N``.

SUBMISSIONS_DIR holds one folder or zip per student (the student's name is the folder's name or
the zip's stem). Each submission is staged by ``intake.py`` (a bad zip, a zip bomb, a missing
module become notes, never a crash) and graded by a grading process of its own
(``python -m checks.instructor.batch --grade-one``), N at a time; that process starts the submission's
worker (which, when this runs as root and ``--user`` names an account, runs as that user) and
sends its verdict back through a pipe. Only this process writes results:

    grades.csv              student, total, one column per check, notes
    grades/<student>.json   the student's report (GradeReport.to_dict), its results.json and the hashes below
    grades/<student>.txt    the text report the student reads

A grading process that outlives its wall-time limit is killed with everything it started, and
its student gets a row saying so; other students are not affected. A re-run skips a student
whose submission content and whose grader (checks/, fixtures, solutions/, options) hash the
same as in their JSON, unless ``--force``. A progress line goes to stderr.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..answers import model_answers
from ..files import write_text
from . import class_report
from ..intake import fingerprint, given_folder, public_score_note, stage
from ..report import GradeReport

GRADER_DIR = Path(__file__).resolve().parents[1]
KIT_DIR = GRADER_DIR.parent
FORMAT = 3  # of the per-student JSON (3: with the fingerprints of the graded functions)


@dataclass
class Entry:
    student: str
    path: Path


def discover(folder: Path) -> List[Entry]:
    """One entry per folder or file of ``folder`` (hidden names skipped), named after its stem."""
    entries: List[Entry] = []
    taken = set()
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith("."):
            continue
        name = path.name if path.is_dir() else (path.stem or path.name)
        name = re.sub(r"[^A-Za-z0-9._@+-]", "_", name).strip(".") or "student"
        base, count = name, 1
        while name in taken:
            count += 1
            name = f"{base}-{count}"
        taken.add(name)
        entries.append(Entry(name, path))
    return entries


def grader_hash(options: Dict[str, Any]) -> str:
    """What a grade depends on besides the submission: the grader, its fixtures, the reference."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    folders = [GRADER_DIR, KIT_DIR / "solutions", KIT_DIR / "assignment"]
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".bin", ".json", ".npz"):
                digest.update(str(path.relative_to(KIT_DIR)).encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _wall_limit(checks: int, timeout: float) -> float:
    """Seconds a whole grade may take: every check timing out, worker restarts and start-up."""
    return checks * (timeout + 3) + 60


def _kill_tree(pid: int) -> None:
    from ..worker import descendants

    victims = descendants([pid]) + [pid]
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Batch:
    def __init__(self, folder: Path, out: Path, jobs: int = 2, force: bool = False, timeout: float = 5.0,
                 memory_mb: int = 2048, hidden: bool = False, user: Optional[str] = None, progress=sys.stderr,
                 students: Optional[List[str]] = None):
        from ..suite import all_checks

        self.folder, self.out = Path(folder), Path(out)
        self.feedback = self.out.with_suffix("") if self.out.suffix else self.out.with_name(self.out.name + "-feedback")
        self.jobs, self.force, self.timeout, self.memory_mb = max(1, jobs), force, timeout, memory_mb
        self.hidden, self.user, self.progress = hidden, user, progress
        self.students = set(students or [])  # graded again even when unchanged (--student)
        self.checks = all_checks(include_hidden=hidden)
        self.functions = list(dict.fromkeys((c.module, c.function) for c in self.checks))  # for the pairs
        self.options = {"timeout": timeout, "memory": memory_mb, "hidden": hidden, "user": user, "format": FORMAT}
        self.hash = grader_hash(self.options)
        self.lock = threading.Lock()
        self.counts = {"graded": 0, "skipped": 0, "not graded": 0}
        self.done = 0
        self.total = 0
        self.begin = time.monotonic()

    # ------------------------------------------------------------------ one student
    def _previous(self, entry: Entry, content: str) -> Optional[Dict[str, Any]]:
        if self.force or entry.student in self.students:
            return None
        try:
            record = json.loads((self.feedback / f"{entry.student}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if record.get("content_hash") == content and record.get("grader_hash") == self.hash and "report" in record \
                and record["report"].get("graded", True) is True:  # a run that was not graded is run again
            return record
        return None

    def grade_entry(self, entry: Entry, scratch: Path, given: Path) -> Dict[str, Any]:
        content = fingerprint(entry.path)
        previous = self._previous(entry, content)
        if previous is not None:
            self._tick(entry, previous, "skipped")
            return previous
        folder = scratch / entry.student
        folder.mkdir()
        os.chmod(folder, 0o755)
        intake = stage(entry.path, folder / "submission", given=given)
        functions = class_report.fingerprints(intake.folder, KIT_DIR / "assignment", self.functions)
        name = f"{entry.student} ({entry.path.name})"
        graded, problem = self._run(intake.folder, name)
        if graded is None:
            graded = GradeReport.not_run(name, self.checks, problem)
        else:
            public_score_note(intake, graded)
        graded.answers = dict(intake.answers)
        graded.add_notes_first(intake.notes)
        record = self._record(entry, content, graded)
        record["functions"] = functions
        self._write(entry, record, graded)
        shutil.rmtree(folder, ignore_errors=True)
        self._tick(entry, record, "not graded" if problem else "graded")
        return record

    def _record(self, entry: Entry, content: Optional[str], graded: GradeReport) -> Dict[str, Any]:
        """The per-student JSON: what the grade depends on, the report, and its results.json."""
        return {
            "format": FORMAT, "student": entry.student, "source": entry.path.name, "content_hash": content,
            "grader_hash": self.hash, "score": graded.score, "max_score": graded.max_score,
            "notes": list(graded.notes), "report": graded.to_dict(), "results": graded.results_json(),
        }

    def _safe(self, entry: Entry, scratch: Path, given: Path) -> Dict[str, Any]:
        """``grade_entry``, and a row saying what went wrong if even that fails: the batch goes on."""
        try:
            return self.grade_entry(entry, scratch, given)
        except Exception as error:  # an internal error with one student must not stop the class
            reason = f"internal error while grading: {type(error).__name__}: {error}"
            record = self._record(entry, None, GradeReport.not_run(entry.student, self.checks, reason))
            self._tick(entry, record, "not graded")
            return record

    def _run(self, staged: Path, name: str) -> Tuple[Optional[GradeReport], Optional[str]]:
        """Grade ``staged`` in a grading process of its own: (the report, None) or (None, what went wrong)."""
        command = [sys.executable, "-m", "checks.instructor.batch", "--grade-one", str(staged), "--name", name,
                   "--timeout", str(self.timeout), "--memory", str(self.memory_mb)]
        if self.hidden:
            command.append("--hidden")
        if self.user:
            command += ["--user", self.user]
        limit = _wall_limit(len(self.checks) + 5, self.timeout)
        process = subprocess.Popen(command, cwd=str(KIT_DIR), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_tree(process.pid)
            process.communicate()
            return None, f"grading did not finish within {limit:g} s and was stopped"
        try:
            return GradeReport.from_dict(json.loads(out.decode("utf-8"))), None
        except (ValueError, UnicodeDecodeError):
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {process.returncode}"]
            return None, f"the grading process failed ({tail[0][:300]})"

    def _write(self, entry: Entry, record: Dict[str, Any], graded: GradeReport) -> None:
        write_text(self.feedback / f"{entry.student}.txt", graded.text(verbose=True) + "\n")
        write_text(self.feedback / f"{entry.student}.json", json.dumps(record, indent=2) + "\n")

    def _tick(self, entry: Entry, record: Dict[str, Any], kind: str) -> None:
        with self.lock:
            self.done += 1
            self.counts[kind] += 1
            if self.progress is None:
                return
            line = (f"[{self.done}/{self.total}] graded {self.counts['graded']}, skipped {self.counts['skipped']}, "
                    f"not graded {self.counts['not graded']}, {time.monotonic() - self.begin:.0f} s; "
                    f"{entry.student}: " + (f"{record['score']:g}/{record['max_score']:g}" if kind != "not graded"
                                            else "not graded"))
            tty = getattr(self.progress, "isatty", lambda: False)()
            self.progress.write(("\r\033[K" + line) if tty else line + "\n")
            self.progress.flush()

    # ------------------------------------------------------------------ the class
    def run(self) -> List[Dict[str, Any]]:
        entries = discover(self.folder)
        self.total = len(entries)
        self.feedback.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="kit-batch-"))
        try:
            os.chmod(scratch, 0o755)
            given = given_folder(KIT_DIR / "assignment", scratch / "given")
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                records = list(pool.map(lambda e: self._safe(e, scratch, given), entries))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if self.progress is not None and getattr(self.progress, "isatty", lambda: False)():
            self.progress.write("\n")
        self._csv(records)
        self._answers_csv(records)
        self._report(records)
        return records

    def _answers_csv(self, records: List[Dict[str, Any]]) -> None:
        """answers.csv beside the grades: student, question id, answer (for a spreadsheet or an LMS)."""
        _write_csv(self.out.parent / "answers.csv", ["student", "question", "answer"],
                   [[record["student"], key, text] for record in records
                    for key, text in record["report"].get("answers", {}).items()])

    @property
    def report_path(self) -> Path:
        """``report.html``, beside the CSV."""
        return self.out.parent / "report.html"

    def _report(self, records: List[Dict[str, Any]]) -> None:
        from ..reference import stored_signatures

        try:
            titles = {str(s["id"]): str(s["title"]) for entries in stored_signatures().values() for s in entries}
        except Exception:  # no stored signatures: the report names the mistakes by id
            titles = {}
        data = class_report.report_data(records, self.checks, titles,
                                        model_answers(KIT_DIR / "solutions" / "ANSWERS.md"))
        feedback = {r["student"]: GradeReport.from_dict(r["report"]).text(verbose=True) for r in records}
        write_text(self.report_path, class_report.render(data, feedback, title=f"Class report: {self.folder.name}"))

    def _csv(self, records: List[Dict[str, Any]]) -> None:
        names = [c.name for c in self.checks]
        rows = []
        for record in records:
            report = GradeReport.from_dict(record["report"])
            if report.graded:
                rows.append([record["student"]] + report.csv_row(names))
            else:  # no number: a spreadsheet must not read a grader's failure as a zero
                rows.append([record["student"], "not graded"] + [""] * len(names) + [" | ".join(report.notes)])
        _write_csv(self.out, ["student", "total"] + names + ["notes"], rows)


def _write_csv(path: Path, header: List[str], rows: List[List[Any]]) -> None:
    """Write a CSV atomically (grades.csv, answers.csv)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    write_text(path, text.getvalue())


# --------------------------------------------------------------------------- the grading process
def _grade_one(argv: List[str]) -> int:
    """Grade one staged folder and print its report (``GradeReport.to_dict``) as JSON on stdout."""
    parser = argparse.ArgumentParser(prog="python -m checks.instructor.batch --grade-one")
    parser.add_argument("folder")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--memory", type=int, default=2048)
    parser.add_argument("--hidden", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--name", default="the submission")
    args = parser.parse_args(argv)
    from ..grader import Grader
    from ..worker import Limits

    graded = Grader(Limits(timeout=args.timeout, memory_mb=args.memory, user=args.user),
                    include_hidden=args.hidden).grade(Path(args.folder), name=args.name)
    sys.stdout.write(json.dumps(graded.to_dict()))
    sys.stdout.flush()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--grade-one":
        return _grade_one(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m checks batch",
        description="Grade a class: one folder or zip per student in SUBMISSIONS_DIR.")
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    parser.add_argument("--out", default="grades.csv", help="the CSV to write; feedback goes to a folder "
                        "named after it (grades.csv -> grades/)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="students graded at once")
    parser.add_argument("--force", action="store_true", help="grade again even what has not changed")
    parser.add_argument("--student", nargs="+", metavar="NAME", default=[],
                        help="grade these students again even when unchanged (the others as usual)")
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help="time limit of one check")
    parser.add_argument("--memory", type=int, default=2048, metavar="MB", help="memory limit of a worker")
    parser.add_argument("--hidden", action="store_true", help="include the hidden checks")
    parser.add_argument("--user", help="run student code as this unprivileged user (when running as root)")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.memory < 256 or args.jobs < 1:
        parser.error("--timeout must be positive, --memory at least 256 (MB) and --jobs at least 1")
    if not Path(args.submissions).is_dir():
        parser.error(f"{args.submissions} is not a folder")
    known = [entry.student for entry in discover(Path(args.submissions))]
    unknown = [name for name in args.student if name not in known]
    if unknown:
        print(f"batch: no student named {', '.join(unknown)} in {args.submissions}; the students are: "
              f"{', '.join(known) or '(none)'}", file=sys.stderr)
        return 2
    if args.user:
        from ..worker import GraderFailure, preflight

        try:
            preflight(args.user)
        except GraderFailure as failure:
            print(f"batch: refused: {failure}", file=sys.stderr)
            return 2
    elif os.name == "posix" and os.geteuid() == 0:
        print("warning: running as root without --user: student code runs as root", file=sys.stderr)
    batch = Batch(Path(args.submissions), Path(args.out), jobs=args.jobs, force=args.force, timeout=args.timeout,
                  memory_mb=args.memory, hidden=args.hidden, user=args.user, students=args.student)
    records = batch.run()
    students = f"{len(records)} student" + ("" if len(records) == 1 else "s")
    print(f"Wrote {args.out} ({students}), {batch.report_path} and their feedback in {batch.feedback}/ "
          f"({batch.counts['graded']} graded, {batch.counts['skipped']} unchanged, "
          f"{batch.counts['not graded']} not graded)")
    ungraded = [r["student"] for r in records if not r["report"].get("graded", True)]
    if ungraded:
        print(f"Not graded (the grader failed, not their code; the next run grades them): {', '.join(ungraded)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
