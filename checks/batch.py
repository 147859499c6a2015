"""Grade a class: ``python -m checks batch SUBMISSIONS_DIR --out grades.csv --jobs N``.

SUBMISSIONS_DIR holds one folder or zip per student (the student's name is the folder's name or
the zip's stem). Each submission is staged by ``intake.py`` (a bad zip, a zip bomb, a missing
module become notes, never a crash) and graded by a grading process of its own
(``python -m checks.batch --grade-one``), N at a time; that process starts the submission's
worker (which, when this runs as root and ``--user`` names an account, runs as that user) and
sends its verdict back through a pipe. Only this process writes results:

    grades.csv              student, total, one column per check, notes
    grades/<student>.json   the results.json of the student, plus the hashes below
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
from typing import Any, Dict, List, Optional

from .intake import fingerprint, given_modules, stage

GRADER_DIR = Path(__file__).resolve().parent
KIT_DIR = GRADER_DIR.parent
FORMAT = 1  # of the per-student JSON


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
    from .worker import _descendants_many

    victims = _descendants_many([pid]) + [pid]
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Batch:
    def __init__(self, folder: Path, out: Path, jobs: int = 2, force: bool = False, timeout: float = 5.0,
                 memory_mb: int = 2048, hidden: bool = False, user: Optional[str] = None, progress=sys.stderr):
        from .suite import all_checks

        self.folder, self.out = Path(folder), Path(out)
        self.feedback = self.out.with_suffix("") if self.out.suffix else self.out.with_name(self.out.name + "-feedback")
        self.jobs, self.force, self.timeout, self.memory_mb = max(1, jobs), force, timeout, memory_mb
        self.hidden, self.user, self.progress = hidden, user, progress
        self.checks = [c.name for c in all_checks(include_hidden=hidden)]
        self.options = {"timeout": timeout, "memory": memory_mb, "hidden": hidden, "user": user, "format": FORMAT}
        self.hash = grader_hash(self.options)
        self.lock = threading.Lock()
        self.counts = {"graded": 0, "skipped": 0, "failed": 0}
        self.done = 0
        self.total = 0
        self.begin = time.monotonic()

    # ------------------------------------------------------------------ one student
    def _previous(self, entry: Entry, content: str) -> Optional[Dict[str, Any]]:
        if self.force:
            return None
        try:
            record = json.loads((self.feedback / f"{entry.student}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if record.get("content_hash") == content and record.get("grader_hash") == self.hash and "results" in record:
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
        results, text, problem = self._run(intake.folder)
        notes = list(intake.notes) + ([problem] if problem else [])
        if results is None:
            results = self._zero(notes)
        if notes:
            results["output"] = results.get("output", "") + "".join(f"\nNote: {n}" for n in notes)
            results.setdefault("extra_data", {}).setdefault("notes", [])[:0] = notes
        text = "\n".join([f"Student: {entry.student} ({entry.path.name})"] + [f"Note: {n}" for n in notes]
                         + ([text] if text else []))
        record = {
            "student": entry.student, "source": entry.path.name, "content_hash": content,
            "grader_hash": self.hash, "score": results["score"], "max_score": results["max_score"],
            "notes": notes, "results": results, "text": text,
        }
        self._write(entry, record)
        shutil.rmtree(folder, ignore_errors=True)
        self._tick(entry, record, "failed" if problem else "graded")
        return record

    def _safe(self, entry: Entry, scratch: Path, given: Path) -> Dict[str, Any]:
        """``grade_entry``, and a row saying what went wrong if even that fails: the batch goes on."""
        try:
            return self.grade_entry(entry, scratch, given)
        except Exception as error:  # an internal error with one student must not stop the class
            notes = [f"internal error while grading: {type(error).__name__}: {error}"]
            record = {"student": entry.student, "source": entry.path.name, "content_hash": None,
                      "grader_hash": self.hash, "score": 0, "max_score": self._zero(notes)["max_score"],
                      "notes": notes, "results": self._zero(notes), "text": notes[0]}
            self._tick(entry, record, "failed")
            return record

    def _run(self, staged: Path):
        """Grade ``staged`` in a grading process of its own: (results, text, problem)."""
        command = [sys.executable, "-m", "checks.batch", "--grade-one", str(staged),
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
            return None, "", f"grading did not finish within {limit:g} s and was stopped"
        try:
            answer = json.loads(out.decode("utf-8"))
            return answer["results"], answer["text"], None
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {process.returncode}"]
            return None, "", f"the grading process failed ({tail[0][:300]})"

    def _zero(self, notes: List[str]) -> Dict[str, Any]:
        from .report import VERSION
        from .suite import all_checks

        reason = notes[-1] if notes else "not graded"
        tests = []
        for check in all_checks(include_hidden=self.hidden):
            entry = {"name": check.name, "score": 0, "max_score": check.points, "status": "failed", "output": reason}
            if check.hidden:
                entry["visibility"] = "after_published"
            tests.append(entry)
        total = round(sum(t["max_score"] for t in tests), 6)
        return {"score": 0, "max_score": total, "execution_time": 0, "output": f"0 / {total:g} points",
                "tests": tests, "extra_data": {"kit_version": VERSION, "notes": []}}

    def _write(self, entry: Entry, record: Dict[str, Any]) -> None:
        for suffix, data in ((".txt", record["text"] + "\n"), (".json", json.dumps(record, indent=2) + "\n")):
            path = self.feedback / f"{entry.student}{suffix}"
            handle, temporary = tempfile.mkstemp(prefix=".part-", dir=str(self.feedback))
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)

    def _tick(self, entry: Entry, record: Dict[str, Any], kind: str) -> None:
        with self.lock:
            self.done += 1
            self.counts[kind] += 1
            if self.progress is None:
                return
            line = (f"[{self.done}/{self.total}] graded {self.counts['graded']}, skipped {self.counts['skipped']}, "
                    f"not finished {self.counts['failed']}, {time.monotonic() - self.begin:.0f} s; "
                    f"{entry.student}: {record['score']:g}/{record['max_score']:g}")
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
            given = scratch / "given"
            given.mkdir()
            for path in given_modules(KIT_DIR / "assignment"):
                shutil.copyfile(path, given / path.name)
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                records = list(pool.map(lambda e: self._safe(e, scratch, given), entries))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if self.progress is not None and getattr(self.progress, "isatty", lambda: False)():
            self.progress.write("\n")
        self._csv(records)
        return records

    def _csv(self, records: List[Dict[str, Any]]) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".grades-", dir=str(self.out.parent.resolve()))
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["student", "total"] + self.checks + ["notes"])
            for record in records:
                scores = {t["name"]: t["score"] for t in record["results"].get("tests", [])}
                writer.writerow([record["student"], f"{record['score']:g}"]
                                + [f"{scores[c]:g}" if c in scores else "" for c in self.checks]
                                + [" | ".join(record.get("notes", []))])
        os.chmod(temporary, 0o644)
        os.replace(temporary, self.out)


# --------------------------------------------------------------------------- the grading process
def _grade_one(argv: List[str]) -> int:
    """Grade one staged folder and print {"results": results.json, "text": report} on stdout."""
    parser = argparse.ArgumentParser(prog="python -m checks.batch --grade-one")
    parser.add_argument("folder")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--memory", type=int, default=2048)
    parser.add_argument("--hidden", action="store_true")
    parser.add_argument("--user")
    args = parser.parse_args(argv)
    from . import report
    from .grader import Grader
    from .worker import Limits

    graded = Grader(Limits(timeout=args.timeout, memory_mb=args.memory, user=args.user),
                    include_hidden=args.hidden).grade(Path(args.folder))
    graded.submission = "the submission"
    answer = {"results": report.results_json(graded), "text": report.text(graded, verbose=True)}
    sys.stdout.write(json.dumps(answer))
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
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help="time limit of one check")
    parser.add_argument("--memory", type=int, default=2048, metavar="MB", help="memory limit of a worker")
    parser.add_argument("--hidden", action="store_true", help="include the hidden checks")
    parser.add_argument("--user", help="run student code as this unprivileged user (when running as root)")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.memory < 256 or args.jobs < 1:
        parser.error("--timeout must be positive, --memory at least 256 (MB) and --jobs at least 1")
    if not Path(args.submissions).is_dir():
        parser.error(f"{args.submissions} is not a folder")
    if args.user:
        from .worker import _account

        try:
            _account(args.user)
        except ValueError as error:
            parser.error(str(error))
    elif os.name == "posix" and os.geteuid() == 0:
        print("warning: running as root without --user: student code runs as root", file=sys.stderr)
    batch = Batch(Path(args.submissions), Path(args.out), jobs=args.jobs, force=args.force, timeout=args.timeout,
                  memory_mb=args.memory, hidden=args.hidden, user=args.user)
    records = batch.run()
    print(f"Wrote {args.out} ({len(records)} students) and their feedback in {batch.feedback}/ "
          f"({batch.counts['graded']} graded, {batch.counts['skipped']} unchanged, "
          f"{batch.counts['failed']} not finished)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
