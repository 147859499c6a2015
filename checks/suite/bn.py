"""Checks of bn_layers.py: batch normalization (flat and spatial), layer normalization and
the affine-batchnorm-ReLU sandwich.

The inputs are chosen so that the usual mistakes change the numbers by far more than the
tolerance:

- N != D everywhere (8 samples of 5 features; layer norm 6 samples of 9 features; spatial
  2 x 3 x 4 x 5), so statistics taken over the wrong axis or a reshape without a transpose
  show at once;
- columns (rows for layer norm, channels for spatial) with different means and standard
  deviations from 0.01 to 3: with a variance of 1e-4, eps (1e-5) moves the output by 5%, so
  eps added twice, eps outside the square root or eps ignored are all visible;
- a small batch (N = 8), so the unbiased variance (divide by N - 1) is 7% off;
- gamma and beta far from 1 and 0, of both signs;
- running statistics followed over several train calls with the same ``bn_param``, with
  the default momentum and with 0.5 (momentum on the wrong side is then off by the first
  call), starting from absent statistics and from given ones;
- test mode with the running statistics given explicitly (far from the batch's own
  statistics) and after train calls; ``bn_param`` must come out of a test call unchanged.

Backward checks run on the cache of the submission's own forward (``common.backward_probe``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .. import compare
from ..compare import Failed
from ..probing import call, frozen, rng, writable
from . import Check
from .common import backward_judge, backward_probe

MODULE = "bn_layers"
BN = "batchnorm_forward"
EPS = 1e-5

# --- the data ------------------------------------------------------------------------------

N, D = 8, 5
MEANS = np.array([2.0, -1.0, 0.3, 5.0, -4.0])
STDS = np.array([0.01, 0.1, 0.6, 1.5, 3.0])


def _columns(generator, n=N):
    """(n, D) data whose columns have the means MEANS and the standard deviations STDS."""
    return MEANS + STDS * generator.randn(n, D)


def _signed(generator, shape, low, high):
    return generator.uniform(low, high, size=shape) * generator.choice([-1.0, 1.0], size=shape)


def _scale_shift(generator, size):
    return _signed(generator, (size,), 0.5, 2.0), _signed(generator, (size,), 0.5, 3.0)


BN_SPECS = {  # inputs of batchnorm_forward's train output and of the backward checks
    "x": _columns,
    "gamma": lambda g: _signed(g, (D,), 0.5, 2.0),
    "beta": lambda g: _signed(g, (D,), 0.5, 3.0),
}


def _inputs(seed: int, specs) -> List[np.ndarray]:
    generator = rng(seed)
    return [make(generator) for make in specs.values()]


def _normalize(x, mean, var, eps, gamma, beta):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _snapshot(value):
    """A copy of an array the submission may later change in place; anything else as is."""
    return value.copy() if type(value) is np.ndarray else value


def _stats(param: Dict[str, Any]) -> Dict[str, Any]:
    return {key: _snapshot(param.get(key)) for key in ("running_mean", "running_var")}


def _valid_stats(stats: Dict[str, Any], size: int) -> bool:
    return all(type(v) is np.ndarray and v.shape == (size,) and v.dtype.kind == "f" for v in stats.values())


def _out(ret: Any, function: str, what: str, shape=None) -> np.ndarray:
    """The out of a forward's (out, cache), validated, in the dtype it came in (for its tolerance)."""
    out = compare.sequence(ret, 2, function)[0]
    compare.array(out, what, shape)
    return out


def _close(got, expected, what, rule="", scale=None):
    """``compare.close`` whose failure also states the rule of the function."""
    try:
        return compare.close(got, expected, what, scale=scale)
    except Failed as failure:
        raise Failed(f"{failure}\n{rule}" if rule else str(failure)) from None


# --- batchnorm_forward: train output --------------------------------------------------------

TRAIN_SEED = 61
TRAIN_CASES = (  # label, bn_param
    ("bn_param = {'mode': 'train'}", {"mode": "train"}),
    ("eps = 1e-3, momentum = 0.5", {"mode": "train", "eps": 1e-3, "momentum": 0.5}),
)
TRAIN_RULE = ("Train mode normalizes each feature (column) with the batch's own statistics: "
              "xhat = (x - mean) / sqrt(var + eps) with mean = x.mean(axis=0) and var = x.var(axis=0) "
              "(divide by N), then out = gamma * xhat + beta.")


def _train_probe(sub):
    x, gamma, beta = (frozen(name, value) for name, value in zip(BN_SPECS, _inputs(TRAIN_SEED, BN_SPECS)))
    return {label: call(BN, sub.bn_layers, x, gamma, beta, dict(param)) for label, param in TRAIN_CASES}


