"""Hidden checks: float32 in, float32 out.

The kit's functions keep their inputs' dtype (CONTRIBUTING.md): a net built with
``dtype=np.float32`` computes in float32 from end to end. A layer that builds an array with
numpy's default dtype (``np.zeros(D)``, a float64 mean or mask) silently turns every later
step into float64: twice the memory and slower, and the public checks (float64 inputs) never
notice. These checks feed float32 inputs and ask for float32 outputs, gradients and running
statistics, with values close to the reference's.
"""
import numpy as np

from ... import compare
from ...compare import Failed
from ...probing import call, freeze_tree, frozen, rng, writable
from ...suite import Check



def float32(value, expected, what):
    """``value`` must be a float32 array close to ``expected`` (the reference's float32 output)."""
    expected = np.asarray(expected)
    got = compare.array(value, what, expected.shape)  # validates type, float kind and shape
    if value.dtype != np.float32:
        raise Failed(
            f"{what} has dtype {value.dtype}, but every input was float32: keep the inputs' dtype "
            "(an array made with np.zeros(shape) or np.ones(shape) is float64; pass dtype=x.dtype)"
        )
    scale = float(np.max(np.abs(expected))) if expected.size else 1.0
    compare.close(got, expected, what, rtol=compare.RTOL32, atol=compare.ATOL32 * max(scale, 1e-3))


def _pair(ret, function):
    return compare.sequence(ret, 2, function)


# --- affine: forward and backward in float32 ---------------------------------------------
AFFINE_N, AFFINE_DIMS, AFFINE_M = 4, (3, 5), 6


def _affine_probe(sub):
    generator = rng(901)
    x = frozen("x", generator.randn(AFFINE_N, *AFFINE_DIMS).astype(np.float32))
    w = frozen("w", (0.3 * generator.randn(int(np.prod(AFFINE_DIMS)), AFFINE_M)).astype(np.float32))
    b = frozen("b", generator.randn(AFFINE_M).astype(np.float32))
    dout = frozen("dout", generator.randn(AFFINE_N, AFFINE_M).astype(np.float32))
    fwd = call("affine_forward", sub.layers, x, w, b)
    if type(fwd) not in (tuple, list) or len(fwd) != 2:
        return {"forward": fwd}
    cache = freeze_tree("cache", fwd[1])
    relu = call("relu_forward", sub.layers, fwd[0])
    relu_dx = None
    if type(relu) in (tuple, list) and len(relu) == 2:
        relu_dx = call("relu_backward", sub.layers, dout, freeze_tree("relu cache", relu[1]))
    return {"forward": fwd[0], "backward": call("affine_backward", sub.layers, dout, cache),
            "relu": relu, "relu_dx": relu_dx}


def _affine_judge(got, want):
    if "backward" not in got:
        _pair(got["forward"], "affine_forward")
    float32(got["forward"], want["forward"], "affine_forward's out for float32 x, w and b")
    grads = compare.sequence(got["backward"], 3, "affine_backward")
    for value, expected, name in zip(grads, want["backward"], ("dx", "dw", "db")):
        float32(value, expected, f"affine_backward's {name} for float32 inputs and dout")
    relu = _pair(got["relu"], "relu_forward")
    float32(relu[0], want["relu"][0], "relu_forward's out for a float32 x")
    float32(got["relu_dx"], want["relu_dx"], "relu_backward's dx for a float32 dout")


# --- batchnorm: forward (train and test), both backward passes in float32 -----------------
BN_N, BN_D = 8, 5


def _bn_inputs():
    generator = rng(902)
    x = (3.0 + 2.0 * generator.randn(BN_N, BN_D)).astype(np.float32)
    gamma = (1.0 + 0.3 * generator.randn(BN_D)).astype(np.float32)
    beta = (0.5 * generator.randn(BN_D)).astype(np.float32)
    dout = generator.randn(BN_N, BN_D).astype(np.float32)
    return x, gamma, beta, dout


def _bn_probe(sub):
    names = ("x", "gamma", "beta", "dout")
    x, gamma, beta, dout = (frozen(name, value) for name, value in zip(names, _bn_inputs()))
    module = sub.bn_layers
    bn_param = {"mode": "train"}  # running statistics start as zeros of x's dtype (SPEC.md)
    fwd = call("batchnorm_forward", module, x, gamma, beta, bn_param)
    if type(fwd) not in (tuple, list) or len(fwd) != 2:
        return {"train": fwd}
    stats = {key: (value.copy() if type(value) is np.ndarray else value)
             for key, value in bn_param.items() if key in ("running_mean", "running_var")}
    cache = freeze_tree("cache", fwd[1])
    tree = {"train": fwd[0], "stats": stats,
            "backward": call("batchnorm_backward", module, dout, cache),
            "backward_alt": call("batchnorm_backward_alt", module, dout, cache)}
    test_param = {"mode": "test", "running_mean": writable(stats.get("running_mean")),
                  "running_var": writable(stats.get("running_var"))}
    tree["test"] = _pair_or(call("batchnorm_forward", module, x, gamma, beta, test_param))
    return tree


def _pair_or(ret):
    return ret[0] if type(ret) in (tuple, list) and len(ret) == 2 else {"ret": ret}


def _bn_judge(got, want):
    if "stats" not in got:
        _pair(got["train"], "batchnorm_forward")
    float32(got["train"], want["train"], "batchnorm_forward's out in train mode for float32 inputs")
    stats = got["stats"]
    for key in ("running_mean", "running_var"):
        if key not in stats:
            raise Failed(f"batchnorm_forward did not store bn_param['{key}'] in train mode")
        float32(stats[key], want["stats"][key],
                f"bn_param['{key}'] after a train step on float32 x (created as zeros of x's dtype)")
    for function in ("batchnorm_backward", "batchnorm_backward_alt"):
        grads = compare.sequence(got[function.replace("batchnorm_", "")], 3, function)
        for value, expected, name in zip(grads, want[function.replace("batchnorm_", "")], ("dx", "dgamma", "dbeta")):
            float32(value, expected, f"{function}'s {name} for float32 inputs and dout")
    if isinstance(got["test"], dict):
        _pair(got["test"]["ret"], "batchnorm_forward")
    float32(got["test"], want["test"], "batchnorm_forward's out in test mode for float32 inputs")


CHECKS = [
    Check("affine_backward: float32 in, float32 out", "affine_backward", "layers", 2,
          _affine_probe, _affine_judge, hidden=True,
          what="affine_forward, affine_backward, relu_forward and relu_backward on float32 inputs: every "
               "output float32 and close to the reference"),
    Check("batchnorm_backward: float32 in, float32 out", "batchnorm_backward", "bn_layers", 2,
          _bn_probe, _bn_judge, hidden=True,
          what="batchnorm_forward (train and test), its running statistics, batchnorm_backward and "
               "batchnorm_backward_alt on float32 inputs: every output float32 and close to the reference"),
]
