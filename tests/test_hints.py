"""Hints that hold: each is asserted on the mistake real students make, ported into a copy of
solutions/, and on a near miss that must not get it."""
import numpy as np
import pytest

from checks import compare, patterns
from checks.grader import Grader
from support import edited_solutions

DW = "    dw = x_rows.T @ dout\n"
SOFTMAX = "    loss = float(-log_probs[rows, y].mean())\n    dx = np.exp(log_probs)\n    dx[rows, y] -= 1\n    dx /= num_samples\n"


def feedback(tmp_path, only, module, old, new):
    report = Grader(only=only).grade(edited_solutions(tmp_path, module, old, new))
    failed = [r for r in report.results if not r.passed]
    assert failed, "the edit should fail a check"
    return failed[0].feedback


def test_a_gradient_divided_by_the_batch_size_names_n(tmp_path):
    text = feedback(tmp_path, "affine_backward", "layers", DW, "    dw = x_rows.T @ dout / x.shape[0]\n")
    assert "divided by N = 3, the batch size (0.333333 = 1/3)" in text, text


def test_a_summed_softmax_loss_names_n_and_the_nets_that_call_it_say_so_first(tmp_path):
    summed = SOFTMAX.replace(".mean())", ".sum())").replace("    dx /= num_samples\n", "")
    report = Grader().grade(edited_solutions(tmp_path, "layers", SOFTMAX, summed))
    results = {r.name: r for r in report.results}
    assert "it is the expected loss multiplied by N = 8, the batch size" in results["softmax_loss"].feedback
    initial = results["FullyConnectedNet.loss: initial loss"]
    assert not initial.passed
    assert initial.feedback.startswith("FullyConnectedNet.loss calls your softmax_loss, which fails 'softmax_loss'")


def test_an_import_the_grader_does_not_provide_says_numpy_alone_and_names_the_line(tmp_path):
    text = feedback(tmp_path, "relu_forward", "layers", "import numpy as np\n",
                    "import numpy as np\nimport matplotlib.pyplot as plt\n")
    assert "`import matplotlib.pyplot as plt`" in text
    assert "with numpy and Python's standard library alone, so 'matplotlib' cannot be imported" in text


def test_numpy_2s_removed_newshape_keyword_is_named(tmp_path):
    text = feedback(tmp_path, "affine_backward", "layers", "    dx = (dout @ w.T).reshape(x.shape)\n",
                    "    dx = np.reshape(dout @ w.T, newshape=x.shape)\n")
    assert "numpy 2 removed the keyword newshape= of np.reshape" in text


@pytest.mark.parametrize("ratio, words", [
    (1 / 3, "divided by N = 3, the batch size"),
    (3.0, "multiplied by N = 3, the batch size"),
    (0.3, "multiplied by p = 0.3"),
    (1 / 0.3, "divided by p = 0.3"),
    (1 - 0.3, "multiplied by 1 - p = 0.7"),
])
def test_a_named_factor_or_its_inverse_is_named(ratio, words):
    factors = {"N = 3, the batch size": 3, "p = 0.3": 0.3, "1 - p = 0.7": 0.7}
    assert patterns.named_factor(ratio, factors) == words


def test_no_factor_hint_for_a_near_miss_or_for_values_that_are_not_one_scale():
    expected = np.linspace(1, 2, 12)
    near = expected * (1 + 3e-5)  # outside the tolerance, but no scale bug
    with pytest.raises(compare.Failed) as failure:
        compare.close(near, expected, "x")
    assert "times" not in str(failure.value) and "divided by" not in str(failure.value)
    mixed = expected * np.where(np.arange(12) % 2, 3.0, 1.0)  # half the entries tripled
    with pytest.raises(compare.Failed) as failure:
        compare.close(mixed, expected, "x", factors={"N = 3, the batch size": 3})
    assert "N = 3" not in str(failure.value)


def test_test_mode_on_batch_statistics_is_named_by_its_behaviour_and_the_net_names_the_part(tmp_path):
    """A student's test branch that normalizes with the batch's statistics (helper review, case s05)."""
    report = Grader().grade(edited_solutions(
        tmp_path, "bn_layers", "        xhat = (x - running_mean) / np.sqrt(running_var + eps)\n",
        "        xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)\n"))
    results = {r.name: r for r in report.results}
    test_mode = results["batchnorm_forward: test mode"].feedback
    assert "test mode normalizes with the batch's own statistics" in test_mode, test_mode
    scores = results["FullyConnectedNet.loss: scores"]
    assert scores.feedback.startswith("FullyConnectedNet.loss calls your batchnorm_forward, which fails"), scores.feedback
    assert "bn_param[mode]" not in scores.feedback and scores.mistake is None


def test_a_flat_x_in_the_forwards_cache_is_mentioned_by_the_flat_dx_hint(tmp_path):
    """affine_forward caching the flattened x makes a correct affine_backward return dx flat (case s30)."""
    old = "    out = x.reshape(x.shape[0], -1) @ w + b\n    cache = (x, w)\n"
    new = "    x = x.reshape(x.shape[0], -1)\n    out = x @ w + b\n    cache = (x, w)\n"
    text = feedback(tmp_path, "affine_backward", "layers", old, new)
    assert "if affine_forward put the flattened x in its cache, keep the original x there instead" in text, text
