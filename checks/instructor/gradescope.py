"""The Gradescope autograder: build its zip, and grade one submission inside it.

``python -m checks gradescope OUT.zip`` writes an autograder in Gradescope's contract:

    setup.sh         run once, as root, when Gradescope builds the image: Python 3 and venv from
                     apt if missing, numpy pinned to the version the kit was built with, and
                     the unprivileged user ``student`` that student code runs as
    run_autograder   run for every submission, as root: ``python -m checks.instructor.gradescope run``
    checks/          the grader with its public and hidden checks (no solutions/, no
                     known-mistake code) and fixtures/ computed for the instructor's inputs
                     (below)
    given/           the kit's given modules (validation.py, ...), used when a submission lacks them

The instructor's inputs. The release ships the expected values of the public checks on the
public inputs, so a submission could hold them and hand them back. The autograder grades the
same checks on other inputs: those of the instructor seed in ``checks/fixtures/instructor_seed.txt``,
which the first build draws and every later build reuses (so a rebuild mid-term grades later
students on the same inputs), and which the release leaves out. The zip's ``fixtures/`` holds the
reference values and the known mistakes' signatures for those inputs and ``inputs.json``,
which names the seed; student code can read none of it (root, 0700/0600).

``run`` reads ``$AUTOGRADER_ROOT/submission`` (default root: ``/autograder``): the assignment
folder, its .py files at the top, or the collect zip (extracted or not). It stages a copy
(see ``intake.py``), grades it with the hidden checks from the stored fixtures, and writes
``$AUTOGRADER_ROOT/results/results.json`` once every student process has ended. As root, student
code runs as ``$KIT_STUDENT_USER`` (default ``student``), which can read neither the fixtures
(root, 0700/0600) nor write the results folder (root, 0755).
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..files import atomic, write_text

GRADER_DIR = Path(__file__).resolve().parents[1]
KIT_DIR = GRADER_DIR.parent
DEFAULT_ROOT = "/autograder"
DEFAULT_USER = "student"
VENV = "/opt/kit-venv"
# Folders of checks/ that the autograder does not take from the checkout: the known mistakes'
# code, and the fixtures of the public inputs (the zip gets the instructor's instead).
LEFT_OUT = (("instructor", "mistakes"), ("fixtures",))
SEED_FILE = GRADER_DIR / "fixtures" / "instructor_seed.txt"

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu with python3).
# Pick a base image whose python3 numpy {numpy} supports (Ubuntu 24.04: Python 3.12).
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
# The system's interpreter, where there is one: a python3 found first on PATH may live in a
# folder the student user cannot enter (a pyenv build under /root), and then nothing could run.
PY3=/usr/bin/python3
if [ ! -x "$PY3" ] || ! "$PY3" -c "import venv, ensurepip" >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv
fi
[ -x "$PY3" ] || PY3="$(command -v python3)"
"$PY3" -m venv {venv}
{venv}/bin/python -m pip install --no-cache-dir --disable-pip-version-check "numpy=={numpy}"
chmod -R a+rX {venv}
# The unprivileged user that runs student code.
id -u {user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {user}
# That user must be able to start the venv's python and import numpy, or every submission
# would fail at grading time: check it now, while the image is built.
if ! runuser -u {user} -- {venv}/bin/python -c "import numpy" >/dev/null 2>&1; then
    echo "setup.sh: the user {user} cannot run {venv}/bin/python with numpy; every folder above" \
         "$(readlink -f {venv}/bin/python) must be searchable by others (chmod o+x), or use /usr/bin/python3" >&2
    exit 1
fi
# The grader is readable by everyone; its fixtures (the expected values) by root alone.
chown -R root:root "$SOURCE"
chmod -R a+rX,go-w "$SOURCE"
chmod 0700 "$SOURCE/checks/fixtures"
find "$SOURCE/checks/fixtures" -type f -exec chmod 0600 {{}} +
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission, as root. AUTOGRADER_ROOT (default /autograder),
# KIT_PYTHON and KIT_STUDENT_USER (default student) let a test run it on a fake tree.
set -u
ROOT="${{AUTOGRADER_ROOT:-{root}}}"
SOURCE="$ROOT/source"
PY="${{KIT_PYTHON:-{venv}/bin/python}}"
[ -x "$PY" ] || PY=python3
cd "$SOURCE" || exit 1
exec "$PY" -I -B -c 'import sys; sys.path.insert(0, sys.argv[1]); from checks.instructor.gradescope import main; sys.exit(main(["run", "--root", sys.argv[2]]))' "$SOURCE" "$ROOT"
"""


