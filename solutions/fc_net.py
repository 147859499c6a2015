"""A fully-connected network of any depth, with optional batch/layer normalization and
dropout."""
import math
import numbers

import numpy as np

from .bn_layers import (batchnorm_backward_alt, batchnorm_forward, layernorm_backward,
                        layernorm_forward)
from .dropout_layers import dropout_backward, dropout_forward
from .layers import (affine_backward, affine_forward, relu_backward, relu_forward,
                     softmax_loss)
from .validation import (check_array, check_choice, check_int, check_keep_prob,
                         check_labels, check_number)

NORMALIZATIONS = (None, "batchnorm", "layernorm")
WEIGHT_SCALES = ("he", "xavier")


class FullyConnectedNet:
    """A fully-connected neural network with any number of hidden layers, ReLU
    nonlinearities and a softmax loss. For a network with L layers the architecture is

        {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where normalization and dropout are optional and can be used together; the {...}
    block is repeated L - 1 times.

    Learnable parameters are stored in the self.params dictionary and learned with the
    Trainer class:
    - 'W1', 'b1', ..., 'WL', 'bL': the weights, of shape (fan_in, fan_out), and biases,
      of shape (fan_out,), of the L affine layers;
    - 'gamma1', 'beta1', ..., 'gamma{L-1}', 'beta{L-1}': the scales and shifts, of shape
      (hidden_dims[i],), of the normalization layers (only with normalization).

    Other attributes:
    - self.bn_params: a list of L - 1 dicts, the bn_param (or ln_param) of each hidden
      layer's normalization ([] without normalization); they hold the mode and the
      running statistics of batch normalization.
    - self.dropout_param: the dropout_param shared by every dropout layer ({} without
      dropout): {'mode': 'train' or 'test', 'p': dropout_keep_ratio} and 'seed' when a
      seed is given.
    - self.num_layers (L), self.normalization, self.use_dropout, self.reg, self.dtype.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0, weight_scale=1e-2,
                 dtype=np.float32, seed=None):
        """Initialize a new FullyConnectedNet.

        Inputs:
        - hidden_dims: a list of integers, the size of each hidden layer (may be empty:
          then the network is a linear softmax classifier)
        - input_dim: an integer, the size of the input (D = d_1 * ... * d_k)
        - num_classes: an integer, the number of classes C
        - dropout_keep_ratio: the probability of KEEPING a unit in the dropout layers, in
          (0, 1]; 1 means no dropout at all
        - normalization: None (none), 'batchnorm' or 'layernorm'
        - reg: the L2 regularization strength, a number >= 0
        - weight_scale: the standard deviation of the normally distributed weights: a
          positive number, 'he' (sqrt(2 / fan_in)) or 'xavier' (sqrt(1 / fan_in)); it
          applies to every layer, the last one included
        - dtype: the numpy float dtype of the parameters and of every computation
          (float32 to train fast, float64 to check gradients numerically)
        - seed: None or an integer. With a seed the weights are drawn from
          np.random.default_rng(seed) (the same seed gives the same network) and the
          dropout layers use that seed too, so that the network is deterministic while
          its gradients are checked. numpy's global generator is never used.
        """
        func = "FullyConnectedNet"
        if isinstance(hidden_dims, (str, bytes)) or not hasattr(hidden_dims, "__iter__"):
            raise TypeError(
                f"{func}: hidden_dims must be a list of integers; got {hidden_dims!r}")
        hidden_dims = [check_int(h, f"hidden_dims[{i}]", func, minimum=1)
                       for i, h in enumerate(hidden_dims)]
        input_dim = check_int(input_dim, "input_dim", func, minimum=1)
        num_classes = check_int(num_classes, "num_classes", func, minimum=1)
        dropout_keep_ratio = check_keep_prob(dropout_keep_ratio, "dropout_keep_ratio", func)
        check_choice(normalization, "normalization", NORMALIZATIONS, func)
        self.reg = check_number(reg, "reg", func, low=0.0)
        if isinstance(weight_scale, str):
            check_choice(weight_scale, "weight_scale", WEIGHT_SCALES, func)
        elif isinstance(weight_scale, numbers.Real) and not isinstance(weight_scale, bool):
            weight_scale = check_number(weight_scale, "weight_scale", func, low=0.0,
                                        low_open=True, what="the standard deviation of W")
        else:
            raise TypeError(
                f"{func}: weight_scale must be a positive number, 'he' or 'xavier'; "
                f"got {weight_scale!r}")
        try:
            float_dtype = np.dtype(dtype)
        except TypeError:
            float_dtype = None
        if float_dtype is None or not np.issubdtype(float_dtype, np.floating):
            raise TypeError(
                f"{func}: dtype must be a numpy float dtype such as np.float32 or "
                f"np.float64; got {dtype!r}")
        if seed is not None:
            seed = check_int(seed, "seed", func, minimum=0)

        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = float_dtype.type
        self.params = {}

        # TODO: Initialize the parameters of the network in self.params.
        # Draw every weight from your own generator, rng = np.random.default_rng(seed)
        # (seed may be None: fresh entropy; never numpy's global generator).
        # The dimensions of the layers are [input_dim, *hidden_dims, num_classes]; layer
        # i (from 1 to L) maps fan_in = dims[i - 1] to fan_out = dims[i].
        # - Wi: rng.standard_normal((fan_in, fan_out)) times the standard deviation given
        #   by weight_scale (a number, or 'he': sqrt(2 / fan_in), or 'xavier':
        #   sqrt(1 / fan_in)); draw W1, W2, ..., WL in this order from rng.
        # - bi: zeros of shape (fan_out,).
        # - with normalization, for each hidden layer i (not the last layer):
        #   gammai ones and betai zeros, of shape (fan_out,).
        # The code after this block casts every parameter to dtype.
        # BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = dims[i - 1], dims[i]
            if weight_scale == "he":
                std = np.sqrt(2.0 / fan_in)
            elif weight_scale == "xavier":
                std = np.sqrt(1.0 / fan_in)
            else:
                std = weight_scale
            self.params[f"W{i}"] = std * rng.standard_normal((fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)
            if self.normalization is not None and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
        # END SOLUTION

        # With dropout, every dropout layer shares one dropout_param dict. The seed makes
        # the masks reproducible (the Trainer advances it at every iteration).
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # One parameter dict per normalization layer: batch normalization keeps its
        # running statistics in it; layer normalization ignores the mode.
        self.bn_params = []
        if self.normalization is not None:
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

        # Cast every parameter to the requested dtype.
        for name, value in self.params.items():
            self.params[name] = value.astype(self.dtype)

    def loss(self, X, y=None):
        """Compute the class scores, or the loss and its gradients, for a minibatch.

        Inputs:
        - X: input data, of shape (N, d_1, ..., d_k) with d_1 * ... * d_k == input_dim;
          cast to self.dtype
        - y: integer labels, of shape (N,), with 0 <= y[i] < C; or None

        Returns:
        If y is None, runs a test-mode forward pass (dropout off, batch normalization
        with its running statistics, which stay unchanged) and returns:
        - scores: array of shape (N, C), the class scores
        If y is given, runs a train-mode forward and backward pass and returns a tuple:
        - loss: a float, the softmax loss plus 0.5 * reg * (sum of the squares of the
          weight matrices W1..WL; never biases, gammas or betas)
        - grads: a dict with the keys of self.params, each the gradient of the loss
          with respect to that parameter (same shape and dtype)
        """
        func = "FullyConnectedNet.loss"
        check_array(X, "X", func, min_ndim=2, floating=False)
        if X.dtype.kind not in "fiu":  # floats, signed or unsigned integers
            raise TypeError(f"{func}: X must hold numbers; got dtype {X.dtype}")
        input_dim = self.params["W1"].shape[0] if "W1" in self.params else None
        if input_dim is not None and math.prod(X.shape[1:]) != input_dim:
            raise ValueError(
                f"{func}: X of shape {X.shape} has {math.prod(X.shape[1:])} features "
                f"per sample; the network expects input_dim = {input_dim}")
        if y is not None:
            num_classes = self.params[f"b{self.num_layers}"].shape[0] \
                if f"b{self.num_layers}" in self.params else None
            if num_classes is not None:
                check_labels(y, X.shape[0], num_classes, "y", func)
        X = X.astype(self.dtype, copy=False)  # no copy when X already has the dtype
        mode = "test" if y is None else "train"

        # Set the train/test mode of the dropout and normalization layers: they behave
        # differently during training and testing.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        scores = None
        # TODO: Implement the forward pass of the network, computing the class scores
        # of X into scores. Hidden layer i (1 <= i <= L - 1) is affine_forward with Wi,
        # bi; then, with normalization 'batchnorm', batchnorm_forward with gammai,
        # betai and self.bn_params[i - 1] ('layernorm': layernorm_forward, same
        # arguments); then relu_forward; then, when self.use_dropout, dropout_forward
        # with self.dropout_param. The last layer is affine_forward with WL, bL (no
        # ReLU). Keep every cache for the backward pass.
        # BEGIN SOLUTION
        caches = []
        h = X
        for i in range(1, self.num_layers):
            layer_cache = {}
            h, layer_cache["affine"] = affine_forward(
                h, self.params[f"W{i}"], self.params[f"b{i}"])
            if self.normalization == "batchnorm":
                h, layer_cache["norm"] = batchnorm_forward(
                    h, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                    self.bn_params[i - 1])
            if self.normalization == "layernorm":
                h, layer_cache["norm"] = layernorm_forward(
                    h, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                    self.bn_params[i - 1])
            h, layer_cache["relu"] = relu_forward(h)
            if self.use_dropout:
                h, layer_cache["dropout"] = dropout_forward(h, self.dropout_param)
            caches.append(layer_cache)
        last = self.num_layers
        scores, last_cache = affine_forward(h, self.params[f"W{last}"],
                                            self.params[f"b{last}"])
        # END SOLUTION

        # In test mode, return the scores.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass: compute the loss with softmax_loss and
        # store it in loss, and the gradient of every parameter in grads (grads["W1"]
        # for self.params["W1"], and so on). Go through the layers in reverse order;
        # the backward of batch normalization is batchnorm_backward (or _alt), of layer
        # normalization layernorm_backward. Add the L2 regularization
        # 0.5 * self.reg * np.sum(W * W) of every weight matrix W to the loss and its
        # gradient self.reg * W to grads for W; biases, gammas and betas are not
        # regularized. The loss must be a Python float.
        # BEGIN SOLUTION
        data_loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.0
        if self.reg:  # (without regularization there is nothing to add)
            for i in range(1, self.num_layers + 1):
                w = self.params[f"W{i}"]
                reg_loss += 0.5 * self.reg * float(np.sum(w * w))
        loss = data_loss + reg_loss

        dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
        for i in range(self.num_layers - 1, 0, -1):
            layer_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, layer_cache["dropout"])
            dh = relu_backward(dh, layer_cache["relu"])
            if self.normalization == "batchnorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(
                    dh, layer_cache["norm"])
            if self.normalization == "layernorm":
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(
                    dh, layer_cache["norm"])
            if i > 1:
                dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(
                    dh, layer_cache["affine"])
            else:
                # The first layer's input is the data X, whose gradient is never used:
                # compute dW1 and db1 alone (affine_backward's formulas without dx, the
                # largest product of the backward pass).
                grads["W1"] = X.reshape(X.shape[0], -1).T @ dh
                grads["b1"] = dh.sum(axis=0)
        if self.reg:
            for i in range(1, self.num_layers + 1):
                grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
        # END SOLUTION
        return loss, grads
