"""A side effect is its own deduction: right values that write into an input or into the
cache lose half of the check's points, and the feedback names what was written.

Each case is a copy of solutions/ with the in-place code real students write
(``out = x; out[out < 0] = 0``, ``dx = dout; dx[x <= 0] = 0``, a mask built in the cache).
"""
import pytest

from checks.grader import Grader
from support import edited_solutions

RELU_OUT = "    out = np.maximum(x, 0)\n"
RELU_DX = "    x = cache\n    dx = dout * (x > 0)\n"

CASES = [
    # label, old, new, {check: (score, words its feedback holds)}
    ("relu_forward zeroes x in place", RELU_OUT, "    out = x\n    out[out < 0] = 0\n", {
        "relu_forward": (1.0, "relu_forward's values are right, but it writes into the input `x`"),
        "relu_backward": (3.0, "Your relu_forward writes into the input `x`"),
    }),
    ("relu_backward zeroes dout in place", RELU_DX, "    x = cache\n    dx = dout\n    dx[x <= 0] = 0\n", {
        "relu_backward": (1.5, "relu_backward's values are right, but it writes into the input `dout`"),
    }),
    ("relu_backward turns the cache into its mask", RELU_DX,
     "    x = cache\n    x[x <= 0] = 0\n    x[x > 0] = 1\n    dx = dout * x\n", {
         "relu_backward": (1.5, "it writes into the cache (`cache`)"),
     }),
    ("relu_backward writes into dout and is wrong too", RELU_DX, "    x = cache\n    dx = dout\n    dx[x < 0] *= 2\n", {
        "relu_backward": (0.0, "relu_backward writes into the input `dout`"),
        "affine_relu_backward": (0.0, "Your relu_backward writes into the input `dout`"),
    }),
]


@pytest.mark.parametrize("label, old, new, expected", CASES, ids=[c[0] for c in CASES])
def test_a_write_into_an_input_costs_half_when_the_values_are_right(tmp_path, label, old, new, expected):
    report = Grader(only="layers").grade(edited_solutions(tmp_path, "layers", old, new))
    results = {r.name: r for r in report.results}
    for name, (score, words) in expected.items():
        result = results[name]
        assert result.score == score, (name, result.score, result.feedback)
        assert words in result.feedback, result.feedback
        assert result.passed == (score == result.max_score)
    others = [r.name for r in report.results if r.name not in expected and not r.passed]
    assert not others, others


def test_the_cache_advice_differs_from_the_copy_advice(tmp_path):
    report = Grader(only="relu_backward").grade(edited_solutions(
        tmp_path, "layers", RELU_DX, "    x = cache\n    x[x <= 0] = 0\n    x[x > 0] = 1\n    dx = dout * x\n"))
    feedback = report.results[0].feedback
    assert "build new arrays from it (mask = x > 0)" in feedback and "dout.copy()" not in feedback
    assert "known mistake" not in feedback  # the known one writes into dout, not into the cache
