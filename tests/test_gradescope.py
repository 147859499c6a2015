"""The Gradescope autograder end to end: build the zip, unpack it into a fake /autograder tree,
run ``run_autograder`` on it as root, and read results.json as Gradescope would.

These tests run as root (CI does) so that student code really runs as an unprivileged user;
without root they fail in CI and are skipped, with the reason, elsewhere. They create the user ``kitstudent`` when it is missing and
open the path to the interpreter and numpy for it (search permission on the folders only,
restored afterwards).
"""
import hashlib
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from support import student_account

from checks.instructor import gradescope
from checks.instructor.mistakes import all_mistakes, build_variant
from checks.report import VERSION
from checks.suite import all_checks

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
ASSIGNMENT = ROOT / "assignment"
USER = "kitstudent"
CHECKS = all_checks(include_hidden=True)
FULL = sum(c.points for c in CHECKS)
PUBLIC = sum(c.points for c in CHECKS if not c.hidden)


# --------------------------------------------------------------------------- the unprivileged user
@pytest.fixture(scope="module")
def student():
    with student_account("the autograder tests", USER) as user:
        check = subprocess.run([sys.executable, "-I", "-c", "import numpy"], user=user,
                               group=pwd.getpwnam(user).pw_gid, extra_groups=[], capture_output=True)
        if check.returncode != 0:
            pytest.fail(f"{user} cannot import numpy with {sys.executable}: {check.stderr.decode()[-500:]}")
        yield user


# --------------------------------------------------------------------------- the fake /autograder
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The autograder zip, built with an instructor seed drawn into a file of the test's own."""
    folder = tmp_path_factory.mktemp("build")
    out, seed_file = folder / "autograder.zip", folder / "instructor_seed.txt"
    return dict(gradescope.build(out, seed_file=seed_file), out=out, seed_file=seed_file)


@pytest.fixture(scope="module")
def autograder_zip(built):
    return built["out"]


@pytest.fixture
def tree(autograder_zip, student):
    """A fresh fake /autograder (source unpacked, run_autograder at the root, empty submission/)."""
    root = Path(tempfile.mkdtemp(prefix="kit-autograder-"))
    os.chmod(root, 0o755)
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def run_autograder(root: Path, timeout: float = 120):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AUTOGRADER_ROOT": str(root),
           "KIT_PYTHON": sys.executable, "KIT_STUDENT_USER": USER}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, timeout=timeout)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    path = root / "results" / "results.json"
    data = json.loads(path.read_text())
    validate(data)
    return data, done.stdout.decode()


def validate(data):
    """Gradescope's results.json schema, as this kit writes it."""
    assert set(data) >= {"score", "max_score", "execution_time", "tests", "extra_data", "output"}
    assert isinstance(data["score"], (int, float)) and isinstance(data["max_score"], (int, float))
    assert isinstance(data["execution_time"], (int, float)) and data["execution_time"] >= 0
    assert data["extra_data"]["kit_version"] == VERSION
    answers = [t for t in data["tests"] if t["name"].startswith("Inline answer ")]
    assert all(t["score"] == t["max_score"] == 0 for t in answers)  # worth nothing: a person grades them
    checks = [t for t in data["tests"] if t not in answers]
    names = [t["name"] for t in checks]
    assert names == [c.name for c in CHECKS]
    for test, check in zip(checks, CHECKS):
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["status"] in ("passed", "failed")
        assert test["max_score"] == check.points
        # a failed check earns nothing, or half for right values written into an input
        assert test["score"] in ((check.points,) if test["status"] == "passed" else (0, check.points / 2))
        assert isinstance(test["output"], str) and test["output"]
        assert test.get("visibility") == ("after_published" if check.hidden else None)
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    assert data["max_score"] == pytest.approx(FULL)


def by_name(data):
    return {t["name"]: t for t in data["tests"]}


def public_score(data):
    return sum(t["score"] for t in data["tests"] if "visibility" not in t)


# --------------------------------------------------------------------------- the zip
def test_the_zip_follows_gradescopes_contract(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & 0o111, f"{script} must be executable"
    names = set(infos)
    assert "checks/grader.py" in names and "checks/child.py" in names and "checks/suite/layers.py" in names
    assert "checks/fixtures/reference.bin" in names and "checks/fixtures/mistakes.bin" in names
    assert "checks/fixtures/instructor_seed.txt" not in names  # the seed stays with the instructor
    assert all((infos[n].external_attr >> 16) & 0o777 == 0o600 for n in names if n.startswith("checks/fixtures/"))
    if (ROOT / "checks" / "hidden").is_dir():
        assert "checks/instructor/hidden/__init__.py" in names and "checks/fixtures/hidden.bin" in names
    assert not [n for n in names if n.startswith(("solutions/", "checks/instructor/mistakes/", "tests/")) or "__pycache__" in n]
    assert "given/validation.py" in names
    assert f'"numpy=={np.__version__}"' in setup and "useradd" in setup
    assert 'chmod 0700 "$SOURCE/checks/fixtures"' in setup
    # the system's interpreter, and a build that fails when the student user cannot run it
    assert "PY3=/usr/bin/python3" in setup and '"$PY3" -m venv' in setup
    assert 'runuser -u student -- /opt/kit-venv/bin/python -c "import numpy"' in setup and "exit 1" in setup
    syntax = subprocess.run(["bash", "-n"], input=setup, text=True, capture_output=True)
    assert syntax.returncode == 0, syntax.stderr


def _fixtures_in(path):
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if i.filename.startswith("checks/fixtures/")}


