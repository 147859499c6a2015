"""Hidden check: dropout with p = 1 keeps every unit, in train mode too.

With p = 1 (the probability of keeping a unit) train mode is the identity: ``out`` is ``x``
and ``dx`` is ``dout``, for both implementations, with and without a seed. Reading p as the
probability of dropping drops everything; a mask drawn with ``>`` instead of ``<`` or a
scale computed as ``1 / (1 - p)`` breaks here even when p = 0.5-like inputs look right.
"""
import numpy as np

from ... import compare
from ...compare import Failed
from ...probing import call, freeze_tree, frozen, rng
from ...suite import Check

SHAPE = (30, 40)
CASES = (  # label, dropout_param
    ("upscale_in_train, seed 3", {"p": 1.0, "mode": "train", "seed": 3}),
    ("upscale_in_train, no seed", {"p": 1.0, "mode": "train"}),
    ("downgrade_in_infer, seed 4", {"p": 1.0, "mode": "train", "implementation": "downgrade_in_infer", "seed": 4}),
)


def _inputs():
    generator = rng(921)
    return generator.randn(*SHAPE), generator.randn(*SHAPE)


def _probe(sub):
    x_values, dout_values = _inputs()
    x, dout = frozen("x", x_values), frozen("dout", dout_values)
    tree = {}
    for label, param in CASES:
        fwd = call("dropout_forward", sub.dropout_layers, x, dict(param))
        if type(fwd) not in (tuple, list) or len(fwd) != 2:
            tree[label] = {"forward": fwd}
            continue
        tree[label] = {"out": fwd[0],
                       "dx": call("dropout_backward", sub.dropout_layers, dout, freeze_tree("cache", fwd[1]))}
    return tree


def _judge(got, want):
    x, dout = _inputs()
    for label, _ in CASES:
        case = got[label]
        if "out" not in case:
            compare.sequence(case["forward"], 2, "dropout_forward")
        try:
            compare.close(case["out"], x, f"dropout_forward's out in train mode with p=1 ({label})",
                                rtol=1e-12, atol=1e-12)
            compare.close(case["dx"], dout, f"dropout_backward's dx in train mode with p=1 ({label})",
                          rtol=1e-12, atol=1e-12)
        except Failed as failure:
            kept = ""
            if type(case.get("out")) is np.ndarray and case["out"].shape == x.shape:
                kept = f" It kept {np.mean(case['out'] != 0):.0%} of the units."
            raise Failed(f"{failure}\np is the probability of KEEPING a unit: with p=1 dropout keeps every "
                         f"unit and changes nothing, out = x and dx = dout.{kept}") from None


CHECKS = [
    Check("dropout_forward: p=1 keeps everything", "dropout_forward", "dropout_layers", 1,
          _probe, _judge, hidden=True,
          what="train mode with p=1 (both implementations, with and without a seed): out = x exactly, "
               "and dropout_backward's dx = dout"),
]
