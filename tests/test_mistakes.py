"""Every known mistake loses the points of its function's check, and the feedback names it."""
from pathlib import Path

import pytest

from checks.instructor import assign
from checks.grader import Grader
from checks.reference import Reference
from checks.instructor.mistakes import all_mistakes, build_variant

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
def test_known_mistake_is_caught_and_named(mistake, tmp_path, instructor_inputs):
    folder = build_variant(mistake, ROOT / "solutions", tmp_path / "sub")
    report = Grader(only=mistake.target).grade(folder)
    own = [r for r in report.results if r.function == mistake.target]
    assert own, f"no check grades {mistake.target}"
    failed = [r for r in own if not r.passed]
    assert failed, f"{mistake.id} passed every check of {mistake.target}"
    named = [r for r in failed if f"This looks like a known mistake: {mistake.title}" in r.feedback]
    assert named, "the feedback does not name the mistake:\n" + "\n---\n".join(r.feedback for r in failed)
    # the autograder's instructor inputs: the same points in every check, the same mistake named
    here = [(r.name, r.score, r.mistake) for r in report.results]
    for seed, fixtures in instructor_inputs.items():
        there = Grader(only=mistake.target, reference=Reference("fixtures", folder=fixtures)).grade(folder)
        assert [(r.name, r.score, r.mistake) for r in there.results] == here, f"instructor seed {seed}"


def test_an_edit_that_no_longer_matches_the_reference_fails_loudly():
    from checks.instructor import mistakes

    before = len(mistakes._REGISTRY)
    with pytest.raises(ValueError, match="occurs 0 times in the reference FullyConnectedNet.loss"):
        mistakes.mistake_edit("FullyConnectedNet.loss", "t", "h", id="stale", edits=[("no such line", "x")],
                              module="fc_net")
    with pytest.raises(ValueError, match=r"occurs [2-9] times"):
        mistakes.mistake_edit("FullyConnectedNet.loss", "t", "h", id="ambiguous",
                              edits=[("if self.use_dropout:", "if False:")], module="fc_net")
    assert len(mistakes._REGISTRY) == before


def test_an_edited_variant_is_the_reference_method_with_the_edit():
    variant = next(m for m in MISTAKES if m.id == "loss_bn_param_mode_key")
    assert variant.source.startswith("def loss_bn_param_mode_key(self, X, y=None):")
    assert "bn_param[mode] = mode" in variant.source and 'bn_param["mode"] = mode' not in variant.source
