"""The autograder's instructor inputs: outputs stored from the public inputs earn nothing there,
and everything else scores as it does locally (see also test_mistakes, test_variants and, end to
end through run_autograder, test_gradescope)."""
import json
from pathlib import Path

import numpy as np
import pytest
from replay import record, write_replay

from checks import probing, protocol
from checks.grader import Grader
from checks.instructor.gradescope import instructor_seed
from checks.reference import FIXTURES, INPUTS_FILE, Reference, stored_input_seed, stored_reference
from checks.suite import all_checks

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = [c for c in all_checks() if not c.hidden]


def scores(report):
    return {r.name: r.score for r in report.results}


def test_the_public_inputs_stay_where_students_look():
    """The notebooks, the local grader and the release's fixtures keep the public inputs."""
    assert probing.input_seed() is None
    assert np.array_equal(probing.rng(5).randn(4), np.random.RandomState(5).randn(4))
    assert probing.choose("a size", 6, 7, 8) == 6
    assert not INPUTS_FILE.exists() and stored_input_seed(FIXTURES) is None
    assert Grader().reference.input_seed is None
    assert Grader(reference=Reference("fixtures")).reference.input_seed is None


def test_an_instructor_seed_changes_every_public_checks_values(instructor_inputs):
    public = stored_reference(FIXTURES)
    for seed, folder in instructor_inputs.items():
        assert stored_input_seed(folder) == seed
        theirs = stored_reference(folder)
        same = [c.name for c in PUBLIC if protocol.encode(theirs[c.name]) == protocol.encode(public[c.name])]
        assert not same, f"instructor seed {seed} leaves these checks' values as the release stores them: {same}"


def test_inputs_that_are_not_drawn_are_chosen_away_from_the_public_ones():
    with probing.using_inputs(17):
        picks = {probing.choose(f"size {i}", 6, 7, 8, 9) for i in range(40)}
        assert picks == {7, 8, 9}  # never the public value, and every other one for some label
        assert probing.choose("same label", 1, 2, 3) == probing.choose("same label", 1, 2, 3)
        assert not np.array_equal(probing.rng(5).randn(4), np.random.RandomState(5).randn(4))
    assert probing.input_seed() is None  # the block is undone


def test_a_replay_of_the_public_checks_scores_what_a_stub_scores(tmp_path, instructor_inputs):
    folder = write_replay(tmp_path / "replay", record())
    local = Grader().grade(folder)
    # the replay is real: on the public inputs it passes nearly everything (fresh dropout masks repeat)
    assert local.score >= 90, local.text()
    for seed, fixtures in instructor_inputs.items():
        reference = Reference("fixtures", folder=fixtures)
        replayed = Grader(reference=reference).grade(folder)
        stub = Grader(reference=reference).grade(ROOT / "assignment")
        assert scores(replayed) == scores(stub), f"instructor seed {seed}:\n{replayed.text()}"
        assert replayed.score == stub.score == 0


def test_the_solutions_score_full_marks_on_every_instructor_seed(instructor_inputs):
    for seed, fixtures in instructor_inputs.items():
        report = Grader(include_hidden=True, reference=Reference("fixtures", folder=fixtures)).grade(ROOT / "solutions")
        assert report.score == report.max_score, f"instructor seed {seed}:\n{report.text(verbose=True)}"


def test_the_instructor_seed_is_drawn_once_and_kept(tmp_path):
    path = tmp_path / "instructor_seed.txt"
    seed, new = instructor_seed(path)
    assert new and 0 <= seed < 2 ** 32 and path.read_text().startswith(f"{seed}\n")
    assert path.stat().st_mode & 0o077 == 0  # the instructor's alone
    assert "never publish it" in path.read_text()
    assert instructor_seed(path) == (seed, False)


@pytest.mark.parametrize("bad, message", [
    (lambda: probing.set_input_seed("12"), "input_seed should be None or an int from 0 to 2**32 - 1, not '12'"),
    (lambda: probing.set_input_seed(2 ** 32), "not 4294967296"),
    (lambda: Reference("live", input_seed=-1), "input_seed should be None or an int"),
    (lambda: Reference("fixtures", input_seed=3), "input_seed is for live values"),
    (lambda: Reference("stored"), "source should be 'auto', 'live' or 'fixtures', not 'stored'"),
])
def test_bad_input_seeds_are_refused_by_name(bad, message):
    with pytest.raises(ValueError, match=message.replace("*", r"\*").replace("(", r"\(")):
        bad()
    assert probing.input_seed() is None


@pytest.mark.parametrize("text", ["twelve\n", "\u00b2\n", "\u0661\u0662\n", "4294967296\n", "\n"])
def test_a_bad_seed_file_or_inputs_file_is_refused_by_name(tmp_path, text):
    (tmp_path / "instructor_seed.txt").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="instructor_seed.txt should hold one integer from 0 to 2..32 - 1"):
        instructor_seed(tmp_path / "instructor_seed.txt")
    with pytest.raises(ValueError, match="is a folder"):
        instructor_seed(tmp_path)
    (tmp_path / INPUTS_FILE.name).write_text(json.dumps({"input_seed": "7"}))
    with pytest.raises(ValueError, match="inputs.json: input_seed should be an int"):
        stored_input_seed(tmp_path)
    with probing.using_inputs(3):
        with pytest.raises(ValueError, match="give at least one value besides the public one"):
            probing.choose("lonely", 1)


def test_the_build_refuses_a_stale_assignment_and_a_bad_seed_file_in_one_line(tmp_path, monkeypatch, capsys):
    from checks.instructor import assign, gradescope

    (tmp_path / "seed.txt").write_text("abc\n")
    assert gradescope.main(["build", str(tmp_path / "a.zip"), "--seed-file", str(tmp_path / "seed.txt")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'seed.txt'} should hold one integer")
    monkeypatch.setattr(assign, "differences", lambda *folders: ["layers.py differs"])
    assert gradescope.main(["build", str(tmp_path / "a.zip"), "--seed-file", str(tmp_path / "new.txt")]) == 2
    assert "assignment/ is out of date with solutions/: run `python -m checks assign`" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists() and not (tmp_path / "new.txt").exists()
