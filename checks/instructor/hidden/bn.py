"""Hidden check: batch normalization on a batch of one sample and on a large batch.

With N = 1 every feature equals its batch mean: the biased variance is exactly 0, the
normalized input is 0, so ``out`` is ``beta``, ``dx`` and ``dgamma`` are 0 and ``dbeta`` is
``dout``. A variance divided by N - 1 gives NaN there; an eps left out of the square root
divides by zero. The large batch (N = 512, features of very different scales and offsets)
shows statistics taken over the wrong axis or accumulated in a way that loses precision.
"""
import numpy as np

from ... import compare
from ...compare import Failed
from ...probing import call, freeze_tree, frozen, rng
from ...suite import Check

CASES = (  # label, N, D, seed
    ("N=1", 1, 5, 911),
    ("N=512", 512, 4, 912),
)


def _inputs(n, d, seed):
    generator = rng(seed)
    scales = 10.0 ** np.linspace(-2, 2, d)
    x = 5.0 + scales * generator.randn(n, d)
    gamma = 1.0 + 0.3 * generator.randn(d)
    beta = 0.5 * generator.randn(d)
    dout = generator.randn(n, d)
    return x, gamma, beta, dout


def _probe(sub):
    tree = {}
    for label, n, d, seed in CASES:
        x, gamma, beta, dout = (frozen(f"{name} ({label})", value)
                                for name, value in zip(("x", "gamma", "beta", "dout"), _inputs(n, d, seed)))
        bn_param = {"mode": "train", "momentum": 0.5}
        fwd = call("batchnorm_forward", sub.bn_layers, x, gamma, beta, bn_param)
        if type(fwd) not in (tuple, list) or len(fwd) != 2:
            tree[label] = {"forward": fwd}
            continue
        stats = {key: (bn_param[key].copy() if type(bn_param.get(key)) is np.ndarray else bn_param.get(key))
                 for key in ("running_mean", "running_var")}
        cache = freeze_tree("cache", fwd[1])
        tree[label] = {"out": fwd[0], "stats": stats,
                       "backward": call("batchnorm_backward", sub.bn_layers, dout, cache),
                       "backward_alt": call("batchnorm_backward_alt", sub.bn_layers, dout, cache)}
    return tree


def _judge(got, want):
    for label, n, d, _ in CASES:
        case, expected = got[label], want[label]
        if "out" not in case:
            compare.sequence(case["forward"], 2, "batchnorm_forward")
        note = (" (with one sample every feature equals its mean: the biased variance is 0, so out is beta)"
                if n == 1 else "")
        try:
            compare.close(case["out"], expected["out"], f"batchnorm_forward's out in train mode ({label})", atol=1e-8)
            for key in ("running_mean", "running_var"):
                compare.close(case["stats"][key], expected["stats"][key],
                              f"bn_param['{key}'] after one train step ({label}, momentum 0.5)", atol=1e-8)
        except Failed as failure:
            raise Failed(f"{failure}{note}") from None
        for function, key in (("batchnorm_backward", "backward"), ("batchnorm_backward_alt", "backward_alt")):
            grads = compare.sequence(case[key], 3, function)
            for value, wanted, name in zip(grads, expected[key], ("dx", "dgamma", "dbeta")):
                try:
                    compare.close(value, wanted, f"{function}'s {name} ({label})", atol=1e-8)
                except Failed as failure:
                    hint = ("\nWith one sample, dx and dgamma are 0 and dbeta is dout: the normalized input "
                            "is 0 whatever x is." if n == 1 else "")
                    raise Failed(f"{failure}{hint}") from None


CHECKS = [
    Check("batchnorm_backward: one sample and a large batch", "batchnorm_backward", "bn_layers", 2,
          _probe, _judge, hidden=True,
          what="batchnorm_forward (out, running statistics), batchnorm_backward and batchnorm_backward_alt "
               "for N=1 (out = beta, dx = 0) and for N=512 with features of scales 0.01 to 100"),
]