def _train_judge(got, want):
    x, gamma, beta = _inputs(TRAIN_SEED, BN_SPECS)
    for label, param in TRAIN_CASES:
        what = f"batchnorm_forward's out in train mode ({label})"
        out = _out(got[label], BN, what, x.shape)
        _close(out, want[label][0], what, TRAIN_RULE)


# --- batchnorm_forward: running statistics ---------------------------------------------------

RUNNING_CASES = (  # label, bn_param before the first call, seeds of the batches
    ("momentum 0.9 (the default), running statistics absent at first", None, 0.9, (71, 72, 73)),
    ("momentum 0.5, running statistics given", 74, 0.5, (75, 76)),
)
RUNNING_RULE = ("After each train call: running_mean = momentum * running_mean + (1 - momentum) * batch_mean, "
                "and the same for running_var with the biased batch variance (divide by N); absent running "
                "statistics start as zeros; the new values are stored in bn_param['running_mean'] and "
                "bn_param['running_var'].")


def _given_stats(seed: int) -> Tuple[np.ndarray, np.ndarray]:
    generator = rng(seed)
    return MEANS + STDS * generator.randn(D), STDS ** 2 * generator.uniform(0.3, 3.0, size=D)


def _running_param(stats_seed: Optional[int], momentum: float) -> Dict[str, Any]:
    param: Dict[str, Any] = {"mode": "train"}
    if momentum != 0.9:
        param["momentum"] = momentum
    if stats_seed is not None:
        mean, var = _given_stats(stats_seed)
        param["running_mean"], param["running_var"] = writable(mean), writable(var)
    return param


def _running_inputs(seeds):
    gamma, beta = _scale_shift(rng(70), D)
    return gamma, beta, [_columns(rng(seed)) + rng(seed + 100).randn(D) for seed in seeds]


def _running_probe(sub):
    tree = {}
    for label, stats_seed, momentum, seeds in RUNNING_CASES:
        gamma, beta, batches = _running_inputs(seeds)
        gamma, beta = frozen("gamma", gamma), frozen("beta", beta)
        param = _running_param(stats_seed, momentum)
        after = []
        for number, batch in enumerate(batches):
            call(BN, sub.bn_layers, frozen(f"x (batch {number + 1})", batch), gamma, beta, param)
            after.append(_stats(param))
        tree[label] = after
    return tree


def _running_judge(got, want):
    for label, stats_seed, momentum, seeds in RUNNING_CASES:
        _, _, batches = _running_inputs(seeds)
        calls = compare.sequence(got[label], len(batches), "the running statistics")
        for number, (stats, expected) in enumerate(zip(calls, want[label])):
            for key in ("running_mean", "running_var"):
                what = f"bn_param['{key}'] after train call {number + 1} of {len(batches)} ({label})"
                value = stats.get(key) if type(stats) is dict else None
                if value is None:
                    raise Failed(f"{what} is missing: store the updated running statistics in bn_param\n"
                                 + RUNNING_RULE)
                # The columns' variances run from 1e-4 to 9: each entry of running_var is judged
                # against its own size, or a running variance that stores var + eps (off by 10% in
                # the narrowest column) would hide under the widest column's absolute tolerance.
                scale = float(np.min(np.abs(expected[key]))) if key == "running_var" else None
                _close(value, expected[key], what, RUNNING_RULE, scale=scale)


# --- batchnorm_forward: test mode ------------------------------------------------------------

TEST_SEED = 81
TEST_EXPLICIT = (  # label, extra keys of bn_param, seed of the running statistics
    ("running statistics given, default eps", {}, 82),
    ("running statistics given, eps = 1e-3, momentum = 0.5", {"eps": 1e-3, "momentum": 0.5}, 83),
)
AFTER_TRAIN = "after 2 train calls with momentum 0.7"
AFTER_TRAIN_SEEDS = (84, 85)
TEST_RULE = ("Test mode normalizes with the running statistics, never the batch's: out = gamma * (x - running_mean) "
             "/ sqrt(running_var + eps) + beta, and it leaves bn_param as it is.")


def _test_inputs():
    generator = rng(TEST_SEED)
    gamma, beta = _scale_shift(generator, D)
    return _columns(generator) + 2 * STDS, gamma, beta


