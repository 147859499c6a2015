"""The grader graded: full marks for the reference, zero for the stubs, the report formats."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from checks.instructor import assign
from checks.grader import Grader, _matches, _verdict
from checks.worker import Outcome
from checks.reference import Reference, compute_reference, stored_reference, stored_signatures
from checks.suite import PUBLIC_POINTS, all_checks

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def solutions_report():
    return Grader().grade(ROOT / "solutions")


@pytest.fixture(scope="module")
def assignment_report():
    return Grader().grade(ROOT / "assignment")


def test_public_points_add_up_to_100():
    assert sum(check.points for check in all_checks()) == PUBLIC_POINTS


def test_every_graded_function_has_a_check():
    functions = {check.function for check in all_checks()}
    for module, names in assign.graded_functions().items():
        for name in names:
            assert name in functions, f"{module}.{name} has a solution block but no check"


def test_solutions_score_full_marks(solutions_report):
    failed = [f"{r.name}: {r.feedback}" for r in solutions_report.results if not r.passed]
    assert not failed, "\n".join(failed)
    assert solutions_report.score == solutions_report.max_score == PUBLIC_POINTS


def test_solutions_score_full_marks_from_stored_fixtures():
    report = Grader(reference=Reference("fixtures")).grade(ROOT / "solutions")
    failed = [f"{r.name}: {r.feedback}" for r in report.results if not r.passed]
    assert not failed, "\n".join(failed)


def test_untouched_assignment_scores_zero_with_a_stub_line_per_function(assignment_report):
    assert assignment_report.score == 0
    feedback = "\n".join(r.feedback for r in assignment_report.results)
    for module, names in assign.graded_functions().items():
        for name in names:
            line = f"{name} is not implemented yet (assignment/{module}.py)"
            assert line in feedback, f"no line says: {line}"
    for r in assignment_report.results:
        assert "not implemented yet" in r.feedback.splitlines()[0], r.feedback


def test_stored_reference_is_fresh():
    """checks/fixtures must match the solutions: run `python -m checks fixtures` after changing either.

    Some probes draw without a seed on purpose (an unseeded net, unseeded dropout masks), so
    the stored values are compared with the live ones the way the grader compares a
    submission: each stored tree must pass its check's judge against the live one.
    """
    stored = stored_reference()
    live = compute_reference()
    checks = {c.name: c for c in all_checks(include_hidden=True)}
    assert set(stored) == set(live) == set(checks)
    for name, check in checks.items():
        assert "tree" in live[name], f"the reference fails {name}: {live[name]}"
        assert "tree" in stored[name], f"stored reference of {name} is an error"
        assert _verdict(check, stored[name]["tree"], live[name]["tree"]) is None, f"{name}: stored reference is stale"


def test_stored_mistake_signatures_are_fresh():
    """Each stored signature is still recognized as its mistake by the live signature."""
    from checks.instructor import mistakes

    stored = stored_signatures()
    live = mistakes.compute_signatures()
    reference = compute_reference()
    checks = {c.name: c for c in all_checks(include_hidden=True)}
    assert set(stored) == set(live)
    for name, entries in live.items():
        old = stored[name]
        assert [(e["id"], e["title"], e["hint"]) for e in entries] == [(e["id"], e["title"], e["hint"]) for e in old]
        for new, kept in zip(entries, old):
            assert ("error" in new) == ("error" in kept), f"{name}: {new['id']}"
            if "error" in new:
                assert new["error"] == kept["error"], f"{name}: {new['id']}"
                continue
            want = reference[name]["tree"]
            outcome = Outcome("ok", tree=kept["tree"])
            failure = _verdict(checks[name], kept["tree"], want)
            assert failure is not None, f"{name}: the stored signature of {new['id']} passes the check"
            assert _matches(checks[name], outcome, new, want, failure), f"{name}: {new['id']} is stale"


def test_text_report_has_one_line_per_check_and_the_total(solutions_report):
    report = solutions_report.text()
    for check in all_checks():
        assert any(line.startswith("pass") and check.name in line for line in report.splitlines())
    assert f"Total: {PUBLIC_POINTS} / {PUBLIC_POINTS}" in report


def test_results_json_follows_gradescope_schema(assignment_report):
    data = json.loads(json.dumps(assignment_report.results_json()))
    assert set(data) >= {"score", "max_score", "execution_time", "tests"}
    assert data["score"] == 0 and data["max_score"] == PUBLIC_POINTS
    assert len(data["tests"]) == len(all_checks())
    for entry in data["tests"]:
        assert set(entry) >= {"name", "score", "max_score", "status", "output"}
        assert entry["status"] in ("passed", "failed") and 0 <= entry["score"] <= entry["max_score"]
    assert data["extra_data"]["kit_version"]


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "checks", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_cli_grades_assignment_by_default_and_writes_json(tmp_path):
    out = tmp_path / "results.json"
    run = _cli("--json", str(out))
    assert run.returncode == 0, run.stderr
    assert "Total: 0 / 100" in run.stdout and "not implemented yet" in run.stdout
    assert json.loads(out.read_text())["score"] == 0


def test_cli_only_and_usage_errors(tmp_path):
    run = _cli("grade", str(ROOT / "solutions"), "--only", "relu_forward")
    assert run.returncode == 0 and "Total: 2 / 2" in run.stdout
    assert _cli("grade", str(tmp_path / "missing")).returncode == 2
    bad = _cli("grade", str(ROOT / "solutions"), "--only", "no_such_function")
    assert bad.returncode == 2 and "relu_forward" in bad.stderr
    assert _cli("grade", "--timeout", "-1").returncode == 2
    assert _cli("--no-such-option").returncode == 2


def test_a_folder_with_only_some_modules_is_graded_as_far_as_possible(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    for name in ("layers.py", "validation.py"):
        (sub / name).write_bytes((ROOT / "solutions" / name).read_bytes())
    report = Grader().grade(sub)
    layer_checks = [r for r in report.results if r.module == "layers"]
    assert layer_checks and all(r.passed for r in layer_checks)
    missing = [r for r in report.results if r.module == "updater"]
    assert missing and all("updater.py is missing" in r.feedback for r in missing)


def test_a_submission_folder_nested_one_level_is_found(tmp_path):
    nested = tmp_path / "student" / "assignment"
    nested.mkdir(parents=True)
    for path in (ROOT / "solutions").glob("*.py"):
        (nested / path.name).write_bytes(path.read_bytes())
    report = Grader(only="layers").grade(tmp_path / "student")
    assert report.score == report.max_score > 0


def test_fixtures_are_computed_the_same_way_twice():
    """`python -m checks fixtures` writes the same bytes on every run: unseeded draws of the
    reference and of the mistakes come from a fixed stream while they are computed."""
    from checks import protocol
    from checks.instructor import mistakes

    assert protocol.encode(compute_reference()) == protocol.encode(compute_reference())
    assert protocol.encode(mistakes.compute_signatures()) == protocol.encode(mistakes.compute_signatures())


def test_the_manifest_lists_every_stored_value_with_its_hash():
    from checks.instructor.fixtures import manifest
    from checks.reference import MANIFEST_FILE

    hidden = {c.name for c in all_checks(include_hidden=True) if c.hidden}
    want = manifest(stored_reference(), stored_signatures(), hidden).splitlines()
    have = MANIFEST_FILE.read_text(encoding="utf-8").splitlines()
    assert sorted(have) == sorted(want), "MANIFEST.txt is stale: run `python -m checks fixtures`"
    assert any(line.startswith("hidden.bin | ") for line in have)
    assert len(have) == 2 + len(stored_reference()) + sum(len(v) for v in stored_signatures().values())
