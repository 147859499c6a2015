"""Tests of checks/gradcheck.py, the numerical-gradient checker.

The layers checked here are small float64 implementations written for these tests
(batchnorm, affine, relu), so that the checker is tested independently of the kit's
solutions. No test is timed: cost is measured by counting forward evaluations.
"""
import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.gradcheck import GradCheckReport, check_gradient, make_read_only
from checks.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

# The kit's hypothesis conventions: same examples everywhere, no database, no deadline.
DERANDOMIZED = settings(derandomize=True, database=None, deadline=None, max_examples=12)


# ---------------------------------------------------------------------------
# Layers written for these tests
# ---------------------------------------------------------------------------

def batchnorm_forward(x, gamma, beta):
    mean = x.mean(axis=0)
    centered = x - mean
    var = np.mean(centered ** 2, axis=0)
    inv_std = 1.0 / np.sqrt(var + 1e-5)
    x_hat = centered * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta


def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    return dx, dw, dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(0.0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def bn_inputs(seed=0, n=64, d=256):
    rng = np.random.RandomState(seed)
    x = 0.5 + 2.0 * rng.standard_normal((n, d))
    gamma = 1.0 + 0.5 * rng.standard_normal(d)
    beta = rng.standard_normal(d)
    return [x, gamma, beta]


def affine_inputs(seed=0, n=8, dims=(3, 4), m=10):
    rng = np.random.RandomState(seed)
    x = rng.standard_normal((n,) + dims)
    w = rng.standard_normal((int(np.prod(dims)), m))
    b = rng.standard_normal(m)
    return [x, w, b]


def away_from_zero(rng, shape):
    """Gaussian entries with |x| >= 0.1: ReLU's kink stays far from every step."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, np.sign(x + 1e-12) * 0.1 + x, x)


def with_dx(change, name="batchnorm_backward_bug"):
    """A batchnorm backward whose (dx, dgamma, dbeta) go through ``change``."""
    def backward(dout, cache):
        return change(*batchnorm_backward(dout, cache))
    backward.__name__ = name
    return backward


# ---------------------------------------------------------------------------
# Correct layers pass, with margin and at low cost
# ---------------------------------------------------------------------------

def test_correct_batchnorm_64x256_passes_with_margin():
    report = check_gradient(batchnorm_forward, batchnorm_backward, bn_inputs())
    assert report.passed, str(report)
    assert [r.name for r in report.inputs] == ["x", "gamma", "beta"]
    for result in report.inputs:
        assert result.method == "directional"
        # error_ratio = |analytic - numeric| / tolerance: far below 1.
        assert result.error_ratio < 1e-2
        assert result.rel_error < 1e-8
    # Tier 1 only: 2 forward evaluations for the determinism check, 2 per direction.
    assert report.forward_evals == 2 + 3 * 2 * 2
    assert report.backward_evals == 3
    assert "passed" in str(report)


def test_cs231n_rel_error_is_not_tiny_where_the_checker_passes_with_margin():
    # cs231n's elementwise rel_error on the same correct 64x256 layer (numerical
    # gradient over 16 of its columns, to keep the test short): entries of dx near
    # zero push it above 1e-8, the top of the range cs231n's notebook tells students
    # to expect. The checker's scale-relative comparison passes the same layer with
    # a margin of 100 or more.
    x, gamma, beta = bn_inputs(n=64, d=256)
    dout = np.random.RandomState(5).standard_normal(x.shape)
    dx, _, _ = batchnorm_backward(dout, batchnorm_forward(x, gamma, beta)[1])

    def forward_of_first_columns(block):
        full = x.copy()
        full[:, :16] = block
        return batchnorm_forward(full, gamma, beta)[0]

    dx_num = eval_numerical_gradient_array(forward_of_first_columns, x[:, :16].copy(), dout)
    assert rel_error(dx[:, :16], dx_num) > 1e-8
    report = check_gradient(batchnorm_forward, batchnorm_backward, [x, gamma, beta],
                            dout=dout)
    assert report.passed and report["x"].error_ratio < 1e-2


@DERANDOMIZED
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 40), d=st.integers(1, 50),
       offset=st.sampled_from([0.0, 3.0, 100.0, 1e4]), decades=st.sampled_from([0, 1, 4]))
def test_correct_layers_pass_for_drawn_shapes(seed, n, d, offset, decades):
    # Large offsets and features of very different scales (up to 4 decades apart)
    # must not make a correct layer fail: steps follow each column's spread.
    rng = np.random.RandomState(seed)
    column_scales = 10.0 ** rng.uniform(-decades / 2, decades / 2, size=d)
    x = rng.standard_normal((n, d)) * column_scales + offset
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    report = check_gradient(batchnorm_forward, batchnorm_backward, [x, gamma, beta],
                            seed=seed)
    assert report.passed, str(report)
    inputs = affine_inputs(seed, n=n, dims=(d,), m=3)
    report = check_gradient(affine_forward, affine_backward, inputs, seed=seed)
    assert report.passed, str(report)
    report = check_gradient(relu_forward, relu_backward, [away_from_zero(rng, (n, d))],
                            seed=seed)
    assert report.passed, str(report)


def test_softmax_loss_with_large_logits_passes_and_a_wrong_entry_is_found():
    def softmax_loss(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = x.shape[0]
        dx = np.exp(log_p)
        dx[np.arange(n), y] -= 1
        return -log_p[np.arange(n), y].mean(), dx / n

    rng = np.random.RandomState(0)
    for scale in (1.0, 1000.0):
        x, y = scale * rng.standard_normal((50, 10)), rng.randint(0, 10, size=50)
        loss, dx = softmax_loss(x, y)
        assert check_gradient(softmax_loss, dx, [x, y], wrt="x").passed
    dx = dx.copy()
    dx[7, 3] += 0.05 * np.mean(np.abs(dx))
    report = check_gradient(softmax_loss, dx, [x, y], wrt="x")
    assert report["x"].worst_index == (7, 3) and report["x"].n_off == 1


def test_batchnorm_with_two_samples_passes():
    # N = 2: every column is +-1 after normalization and the function is strongly
    # curved where the two samples are close; steps follow each column's spread.
    rng = np.random.RandomState(0)
    inputs = [rng.standard_normal((2, 300)), rng.standard_normal(300),
              rng.standard_normal(300)]
    assert check_gradient(batchnorm_forward, batchnorm_backward, inputs).passed


def test_small_inputs_are_checked_entry_by_entry():
    x, w, b = affine_inputs(n=4, dims=(5,), m=3)     # x: 20, w: 15, b: 3 entries
    report = check_gradient(affine_forward, affine_backward, [x, w, b])
    assert report.passed
    assert all(r.method == "coordinatewise" for r in report.inputs)
    assert report.forward_evals == 2 + 2 * (20 + 15 + 3)


def test_float32_inputs_are_checked_on_float64_copies():
    x = np.random.RandomState(0).standard_normal((40, 50)).astype(np.float32)
    report = check_gradient(relu_forward, relu_backward, [x])
    assert report.passed
    assert any("float32" in note and "float64" in note for note in report.notes)
    assert "float32" in str(report)


def test_caller_arrays_are_left_untouched_and_writable():
    inputs = bn_inputs(n=16, d=8)
    saved = [a.copy() for a in inputs]
    check_gradient(batchnorm_forward, batchnorm_backward, inputs)
    for before, after in zip(saved, inputs):
        assert np.array_equal(before, after) and after.flags.writeable


# ---------------------------------------------------------------------------
# A single wrong entry is found, exactly and cheaply
# ---------------------------------------------------------------------------

_PLANTED = [(int(i), int(j)) for i, j in zip(np.random.RandomState(2024).randint(0, 64, 22),
                                             np.random.RandomState(2025).randint(0, 256, 22))]
_PLANTED += [(0, 0), (63, 255)]


def planted_backward(i, j, sign, fraction=0.05, seen=None):
    """batchnorm_backward with dx[i, j] off by ``fraction`` of mean |dx|; the correct
    dx of the first call is kept in ``seen``."""
    def batchnorm_backward_planted(dout, cache):
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)
        if seen is not None and "dx" not in seen:
            seen["dx"] = dx
        dx = dx.copy()
        dx[i, j] += sign * fraction * np.mean(np.abs(dx))
        return dx, dgamma, dbeta
    return batchnorm_backward_planted


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("i,j", _PLANTED)
def test_single_wrong_entry_is_named_exactly(i, j, sign):
    n = 64 * 256
    seen = {}
    report = check_gradient(batchnorm_forward, planted_backward(i, j, sign, seen=seen),
                            bn_inputs())
    assert not report.passed
    x_result = report["x"]
    assert not x_result.passed
    assert report["gamma"].passed and report["beta"].passed
    assert x_result.worst_index == (i, j)
    assert x_result.n_off == 1 and x_result.n_off_exact
    correct = seen["dx"]
    assert x_result.numeric_at_worst == pytest.approx(correct[i, j], rel=1e-6, abs=1e-9)
    assert x_result.analytic_at_worst == pytest.approx(
        correct[i, j] + sign * 0.05 * np.mean(np.abs(correct)), rel=1e-12)
    # Bisection: about 2*log2(n) forward evaluations on top of tier 1, not 2n.
    assert report.forward_evals <= 4 * math.log2(n) + 20
    assert report.forward_evals < 2 * n / 100
    text = str(report)
    assert "x[%d, %d]" % (i, j) in text
    assert "1 entry is off" in text


@DERANDOMIZED
@given(seed=st.integers(0, 2**31 - 1), sign=st.sampled_from([-1, 1]))
def test_single_wrong_entry_found_for_any_data_and_seed(seed, sign):
    rng = np.random.RandomState(seed)
    i, j = int(rng.randint(64)), int(rng.randint(256))
    report = check_gradient(batchnorm_forward, planted_backward(i, j, sign),
                            bn_inputs(seed), seed=seed)
    assert report["x"].worst_index == (i, j)
    assert report["x"].n_off == 1
    assert report.forward_evals <= 4 * math.log2(64 * 256) + 20


@pytest.mark.parametrize("kind", ["offset", "mixed scales"])
def test_single_wrong_entry_found_on_awkward_data(kind):
    rng = np.random.RandomState(11)
    x = rng.standard_normal((64, 256))
    x = x + 1e4 if kind == "offset" else x * np.logspace(-2, 2, 256)
    inputs = [x, 1.0 + 0.5 * rng.standard_normal(256), rng.standard_normal(256)]
    assert check_gradient(batchnorm_forward, batchnorm_backward, inputs).passed
    for _ in range(6):
        i, j, sign = int(rng.randint(64)), int(rng.randint(256)), int(rng.choice([-1, 1]))
        report = check_gradient(batchnorm_forward, planted_backward(i, j, sign), inputs)
        assert report["x"].worst_index == (i, j) and report["x"].n_off == 1


def test_a_few_wrong_entries_are_all_found():
    planted = [(3, 7), (40, 100), (63, 2)]

    def batchnorm_backward_three(dout, cache):
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)
        dx = dx.copy()
        for k, (i, j) in enumerate(planted):
            dx[i, j] *= 1.5 + k
        return dx, dgamma, dbeta

    report = check_gradient(batchnorm_forward, batchnorm_backward_three, bn_inputs())
    result = report["x"]
    assert result.n_off == 3 and result.n_off_exact
    assert sorted(e.index for e in result.entries) == sorted(planted)


# ---------------------------------------------------------------------------
# Patterns: scale, sign, missing sum, rows, columns, zeros
# ---------------------------------------------------------------------------

def test_scale_bug_reports_the_ratio():
    report = check_gradient(batchnorm_forward,
                            with_dx(lambda dx, dg, db: (2 * dx, dg, db)), bn_inputs())
    result = report["x"]
    assert not result.passed and report["gamma"].passed
    assert "2 times the numerical one" in result.hint
    assert result.n_off > 0.9 * 64 * 256
    assert result.analytic_at_worst == pytest.approx(2 * result.numeric_at_worst, rel=1e-6)


def test_mean_instead_of_sum_is_a_scale_bug_of_one_over_n():
    report = check_gradient(batchnorm_forward,
                            with_dx(lambda dx, dg, db: (dx, dg / 64, db)), bn_inputs())
    assert not report["gamma"].passed
    assert "1/64" in report["gamma"].hint
    assert "scale bug" in str(report)


def test_sign_flip_is_named():
    report = check_gradient(batchnorm_forward,
                            with_dx(lambda dx, dg, db: (dx, dg, -db)), bn_inputs())
    assert not report["beta"].passed
    assert "sign flipped" in report["beta"].hint


def test_missing_sum_over_the_batch():
    def affine_backward_db_first_row(dout, cache):
        dx, dw, _ = affine_backward(dout, cache)
        return dx, dw, dout[0]

    report = check_gradient(affine_forward, affine_backward_db_first_row, affine_inputs())
    assert not report.passed
    assert report["x"].passed and report["w"].passed and not report["b"].passed
    assert report["b"].n_off == 10
    assert "sum over the batch is missing" in report["b"].hint

    def affine_backward_db_unsummed(dout, cache):
        dx, dw, _ = affine_backward(dout, cache)
        return dx, dw, dout

    report = check_gradient(affine_forward, affine_backward_db_unsummed, affine_inputs())
    assert not report.passed
    assert "db of shape (8, 10)" in report.problems[0]
    assert "sum over the batch (axis 0) is missing" in report.problems[0]

    def affine_backward_db_mean(dout, cache):
        dx, dw, _ = affine_backward(dout, cache)
        return dx, dw, dout.mean(axis=0)

    report = check_gradient(affine_forward, affine_backward_db_mean, affine_inputs())
    assert "1/8" in report["b"].hint


def test_one_row_off_is_named():
    def change(dx, dg, db):
        dx = dx.copy()
        dx[5] *= 1.3
        return dx, dg, db

    result = check_gradient(batchnorm_forward, with_dx(change), bn_inputs())["x"]
    assert not result.passed and result.worst_index[0] == 5
    assert "only row 5 of dx is off" in result.hint
    assert result.n_off == 256 and not result.n_off_exact


def test_one_column_off_is_named():
    def change(dx, dg, db):
        dx = dx.copy()
        dx[:, 7] = 0.0
        return dx, dg, db

    result = check_gradient(batchnorm_forward, with_dx(change), bn_inputs())["x"]
    assert result.worst_index[1] == 7
    assert "only column 7 of dx is off" in result.hint


def test_all_zero_analytic_gradient_is_named():
    report = check_gradient(batchnorm_forward,
                            with_dx(lambda dx, dg, db: (np.zeros_like(dx), dg, db)),
                            bn_inputs())
    assert "all zeros" in report["x"].hint


def test_wrong_formula_gives_the_worst_entry_and_an_estimate():
    # dx without the mean-subtraction terms: every entry off by a different amount.
    def batchnorm_backward_naive(dout, cache):
        x_hat, inv_std, gamma = cache
        return dout * gamma * inv_std, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)

    report = check_gradient(batchnorm_forward, batchnorm_backward_naive, bn_inputs())
    result = report["x"]
    assert not result.passed and result.worst_index is not None
    assert not result.n_off_exact and result.n_off > 1000
    assert "formula is wrong" in result.hint
    assert "and about %d more" % (result.n_off - 5) in str(report)


def test_kink_inside_the_step_is_pointed_out():
    x = away_from_zero(np.random.RandomState(0), (10, 10))
    x[2, 3] = 1e-8
    report = check_gradient(relu_forward, relu_backward, [x])
    assert not report.passed
    assert report["x"].worst_index == (2, 3)
    assert "kink" in report["x"].hint


def test_directional_tier_alone_when_localize_is_false():
    report = check_gradient(batchnorm_forward, planted_backward(10, 20, 1), bn_inputs(),
                            localize=False)
    assert not report.passed and report["x"].worst_index is None
    assert report.forward_evals == 2 + 3 * 2 * 2


# ---------------------------------------------------------------------------
# Behaviour of the code under check: writes into inputs, determinism, zero dout
# ---------------------------------------------------------------------------

def test_backward_writing_into_dout_is_named():
    def relu_backward_in_place(dout, cache):
        dx = dout
        dx[cache <= 0] = 0
        return dx

    report = check_gradient(relu_forward, relu_backward_in_place,
                            [np.random.RandomState(0).standard_normal((5, 6))])
    assert not report.passed
    assert report.problems == [
        "relu_backward_in_place writes into one of its inputs (dout or the cache): "
        "make a copy first, e.g. dx = dout.copy()"]


def test_backward_writing_into_its_cache_is_named():
    def batchnorm_backward_scribbles(dout, cache):
        x_hat = cache[0]
        x_hat *= 2.0
        return batchnorm_backward(dout, cache)

    report = check_gradient(batchnorm_forward, batchnorm_backward_scribbles,
                            bn_inputs(n=8, d=4))
    assert "batchnorm_backward_scribbles writes into one of its inputs" in report.problems[0]


def test_forward_writing_into_its_input_is_named():
    def relu_forward_in_place(x):
        x[x < 0] = 0
        return x, x

    report = check_gradient(relu_forward_in_place, relu_backward,
                            [np.random.RandomState(0).standard_normal((5, 6))])
    assert not report.passed
    assert "relu_forward_in_place writes into one of its inputs" in report.problems[0]


def test_parameter_dicts_are_passed_fresh_and_read_only():
    def bn_forward_with_param(x, gamma, beta, bn_param):
        out, cache = batchnorm_forward(x, gamma, beta)
        calls = bn_param.get("calls", 0)
        bn_param["calls"] = calls + 1          # would make the output drift if kept
        bn_param["running_mean"] = 0.9 * bn_param["running_mean"] + 0.1 * x.mean(axis=0)
        return out + calls, cache

    x, gamma, beta = bn_inputs(n=16, d=8)
    param = {"mode": "train", "running_mean": np.zeros(8)}
    report = check_gradient(bn_forward_with_param, batchnorm_backward,
                            [x, gamma, beta, param], wrt=["x", "gamma", "beta"])
    assert report.passed, str(report)
    assert "calls" not in param and not param["running_mean"].any()

    def bn_forward_updates_in_place(x, gamma, beta, bn_param):
        bn_param["running_mean"] *= 0.9
        return batchnorm_forward(x, gamma, beta)

    report = check_gradient(bn_forward_updates_in_place, batchnorm_backward,
                            [x, gamma, beta, param], wrt=["x", "gamma", "beta"])
    assert "bn_forward_updates_in_place writes into one of its inputs" in report.problems[0]


def test_nondeterministic_forward_is_caught():
    def dropout_forward_unseeded(x):
        mask = np.random.default_rng().random(x.shape) < 0.5
        return x * mask / 0.5, mask

    report = check_gradient(dropout_forward_unseeded, lambda dout, mask: dout * mask / 0.5,
                            [np.random.RandomState(0).standard_normal((10, 10))])
    assert not report.passed
    assert "dropout_forward_unseeded returned different outputs" in report.problems[0]


def test_nondeterministic_backward_is_caught():
    calls = []

    def relu_backward_stateful(dout, cache):
        calls.append(1)
        return dout * (cache > 0) * len(calls)

    report = check_gradient(relu_forward, relu_backward_stateful,
                            [np.random.RandomState(0).standard_normal((10, 10))])
    assert "relu_backward_stateful returned a different dx" in report.problems[0]


def test_nonzero_gradient_for_zero_dout_is_caught():
    def relu_backward_offset(dout, cache):
        return (dout + 1e-3) * (cache > 0)

    report = check_gradient(relu_forward, relu_backward_offset,
                            [np.random.RandomState(0).standard_normal((10, 10))])
    assert not report.passed
    assert "nonzero dx" in report.problems[0] and "zero upstream gradient" in report.problems[0]


def test_bad_gradients_are_reported_not_raised():
    inputs = affine_inputs()
    report = check_gradient(affine_forward, lambda dout, cache: affine_backward(dout, cache)[:2],
                            inputs)
    assert "returned 2 gradients; expected 3 (dx, dw, db)" in report.problems[0]

    def affine_backward_nan(dout, cache):
        dx, dw, db = affine_backward(dout, cache)
        return dx, dw * np.nan, db

    report = check_gradient(affine_forward, affine_backward_nan, inputs)
    assert "NaN or inf in dw" in report.problems[0]


def test_float32_output_from_float64_inputs_is_reported():
    def relu_forward_casts(x):
        return np.maximum(0, x).astype(np.float32), x

    report = check_gradient(relu_forward_casts, relu_backward,
                            [np.random.RandomState(0).standard_normal((3, 3))])
    assert "float32 output for float64 inputs" in report.problems[0]


# ---------------------------------------------------------------------------
# API details
# ---------------------------------------------------------------------------

def test_integer_inputs_are_rejected_with_a_clear_error():
    with pytest.raises(TypeError, match="'x' has dtype int64.*floating-point"):
        check_gradient(relu_forward, relu_backward, [np.arange(6).reshape(2, 3)])


def test_integer_labels_can_be_left_out_with_wrt():
    def mean_square_loss(x, y):
        picked = x[np.arange(x.shape[0]), y]
        return float(np.mean(picked ** 2))

    rng = np.random.RandomState(0)
    x, y = rng.standard_normal((6, 4)), rng.randint(0, 4, size=6)
    grad = np.zeros_like(x)
    grad[np.arange(6), y] = 2 * x[np.arange(6), y] / 6
    with pytest.raises(TypeError, match="'y'.*wrt"):
        check_gradient(mean_square_loss, grad, [x, y])
    report = check_gradient(mean_square_loss, grad, [x, y], wrt=["x"])
    assert report.passed and report.backward_evals == 0
    wrong = grad.copy()
    wrong[2, y[2]] *= 1.1
    report = check_gradient(mean_square_loss, wrong, [x, y], wrt=["x"])
    assert report["x"].worst_index == (2, int(y[2]))


def test_gradient_arrays_need_dout_unless_the_output_is_scalar():
    x, w, b = affine_inputs()
    with pytest.raises(ValueError, match="dout"):
        check_gradient(affine_forward, affine_backward(np.ones((8, 10)), (x, w)), [x, w, b])
    dout = np.random.RandomState(3).standard_normal((8, 10))
    grads = affine_backward(dout, (x, w))
    report = check_gradient(affine_forward, grads, {"x": x, "w": w, "b": b}, dout=dout)
    assert report.passed
    report = check_gradient(affine_forward, {"dw": grads[1]}, [x, w, b], wrt="w", dout=dout)
    assert report.passed and [r.name for r in report.inputs] == ["w"]


def test_report_is_plain_data():
    report = check_gradient(batchnorm_forward, planted_backward(1, 2, 1), bn_inputs(n=16, d=8))
    assert isinstance(report, GradCheckReport)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is False
    assert data["inputs"][0]["worst_index"] == [1, 2]
    assert data["text"] == str(report)


def test_the_notebook_helpers_import_standalone_from_their_file():
    # gradient_check.py is the module a student may copy next to a notebook (the checker
    # itself shares its wording of error patterns with the grader, checks/patterns.py).
    path = pathlib.Path(__file__).resolve().parents[1] / "checks" / "gradient_check.py"
    spec = importlib.util.spec_from_file_location("gradient_check_standalone", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = away_from_zero(np.random.RandomState(1), (4, 5))
    dout = np.random.RandomState(2).standard_normal((4, 5))
    numeric = module.eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout)
    assert module.rel_error(numeric, relu_backward(dout, x)) < 1e-8


# ---------------------------------------------------------------------------
# cs231n helpers
# ---------------------------------------------------------------------------

def test_eval_numerical_gradient_matches_analytic_and_restores_x(capsys):
    x = np.random.RandomState(0).standard_normal((3, 4))
    saved = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 3) + np.sum(np.sin(v)), x)
    assert rel_error(grad, 3 * x ** 2 + np.cos(x)) < 1e-8
    assert np.array_equal(x, saved)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 12 and printed[0].startswith("(0, 0)")
    eval_numerical_gradient(lambda v: float(np.sum(v)), x, verbose=False)
    assert capsys.readouterr().out == ""


def test_eval_numerical_gradient_array_matches_affine_backward():
    x, w, b = affine_inputs()
    dout = np.random.RandomState(1).standard_normal((8, 10))
    dx, dw, db = affine_backward(dout, (x, w))
    saved = x.copy()
    dx_num = eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)
    assert np.array_equal(x, saved)
    assert rel_error(dx, dx_num) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0],
                                                       w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0],
                                                       b, dout)) < 1e-7


def test_rel_error_basics():
    a = np.array([1.0, 2.0, 0.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.array([1.0]), np.array([2.0])) == pytest.approx(1 / 3)
    assert rel_error(0.0, 0.0) == 0.0
    assert rel_error(np.array([0.0]), np.array([1e-9])) == pytest.approx(0.1)   # 1e-8 floor
    assert rel_error(np.array([1.0, -1.0]), np.array([1.0, 1.0])) == 1.0


# ---------------------------------------------------------------------------
# make_read_only
# ---------------------------------------------------------------------------

def test_make_read_only_recurses_through_containers():
    inner = np.ones(3)
    deep = np.zeros((2, 2))
    obj = {"a": (inner, [deep, {"b": np.arange(4)}]), "n": 3, "s": "text"}
    obj["self"] = obj                       # cycles are fine
    assert make_read_only(obj) is obj
    for arr in (inner, deep, obj["a"][1][1]["b"]):
        assert not arr.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        deep[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        inner += 1
    assert obj["n"] == 3 and obj["s"] == "text"
    obj["a"][1].append(5)                   # containers stay mutable
    single = np.ones(2)
    assert make_read_only(single) is single and not single.flags.writeable
