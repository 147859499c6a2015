"""Grading a class with ``python -m checks batch``: a smoke run on a handful of assorted
submissions (correct, empty, a known mistake in a zip, a hang, a crash, a memory bomb, garbage,
a student who tries to overwrite another's grade), re-runs that skip what did not change, and
``--force``. Runs as root (as in CI) so that student code runs as an unprivileged user."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from support import student_account

from checks.instructor.mistakes import all_mistakes, build_variant
from checks.suite import all_checks

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
USER = "kitstudent"
PUBLIC = [c for c in all_checks() if not c.hidden]


@pytest.fixture(scope="module")
def student():
    with student_account("the batch tests", USER) as user:
        yield user


def sabotaged(folder: Path, module: str, code: str) -> Path:
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__", "*.md", "*.txt"))
    with open(folder / f"{module}.py", "a") as handle:
        handle.write("\n\n" + textwrap.dedent(code))
    return folder


@pytest.fixture(scope="module")
def classroom(student):
    work = Path(tempfile.mkdtemp(prefix="kit-batch-test-"))
    os.chmod(work, 0o755)
    subs = work / "submissions"
    subs.mkdir()
    shutil.copytree(SOLUTIONS, subs / "alice", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assignment", subs / "bob", ignore=shutil.ignore_patterns("__pycache__"))
    mistake = next(m for m in all_mistakes() if m.target == "relu_backward")
    variant = build_variant(mistake, SOLUTIONS, work / "variant")
    with zipfile.ZipFile(subs / "carol.zip", "w") as archive:
        for path in sorted(variant.glob("*.py")):
            archive.write(path, f"assignment/{path.name}")
    sabotaged(subs / "dave", "updater", """
        def sgd_momentum(w, dw, config=None):
            while True:
                pass
    """)
    sabotaged(subs / "erin", "layers", "import os\nos.abort()\n")
    sabotaged(subs / "frank", "updater", """
        def rmsprop(w, dw, config=None):
            hog = [bytearray(1 << 26) for _ in range(1000)]
            return w, config
    """)
    (subs / "gina.zip").write_bytes(os.urandom(2000))
    sabotaged(subs / "mallory", "updater", f"""
        def adam(w, dw, config=None):
            import os
            outcome = []
            for target in ({str(work / 'grades' / 'alice.json')!r}, {str(work / 'grades.csv')!r}):
                try:
                    open(target, "w").write("{{}}")
                    outcome.append("ALLOWED")
                except Exception as error:
                    outcome.append(type(error).__name__)
            raise RuntimeError("HOSTILE " + " ".join(outcome))
    """)
    yield work
    shutil.rmtree(work, ignore_errors=True)


def batch(work: Path, *extra):
    command = [sys.executable, "-m", "checks", "batch", str(work / "submissions"), "--out", str(work / "grades.csv"),
               "--jobs", "2", "--timeout", "1", "--memory", "512", "--user", USER, *extra]
    begin = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(work / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return rows, done, time.monotonic() - begin


def test_a_class_is_graded_in_parallel_and_each_grade_stands_alone(classroom):
    rows, done, seconds = batch(classroom, "--force")
    assert sorted(rows) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "mallory"]
    header = list(rows["alice"])
    assert header[:2] == ["student", "total"] and header[2:-1] == [c.name for c in PUBLIC] and header[-1] == "notes"
    points = {c.name: c.points for c in PUBLIC}
    full = sum(points.values())
    assert float(rows["alice"]["total"]) == full
    assert float(rows["bob"]["total"]) == 0
    # carol writes into dout (a known mistake) with right values: half of the check
    assert float(rows["carol"]["relu_backward"]) == points["relu_backward"] / 2 and float(rows["carol"]["adam"]) == points["adam"]
    assert float(rows["dave"]["sgd_momentum"]) == 0 and float(rows["dave"]["adam"]) == points["adam"]
    assert float(rows["erin"]["relu_forward"]) == 0 and float(rows["erin"]["adam"]) == points["adam"]
    assert float(rows["frank"]["rmsprop"]) == 0 and float(rows["frank"]["adam"]) == points["adam"]
    assert float(rows["gina"]["total"]) == 0 and "not a zip archive" in rows["gina"]["notes"]
    for student in rows:
        assert float(rows[student]["total"]) == pytest.approx(sum(float(rows[student][c]) for c in points))

    feedback = classroom / "grades"
    alice = json.loads((feedback / "alice.json").read_text())
    assert alice["score"] == full and alice["content_hash"] and alice["grader_hash"]
    assert alice["results"]["extra_data"]["kit_version"]
    carol = (feedback / "carol.txt").read_text()
    assert f"This looks like a known mistake: {next(m for m in all_mistakes() if m.target == 'relu_backward').title}" in carol
    assert "timed out after 1 s" in (feedback / "dave.txt").read_text()
    assert "crashed (SIGABRT" in (feedback / "erin.txt").read_text()
    frank = json.loads((feedback / "frank.json").read_text())
    assert next(t for t in frank["results"]["tests"] if t["name"] == "rmsprop")["status"] == "failed"
    mallory = (feedback / "mallory.txt").read_text()
    assert "HOSTILE PermissionError PermissionError" in mallory
    assert "[8/8]" in done.stderr and "graded 8" in done.stderr
    assert sorted(p.name for p in feedback.iterdir()) == sorted(f"{s}.{e}" for s in rows for e in ("json", "txt"))


def test_a_rerun_skips_what_did_not_change_unless_forced(classroom):
    batch(classroom)  # whatever the order of the tests, everything is graded now
    before = {p.name: p.read_bytes() for p in (classroom / "grades").glob("*.json")}
    rows, done, seconds = batch(classroom)
    assert "skipped 8" in done.stderr and "graded 0" in done.stderr
    assert {p.name: p.read_bytes() for p in (classroom / "grades").glob("*.json")} == before
    assert seconds < 20
    with open(classroom / "submissions" / "alice" / "relu_forward_note.py", "w") as handle:
        handle.write("# a change in alice's folder\n")
    rows, done, _ = batch(classroom)
    assert "graded 1" in done.stderr and "skipped 7" in done.stderr
    rows, done, _ = batch(classroom, "--force")
    assert "graded 8" in done.stderr and "skipped 0" in done.stderr


def test_usage_errors(tmp_path):
    done = subprocess.run([sys.executable, "-m", "checks", "batch", str(tmp_path / "none")], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "is not a folder" in done.stderr
    done = subprocess.run([sys.executable, "-m", "checks", "batch", str(tmp_path), "--user", "no-such-user-here"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "does not exist" in done.stderr