# --------------------------------------------------------------------------- building the zip
def _numpy_version() -> str:
    import numpy

    return numpy.__version__


def _grader_files() -> List[Path]:
    files = []
    for path in sorted(GRADER_DIR.rglob("*")):
        relative = path.relative_to(GRADER_DIR)
        if path.is_dir() or any(relative.parts[:len(left)] == left for left in LEFT_OUT) \
                or "__pycache__" in relative.parts:
            continue
        if path.suffix in (".pyc", ".pyo") or path.name.startswith("."):
            continue
        files.append(path)
    return files


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def instructor_seed(seed_file: Path = SEED_FILE) -> Tuple[int, bool]:
    """(the instructor seed, whether it was drawn now): read from ``seed_file``, or drawn and
    written there when the file does not exist yet."""
    seed_file = Path(seed_file)
    if seed_file.exists():
        if not seed_file.is_file():
            raise ValueError(f"{seed_file} should be the file of the instructor seed, but it is a folder")
        text = seed_file.read_text(encoding="utf-8", errors="replace").split("#", 1)[0].strip()
        if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 <= int(text) < 2 ** 32:
            raise ValueError(f"{seed_file} should hold one integer from 0 to 2**32 - 1, not {text[:40]!r}: "
                             "restore it from your copy of the kit (a new seed gives other inputs)")
        return int(text), False
    seed = secrets.randbelow(2 ** 32)
    write_text(seed_file, f"{seed}\n# The autograder's inputs: keep this file (commit it to your private copy of the kit)\n"
                          "# and never publish it. `python -m checks gradescope` reuses it for every build.\n")
    os.chmod(seed_file, 0o600)
    return seed, True


def build(out: Path, seed_file: Path = SEED_FILE) -> Dict[str, Any]:
    """Write the autograder zip; returns {"names": the files it holds, "seed": the instructor seed,
    "new_seed": whether the seed was drawn now}."""
    from ..intake import given_modules
    from .assign import differences
    from .fixtures import write_fixtures

    problems = differences(KIT_DIR / "assignment", KIT_DIR / "solutions")
    if problems:  # given/ comes from assignment/, and students hold the fixtures it was made with
        raise ValueError("assignment/ is out of date with solutions/: run `python -m checks assign` "
                         "(and `python -m checks fixtures`) first\n" + "\n".join(problems[:10]))
    seed, new_seed = instructor_seed(seed_file)
    numpy = _numpy_version()
    names = []
    with tempfile.TemporaryDirectory(prefix="kit-autograder-fixtures-") as fixtures, \
            atomic(out) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        stored = write_fixtures(Path(fixtures), input_seed=seed)
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            _add(archive, name, text.format(numpy=numpy, venv=VENV, user=DEFAULT_USER, root=DEFAULT_ROOT).encode(), 0o755)
            names.append(name)
        for path in _grader_files():
            name = "checks/" + path.relative_to(GRADER_DIR).as_posix()
            _add(archive, name, path.read_bytes(), 0o644)
            names.append(name)
        for path in stored:
            _add(archive, f"checks/fixtures/{path.name}", path.read_bytes(), 0o600)
            names.append(f"checks/fixtures/{path.name}")
        for path in given_modules(KIT_DIR / "assignment"):
            _add(archive, f"given/{path.name}", path.read_bytes(), 0o644)
            names.append(f"given/{path.name}")
        _add(archive, "requirements.txt", f"numpy=={numpy}\n".encode(), 0o644)
        names.append("requirements.txt")
    return {"names": names, "seed": seed, "new_seed": new_seed}


# --------------------------------------------------------------------------- grading one submission
class SetupError(Exception):
    """The autograder cannot grade safely (no such user, unreadable interpreter): exit status 1."""


