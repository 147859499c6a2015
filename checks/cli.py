"""Command line of the kit: every command is `python -m checks <command>`.

The student's commands:

    python -m checks [options]              grade assignment/ (the student copy)
    python -m checks grade PATH [options]   grade a folder with the assignment's layout, or a zip
    python -m checks collect [--out ZIP]    grade assignment/ and write the submission zip to hand in

The instructor's commands (checks/instructor/, which the student release leaves out):

    python -m checks assign [--check]       write assignment/ from solutions/ (or check it is in sync)
    python -m checks fixtures               write the stored reference values and mistake signatures
    python -m checks release OUT.zip        build the student release (no solutions, no hidden checks)
    python -m checks gradescope OUT.zip     write the Gradescope autograder (setup.sh, run_autograder, grader)
    python -m checks batch DIR --out CSV    grade a class: one folder or zip per student, in parallel

Exit status: 0 whenever grading ran (whatever the score), 1 when ``--check`` finds something
out of date or the grader itself could not run (nothing is graded then), 2 for a usage error
(and for an instructor's command in the student's copy).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from .layout import INSTRUCTOR_DIR

# Not imported from instructor/assign.py: the student release leaves the instructor's tools out.
ASSIGNMENT_DIR = Path(__file__).resolve().parent.parent / "assignment"

# The student's commands, then the instructor's (which need checks/instructor/).
STUDENT_COMMANDS = ("grade", "collect")
INSTRUCTOR_COMMANDS = ("assign", "fixtures", "release", "gradescope", "batch")
COMMANDS = STUDENT_COMMANDS + INSTRUCTOR_COMMANDS
NEEDS_SOLUTIONS = ("assign", "fixtures", "release")


def _grade_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m checks grade",
        description="Grade a submission: a folder with the assignment's modules (layers.py, ...).",
    )
    parser.add_argument("folder", nargs="?", default=str(ASSIGNMENT_DIR),
                        help="the folder or zip to grade (default: the kit's assignment/); a zip is taken "
                             "in as batch takes it (what cannot be graded becomes a note)")
    parser.add_argument("--json", metavar="PATH", help="also write the result as Gradescope's results.json")
    parser.add_argument("--only", metavar="NAME", help="grade the checks of one function (e.g. relu_forward)")
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                        help="time limit for one check (default: 5)")
    parser.add_argument("--memory", type=int, default=2048, metavar="MB",
                        help="memory limit of the process running the submission (default: 2048)")
    parser.add_argument("--hidden", action="store_true", help="include the instructor's hidden checks")
    parser.add_argument("--verbose", "-v", action="store_true", help="show the full feedback of failed checks")
    return parser


def _grade(argv: List[str]) -> int:
    parser = _grade_parser()
    args = parser.parse_args(argv)
    from .grader import Grader, UsageError
    from .worker import GraderFailure, Limits

    if args.timeout <= 0 or args.memory < 256:
        parser.error("--timeout must be positive and --memory at least 256 (MB)")
    try:
        grader = Grader(Limits(timeout=args.timeout, memory_mb=args.memory),
                        include_hidden=args.hidden, only=args.only)
        if Path(args.folder).is_file():
            result = _grade_archive(grader, Path(args.folder))
        else:
            result = grader.grade(Path(args.folder))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except GraderFailure as failure:  # the grader's own failure: no score is printed or written
        print(f"not graded: {failure}", file=sys.stderr)
        return 1
    if args.hidden and not INSTRUCTOR_DIR.is_dir():
        result.add_note("--hidden: this is the student's copy of the grader, which has no hidden checks "
                        "(they are the instructor's); the public checks were graded")
    print(result.text(verbose=args.verbose))
    if args.json:
        result.write_json(Path(args.json))
        print(f"Wrote {args.json}")
    return 0


def _grade_archive(grader, archive: Path):
    """Grade a zip (or a single .py) the way ``batch`` takes in a student's hand-in."""
    import shutil
    import tempfile

    from .intake import given_folder, stage

    scratch = Path(tempfile.mkdtemp(prefix="kit-grade-zip-"))
    try:
        intake = stage(archive, scratch / "submission", given=given_folder(ASSIGNMENT_DIR, scratch / "given"))
        result = grader.grade(intake.folder, name=str(archive))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result.add_notes_first(intake.notes)
    return result


def _assign(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks assign",
                                     description="Write assignment/ from solutions/.")
    parser.add_argument("--out", default=str(ASSIGNMENT_DIR), help="where to write (default: assignment/)")
    parser.add_argument("--check", action="store_true", help="only report whether the folder is in sync")
    args = parser.parse_args(argv)
    from .instructor.assign import differences, write_assignment

    if args.check:
        problems = differences(Path(args.out))
        for problem in problems:
            print(problem)
        print("assignment/ is in sync with solutions/" if not problems else
              "assignment/ is out of date: run `python -m checks assign`")
        return 1 if problems else 0
    files = write_assignment(Path(args.out))
    print(f"Wrote {len(files)} files to {args.out}: {', '.join(files)}")
    return 0


def _fixtures(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks fixtures",
                                     description="Store the reference values and the known mistakes' signatures.")
    parser.parse_args(argv)
    from .instructor.fixtures import write_fixtures

    for path in write_fixtures():
        print(f"Wrote {path}")
    return 0


def _gradescope(argv: List[str]) -> int:
    from .instructor.gradescope import main as gradescope_main

    return gradescope_main(["build"] + argv)


def _batch(argv: List[str]) -> int:
    from .instructor.batch import main as batch_main

    return batch_main(argv)


def _release(argv: List[str]) -> int:
    from .instructor.release import main as release_main

    return release_main(argv)


def _collect(argv: List[str]) -> int:
    from .collect import main as collect_main

    return collect_main(argv)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "grade"
    if command in INSTRUCTOR_COMMANDS and not INSTRUCTOR_DIR.is_dir():
        print(f"error: `python -m checks {command}` is one of the instructor's commands; this is the "
              f"student's copy of the grader, which has only: {', '.join(STUDENT_COMMANDS)}", file=sys.stderr)
        return 2
    if command in NEEDS_SOLUTIONS and not (ASSIGNMENT_DIR.parent / "solutions").is_dir():
        print(f"error: `python -m checks {command}` needs the reference solutions, and "
              f"{ASSIGNMENT_DIR.parent / 'solutions'} is not there", file=sys.stderr)
        return 2
    try:
        return {"grade": _grade, "assign": _assign, "fixtures": _fixtures,
                "gradescope": _gradescope, "batch": _batch,
                "release": _release, "collect": _collect}[command](argv)
    except SystemExit as stop:  # argparse's usage errors exit with 2
        return int(stop.code or 0)
