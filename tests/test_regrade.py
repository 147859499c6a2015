"""Grade one student the easy way: ``grade`` takes a student's zip as batch does, and
``batch --student NAME`` grades the students named again, leaving the others as they were."""
import csv
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


def run(*args):
    return subprocess.run([sys.executable, "-m", "checks", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_grade_takes_a_students_zip_as_batch_does(tmp_path):
    archive = tmp_path / "erin.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(SOLUTIONS.glob("*.py")):
            handle.write(path, f"assignment/{path.name}")
        handle.writestr("assignment/notes.bin", b"\x00\x01")
    done = run("grade", archive)
    assert done.returncode == 0, done.stderr
    assert f"Grading {archive}" in done.stdout and "Total: 100 / 100" in done.stdout


def test_batch_student_regrades_only_the_students_named(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "grades.csv"
    for name in ("ann", "ben"):
        shutil.copytree(SOLUTIONS, subs / name, ignore=shutil.ignore_patterns("__pycache__", "*.md", "*.txt"))
    assert run("batch", subs, "--out", out, "--jobs", "1").returncode == 0
    done = run("batch", subs, "--out", out, "--jobs", "1", "--student", "ben")
    assert done.returncode == 0, done.stderr
    assert "(1 graded, 1 unchanged, 0 not graded)" in done.stdout
    assert {row["student"] for row in csv.DictReader(out.open())} == {"ann", "ben"}


def test_batch_student_with_an_unknown_name_exits_2_and_lists_the_students(tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(SOLUTIONS, subs / "ann", ignore=shutil.ignore_patterns("__pycache__", "*.md", "*.txt"))
    done = run("batch", subs, "--out", tmp_path / "g.csv", "--student", "zed")
    assert done.returncode == 2
    assert done.stderr.strip() == f"batch: no student named zed in {subs}; the students are: ann"