def test_the_zip_grades_on_the_instructors_inputs_and_a_rebuild_keeps_them(built, tmp_path):
    stored = _fixtures_in(built["out"])
    assert built["new_seed"] and built["seed_file"].is_file()
    assert sorted(stored) == ["checks/fixtures/hidden.bin", "checks/fixtures/inputs.json",
                              "checks/fixtures/mistakes.bin", "checks/fixtures/reference.bin"]
    assert json.loads(stored["checks/fixtures/inputs.json"]) == {"input_seed": built["seed"]}
    # not the values the release ships: those are for the public inputs
    assert stored["checks/fixtures/reference.bin"] != (ROOT / "checks/fixtures/reference.bin").read_bytes()
    assert stored["checks/fixtures/mistakes.bin"] != (ROOT / "checks/fixtures/mistakes.bin").read_bytes()
    # a rebuild mid-term reads the same seed and grades later students on the same inputs
    again = gradescope.build(tmp_path / "again.zip", seed_file=built["seed_file"])
    assert not again["new_seed"] and again["seed"] == built["seed"]
    assert _fixtures_in(tmp_path / "again.zip") == stored


# --------------------------------------------------------------------------- grading
def test_a_replay_of_the_releases_values_scores_there_what_a_stub_scores(tree):
    from replay import record, write_replay

    write_replay(tree / "submission", record())
    replayed, _ = run_autograder(tree)
    shutil.rmtree(tree / "submission")
    shutil.copytree(ASSIGNMENT, tree / "submission", ignore=shutil.ignore_patterns("__pycache__"))
    stub, _ = run_autograder(tree)
    assert {t["name"]: t["score"] for t in replayed["tests"]} == {t["name"]: t["score"] for t in stub["tests"]}
    assert replayed["score"] == stub["score"] == 0


def test_the_solutions_score_everything_public_and_hidden(tree):
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy(path, tree / "submission" / path.name)
    data, printed = run_autograder(tree)
    assert data["score"] == FULL, [t["output"] for t in data["tests"] if t["status"] != "passed"]
    assert any(c.hidden for c in CHECKS), "the kit has hidden checks"
    assert data["extra_data"]["student_user"] == USER
    assert f"Total: {FULL:g} / {FULL:g}" in printed
    results = tree / "results"
    assert stat.S_IMODE(results.stat().st_mode) == 0o755 and results.stat().st_uid == 0
    assert sorted(p.name for p in results.iterdir()) == ["results.json"]
    fixtures = tree / "source" / "checks" / "fixtures"
    assert stat.S_IMODE(fixtures.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 and p.stat().st_uid == 0 for p in fixtures.iterdir())


def test_the_empty_assignment_scores_zero(tree):
    shutil.copytree(ASSIGNMENT, tree / "submission" / "assignment", ignore=shutil.ignore_patterns("__pycache__"))
    data, _ = run_autograder(tree)
    assert data["score"] == 0
    assert all(t["status"] == "failed" for t in data["tests"])
    assert "relu_forward is not implemented yet" in by_name(data)["relu_forward"]["output"]


def test_a_known_mistake_fails_its_check_and_is_named(tree):
    mistake = next(m for m in all_mistakes() if m.target == "relu_backward")
    build_variant(mistake, SOLUTIONS, tree / "submission")
    data, _ = run_autograder(tree)
    test = by_name(data)["relu_backward"]
    assert test["status"] == "failed"
    assert f"This looks like a known mistake: {mistake.title}" in test["output"]
    assert data["score"] < FULL


HOSTILE = '''
import os as _os, subprocess as _subprocess, sys as _sys

_ROOT = {root!r}
_TARGETS = {targets!r}


def _attempt(what, action):
    try:
        action()
        return f"{{what}}: ALLOWED"
    except Exception as error:
        return f"{{what}}: {{type(error).__name__}}"


def _write_results():
    with open(_ROOT + "/results/results.json", "w") as handle:
        handle.write('{{"score": 1000, "max_score": 1, "tests": []}}')


def _new_file_in_results():
    with open(_ROOT + "/results/extra.json", "w") as handle:
        handle.write("{{}}")


def _read(path):
    return lambda: open(path, "rb").read()


def relu_forward(x):
    lines = [f"uid={{_os.getuid()}}", _attempt("write results", _write_results),
             _attempt("new file in results", _new_file_in_results)]
    lines += [_attempt("read " + _os.path.basename(p), _read(p)) for p in _TARGETS]
    lines.append(_attempt("list fixtures", lambda: _os.listdir(_os.path.dirname(_TARGETS[0]))))
    raise RuntimeError("HOSTILE " + "; ".join(lines))


# a detached process that keeps trying to write the results after the check
_subprocess.Popen([_sys.executable, "-c", "import time\\nfor _ in range(40):\\n"
                   "    time.sleep(0.1)\\n    try: open({root!r} + '/results/results.json', 'w').write('{{}}')\\n"
                   "    except Exception: pass"], start_new_session=True,
                  stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL)
'''


