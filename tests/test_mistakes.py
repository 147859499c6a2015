"""Every known mistake loses the points of its function's check, and the feedback names it."""
from pathlib import Path

import pytest

from checks import assign
from checks.grader import Grader
from checks.mistakes import all_mistakes, build_variant
from checks.suite import all_checks

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = all_mistakes()


def test_the_library_is_large_and_covers_every_graded_function():
    assert len(MISTAKES) >= 30
    targets = {m.target for m in MISTAKES}
    for module, names in assign.graded_functions().items():
        for name in names:
            assert name in targets, f"no known mistake for {module}.{name}"


def test_the_library_holds_the_mistakes_design_md_names():
    titles = " | ".join(m.title.lower() for m in MISTAKES)
    for words in ("writes into dout", "rescale", "drop probability", "global", "momentum",
                  "eps", "unbiased", "bn_param[mode]", "t incremented after", "inside", "l2",
                  "combined", "regulari"):
        assert words in titles, f"no known mistake mentions {words!r}"


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_known_mistake_is_caught_and_named(mistake, tmp_path):
    folder = build_variant(mistake, ROOT / "solutions", tmp_path / "sub")
    report = Grader(only=mistake.target).grade(folder)
    own = [r for r in report.results if r.function == mistake.target]
    assert own, f"no check grades {mistake.target}"
    failed = [r for r in own if not r.passed]
    assert failed, f"{mistake.id} passed every check of {mistake.target}"
    named = [r for r in failed if f"This looks like a known mistake: {mistake.title}" in r.feedback]
    assert named, "the feedback does not name the mistake:\n" + "\n---\n".join(r.feedback for r in failed)