def _test_probe(sub):
    x_values, gamma_values, beta_values = _test_inputs()
    x, gamma, beta = frozen("x", x_values), frozen("gamma", gamma_values), frozen("beta", beta_values)
    module = sub.bn_layers
    tree: Dict[str, Any] = {}
    for label, extra, seed in TEST_EXPLICIT:
        mean, var = _given_stats(seed)
        param = {"mode": "test", **extra, "running_mean": writable(mean), "running_var": writable(var)}
        ret = call(BN, module, x, gamma, beta, param)
        tree[label] = {"ret": ret, "after": _stats(param)}
    # Test mode on the submission's own running statistics, whatever they are (their values
    # are the running-statistics check's business). When train mode fails, this part is skipped.
    param = {"mode": "train", "momentum": 0.7}
    try:
        for number, seed in enumerate(AFTER_TRAIN_SEEDS):
            call(BN, module, frozen(f"x (train batch {number + 1})", _columns(rng(seed))), gamma, beta, param)
    except Exception as error:
        tree[AFTER_TRAIN] = {"skipped": f"train mode raised {type(error).__name__}"}
        return tree
    before = _stats(param)
    if not _valid_stats(before, D):
        tree[AFTER_TRAIN] = {"skipped": "train mode left no valid running statistics"}
        return tree
    param["mode"] = "test"
    ret = call(BN, module, x, gamma, beta, param)
    tree[AFTER_TRAIN] = {"ret": ret, "before": before, "after": _stats(param)}
    return tree


def _test_judge(got, want):
    x, gamma, beta = _test_inputs()
    for label, extra, seed in TEST_EXPLICIT:
        what = f"batchnorm_forward's out in test mode ({label})"
        out = _out(got[label]["ret"], BN, what, x.shape)
        _close(out, want[label]["ret"][0], what, TEST_RULE)
        for key in ("running_mean", "running_var"):
            what = f"bn_param['{key}'] after a test-mode call ({label})"
            value = got[label]["after"][key]
            if value is None:
                raise Failed(f"{what} is missing: test mode must leave bn_param as it is")
            _close(value, want[label]["after"][key], what,
                   rule="Test mode must not change the running statistics: only train mode updates them.")
    _after_train_judge(got[AFTER_TRAIN], want[AFTER_TRAIN], x, gamma, beta)


def _after_train_judge(got, want, x, gamma, beta):
    """Test mode on the submission's own running statistics, judged against the reference's
    behaviour on its own statistics (so that a mistake in the running statistics costs
    another check, not this one)."""
    if "skipped" in got:
        return
    label = f"test mode {AFTER_TRAIN}, with your running statistics"
    out = _out(got["ret"], BN, f"batchnorm_forward's out ({label})", x.shape)
    mine, theirs = got["before"], want["before"]
    # expected = the correct formula on your statistics, plus whatever `want` adds to it
    # (nothing for the reference; a known mistake's own deviation for a signature)
    expected = (_normalize(x, mine["running_mean"], mine["running_var"], EPS, gamma, beta)
                + want["ret"][0] - _normalize(x, theirs["running_mean"], theirs["running_var"], EPS, gamma, beta))
    _close(out, expected, f"batchnorm_forward's out ({label})", rule=TEST_RULE)
    for key in ("running_mean", "running_var"):
        what = f"the change of bn_param['{key}'] during a test-mode call ({AFTER_TRAIN})"
        value = got["after"][key]
        if type(value) is not np.ndarray or value.shape != (D,):
            raise Failed(f"bn_param['{key}'] after a test-mode call ({AFTER_TRAIN}) should be unchanged, "
                         f"but it is {compare.describe(value)}")
        _close(value - mine[key], want["after"][key] - theirs[key], what,
               rule="Test mode must not change the running statistics: only train mode updates them.")


# --- spatial_batchnorm_forward -----------------------------------------------------------------

SN, SC, SH, SW = 2, 3, 4, 5
CH_MEANS = np.array([1.5, -2.0, 0.5])
CH_STDS = np.array([0.01, 1.0, 3.0])
SPATIAL = "spatial_batchnorm_forward"
SPATIAL_RULE = ("Spatial batch normalization keeps one mean and one variance per channel, over N, H and W: "
                "move the channel axis last, x.transpose(0, 2, 3, 1).reshape(-1, C), call batchnorm_forward, "
                "then reshape to (N, H, W, C) and transpose back to (N, C, H, W).")


def _maps(generator):
    shape = (1, SC, 1, 1)
    return CH_MEANS.reshape(shape) + CH_STDS.reshape(shape) * generator.randn(SN, SC, SH, SW)


SPATIAL_SPECS = {
    "x": _maps,
    "gamma": lambda g: _signed(g, (SC,), 0.5, 2.0),
    "beta": lambda g: _signed(g, (SC,), 0.5, 3.0),
}


