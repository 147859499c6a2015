"""Known mistakes of dropout_layers.py, each the reference or a student's version of one function with one bug.

These functions are never called here: each is appended to a copy of the solutions and
bound to its target's name (see ``checks/mistakes/__init__.py``): only the function's source
is appended, so its names (``np``, the other layers) resolve to the patched module's globals.
The imports below name the same objects, so that this file reads (and lints) as Python.
"""
import numpy as np

from solutions.dropout_layers import dropout_forward
from solutions.layers import affine_backward, affine_forward, relu_backward, relu_forward

from . import mistake, mistake_edit


# dropout_forward's mistakes are edits of the reference (``mistake_edit``): its validation and
# cache stay as the student received them, and each edit is the one line or two a student gets wrong.
_DRAW = "        rng = np.random.default_rng(seed)\n        mask = (rng.random(x.shape) < p)"
_RESCALE = '        if implementation == "upscale_in_train":\n            mask /= p\n'
_TEST_RULE = 'out = x.copy() if implementation == "upscale_in_train" else x * p'

mistake_edit(
    "dropout_forward", "no 1/p rescale in train mode: the kept units are not divided by p",
    "inverted dropout ('upscale_in_train') multiplies by mask / p, so that the expected output equals x",
    id="dropout_forward_no_rescale",
    edits=[(_RESCALE, "")],
)

mistake_edit(
    "dropout_forward", "p is read as the drop probability",
    "p is the probability of KEEPING a unit: keep = rng.random(x.shape) < p, then divide by p",
    id="dropout_forward_p_drops",
    edits=[(_DRAW, _DRAW.replace("< p)", ">= p)")), (_RESCALE, _RESCALE.replace("/= p", "/= 1 - p")),
           (_TEST_RULE, _TEST_RULE.replace("x * p", "x * (1 - p)"))],
)

mistake_edit(
    "dropout_forward", "test mode scales x by p with inverted dropout",
    "with 'upscale_in_train' the scaling happens in train mode only: test mode returns x unchanged "
    "(x * p is the rule of 'downgrade_in_infer')",
    id="dropout_forward_test_scaled",
    edits=[(_TEST_RULE, "out = x * p")],
)

mistake_edit(
    "dropout_forward", "the seed resets numpy's global random generator",
    "np.random.seed(seed) changes the random numbers of the whole program: draw the mask from "
    "your own generator, rng = np.random.default_rng(seed), then rng.random(x.shape) < p",
    id="dropout_forward_global_seed",
    edits=[(_DRAW, "        if seed is not None:\n            np.random.seed(seed)\n"
                   "        mask = (np.random.rand(*x.shape) < p)")],
)

mistake_edit(
    "dropout_forward", "one mask per feature, shared by every row (a mask of shape (D,))",
    "draw one random number per entry: rng.random(x.shape) < p; a mask of shape x.shape[1:] "
    "drops the same features for every example",
    id="dropout_forward_mask_per_feature",
    edits=[(_DRAW, _DRAW.replace("rng.random(x.shape)", "rng.random(x.shape[1:])"))],
)

mistake_edit(
    "dropout_forward", "without a seed every call draws the same mask (a fixed seed stands in for None)",
    "with no seed each call must draw a fresh mask: np.random.default_rng(None) takes fresh entropy; "
    "a fixed fallback such as default_rng(seed or 0) repeats one mask for the whole training",
    id="dropout_forward_same_mask_each_call",
    edits=[(_DRAW, _DRAW.replace("default_rng(seed)", "default_rng(0 if seed is None else seed)"))],
)

mistake_edit(
    "dropout_forward", "seed 0 is treated as no seed (if dropout_param.get('seed'):)",
    "0 is a valid seed: test `dropout_param.get('seed') is not None`, then draw the mask from "
    "np.random.default_rng(seed)",
    id="dropout_forward_seed_zero_ignored",
    edits=[(_DRAW, _DRAW.replace("default_rng(seed)", "default_rng(seed if seed else None)"))],
)


@mistake("dropout_backward", "the gradient ignores the mask (dx = dout)",
         "dropout multiplies x by the mask, so its gradient multiplies dout by the same mask: "
         "dx = dout * mask, with the mask from the cache")
def dropout_backward_ignores_mask(dout, cache):
    mask, mode, p, implementation = cache
    if mode == "test" and implementation == "downgrade_in_infer":
        return dout * p
    return dout.copy()


@mistake("dropout_backward", "the gradient is masked but not divided by p",
         "the forward divided the kept units by p, so the gradient is divided by p too")
def dropout_backward_no_rescale(dout, cache):
    mask, mode, p, implementation = cache
    if mode == "train":
        return dout * (mask != 0)
    if implementation == "upscale_in_train":
        return dout.copy()
    return dout * p


@mistake("dropout_backward", "the backward pass draws a new mask",
         "use the mask the forward pass stored in the cache: a new draw drops other units than the forward did")
def dropout_backward_new_mask(dout, cache):
    mask, mode, p, implementation = cache
    if mode == "train":
        keep = np.random.default_rng().random(dout.shape) < p
        return dout * keep / (p if implementation == "upscale_in_train" else 1.0)
    if implementation == "upscale_in_train":
        return dout.copy()
    return dout * p


@mistake("affine_relu_dropout_forward", "the dropout layer is left out",
         "after the ReLU, apply dropout: out, dropout_cache = dropout_forward(h, dropout_param)")
def affine_relu_dropout_forward_no_dropout(x, w, b, dropout_param):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    _, dropout_cache = dropout_forward(out, {"p": 1.0, "mode": "train"})
    return out, (fc_cache, relu_cache, dropout_cache)


@mistake("affine_relu_dropout_backward", "the backward pass skips dropout",
         "go back through the layers in reverse order, dropout first: "
         "dh = dropout_backward(dout, dropout_cache), then relu_backward and affine_backward")
def affine_relu_dropout_backward_skips_dropout(dout, cache):
    fc_cache, relu_cache, dropout_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)
