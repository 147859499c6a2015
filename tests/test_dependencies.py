"""One bug, one charge: feedback follows what the student's code called, and a composite is
judged against the student's own parts.

Each case is a copy of solutions/ with one edit, the way a student's bug looks; the grade
then shows which checks pay for it and what their feedback says first.
"""

import pytest

from checks.grader import Grader, follow_dependencies
from checks.report import CheckResult
from checks.suite import all_checks
from support import edited_solutions


def by_name(report):
    return {r.name: r for r in report.results}


@pytest.fixture(scope="module")
def var_plus_eps(tmp_path_factory):
    """A running variance that stores var + eps: cs231n students' most frequent batchnorm slip."""
    folder = edited_solutions(tmp_path_factory.mktemp("eps"), "bn_layers",
                    "running_var = momentum * running_var + (1 - momentum) * var\n",
                    "running_var = momentum * running_var + (1 - momentum) * (var + eps)\n")
    return Grader().grade(folder)


def test_a_running_variance_with_eps_is_charged_once_in_its_own_check(var_plus_eps):
    failed = [r.name for r in var_plus_eps.results if not r.passed]
    assert failed == ["batchnorm_forward: running statistics"], failed
    assert var_plus_eps.score == 96


@pytest.mark.parametrize("composite", ["spatial_batchnorm_forward", "affine_bn_relu_forward"])
def test_a_composite_that_wires_a_wrong_part_passes_and_says_where_the_mistake_is(var_plus_eps, composite):
    result = by_name(var_plus_eps)[composite]
    assert result.passed
    assert result.feedback.startswith(f"{composite} gives what your own parts give"), result.feedback
    assert "charged in that part's check" in result.feedback


@pytest.fixture(scope="module")
def leaky_relu(tmp_path_factory):
    """relu_forward written as a leaky ReLU: every composite and every net calls it."""
    folder = edited_solutions(tmp_path_factory.mktemp("leaky"), "layers", "out = np.maximum(x, 0)\n",
                    "out = np.maximum(x, 0.01 * x)\n")
    return Grader().grade(folder)


def test_the_checks_that_run_a_failing_function_say_so_first(leaky_relu):
    results = by_name(leaky_relu)
    assert not results["relu_forward"].passed
    backward = results["relu_backward"]
    if not backward.passed:  # the cache it is given comes from the student's relu_forward
        assert backward.feedback.startswith(
            "This check also runs your relu_forward, which fails 'relu_forward': fix that first."), backward.feedback
    net = results["FullyConnectedNet.loss: scores"]
    assert not net.passed
    assert net.feedback.startswith("FullyConnectedNet.loss calls your relu_forward, which fails 'relu_forward'"), \
        net.feedback


def test_the_composites_built_on_the_leaky_relu_pass_against_the_students_own_parts(leaky_relu):
    results = by_name(leaky_relu)
    for name in ("affine_relu_forward", "affine_relu_backward", "affine_bn_relu_forward"):
        assert results[name].passed, results[name].feedback


def test_a_wrong_composite_on_right_parts_still_fails_and_names_no_part(tmp_path):
    """A wrong composite whose parts are right is not excused: no wiring of right parts matches it."""
    folder = edited_solutions(tmp_path, "layers", "    out, relu_cache = relu_forward(a)\n",
                    "    out, relu_cache = a.copy(), a\n")
    results = by_name(Grader(only="layers").grade(folder))
    forward = results["affine_relu_forward"]
    assert not forward.passed
    assert "calls your" not in forward.feedback and "own parts" not in forward.feedback


def test_follow_dependencies_names_the_root_failure_and_skips_passing_parts():
    checks = [c for c in all_checks() if c.name in ("relu_forward", "affine_forward", "affine_relu_forward",
                                                    "FullyConnectedNet.loss: scores")]
    names = [c.name for c in checks]

    def result(check, passed):
        return CheckResult(check.name, check.function, check.module, check.points, 0.0, passed, "its own words")

    results = [result(c, c.name == "affine_forward") for c in checks]
    entered = {
        "affine_relu_forward": [("", "affine_relu_forward"), ("affine_relu_forward", "affine_forward"),
                                ("affine_relu_forward", "relu_forward")],
        "FullyConnectedNet.loss: scores": [("", "FullyConnectedNet.__init__"), ("", "FullyConnectedNet.loss"),
                                           ("FullyConnectedNet.loss", "affine_relu_forward"),
                                           ("affine_relu_forward", "relu_forward")],
    }
    follow_dependencies(checks, results, entered)
    feedback = dict(zip(names, (r.feedback for r in results)))
    assert feedback["affine_relu_forward"] == (
        "affine_relu_forward calls your relu_forward, which fails 'relu_forward': fix that first.\nits own words")
    # affine_relu_forward fails too, but it runs the failing relu_forward: only the root is named
    net = feedback["FullyConnectedNet.loss: scores"].splitlines()
    assert net == ["FullyConnectedNet.loss calls your relu_forward, which fails 'relu_forward': fix that first.",
                   "its own words"]
    assert feedback["relu_forward"] == "its own words"  # it entered nothing else


def test_the_wirings_stay_in_the_instructors_folder_and_the_students_copy_judges_against_the_reference(
        var_plus_eps, tmp_path, monkeypatch):
    """The wirings are the composites' answers: without checks/instructor/ there are none."""
    import checks.suite as suite

    assert set(suite.wirings()) >= {"affine_relu_forward", "spatial_batchnorm_forward", "affine_bn_relu_backward"}
    assert set(suite.wirings()) <= {c.name for c in all_checks()}
    monkeypatch.setattr(suite, "INSTRUCTOR_DIR", tmp_path / "absent")
    assert suite.wirings() == {}


def test_a_backward_that_is_right_for_its_wrong_forwards_cache_passes(tmp_path):
    """eps added twice in batchnorm_forward: the backward's gradients are those of that forward."""
    folder = edited_solutions(tmp_path, "bn_layers", "        inv_std = 1 / np.sqrt(var + eps)\n",
                              "        inv_std = 1 / np.sqrt(var + 2 * eps)\n")
    results = by_name(Grader(only="bn_layers").grade(folder))
    assert not results["batchnorm_forward: train output"].passed
    for name in ("batchnorm_backward", "batchnorm_backward_alt"):
        assert results[name].passed, results[name].feedback
        assert results[name].feedback.startswith(f"{name} is right for the cache it is given"), results[name].feedback
        assert "which fails 'batchnorm_forward: train output'" in results[name].feedback
