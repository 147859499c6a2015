"""Hidden checks: registered only on request, worth points on top of 100, passed by the
solutions, failed by the stubs and by real mistakes, stored apart, and published after the
deadline on Gradescope."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checks import protocol
from checks.grader import Grader
from checks.instructor.mistakes import all_mistakes, build_variant
from checks.reference import HIDDEN_FILE, MISTAKES_FILE, REFERENCE_FILE, Reference
from checks.suite import PUBLIC_POINTS, Check, all_checks, hidden_checks

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = hidden_checks()
HIDDEN_NAMES = {check.name for check in HIDDEN}


def test_hidden_checks_are_registered_only_on_request_and_add_points_on_top_of_100():
    public = all_checks()
    everything = all_checks(include_hidden=True)
    assert len(HIDDEN) >= 5
    assert all(check.hidden and check.points > 0 and check.what for check in HIDDEN)
    assert not HIDDEN_NAMES & {check.name for check in public}
    assert [c.name for c in everything] == [c.name for c in public] + [c.name for c in HIDDEN]
    assert sum(check.points for check in public) == PUBLIC_POINTS
    assert sum(check.points for check in everything) > PUBLIC_POINTS
    graded = {check.function for check in public}
    assert all(check.function in graded for check in HIDDEN), "a hidden check grades a function no public check does"


def test_a_check_of_the_hidden_package_must_be_marked_hidden(monkeypatch):
    import checks.instructor.hidden

    sneaky = Check("relu_forward: sneaky", "relu_forward", "layers", 1, lambda sub: None, lambda got, want: None)
    monkeypatch.setattr(checks.instructor.hidden, "all_checks", lambda: [sneaky])
    with pytest.raises(RuntimeError, match="hidden=True"):
        all_checks(include_hidden=True)


def test_without_the_hidden_package_there_are_no_hidden_checks(tmp_path):
    """The student release has no checks/instructor/hidden/: the registry, the worker and --hidden still work."""
    shutil.copytree(ROOT / "checks", tmp_path / "checks", ignore=shutil.ignore_patterns("hidden", "__pycache__"))
    # An editable install's finder resolves checks.instructor.hidden from the kit whatever the parent
    # package's path is: drop it so that the copy really stands alone, as a release does.
    code = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path "
            "if '__editable__' not in str(getattr(f, '__module__', ''))]; "
            "from checks.suite import all_checks, all_probes, hidden_checks; "
            "print(len(hidden_checks()), len(all_checks(True)), len(all_checks()), len(all_probes()))")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    none, everything, public, probes = map(int, run.stdout.split())
    assert none == 0 and everything == public == probes == len(all_checks())


@pytest.fixture(scope="module")
def solutions_hidden():
    return Grader(include_hidden=True).grade(ROOT / "solutions")


def test_solutions_pass_every_hidden_check_live_and_from_the_stored_fixtures(solutions_hidden):
    stored = Grader(include_hidden=True, reference=Reference("fixtures")).grade(ROOT / "solutions")
    for report in (solutions_hidden, stored):
        failed = [f"{r.name}: {r.feedback}" for r in report.results if not r.passed]
        assert not failed, "\n".join(failed)
        assert report.score == report.max_score == PUBLIC_POINTS + sum(c.points for c in HIDDEN)
        assert {r.name for r in report.results if r.hidden} == HIDDEN_NAMES


def test_the_stubs_fail_every_hidden_check_with_a_not_implemented_line():
    report = Grader(include_hidden=True).grade(ROOT / "assignment")
    hidden = [r for r in report.results if r.hidden]
    assert {r.name for r in hidden} == HIDDEN_NAMES
    for result in hidden:
        assert not result.passed and "is not implemented yet (assignment/" in result.feedback.splitlines()[0]


def test_hidden_results_are_published_after_the_deadline_and_public_ones_at_once(solutions_hidden):
    data = json.loads(json.dumps(solutions_hidden.results_json()))
    for entry in data["tests"]:
        if entry["name"] in HIDDEN_NAMES:
            assert entry["visibility"] == "after_published", entry
        else:
            assert "visibility" not in entry, entry


def test_cli_grade_hidden_end_to_end(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "checks", "grade", str(ROOT / "solutions"), "--hidden",
                          "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    total = PUBLIC_POINTS + sum(c.points for c in HIDDEN)
    assert f"Total: {total:g} / {total:g}" in run.stdout
    assert all(name in run.stdout for name in HIDDEN_NAMES)
    data = json.loads(out.read_text())
    assert data["max_score"] == total
    assert sorted(e["name"] for e in data["tests"] if e.get("visibility") == "after_published") == sorted(HIDDEN_NAMES)
    public = subprocess.run([sys.executable, "-m", "checks", "grade", str(ROOT / "solutions")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert f"Total: {PUBLIC_POINTS} / {PUBLIC_POINTS}" in public.stdout
    assert not any(name in public.stdout for name in HIDDEN_NAMES)


def test_hidden_fixtures_are_stored_apart_from_the_public_ones():
    public = protocol.decode(REFERENCE_FILE.read_bytes())[0]
    signatures = protocol.decode(MISTAKES_FILE.read_bytes())[0]
    hidden = protocol.decode(HIDDEN_FILE.read_bytes())[0]
    assert not HIDDEN_NAMES & set(public) and not HIDDEN_NAMES & set(signatures)
    assert set(public) == {c.name for c in all_checks()}
    assert set(hidden["reference"]) == HIDDEN_NAMES
    assert set(hidden["mistakes"]) <= HIDDEN_NAMES


MISTAKES = {m.id: m for m in all_mistakes()}
HIDDEN_SIGNATURES = protocol.decode(HIDDEN_FILE.read_bytes())[0]["mistakes"]


@pytest.mark.parametrize("check", HIDDEN, ids=[c.name for c in HIDDEN])
def test_each_hidden_check_catches_a_known_mistake_and_names_it(check, tmp_path):
    """Each hidden check is a real check: some mistake of its function fails it."""
    entries = HIDDEN_SIGNATURES.get(check.name, [])
    assert entries, f"no known mistake fails {check.name}"
    mistake = MISTAKES[entries[0]["id"]]
    folder = build_variant(mistake, ROOT / "solutions", tmp_path / "sub")
    report = Grader(include_hidden=True, only=check.name).grade(folder)
    (result,) = report.results
    assert not result.passed
    assert f"This looks like a known mistake: {mistake.title}" in result.feedback, result.feedback


def _variant(tmp_path, module, patch):
    folder = tmp_path / "sub"
    shutil.copytree(ROOT / "solutions", folder, ignore=shutil.ignore_patterns("__pycache__"))
    with open(folder / f"{module}.py", "a", encoding="utf-8") as handle:
        handle.write(patch)
    return folder


def test_float32_checks_catch_a_silent_upcast_that_the_public_checks_pass(tmp_path):
    folder = _variant(tmp_path, "layers", (
        "\n\n_exact_affine_forward = affine_forward\n\n\n"
        "def affine_forward(x, w, b):\n"
        "    out, cache = _exact_affine_forward(x, w, b)\n"
        "    return out + np.zeros(out.shape[1]), cache  # a float64 zeros: float32 in, float64 out\n"
    ))
    report = Grader(include_hidden=True, only="layers").grade(folder)
    verdicts = {r.name: r for r in report.results}
    assert all(r.passed for r in report.results if not r.hidden)
    float32 = verdicts["affine_backward: float32 in, float32 out"]
    assert not float32.passed and "dtype float64" in float32.feedback.splitlines()[0]


def test_the_deep_net_check_catches_a_loss_written_for_two_hidden_layers(tmp_path):
    folder = _variant(tmp_path, "fc_net", (
        "\n\n_exact_loss = FullyConnectedNet.loss\n\n\n"
        "def _loss_of_three_layers(self, X, y=None):\n"
        "    if self.num_layers > 3:\n"
        "        saved = self.num_layers\n"
        "        self.num_layers = 3  # as if the loop bound were written for the public nets\n"
        "        try:\n"
        "            return _exact_loss(self, X, y)\n"
        "        finally:\n"
        "            self.num_layers = saved\n"
        "    return _exact_loss(self, X, y)\n\n\n"
        "FullyConnectedNet.loss = _loss_of_three_layers\n"
    ))
    report = Grader(include_hidden=True, only="fc_net").grade(folder)
    assert all(r.passed for r in report.results if not r.hidden)
    deep = [r for r in report.results if r.hidden]
    assert deep and not any(r.passed for r in deep)
