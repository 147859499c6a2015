"""Dropout, and the affine-ReLU-dropout sandwich.

``p`` is the probability of KEEPING a unit (as in the cs231n assignment since 2019), not
the probability of dropping it.
"""
import numpy as np

from .layers import affine_backward, affine_forward, relu_backward, relu_forward
from .validation import (check_affine_inputs, check_array, check_choice, check_int,
                         check_keep_prob, check_mode, check_param_dict)

# Imported for the answers in the TODO blocks below; this line keeps them in use
# while the blocks are empty.
_ANSWER_IMPORTS = (np, affine_backward, affine_forward, relu_backward, relu_forward)

IMPLEMENTATIONS = ("upscale_in_train", "downgrade_in_infer")


def _check_dropout_param(dropout_param, func):
    """Validate a dropout_param dict; return (mode, p, implementation, seed)."""
    check_param_dict(dropout_param, "dropout_param", func)
    mode = check_mode(dropout_param, "dropout_param", func)
    if "p" not in dropout_param:
        raise ValueError(
            f"{func}: dropout_param['p'] is missing: set it to the probability of KEEPING "
            "a unit, a number in (0, 1]")
    p = check_keep_prob(dropout_param["p"], "dropout_param['p']", func)
    implementation = check_choice(
        dropout_param.get("implementation", "upscale_in_train"),
        "dropout_param['implementation']", IMPLEMENTATIONS, func)
    seed = dropout_param.get("seed")
    if seed is not None:
        seed = check_int(seed, "dropout_param['seed']", func, minimum=0)
    return mode, p, implementation, seed


def dropout_forward(x, dropout_param):
    """Forward pass for (inverted) dropout.

    In train mode each unit is kept with probability p and zeroed otherwise, independently
    of the others. Two implementations scale the output so that its expectation in train
    mode equals the output in test mode:
    - 'upscale_in_train' (the default, "inverted dropout"): train output x * mask / p,
      test output x (nothing to do at test time);
    - 'downgrade_in_infer': train output x * mask, test output x * p.

    Inputs:
    - x: input data, an array of any shape
    - dropout_param: a dict with the keys:
      - p: the probability of KEEPING each unit, in (0, 1]; p == 1 keeps everything
      - mode: 'train' or 'test'
      - implementation: 'upscale_in_train' (default) or 'downgrade_in_infer'
      - seed: optional. With a seed the mask is drawn from np.random.default_rng(seed),
        so the same seed gives the same mask (used for gradient checking). Without a
        seed it is drawn from a fresh np.random.default_rng() (new entropy every call).
        numpy's global generator (np.random.seed, np.random.rand) is never used.

    Returns a tuple of:
    - out: array of the same shape as x
    - cache: (mask, mode, p, implementation). In train mode mask is the array that
      multiplied x, of x's shape and dtype: (keep / p) for 'upscale_in_train', keep for
      'downgrade_in_infer', where keep is 1 for kept units and 0 for dropped ones. In
      test mode mask is None.
    """
    check_array(x, "x", "dropout_forward")
    mode, p, implementation, seed = _check_dropout_param(dropout_param, "dropout_forward")
    # TODO: Implement dropout. In train mode draw the units to keep with
    #     rng = np.random.default_rng(seed)
    #     keep = rng.random(x.shape) < p
    # (seed may be None: default_rng(None) draws fresh entropy), build mask with x's
    # dtype as described above and multiply. In test mode set mask = None and apply the
    # test-time rule of the implementation. Never call np.random.seed: it would reset
    # numpy's global generator for the whole program.
    _ = seed  # given above for your code
    mask, out = None, None
    raise NotImplementedError("dropout_forward is not implemented yet (assignment/dropout_layers.py)")
    cache = (mask, mode, p, implementation)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass for dropout.

    Inputs:
    - dout: upstream gradient, of any shape
    - cache: (mask, mode, p, implementation) from dropout_forward

    Returns:
    - dx: gradient with respect to x, of the same shape as dout
    """
    check_array(dout, "dout", "dropout_backward")
    # TODO: Implement the backward pass. The forward is a multiplication: by mask in
    # train mode, by 1 or p in test mode (depending on the implementation).
    dx = None
    raise NotImplementedError("dropout_backward is not implemented yet (assignment/dropout_layers.py)")
    return dx


def affine_relu_dropout_forward(x, w, b, dropout_param):
    """Forward pass of an affine layer, a ReLU, then dropout.

    Inputs:
    - x: input, of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)
    - dropout_param: the dict of dropout_forward

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (fc_cache, relu_cache, dropout_cache), the caches of affine_forward,
      relu_forward and dropout_forward
    """
    check_affine_inputs(x, w, b, "affine_relu_dropout_forward")
    _check_dropout_param(dropout_param, "affine_relu_dropout_forward")
    # TODO: Chain affine_forward, relu_forward and dropout_forward; keep the three caches.
    out, cache = None, None
    raise NotImplementedError("affine_relu_dropout_forward is not implemented yet (assignment/dropout_layers.py)")
    return out, cache


def affine_relu_dropout_backward(dout, cache):
    """Backward pass of the affine-ReLU-dropout layer.

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: (fc_cache, relu_cache, dropout_cache) from affine_relu_dropout_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    check_array(dout, "dout", "affine_relu_dropout_backward", ndim=2)
    # TODO: Go back through dropout, the ReLU and the affine layer, in that order.
    dx, dw, db = None, None, None
    raise NotImplementedError("affine_relu_dropout_backward is not implemented yet (assignment/dropout_layers.py)")
    return dx, dw, db
