"""Inline answers, handed in and read by a person: the notebooks' answer cells (SPEC's format)
go into the hand-in, are read as JSON (never run), reach answers.csv, report.html (beside the
model answers) and Gradescope (as tests of 0 points)."""
import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from checks import answers
from checks.intake import stage
from checks.report import GradeReport

ROOT = Path(__file__).resolve().parent.parent
IDS = ["bn-q1", "bn-q2", "bn-q3", "dropout-q1", "dropout-q2", "fc-q1", "fc-q2", "fc-q3"]


def test_every_answer_cell_has_an_id_that_answers_md_answers():
    found = answers.from_folder(ROOT / "notebooks")
    assert sorted(found) == IDS and answers.unanswered(found) == IDS
    assert sorted(answers.model_answers(ROOT / "solutions" / "ANSWERS.md")) == IDS


def kit_with_an_answer(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "assignment", ignore=shutil.ignore_patterns("__pycache__", "*.md"))
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = tmp_path / "notebooks" / "Dropout.ipynb"
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if "".join(cell["source"]).startswith("**Your answer (dropout-q1):**"):
            cell["source"] = ["**Your answer (dropout-q1):** The identity: nothing is dropped.\n", "<b>Sure.</b>"]
    path.write_text(json.dumps(notebook))
    return tmp_path


def test_collect_hands_in_the_notebooks_and_warns_about_unanswered_questions(tmp_path):
    kit = kit_with_an_answer(tmp_path)
    done = subprocess.run([sys.executable, "-m", "checks", "collect", str(kit / "assignment"), "--out",
                           str(tmp_path / "submission.zip")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert ", 3 notebooks and manifest.json" in done.stdout
    warning = next(line for line in done.stdout.splitlines() if line.startswith("Warning: inline questions"))
    assert "dropout-q1" not in warning and "bn-q1" in warning and "fc-q3" in warning
    with zipfile.ZipFile(tmp_path / "submission.zip") as archive:
        assert "notebooks/Dropout.ipynb" in archive.namelist()
    intake = stage(tmp_path / "submission.zip", tmp_path / "staged")
    assert intake.answers["dropout-q1"] == "The identity: nothing is dropped.\n<b>Sure.</b>"
    assert not list(intake.folder.glob("*.ipynb")) and intake.notes == []


def test_a_notebook_that_is_not_json_gives_no_answers_and_no_crash(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(ROOT / "solutions" / "layers.py", "layers.py")
        handle.writestr("notebooks/Dropout.ipynb", b"import os; os.system('echo never run')")
    assert stage(archive, tmp_path / "staged").answers == {}


def test_answers_reach_gradescope_as_tests_of_zero_points():
    report = GradeReport("s", [], answers={"dropout-q1": "yes", "bn-q1": "*write it here*"})
    tests = report.results_json()["tests"]
    assert [t["name"] for t in tests] == ["Inline answer dropout-q1", "Inline answer bn-q1"]
    assert all(t["max_score"] == 0 for t in tests) and report.results_json()["score"] == 0
    assert tests[1]["output"].startswith("Not answered")
    assert GradeReport.from_dict(report.to_dict()).answers == report.answers


def test_batch_writes_answers_csv_and_shows_each_question_beside_the_model_answer(tmp_path):
    kit = kit_with_an_answer(tmp_path / "kit")
    subprocess.run([sys.executable, "-m", "checks", "collect", str(kit / "assignment"), "--out",
                    str(tmp_path / "subs" / "erin.zip")], cwd=ROOT, capture_output=True, timeout=300, check=True)
    done = subprocess.run([sys.executable, "-m", "checks", "batch", str(tmp_path / "subs"), "--out",
                           str(tmp_path / "grades.csv")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((tmp_path / "answers.csv").open()))
    assert {"student": "erin", "question": "dropout-q1",
            "answer": "The identity: nothing is dropped.\n<b>Sure.</b>"} in rows and len(rows) == len(IDS)
    page = (tmp_path / "report.html").read_text()
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    question = next(q for q in data["questions"] if q["id"] == "dropout-q1")
    assert question["model"].startswith("**dropout-q1. Dropout at test time.**")
    assert question["answers"] == {"erin": "The identity: nothing is dropped.\n<b>Sure.</b>"}
    assert "&lt;b&gt;Sure.&lt;/b&gt;" in page and "<b>Sure.</b>" not in page.split('id="report-data"')[0]