def _spatial_inputs():
    x1, gamma, beta = _inputs(91, SPATIAL_SPECS)
    generator = rng(92)
    x2, x3 = _maps(generator), _maps(generator) + CH_STDS.reshape(1, SC, 1, 1)
    stats = CH_MEANS + CH_STDS * generator.randn(SC), CH_STDS ** 2 * generator.uniform(0.3, 3.0, size=SC)
    return x1, x2, x3, gamma, beta, stats


def _spatial_probe(sub):
    x1, x2, x3, gamma, beta, (mean, var) = _spatial_inputs()
    gamma, beta = frozen("gamma", gamma), frozen("beta", beta)
    module = sub.bn_layers
    param = {"mode": "train", "momentum": 0.8}
    tree: Dict[str, Any] = {}
    for key, x in (("train 1", x1), ("train 2", x2)):
        tree[key] = {"ret": call(SPATIAL, module, frozen("x", x), gamma, beta, param), "after": _stats(param)}
    param = {"mode": "test", "running_mean": writable(mean), "running_var": writable(var)}
    tree["test"] = {"ret": call(SPATIAL, module, frozen("x", x3), gamma, beta, param)}
    return tree


def _spatial_judge(got, want):
    x1, x2, x3, gamma, beta, _ = _spatial_inputs()
    shape = (SN, SC, SH, SW)
    for key, x in (("train 1", x1), ("train 2", x2)):
        label = f"train mode, call {key[-1]} with the same bn_param, momentum 0.8"
        what = f"{SPATIAL}'s out ({label})"
        out = _out(got[key]["ret"], SPATIAL, what, shape)
        _close(out, want[key]["ret"][0], what, SPATIAL_RULE)
        for stat in ("running_mean", "running_var"):
            what = f"bn_param['{stat}'] after {SPATIAL} ({label})"
            value = got[key]["after"][stat]
            if value is None:
                raise Failed(f"{what} is missing: pass bn_param itself to batchnorm_forward, which stores them")
            _close(value, want[key]["after"][stat], what,
                   rule="The running statistics have one entry per channel and follow batchnorm_forward's rule.")
    what = f"{SPATIAL}'s out in test mode (running statistics given)"
    _close(_out(got["test"]["ret"], SPATIAL, what, shape), want["test"]["ret"][0], what, rule=SPATIAL_RULE)


# --- layernorm_forward -----------------------------------------------------------------------------

LN, LD = 6, 9
ROW_STDS = np.array([0.01, 0.05, 0.4, 1.0, 2.0, 3.5])
LAYERNORM_SEED = 101
LAYERNORM_CASES = (
    ("ln_param = {'mode': 'train'}", {"mode": "train"}),
    ("ln_param = {'eps': 1e-3}", {"eps": 1e-3}),
)
LAYERNORM_RULE = ("Layer normalization normalizes each sample (row) with the mean and the biased variance of its "
                  "own features: x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True); then "
                  "out = gamma * xhat + beta, with gamma and beta per feature.")


def _rows(generator):
    return 3 * generator.randn(LN, 1) + ROW_STDS[:, None] * generator.randn(LN, LD)


LAYERNORM_SPECS = {
    "x": _rows,
    "gamma": lambda g: _signed(g, (LD,), 0.5, 2.0),
    "beta": lambda g: _signed(g, (LD,), 0.5, 3.0),
}


def _layernorm_probe(sub):
    x, gamma, beta = (frozen(name, value) for name, value in zip(LAYERNORM_SPECS, _inputs(LAYERNORM_SEED, LAYERNORM_SPECS)))
    return {label: call("layernorm_forward", sub.bn_layers, x, gamma, beta, dict(param))
            for label, param in LAYERNORM_CASES}


def _layernorm_judge(got, want):
    x, gamma, beta = _inputs(LAYERNORM_SEED, LAYERNORM_SPECS)
    for label, param in LAYERNORM_CASES:
        what = f"layernorm_forward's out ({label})"
        out = _out(got[label], "layernorm_forward", what, x.shape)
        _close(out, want[label][0], what, LAYERNORM_RULE)


# --- affine_bn_relu_forward ---------------------------------------------------------------------------

SANDWICH = "affine_bn_relu_forward"
AN, ADIMS, AM = 8, (2, 3), 5
AD = int(np.prod(ADIMS))
SANDWICH_SPECS = {
    "x": lambda g: g.randn(AN, *ADIMS),
    "w": lambda g: g.randn(AD, AM) * 0.5,
    "b": lambda g: _signed(g, (AM,), 0.5, 2.0),
    "gamma": lambda g: _signed(g, (AM,), 0.5, 2.0),
    "beta": lambda g: g.uniform(-1.0, 1.0, size=AM),
}
SANDWICH_SEED = 111