def _lock_down(source: Path, results: Path) -> None:
    """As root: fixtures readable by root alone; the results folder root's, 0755; grader read-only."""
    fixtures = source / "checks" / "fixtures"
    for path in [fixtures] + sorted(fixtures.rglob("*")):
        os.chown(path, 0, 0, follow_symlinks=False)
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    results.mkdir(parents=True, exist_ok=True)
    os.chown(results, 0, 0)
    os.chmod(results, 0o755)
    for path in results.iterdir():  # nothing from before this run counts
        if path.is_file() or path.is_symlink():
            path.unlink()


def _preflight(user: str, staged: Path) -> None:
    """``worker.preflight``: the user can run the worker and read the copy, and cannot read the fixtures."""
    from ..worker import GraderFailure, preflight

    try:
        preflight(user, submission=staged)
    except GraderFailure as failure:
        raise SetupError(str(failure)) from None


def _student_user() -> Optional[str]:
    """The unprivileged user student code runs as (None when the grader is not root)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    from ..worker import student_account

    user = os.environ.get("KIT_STUDENT_USER", DEFAULT_USER)
    try:
        student_account(user)  # exists, and is not root
    except ValueError as error:
        raise SetupError(f"{error} (setup.sh creates the user: useradd {user})") from None
    return user


def run(root: Path, timeout: float = 5.0, memory_mb: int = 2048) -> Dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns what was written."""
    from ..grader import Grader
    from ..intake import public_score_note, stage
    from ..reference import Reference
    from ..worker import GraderFailure, Limits

    begin = time.monotonic()
    root = Path(root)
    source, results = root / "source", root / "results"
    user = _student_user()
    if user is not None:
        _lock_down(source, results)
    else:
        results.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="kit-gradescope-"))
    try:
        os.chmod(scratch, 0o755)
        given = source / "given"
        intake = stage(root / "submission", scratch / "submission", given=given if given.is_dir() else None)
        if user is not None:
            _preflight(user, intake.folder)
        grader = Grader(Limits(timeout=timeout, memory_mb=memory_mb, user=user), include_hidden=True,
                        reference=Reference("fixtures"))
        try:
            graded = grader.grade(intake.folder, name="your submission")  # every student process has ended here
        except GraderFailure as failure:  # no results.json: Gradescope shows a failed run, not a score
            raise SetupError(f"the submission could not be graded: {failure}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    public_score_note(intake, graded)
    graded.answers = dict(intake.answers)
    graded.add_notes_first(intake.notes)
    graded.seconds = time.monotonic() - begin
    graded.extra["student_user"] = user
    graded.write_json(results / "results.json")
    print(graded.text(verbose=True))
    return graded.results_json()


def points_line() -> str:
    """What the autograder's checks are worth, summed from the checks themselves."""
    from ..suite import all_checks

    checks = all_checks(include_hidden=True)
    public = sum(c.points for c in checks if not c.hidden)
    hidden = sum(c.points for c in checks if c.hidden)
    return (f"Its checks are worth {public + hidden:g} points ({public:g} public + {hidden:g} hidden): "
            f"set the Gradescope assignment's total to {public + hidden:g}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.instructor.gradescope")
    commands = parser.add_subparsers(dest="command", required=True)
    building = commands.add_parser("build", help="write the autograder zip")
    building.add_argument("out", help="the zip to write (e.g. autograder.zip)")
    building.add_argument("--seed-file", default=str(SEED_FILE),
                          help="the instructor seed of the autograder's inputs (drawn when missing; default: %(default)s)")
    running = commands.add_parser("run", help="grade the submission of an autograder tree (run_autograder)")
    running.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))
    running.add_argument("--timeout", type=float, default=5.0)
    running.add_argument("--memory", type=int, default=2048)
    args = parser.parse_args(argv)
    if args.command == "build":
        try:
            built = build(Path(args.out), Path(args.seed_file))
        except (ValueError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"Wrote {args.out}: setup.sh, run_autograder and {len(built['names']) - 2} more files")
        print(points_line())
        if built["new_seed"]:
            print(f"Drew the instructor seed that the autograder's inputs come from and wrote it to {args.seed_file}:\n"
                  "keep it (commit it to your private copy of the kit, never publish it), so that every rebuild\n"
                  "grades on the same inputs.")
        else:
            print(f"The autograder grades on the inputs of the instructor seed in {args.seed_file}.")
        return 0
    try:
        run(Path(args.root), timeout=args.timeout, memory_mb=args.memory)
    except SetupError as error:
        print(f"autograder error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
