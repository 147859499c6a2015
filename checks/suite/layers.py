"""Checks of layers.py: affine, ReLU, softmax loss and the affine-ReLU sandwich.

Inputs are chosen to expose the usual mistakes: a 4-D input to affine (a forgotten reshape,
or dx returned flat), N != D != M (transposes), ReLU inputs away from 0 on both sides,
softmax logits around 1000 (exp overflows without the max shift).
"""
import numpy as np

from .. import compare, patterns
from ..compare import Failed
from ..probing import call, frozen, rng
from . import Check
from .common import backward_judge, backward_probe, forward_judge, forward_probe

N, DIMS, M = 3, (2, 4, 5), 6
D = int(np.prod(DIMS))


def _away_from_zero(generator, shape):
    values = generator.uniform(0.1, 2.0, size=shape)
    return values * generator.choice([-1.0, 1.0], size=shape)


AFFINE = {
    "x": lambda g: g.randn(N, *DIMS),
    "w": lambda g: g.randn(D, M) * 0.3,
    "b": lambda g: g.randn(M),
}
RELU = {"x": lambda g: _away_from_zero(g, (5, 7))}
AFFINE_RELU = {
    "x": lambda g: g.randn(N, *DIMS),
    "w": lambda g: g.randn(D, M) * 0.3,
    "b": lambda g: _away_from_zero(g, (M,)) * 2,
}

# softmax_loss: logits near 1000 overflow a naive exp; labels cover several classes.
SOFTMAX_N, SOFTMAX_C = 8, 5


def _softmax_probe(sub):
    generator = rng(31)
    x = frozen("x", 1000.0 + 3.0 * generator.randn(SOFTMAX_N, SOFTMAX_C))
    y = frozen("y", generator.randint(SOFTMAX_C, size=SOFTMAX_N).astype(np.int64))
    small = frozen("x_small", 0.5 * generator.randn(SOFTMAX_N, SOFTMAX_C))
    return {"ret": call("softmax_loss", sub.layers, x, y), "small": call("softmax_loss", sub.layers, small, y)}


def _softmax_judge(got, want):
    for key, label in (("small", "on small logits"), ("ret", "on logits around 1000")):
        loss, dx = compare.sequence(got[key], 2, "softmax_loss")
        expected_loss, expected_dx = want[key]
        value = compare.scalar(loss, f"softmax_loss's loss {label}")
        if not np.isfinite(value):
            raise Failed(
                f"softmax_loss's loss {label} is {value}: subtract each row's maximum from the "
                "logits before taking exp, so that exp never overflows"
            )
        factors = {f"N = {SOFTMAX_N}, the batch size": SOFTMAX_N}
        if abs(value - expected_loss) > 1e-6 * max(1.0, abs(expected_loss)):
            named = patterns.named_factor(value / expected_loss, factors) if expected_loss else ""
            hint = (f": it is the expected loss {named}, but the loss is the mean over the batch of "
                    "-log(softmax(x[i])[y[i]]), and dx has the same 1 / N" if named else "")
            raise Failed(f"softmax_loss's loss {label} is {value:.8g}, expected {expected_loss:.8g}{hint}")
        compare.close(dx, expected_dx, f"softmax_loss's dx {label}", factors=factors)


def _relu_forward_judge(got, want):
    ret = compare.sequence(got["ret"], 2, "relu_forward")
    compare.close(ret[0], want["ret"][0], "relu_forward's out")


CHECKS = [
    Check("affine_forward", "affine_forward", "layers", 4,
          forward_probe("layers", "affine_forward", 11, AFFINE), forward_judge("affine_forward"),
          what="out for x of shape (3, 2, 4, 5), w (40, 6), b (6,)"),
    Check("affine_backward", "affine_backward", "layers", 5,
          backward_probe("layers", "affine_forward", "affine_backward", 12, AFFINE, (N, M)),
          backward_judge("affine_forward", "affine_backward", ["x", "w", "b"], [(N, *DIMS), (D, M), (M,)]),
          what="dx (shape (3, 2, 4, 5)), dw and db for a Gaussian dout, on your forward's cache"),
    Check("relu_forward", "relu_forward", "layers", 2,
          forward_probe("layers", "relu_forward", 13, RELU), _relu_forward_judge,
          what="out for x of shape (5, 7) with entries of both signs"),
    Check("relu_backward", "relu_backward", "layers", 3,
          backward_probe("layers", "relu_forward", "relu_backward", 14, RELU, (5, 7)),
          backward_judge("relu_forward", "relu_backward", ["x"], [(5, 7)]),
          what="dx for a Gaussian dout, with dout and the cache read-only"),
    Check("softmax_loss", "softmax_loss", "layers", 5, _softmax_probe, _softmax_judge,
          what="loss and dx for 8 samples and 5 classes, on small logits and on logits around 1000"),
    Check("affine_relu_forward", "affine_relu_forward", "layers", 2,
          forward_probe("layers", "affine_relu_forward", 15, AFFINE_RELU), forward_judge("affine_relu_forward"),
          what="out of affine followed by ReLU"),
    Check("affine_relu_backward", "affine_relu_backward", "layers", 3,
          backward_probe("layers", "affine_relu_forward", "affine_relu_backward", 16, AFFINE_RELU, (N, M)),
          backward_judge("affine_relu_forward", "affine_relu_backward", ["x", "w", "b"], [(N, *DIMS), (D, M), (M,)]),
          what="dx, dw, db of affine followed by ReLU, on your forward's cache"),
]