def _sandwich_probe(sub):
    values = [frozen(name, value) for name, value in zip(SANDWICH_SPECS, _inputs(SANDWICH_SEED, SANDWICH_SPECS))]
    param = {"mode": "train", "momentum": 0.6}
    ret = call(SANDWICH, sub.bn_layers, *values, param)
    return {"ret": ret, "after": _stats(param)}


def _sandwich_judge(got, want):
    what = f"{SANDWICH}'s out"
    _close(_out(got["ret"], SANDWICH, what, (AN, AM)), want["ret"][0], what,
           "out = relu(batchnorm(affine(x, w, b), gamma, beta, bn_param)).")
    for key in ("running_mean", "running_var"):
        what = f"bn_param['{key}'] after {SANDWICH}"
        value = got["after"][key]
        if value is None:
            raise Failed(f"{what} is missing: pass bn_param itself to batchnorm_forward, which stores them")
        _close(value, want["after"][key], what,
               rule="The batch normalization inside updates bn_param's running statistics as batchnorm_forward does.")


# --- backward checks ---------------------------------------------------------------------------------

def _train_param():
    return ({"mode": "train"},)


def _ln_param():
    return ({},)


def _backward(forward, backward, seed, specs, dout_shape, extra, names, shapes, points, what):
    return Check(backward, backward, MODULE, points,
                 backward_probe(MODULE, forward, backward, seed, specs, dout_shape, extra),
                 backward_judge(forward, backward, names, shapes), what=what)


CHECKS = [
    Check("batchnorm_forward: train output", BN, MODULE, 5, _train_probe, _train_judge,
          what="out in train mode for x of shape (8, 5) with column stds from 0.01 to 3, default eps and eps=1e-3"),
    Check("batchnorm_forward: running statistics", BN, MODULE, 4, _running_probe, _running_judge,
          what="bn_param's running_mean and running_var after each of 3 train calls (momentum 0.9, absent at "
               "first) and 2 train calls (momentum 0.5, given)"),
    Check("batchnorm_forward: test mode", BN, MODULE, 4, _test_probe, _test_judge,
          what="out in test mode with given running statistics and after train calls; bn_param unchanged "
               "by the test call"),
    _backward(BN, "batchnorm_backward", 121, BN_SPECS, (N, D), _train_param, ["x", "gamma", "beta"],
              [(N, D), (D,), (D,)], 5, "dx, dgamma, dbeta for x of shape (8, 5) and a Gaussian dout, on your forward's cache"),
    _backward(BN, "batchnorm_backward_alt", 122, BN_SPECS, (N, D), _train_param, ["x", "gamma", "beta"],
              [(N, D), (D,), (D,)], 4, "dx, dgamma, dbeta for x of shape (8, 5) and a Gaussian dout, on your forward's cache"),
    Check(SPATIAL, SPATIAL, MODULE, 3, _spatial_probe, _spatial_judge,
          what="out and running statistics for x of shape (2, 3, 4, 5) over 2 train calls, then out in test mode"),
    _backward(SPATIAL, "spatial_batchnorm_backward", 123, SPATIAL_SPECS, (SN, SC, SH, SW), _train_param,
              ["x", "gamma", "beta"], [(SN, SC, SH, SW), (SC,), (SC,)], 2,
              "dx, dgamma, dbeta for x of shape (2, 3, 4, 5), on your forward's cache"),
    Check("layernorm_forward", "layernorm_forward", MODULE, 3, _layernorm_probe, _layernorm_judge,
          what="out for x of shape (6, 9) whose rows have stds from 0.01 to 3.5, default eps and eps=1e-3"),
    _backward("layernorm_forward", "layernorm_backward", 124, LAYERNORM_SPECS, (LN, LD), _ln_param,
              ["x", "gamma", "beta"], [(LN, LD), (LD,), (LD,)], 3,
              "dx, dgamma, dbeta for x of shape (6, 9), on your forward's cache"),
    Check(SANDWICH, SANDWICH, MODULE, 1.5, _sandwich_probe, _sandwich_judge,
          what="out and running statistics for x of shape (8, 2, 3), w (6, 5)"),
    _backward(SANDWICH, "affine_bn_relu_backward", 125, SANDWICH_SPECS, (AN, AM), _train_param,
              ["x", "w", "b", "gamma", "beta"], [(AN, *ADIMS), (AD, AM), (AM,), (AM,), (AM,)], 1.5,
              "dx, dw, db, dgamma, dbeta for x of shape (8, 2, 3), on your forward's cache"),
]
