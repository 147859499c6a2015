"""Tests of solutions/dropout_layers.py: dropout and affine-ReLU-dropout."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from numgrad import assert_gradient_close, numeric_gradient
from solutions import dropout_layers as dl
from strategies import (FAST, batch_sizes, dims, gaussian, keep_probs, read_only, seeds,
                        signed_upstream)

IMPLEMENTATIONS = ["upscale_in_train", "downgrade_in_infer"]


def global_state():
    state = np.random.get_state()
    return state[0], state[1].copy(), state[2], state[3], state[4]


def assert_same_global_state(before, after):
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


# --- statistics of the mask -----------------------------------------------------------------

@FAST
@given(seed=seeds, p=keep_probs)
def test_fraction_kept_is_p(seed, p):
    n = 20_000
    x = np.ones(n)
    out, _ = dl.dropout_forward(x, {"mode": "train", "p": p, "seed": seed})
    kept = np.count_nonzero(out) / n
    # The number kept is Binomial(n, p): its fraction has standard deviation
    # sqrt(p (1 - p) / n); 5 of them fail a correct layer about once in 1.7 million.
    assert abs(kept - p) <= 5 * np.sqrt(p * (1 - p) / n)
    # Kept units are scaled by 1 / p, dropped ones are exactly 0.
    np.testing.assert_allclose(out[out != 0], 1 / p)


@FAST
@given(seed=seeds, p=keep_probs)
def test_upscale_in_train_preserves_the_mean(seed, p):
    rng = np.random.default_rng(seed)
    n = 20_000
    x = rng.uniform(0.5, 2.0, size=n)
    out, _ = dl.dropout_forward(x, {"mode": "train", "p": p, "seed": seed + 1})
    # out_i - x_i = x_i (keep_i / p - 1) has mean 0 and variance x_i**2 (1 - p) / p,
    # independently across i, so mean(out) - mean(x) has standard deviation
    # sqrt(sum(x**2) (1 - p) / p) / n. Five standard deviations again.
    tolerance = 5 * np.sqrt(np.sum(x ** 2) * (1 - p) / p) / n
    assert abs(out.mean() - x.mean()) <= tolerance


@FAST
@given(seed=seeds, p=keep_probs)
def test_downgrade_in_infer_matches_test_mode_in_expectation(seed, p):
    rng = np.random.default_rng(seed)
    n = 20_000
    x = rng.uniform(0.5, 2.0, size=n)
    param = {"mode": "train", "p": p, "seed": seed + 1, "implementation": "downgrade_in_infer"}
    out, _ = dl.dropout_forward(x, param)
    test_out, _ = dl.dropout_forward(x, {**param, "mode": "test"})
    # out_i = x_i keep_i, mean p x_i, variance x_i**2 p (1 - p).
    tolerance = 5 * np.sqrt(np.sum(x ** 2) * p * (1 - p)) / n
    assert abs(out.mean() - test_out.mean()) <= tolerance
    assert set(np.unique(out / x)) <= {0.0, 1.0}


# --- seeds -------------------------------------------------------------------------------

@FAST
@given(seed=seeds, p=keep_probs, implementation=st.sampled_from(IMPLEMENTATIONS))
def test_same_seed_same_mask_and_global_rng_untouched(seed, p, implementation):
    x = np.random.default_rng(seed).standard_normal((50, 40))
    param = {"mode": "train", "p": p, "seed": seed, "implementation": implementation}
    before = global_state()
    out1, _ = dl.dropout_forward(x, param)
    out2, _ = dl.dropout_forward(x, dict(param))
    assert_same_global_state(before, global_state())
    np.testing.assert_array_equal(out1, out2)


def test_seeded_dropout_does_not_reseed_the_global_generator():
    np.random.seed(1234)
    expected = np.random.rand(3)
    np.random.seed(1234)
    dl.dropout_forward(np.ones((10, 10)), {"mode": "train", "p": 0.5, "seed": 0})
    np.testing.assert_array_equal(np.random.rand(3), expected)


def test_unseeded_dropout_draws_fresh_masks_without_the_global_generator():
    x = np.ones(1000)
    before = global_state()
    out1, _ = dl.dropout_forward(x, {"mode": "train", "p": 0.5})
    out2, _ = dl.dropout_forward(x, {"mode": "train", "p": 0.5})
    assert_same_global_state(before, global_state())
    assert not np.array_equal(out1, out2)


def test_different_seeds_give_different_masks():
    x = np.ones(1000)
    out1, _ = dl.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 1})
    out2, _ = dl.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 2})
    assert not np.array_equal(out1, out2)


# --- test mode and p == 1 ------------------------------------------------------------------

@pytest.mark.parametrize("implementation,factor", [("upscale_in_train", 1.0),
                                                   ("downgrade_in_infer", 0.3)])
def test_test_mode(implementation, factor):
    x = np.random.default_rng(0).standard_normal((6, 7))
    param = {"mode": "test", "p": 0.3, "implementation": implementation}
    out, cache = dl.dropout_forward(read_only(x), param)
    np.testing.assert_array_equal(out, x * factor)
    dout = np.random.default_rng(1).standard_normal((6, 7))
    np.testing.assert_array_equal(dl.dropout_backward(read_only(dout), cache), dout * factor)
    assert param == {"mode": "test", "p": 0.3, "implementation": implementation}


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("mode", ["train", "test"])
def test_keep_everything_is_the_identity(implementation, mode):
    x = np.random.default_rng(0).standard_normal((6, 7))
    out, cache = dl.dropout_forward(x, {"mode": mode, "p": 1, "implementation": implementation})
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(dl.dropout_backward(x, cache), x)


# --- gradients ---------------------------------------------------------------------------

@FAST
@given(seed=seeds, n=batch_sizes, d=dims, p=keep_probs,
       implementation=st.sampled_from(IMPLEMENTATIONS), mode=st.sampled_from(["train", "test"]))
def test_dropout_backward_matches_numeric(seed, n, d, p, implementation, mode):
    rng = np.random.default_rng(seed)
    x = gaussian(rng, (n, d))
    dout = signed_upstream(rng, (n, d))
    param = {"mode": mode, "p": p, "seed": seed, "implementation": implementation}
    _, cache = dl.dropout_forward(read_only(x), param)
    dx = dl.dropout_backward(read_only(dout), cache)
    num = numeric_gradient(lambda v: dl.dropout_forward(v, param)[0], x, dout)
    assert_gradient_close(dx, num, "dx")


@FAST
@given(seed=seeds, n=batch_sizes, d=dims, m=dims, p=keep_probs)
def test_affine_relu_dropout_backward_matches_numeric(seed, n, d, m, p):
    rng = np.random.default_rng(seed)
    x, w, b = gaussian(rng, (n, d)), gaussian(rng, (d, m)), gaussian(rng, m)
    assume(np.min(np.abs(x @ w + b)) > 1e-3)  # away from the ReLU kink
    dout = signed_upstream(rng, (n, m))
    param = {"mode": "train", "p": p, "seed": seed}
    out, cache = dl.affine_relu_dropout_forward(*read_only(x, w, b), param)
    mask = dl.dropout_forward(np.ones((n, m)), param)[0]
    np.testing.assert_allclose(out, np.maximum(x @ w + b, 0) * mask, rtol=1e-12, atol=1e-12)
    dx, dw, db = dl.affine_relu_dropout_backward(read_only(dout), cache)

    def forward(xx, ww, bb):
        return dl.affine_relu_dropout_forward(xx, ww, bb, param)[0]

    assert_gradient_close(dx, numeric_gradient(lambda v: forward(v, w, b), x, dout), "dx")
    assert_gradient_close(dw, numeric_gradient(lambda v: forward(x, v, b), w, dout), "dw")
    assert_gradient_close(db, numeric_gradient(lambda v: forward(x, w, v), b, dout), "db")


# --- dtypes ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropout_preserves_the_dtype(dtype, implementation, mode):
    rng = np.random.default_rng(0)
    x = gaussian(rng, (5, 4), dtype=dtype)
    param = {"mode": mode, "p": 0.7, "seed": 3, "implementation": implementation}
    out, cache = dl.dropout_forward(x, param)
    assert out.dtype == dtype
    assert dl.dropout_backward(x, cache).dtype == dtype
    w, b = gaussian(rng, (4, 3), dtype=dtype), gaussian(rng, 3, dtype=dtype)
    out, cache = dl.affine_relu_dropout_forward(x, w, b, param)
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in dl.affine_relu_dropout_backward(out, cache))


def test_mask_does_not_depend_on_the_dtype():
    param = {"mode": "train", "p": 0.5, "seed": 11}
    out32, _ = dl.dropout_forward(np.ones((8, 8), np.float32), param)
    out64, _ = dl.dropout_forward(np.ones((8, 8)), param)
    np.testing.assert_array_equal(out32 != 0, out64 != 0)


CS231N_PORT = '''def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache

'''


def test_a_cs231n_port_loses_only_the_options_it_lacks(tmp_path):
    """cs231n's inverted dropout (global seeding, no 'implementation' key) keeps the points of
    train mode, test mode and seeds, and loses those of downgrade_in_infer and the global generator."""
    import shutil
    from pathlib import Path

    from checks.grader import Grader

    folder = tmp_path / "port"
    shutil.copytree(Path(__file__).resolve().parent.parent / "solutions", folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    text = (folder / "dropout_layers.py").read_text(encoding="utf-8")
    start = text.index("def dropout_forward(")
    end = text.index("\ndef ", start + 10)
    (folder / "dropout_layers.py").write_text(text[:start] + CS231N_PORT + text[end:], encoding="utf-8")
    report = Grader(only="dropout_forward").grade(folder)
    lost = {r.name: r.max_score - r.score for r in report.results if not r.passed}
    assert lost == {"dropout_forward: downgrade_in_infer": 2, "dropout_forward: global generator": 1}
    assert report.score == 5 and report.max_score == 8
    feedback = {r.name: r.feedback for r in report.results}
    assert "'implementation'" in feedback["dropout_forward: downgrade_in_infer"]
