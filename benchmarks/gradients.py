"""Checking the gradient of a 64x256 batchnorm backward: the grader's checker
(checks.gradcheck.check_gradient) against cs231n's coordinate-wise
eval_numerical_gradient_array, and PyTorch's gradcheck in fast mode.

Each checker sees the kit's batchnorm_backward_alt, right, and a copy with a single
wrong entry: dx[17, 42] takes 10% too much of dout's direct term (a wrong coefficient on
one entry, linear in dout like every real backward).
"""
import time

import numpy as np

from checks.gradcheck import check_gradient
from checks.gradient_check import eval_numerical_gradient_array, rel_error
from solutions import bn_layers

from .timing import interleaved_medians

FULL_SHAPE = (64, 256)
TINY_SHAPE = (8, 16)
BUG = 0.10


def _inputs(shape, seed=0):
    rng = np.random.RandomState(seed)
    n, d = shape
    return {"x": 3.0 * rng.randn(n, d) + 1.0,
            "gamma": rng.uniform(0.5, 1.5, d),
            "beta": rng.randn(d)}, rng.randn(n, d)


def _forward(x, gamma, beta):
    return bn_layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})


def wrong_entry(shape):
    return (min(17, shape[0] - 1), min(42, shape[1] - 1))


def buggy_backward(shape):
    """batchnorm_backward_alt with one wrong entry of dx."""
    i, j = wrong_entry(shape)

    def batchnorm_backward_one_entry_off(dout, cache):
        dx, dgamma, dbeta = bn_layers.batchnorm_backward_alt(dout, cache)
        _, _, inv_std, gamma = cache
        dx = dx.copy()
        dx[i, j] += BUG * dout[i, j] * gamma[j] * inv_std[j]
        return dx, dgamma, dbeta

    return batchnorm_backward_one_entry_off


def _cs231n_check(inputs, dout, backward):
    """What the cs231n notebook does: numerical dx, dgamma, dbeta entry by entry, then
    the largest elementwise relative error of each."""
    x, gamma, beta = (np.array(inputs[k]) for k in ("x", "gamma", "beta"))
    numeric = (
        eval_numerical_gradient_array(lambda v: _forward(v, gamma, beta)[0], x, dout),
        eval_numerical_gradient_array(lambda v: _forward(x, v, beta)[0], gamma, dout),
        eval_numerical_gradient_array(lambda v: _forward(x, gamma, v)[0], beta, dout),
    )
    analytic = backward(dout, _forward(x, gamma, beta)[1])
    return max(rel_error(a, n) for a, n in zip(analytic, numeric))


def _torch_fast_mode(torch, inputs, backward):
    """torch.autograd.gradcheck(fast_mode=True) on a Function whose forward is the
    kit's and whose backward is ``backward``; True when it passes."""
    class NumpyBatchNorm(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, gamma, beta):
            out, ctx.cache = _forward(x.detach().numpy(), gamma.detach().numpy(),
                                      beta.detach().numpy())
            return torch.from_numpy(out)

        @staticmethod
        def backward(ctx, dout):
            grads = backward(dout.detach().numpy(), ctx.cache)
            return tuple(torch.from_numpy(np.ascontiguousarray(g)) for g in grads)

    tensors = tuple(torch.from_numpy(np.array(inputs[k])).requires_grad_()
                    for k in ("x", "gamma", "beta"))
    return bool(torch.autograd.gradcheck(NumpyBatchNorm.apply, tensors, fast_mode=True,
                                         raise_exception=False))


def run(tiny, repeat, torch):
    """Rows: (checker, backward, verdict, ms)."""
    shape = TINY_SHAPE if tiny else FULL_SHAPE
    inputs, dout = _inputs(shape)
    backwards = {"right": bn_layers.batchnorm_backward_alt,
                 "one entry off": buggy_backward(shape)}
    rows = []
    for label, backward in backwards.items():
        reports = {}

        def grader(backward=backward, reports=reports):
            reports["last"] = check_gradient(_forward, backward, inputs)

        seconds = interleaved_medians({"grader": grader}, repeat)["grader"]
        report = reports["last"]
        where = report["x"].worst_index
        verdict = "passes" if report.passed else "fails"
        if where is not None:
            verdict += f", points at x{list(where)}"
        rows.append({"checker": "grader: checks.gradcheck.check_gradient",
                     "backward": label, "verdict": verdict, "ms": seconds * 1e3,
                     "evaluations": f"{report.forward_evals} forward, "
                                    f"{report.backward_evals} backward"})

        # The coordinate-wise check costs seconds: fewer repetitions.
        timings, errors = [], []
        for _ in range(max(1, min(repeat, 3))):
            start = time.perf_counter()
            errors.append(_cs231n_check(inputs, dout, backward))
            timings.append(time.perf_counter() - start)
        n_forward = 2 * sum(np.size(v) for v in inputs.values())
        rows.append({"checker": "cs231n: eval_numerical_gradient_array, rel_error",
                     "backward": label, "verdict": f"max rel_error {errors[-1]:.1e}",
                     "ms": float(np.median(timings)) * 1e3,
                     "evaluations": f"{n_forward} forward, 1 backward"})

        if torch is not None:
            verdicts = {}

            def fast(backward=backward, verdicts=verdicts):
                verdicts["last"] = _torch_fast_mode(torch, inputs, backward)

            seconds = interleaved_medians({"fast": fast}, repeat)["fast"]
            rows.append({"checker": "PyTorch: autograd.gradcheck(fast_mode=True)",
                         "backward": label,
                         "verdict": "passes" if verdicts["last"] else "fails",
                         "ms": seconds * 1e3, "evaluations": ""})
    return rows, shape
