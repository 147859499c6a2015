"""Time ``python -m checks batch`` on 100 assorted submissions and print a markdown table.

    python benchmarks/batch_bench.py [--students 100] [--jobs 2] [--timeout 1] [--user NAME]
    python benchmarks/batch_bench.py --one-hang [--students 20] [--timeout 5]

The class: correct copies of solutions/ (folders and zips), untouched assignment/ copies, known
mistakes (``checks.instructor.mistakes.build_variant``, cycling through all of them), and hostile ones: an
infinite loop in one update rule (graded with a short ``--timeout``) and a crash at import.

``--one-hang`` grades another class: correct copies of solutions/ but one, whose ``relu_forward``
loops forever (thirteen checks call it), at the default time limit. The table then also shows
how many time-outs that submission's feedback holds: the worker disables a function that ran
out of time, so there should be exactly one.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from checks.instructor.mistakes import all_mistakes, build_variant  # noqa: E402

RELU_HANG = "\n\ndef relu_forward(x):\n    while True:\n        pass\n"
HANG = "\n\ndef sgd_momentum(w, dw, config=None):\n    while True:\n        pass\n"
CRASH = "\n\nimport os\nos.abort()\n"


def _copy(source: Path, folder: Path) -> None:
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__", "*.md", "*.txt"))


def build_class(folder: Path, students: int) -> dict:
    mistakes = all_mistakes()
    kinds = ["correct", "correct-zip", "empty", "mistake", "mistake", "mistake", "hang", "crash"]
    counts: dict = {}
    for number in range(students):
        kind = kinds[number % len(kinds)]
        counts[kind] = counts.get(kind, 0) + 1
        target = folder / f"student{number:03d}"
        if kind == "correct":
            _copy(KIT / "solutions", target)
        elif kind == "correct-zip":
            with zipfile.ZipFile(target.with_suffix(".zip"), "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted((KIT / "solutions").glob("*.py")):
                    archive.write(path, f"assignment/{path.name}")
        elif kind == "empty":
            _copy(KIT / "assignment", target)
        elif kind == "mistake":
            build_variant(mistakes[number % len(mistakes)], KIT / "solutions", target)
        else:
            _copy(KIT / "solutions", target)
            module, code = ("updater", HANG) if kind == "hang" else ("layers", CRASH)
            with open(target / f"{module}.py", "a") as handle:
                handle.write(code)
    return counts


def build_hang_class(folder: Path, students: int) -> dict:
    """Correct submissions, and one (the first) whose relu_forward never returns."""
    for number in range(students):
        target = folder / f"student{number:03d}"
        _copy(KIT / "solutions", target)
        if number == 0:
            with open(target / "layers.py", "a") as handle:
                handle.write(RELU_HANG)
    return {"correct": students - 1, "relu_forward hang": 1}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=None, help="default 100 (20 with --one-hang)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=None, help="default 1 s (5 s with --one-hang)")
    parser.add_argument("--one-hang", action="store_true", help="correct submissions and one relu_forward that hangs")
    parser.add_argument("--user", help="run student code as this user (when root)")
    args = parser.parse_args()
    args.students = args.students or (20 if args.one_hang else 100)
    args.timeout = args.timeout or (5.0 if args.one_hang else 1.0)
    work = Path(tempfile.mkdtemp(prefix="kit-batch-bench-"))
    try:
        work.chmod(0o755)
        subs = work / "submissions"
        subs.mkdir()
        counts = (build_hang_class if args.one_hang else build_class)(subs, args.students)
        command = [sys.executable, "-m", "checks", "batch", str(subs), "--out", str(work / "grades.csv"),
                   "--jobs", str(args.jobs), "--timeout", f"{args.timeout:g}", "--force"]
        if args.user:
            command += ["--user", args.user]
        begin = time.monotonic()
        done = subprocess.run(command, cwd=KIT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - begin
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        print(done.stdout.strip(), file=sys.stderr)
        mix = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        print(f"Class: {mix}; --timeout {args.timeout:g}" + (f"; --user {args.user}" if args.user else ""))
        print()
        if args.one_hang:
            feedback = (work / "grades" / "student000.txt").read_text()
            timeouts = feedback.count("timed out after")
            print("| submissions | jobs | wall time | time-outs in the hanging submission's feedback |")
            print("|---:|---:|---:|---:|")
            print(f"| {args.students} | {args.jobs} | {wall:.1f} s | {timeouts} |")
        else:
            size = (work / "report.html").stat().st_size
            print("| submissions | jobs | wall time | per submission (mean) | report.html |")
            print("|---:|---:|---:|---:|---:|")
            print(f"| {args.students} | {args.jobs} | {wall:.1f} s | {wall / args.students:.2f} s | {size / 1024:.0f} KB |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
