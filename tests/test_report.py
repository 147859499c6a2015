"""The one results object (``checks.report.GradeReport``) and the one atomic writer (``checks.files``)."""
import json

import pytest

from checks.files import atomic, write_text
from checks.report import CheckResult, GradeReport
from checks.suite import all_checks


def _report():
    results = [
        CheckResult("relu_forward", "relu_forward", "layers", 3, 3, True, ""),
        CheckResult("adam", "adam", "updater", 4, 0, False, "adam: m is wrong\nsecond line", mistake="adam_no_t"),
        CheckResult("deep nets", "FullyConnectedNet.loss", "fc_net", 5, 0, False, "off", hidden=True),
    ]
    return GradeReport("alice (alice.zip)", results, 1.5, ["platform note"])


def test_a_report_survives_its_plain_form_unchanged():
    report = _report()
    report.extra["student_user"] = "student"
    again = GradeReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report
    assert again.results_json() == report.results_json() and again.text(verbose=True) == report.text(verbose=True)


def test_from_dict_names_what_is_wrong():
    with pytest.raises(ValueError, match="not a grade report"):
        GradeReport.from_dict({"submission": "x"})


def test_a_note_added_to_the_object_shows_in_every_rendering_in_order():
    report = _report()
    report.add_note("layers.py: it holds NUL bytes", first=True)
    report.add_note("platform note")  # not twice
    assert report.notes == ["layers.py: it holds NUL bytes", "platform note"]
    report.add_notes_first(["intake one", "intake two"])
    assert report.notes[:2] == ["intake one", "intake two"]
    report.notes[:2] = []
    data = report.results_json()
    assert data["output"].splitlines() == ["3 / 12 points", "Note: layers.py: it holds NUL bytes", "Note: platform note"]
    assert data["extra_data"]["notes"] == report.notes
    assert report.text().splitlines()[-2:] == ["Note: layers.py: it holds NUL bytes", "Note: platform note"]
    assert report.csv_row(["relu_forward", "missing", "adam"]) == [
        "3", "3", "", "0", "layers.py: it holds NUL bytes | platform note"]


def test_results_json_marks_hidden_checks_and_says_passed():
    tests = {t["name"]: t for t in _report().results_json()["tests"]}
    assert tests["relu_forward"]["output"] == "Passed." and tests["relu_forward"]["status"] == "passed"
    assert tests["deep nets"]["visibility"] == "after_published" and "visibility" not in tests["adam"]


def test_not_run_fails_every_check_with_the_reason_and_sums_the_points():
    checks = all_checks(include_hidden=True)
    report = GradeReport.not_run("bob", checks, "the grading process failed (boom)")
    assert not report.graded and report.score == 0 and report.passed == 0
    assert report.max_score == round(sum(c.points for c in checks), 6)
    assert {r.feedback for r in report.results} == {"the grading process failed (boom)"}
    assert report.notes == ["the grading process failed (boom)"]
    assert [r.name for r in report.results if r.hidden] == [c.name for c in checks if c.hidden]


def test_atomic_replaces_the_file_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "deep" / "grades.csv"
    write_text(target, "old\n")
    with pytest.raises(RuntimeError):
        with atomic(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["grades.csv"]
    write_text(target, "new\n", mode=0o600)
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o600


def test_atomic_refuses_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        write_text(tmp_path, "x")


def test_a_missing_module_is_named_after_the_submission_not_a_temporary_folder(tmp_path):
    from checks.grader import Grader

    (tmp_path / "layers.py").write_text("import numpy as np\n")
    report = Grader(only="updater").grade(tmp_path, name="bob (bob.zip)")
    assert report.submission == "bob (bob.zip)"
    assert {r.feedback.splitlines()[0] for r in report.results} == {
        "updater.py is missing from the submission (bob (bob.zip))"}