def test_a_hostile_submission_can_neither_write_results_nor_read_expectations(tree):
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy(path, tree / "submission" / path.name)
    fixtures = tree / "source" / "checks" / "fixtures"
    targets = sorted(str(p) for p in fixtures.iterdir())
    assert any(t.endswith("hidden.bin") for t in targets)
    before = {t: hashlib.sha256(Path(t).read_bytes()).hexdigest() for t in targets}
    with open(tree / "submission" / "layers.py", "a") as handle:
        handle.write(textwrap.dedent(HOSTILE.format(root=str(tree), targets=targets)))
    data, _ = run_autograder(tree)
    output = by_name(data)["relu_forward"]["output"]
    assert "HOSTILE" in output, output
    uid = int(subprocess.run(["id", "-u", USER], capture_output=True, text=True).stdout)
    assert f"uid={uid}" in output
    assert "write results: PermissionError" in output
    assert "new file in results: PermissionError" in output
    for target in targets:
        assert f"read {os.path.basename(target)}: PermissionError" in output
    assert "list fixtures: PermissionError" in output
    assert "ALLOWED" not in output
    written = (tree / "results" / "results.json").read_bytes()
    time.sleep(1.0)  # the detached writer, had it survived, would have written by now
    assert (tree / "results" / "results.json").read_bytes() == written
    assert sorted(p.name for p in (tree / "results").iterdir()) == ["results.json"]
    assert {t: hashlib.sha256(Path(t).read_bytes()).hexdigest() for t in targets} == before
    assert data["score"] < FULL and by_name(data)["adam"]["status"] == "passed"


# --------------------------------------------------------------------------- layouts and the hand-in
def test_the_collect_zip_gets_the_same_public_score_locally_and_on_gradescope(tree, tmp_path):
    mistake = next(m for m in all_mistakes() if m.target == "softmax_loss")
    folder = build_variant(mistake, SOLUTIONS, tmp_path / "student" / "assignment")
    handed_in = tmp_path / "submission.zip"
    subprocess.run([sys.executable, "-m", "checks", "collect", str(folder), "--out", str(handed_in)],
                   cwd=ROOT, check=True, capture_output=True)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(handed_in) as archive:
        archive.extractall(unpacked)
    local_json = tmp_path / "local.json"
    subprocess.run([sys.executable, "-m", "checks", "grade", str(unpacked), "--json", str(local_json)],
                   cwd=ROOT, check=True, capture_output=True)
    local = json.loads(local_json.read_text())
    assert 0 < local["score"] < PUBLIC

    # Gradescope unpacks an uploaded zip into submission/; the zip itself is accepted too
    with zipfile.ZipFile(handed_in) as archive:
        archive.extractall(tree / "submission")
    unpacked_remote, _ = run_autograder(tree)
    shutil.rmtree(tree / "submission")
    (tree / "submission").mkdir()
    shutil.copy(handed_in, tree / "submission" / "submission.zip")
    zipped_remote, _ = run_autograder(tree)
    for remote in (unpacked_remote, zipped_remote):
        assert public_score(remote) == local["score"]
        assert {t["name"]: t["score"] for t in remote["tests"] if "visibility" not in t} == \
            {t["name"]: t["score"] for t in local["tests"]}


def test_bad_submissions_get_a_results_file_with_the_reason(tree):
    (tree / "submission" / "layers.py").write_bytes(bytes(range(256)) * 8)
    shutil.copy(SOLUTIONS / "updater.py", tree / "submission" / "updater.py")
    data, _ = run_autograder(tree)
    assert "layers.py: it holds NUL bytes" in data["output"]
    assert "missing from the submission: dropout_layers.py, bn_layers.py, fc_net.py" in data["output"]
    assert "could not be imported" in by_name(data)["relu_forward"]["output"]
    assert by_name(data)["adam"]["status"] == "passed"
    assert data["score"] == sum(c.points for c in CHECKS if c.module == "updater")


def test_the_build_prints_the_total_summed_from_the_checks():
    from checks.instructor.gradescope import points_line
    from checks.suite import all_checks

    checks = all_checks(include_hidden=True)
    hidden = sum(c.points for c in checks if c.hidden)
    assert hidden > 0
    line = points_line()
    assert f"(100 public + {hidden:g} hidden)" in line
    assert line.endswith(f"total to {100 + hidden:g}")
