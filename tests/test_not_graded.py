"""No failed run becomes a grade: when the grader itself cannot run (a worker that cannot
start, an interpreter that cannot be run, a grading process that dies), nothing is scored,
the command exits non-zero, and the next run grades the student again."""
import csv
import json
import shutil
import sys
from pathlib import Path

import pytest

from checks import cli, worker
from checks.grader import Grader
from checks.instructor import batch
from checks.worker import GraderFailure
from support import student_account

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


@pytest.fixture
def broken_worker(tmp_path, monkeypatch):
    """Workers run a script that dies before it is ready, as an unreadable numpy would make it."""
    script = tmp_path / "child.py"
    script.write_text("import sys\nsys.stderr.write('ImportError: numpy cannot be read\\n')\nsys.exit(3)\n")
    monkeypatch.setattr(worker, "CHILD_SCRIPT", script)


def test_a_worker_that_dies_before_it_is_ready_is_the_graders_failure(broken_worker):
    with pytest.raises(GraderFailure) as failure:
        Grader().grade(SOLUTIONS)
    text = str(failure.value)
    assert text.startswith("the worker did not start: the process exited with status 3"), text
    assert "numpy cannot be read" in text


def test_grade_prints_no_score_and_exits_1_when_the_grader_fails(broken_worker, capsys):
    assert cli.main(["grade", str(SOLUTIONS)]) == 1
    out, err = capsys.readouterr()
    assert "Total" not in out and err.startswith("not graded: the worker did not start")


def _class(tmp_path):
    subs = tmp_path / "subs"
    for name in ("ann", "ben"):
        shutil.copytree(SOLUTIONS, subs / name, ignore=shutil.ignore_patterns("__pycache__", "*.md", "*.txt"))
    return subs


def test_batch_records_no_grade_for_a_failed_run_exits_1_and_grades_it_next_time(tmp_path, monkeypatch, capsys):
    subs, out = _class(tmp_path), tmp_path / "grades.csv"
    real = batch.Batch._run

    def failing_for_ben(self, staged, name):
        if name.startswith("ben"):
            return None, "the grading process failed (PermissionError: [Errno 13] Permission denied: 'python3')"
        return real(self, staged, name)

    monkeypatch.setattr(batch.Batch, "_run", failing_for_ben)
    assert batch.main([str(subs), "--out", str(out), "--jobs", "1"]) == 1
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert rows["ben"]["total"] == "not graded" and rows["ann"]["total"] == "100"
    assert "Permission denied" in rows["ben"]["notes"]
    assert "Not graded (the grader failed, not their code; the next run grades them): ben" in capsys.readouterr().err
    record = json.loads((tmp_path / "grades" / "ben.json").read_text())
    assert record["report"]["graded"] is False

    monkeypatch.setattr(batch.Batch, "_run", real)  # the environment is mended
    assert batch.main([str(subs), "--out", str(out), "--jobs", "1"]) == 0
    assert "(1 graded, 1 unchanged, 0 not graded)" in capsys.readouterr().out
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert rows["ben"]["total"] == "100"


def test_the_preflight_refuses_a_user_who_can_read_the_expected_values_and_passes_once_locked():
    fixtures = ROOT / "checks" / "fixtures"
    with student_account("the preflight test") as user:  # locks the fixtures for the test
        worker.preflight(user)  # locked: the user can run the worker and cannot read them
        reference = fixtures / "reference.bin"
        modes = [(path, path.stat().st_mode) for path in (fixtures, reference)]
        fixtures.chmod(0o755)
        reference.chmod(0o644)
        try:
            with pytest.raises(GraderFailure) as failure:
                worker.preflight(user)
        finally:
            for path, mode in modes:
                path.chmod(mode)
        assert f"can read the expected values ({fixtures})" in str(failure.value)
        assert "chmod -R go-rwx" in str(failure.value)


def test_batch_refuses_a_user_that_cannot_grade_in_one_line_with_status_2(tmp_path, capsys):
    code = batch.main([str(_class(tmp_path)), "--out", str(tmp_path / "g.csv"), "--user", "no-such-user-here"])
    err = capsys.readouterr().err
    if sys.platform.startswith("linux") and worker.os.geteuid() == 0:
        assert code == 2 and err.count("\n") == 1 and "no-such-user-here" in err
