"""Basic layers: affine, ReLU, the softmax loss, and the affine-ReLU sandwich.

Conventions (the same in every module of the kit):
- every ``*_forward`` returns ``(out, cache)``; the cache holds exactly what the
  matching ``*_backward`` needs;
- every ``*_backward`` takes ``(dout, cache)``, where ``dout`` is the upstream gradient
  (the gradient of the loss with respect to ``out``, same shape as ``out``), and
  returns the gradients with respect to the forward's array inputs, in order;
- float32 in, float32 out: never build float64 arrays from float32 inputs;
- the inputs are never modified (a backward pass must not write into ``dout`` or the
  cache).
"""
import numpy as np

from .validation import (check_affine_inputs, check_array, check_labels,
                         check_nonempty_batch)

# Imported for the answers in the TODO blocks below; this line keeps them in use
# while the blocks are empty.
_ANSWER_IMPORTS = (np,)


def affine_forward(x, w, b):
    """Forward pass for an affine (fully-connected) layer.

    The input x has shape (N, d_1, ..., d_k): a minibatch of N examples, each of shape
    (d_1, ..., d_k). Each example is flattened to a vector of dimension
    D = d_1 * ... * d_k and mapped to a vector of dimension M.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k)
    - w: weights, array of shape (D, M)
    - b: biases, array of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w)
    """
    check_affine_inputs(x, w, b, "affine_forward")
    # TODO: Implement the affine forward pass and store the result in out. Reshape x
    # into rows of dimension D (x.reshape(N, -1)) without changing the caller's x.
    # Set cache = (x, w): that is all the backward pass needs.
    out, cache = None, None
    raise NotImplementedError("affine_forward is not implemented yet (assignment/layers.py)")
    return out, cache


def affine_backward(dout, cache):
    """Backward pass for an affine layer.

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: (x, w) from affine_forward
      - x: input data, of shape (N, d_1, ..., d_k)
      - w: weights, of shape (D, M)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    check_array(dout, "dout", "affine_backward", ndim=2)
    # TODO: Implement the affine backward pass. dx must have the shape of the original
    # x (not the flattened one); db sums the upstream gradient over the batch.
    dx, dw, db = None, None, None
    raise NotImplementedError("affine_backward is not implemented yet (assignment/layers.py)")
    return dx, dw, db


def relu_forward(x):
    """Forward pass for a layer of rectified linear units (ReLUs).

    Inputs:
    - x: array of any shape

    Returns a tuple of:
    - out: output, of the same shape as x
    - cache: x
    """
    check_array(x, "x", "relu_forward")
    # TODO: Implement the ReLU forward pass (one line). Do not modify x: the cache
    # keeps it for the backward pass.
    out = None
    raise NotImplementedError("relu_forward is not implemented yet (assignment/layers.py)")
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass for a layer of rectified linear units (ReLUs).

    Inputs:
    - dout: upstream gradient, of any shape
    - cache: x, the input of relu_forward, of the same shape as dout

    Returns:
    - dx: gradient with respect to x, of the same shape as dout
    """
    check_array(dout, "dout", "relu_backward")
    # TODO: Implement the ReLU backward pass: the gradient flows where x > 0 and is 0
    # elsewhere (we take the derivative at x == 0 to be 0). Build a new array: writing
    # into dout (dx = dout; dx[x <= 0] = 0) would corrupt the caller's gradient.
    dx = None
    raise NotImplementedError("relu_backward is not implemented yet (assignment/layers.py)")
    return dx


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss, averaged over the batch, and its gradient.

    Inputs:
    - x: class scores, of shape (N, C); x[i, j] is the score of class j for example i
    - y: integer labels, of shape (N,); 0 <= y[i] < C is the label of x[i]

    Returns a tuple of:
    - loss: a float, the mean over the N examples of -log(softmax(x[i])[y[i]])
    - dx: gradient of the loss with respect to x, of shape (N, C)
    """
    check_array(x, "x", "softmax_loss", ndim=2)
    check_nonempty_batch(x, "x", "softmax_loss")
    check_labels(y, x.shape[0], x.shape[1], "y", "softmax_loss")
    # TODO: Compute the softmax loss and its gradient. Subtract each row's maximum from
    # the scores before exponentiating (it changes nothing mathematically and avoids
    # overflow for large scores), work with log-probabilities, and average over the
    # batch. Store the loss as a Python float.
    loss, dx = None, None
    raise NotImplementedError("softmax_loss is not implemented yet (assignment/layers.py)")
    return loss, dx


def affine_relu_forward(x, w, b):
    """Forward pass of an affine layer followed by a ReLU.

    Inputs:
    - x: input, of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output of the ReLU, of shape (N, M)
    - cache: (fc_cache, relu_cache), the caches of affine_forward and relu_forward
    """
    check_affine_inputs(x, w, b, "affine_relu_forward")
    # TODO: Chain affine_forward and relu_forward and keep both caches.
    out, cache = None, None
    raise NotImplementedError("affine_relu_forward is not implemented yet (assignment/layers.py)")
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass of the affine-ReLU layer.

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: (fc_cache, relu_cache) from affine_relu_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    check_array(dout, "dout", "affine_relu_backward", ndim=2)
    # TODO: Go back through the ReLU, then through the affine layer.
    dx, dw, db = None, None, None
    raise NotImplementedError("affine_relu_backward is not implemented yet (assignment/layers.py)")
    return dx, dw, db
