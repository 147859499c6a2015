"""Known mistakes of fc_net.py, each a student's version of one method with one bug.

These functions are never called here: each is appended to a copy of the solutions and bound
to ``FullyConnectedNet.__init__`` or ``FullyConnectedNet.loss`` (see
``checks/mistakes/__init__.py``). Names such as ``np``, ``affine_forward`` or
``batchnorm_forward`` refer to the patched module's globals. Argument validation is left out:
the checks never pass bad arguments.
"""
# flake8: noqa: F821  (names resolve in the module the variant is appended to)
import numpy as np  # for the default dtype=np.float32 in the signatures

from . import mistake


# --------------------------------------------------------------------------- __init__
@mistake("FullyConnectedNet.__init__", "the last layer is initialized with another scale ('he' from fan_out)",
         "every layer, the last one included, uses weight_scale; 'he' is sqrt(2 / fan_in) where fan_in = "
         "dims[i - 1] is the number of rows of Wi")
def init_he_from_fan_out(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                         normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
    self.normalization = normalization
    self.use_dropout = dropout_keep_ratio != 1
    self.reg = reg
    self.num_layers = 1 + len(hidden_dims)
    self.dtype = np.dtype(dtype).type
    self.params = {}
    rng = np.random.default_rng(seed)
    dims = [input_dim, *hidden_dims, num_classes]
    for i in range(1, self.num_layers + 1):
        fan_in, fan_out = dims[i - 1], dims[i]
        if weight_scale == "he":
            std = np.sqrt(2.0 / fan_out)
        elif weight_scale == "xavier":
            std = np.sqrt(1.0 / fan_in)
        else:
            std = weight_scale
        self.params[f"W{i}"] = std * rng.standard_normal((fan_in, fan_out))
        self.params[f"b{i}"] = np.zeros(fan_out)
        if normalization is not None and i < self.num_layers:
            self.params[f"gamma{i}"] = np.ones(fan_out)
            self.params[f"beta{i}"] = np.zeros(fan_out)
    self.dropout_param = {}
    if self.use_dropout:
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
        if seed is not None:
            self.dropout_param["seed"] = seed
    self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)] if normalization else []
    for name, value in self.params.items():
        self.params[name] = value.astype(self.dtype)


@mistake("FullyConnectedNet.__init__", "the last layer is left at weight_scale = 1e-2",
         "apply weight_scale ('he', 'xavier' or the number) to every layer, the last one included")
def init_last_layer_fixed_scale(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                                normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
    self.normalization = normalization
    self.use_dropout = dropout_keep_ratio != 1
    self.reg = reg
    self.num_layers = 1 + len(hidden_dims)
    self.dtype = np.dtype(dtype).type
    self.params = {}
    rng = np.random.default_rng(seed)
    dims = [input_dim, *hidden_dims, num_classes]
    for i in range(1, self.num_layers + 1):
        fan_in, fan_out = dims[i - 1], dims[i]
        if i == self.num_layers:
            std = 1e-2
        elif weight_scale == "he":
            std = np.sqrt(2.0 / fan_in)
        elif weight_scale == "xavier":
            std = np.sqrt(1.0 / fan_in)
        else:
            std = weight_scale
        self.params[f"W{i}"] = std * rng.standard_normal((fan_in, fan_out))
        self.params[f"b{i}"] = np.zeros(fan_out)
        if normalization is not None and i < self.num_layers:
            self.params[f"gamma{i}"] = np.ones(fan_out)
            self.params[f"beta{i}"] = np.zeros(fan_out)
    self.dropout_param = {}
    if self.use_dropout:
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
        if seed is not None:
            self.dropout_param["seed"] = seed
    self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)] if normalization else []
    for name, value in self.params.items():
        self.params[name] = value.astype(self.dtype)


@mistake("FullyConnectedNet.__init__", "biases are initialized randomly",
         "biases (and betas) start at zero: np.zeros(fan_out); only the weights are random")
def init_random_biases(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                       normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
    self.normalization = normalization
    self.use_dropout = dropout_keep_ratio != 1
    self.reg = reg
    self.num_layers = 1 + len(hidden_dims)
    self.dtype = np.dtype(dtype).type
    self.params = {}
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
        self.params[f"b{i}"] = std * rng.standard_normal(fan_out)
        if normalization is not None and i < self.num_layers:
            self.params[f"gamma{i}"] = np.ones(fan_out)
            self.params[f"beta{i}"] = np.zeros(fan_out)
    self.dropout_param = {}
    if self.use_dropout:
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
        if seed is not None:
            self.dropout_param["seed"] = seed
    self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)] if normalization else []
    for name, value in self.params.items():
        self.params[name] = value.astype(self.dtype)


@mistake("FullyConnectedNet.__init__", "the last layer gets a gamma and a beta too",
         "only the hidden layers are normalized: create gammai and betai for i < L, not for the last layer")
def init_gamma_on_last_layer(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                             normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
    self.normalization = normalization
    self.use_dropout = dropout_keep_ratio != 1
    self.reg = reg
    self.num_layers = 1 + len(hidden_dims)
    self.dtype = np.dtype(dtype).type
    self.params = {}
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
        if normalization is not None:
            self.params[f"gamma{i}"] = np.ones(fan_out)
            self.params[f"beta{i}"] = np.zeros(fan_out)
    self.dropout_param = {}
    if self.use_dropout:
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
        if seed is not None:
            self.dropout_param["seed"] = seed
    self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)] if normalization else []
    for name, value in self.params.items():
        self.params[name] = value.astype(self.dtype)


# --------------------------------------------------------------------------- loss
@mistake("FullyConnectedNet.loss", "the L2 gradient is forgotten",
         "the L2 term 0.5 * reg * sum(W**2) adds reg * W to the gradient of every weight matrix W")
def loss_no_l2_gradient(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    for bn_param in self.bn_params:
        bn_param["mode"] = mode
    caches = []
    h = X
    for i in range(1, self.num_layers):
        h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
        nc = dc = None
        if self.normalization == "batchnorm":
            h, nc = batchnorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        elif self.normalization == "layernorm":
            h, nc = layernorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        h, rc = relu_forward(h)
        if self.use_dropout:
            h, dc = dropout_forward(h, self.dropout_param)
        caches.append((fc, nc, rc, dc))
    last = self.num_layers
    scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
    if mode == "test":
        return scores
    grads = {}
    loss, dscores = softmax_loss(scores, y)
    for i in range(1, last + 1):
        loss += 0.5 * self.reg * np.sum(self.params[f"W{i}"] ** 2)
    dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
    for i in range(last - 1, 0, -1):
        fc, nc, rc, dc = caches[i - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if self.normalization == "batchnorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dh, nc)
        elif self.normalization == "layernorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dh, nc)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
    return float(loss), grads


@mistake("FullyConnectedNet.loss", "the L2 term lacks the 0.5 (reg * sum(W**2), gradient 2 * reg * W)",
         "the L2 term is 0.5 * reg * sum(W**2), whose gradient is reg * W")
def loss_l2_without_half(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    for bn_param in self.bn_params:
        bn_param["mode"] = mode
    caches = []
    h = X
    for i in range(1, self.num_layers):
        h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
        nc = dc = None
        if self.normalization == "batchnorm":
            h, nc = batchnorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        elif self.normalization == "layernorm":
            h, nc = layernorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        h, rc = relu_forward(h)
        if self.use_dropout:
            h, dc = dropout_forward(h, self.dropout_param)
        caches.append((fc, nc, rc, dc))
    last = self.num_layers
    scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
    if mode == "test":
        return scores
    grads = {}
    loss, dscores = softmax_loss(scores, y)
    for i in range(1, last + 1):
        loss += self.reg * np.sum(self.params[f"W{i}"] ** 2)
    dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
    for i in range(last - 1, 0, -1):
        fc, nc, rc, dc = caches[i - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if self.normalization == "batchnorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dh, nc)
        elif self.normalization == "layernorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dh, nc)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
    for i in range(1, last + 1):
        grads[f"W{i}"] += 2 * self.reg * self.params[f"W{i}"]
    return float(loss), grads


@mistake("FullyConnectedNet.loss", "gammas and betas are regularized like the weights",
         "the L2 term covers the weight matrices W1..WL only, never gammas, betas or biases")
def loss_regularizes_gamma_beta(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    for bn_param in self.bn_params:
        bn_param["mode"] = mode
    caches = []
    h = X
    for i in range(1, self.num_layers):
        h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
        nc = dc = None
        if self.normalization == "batchnorm":
            h, nc = batchnorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        elif self.normalization == "layernorm":
            h, nc = layernorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        h, rc = relu_forward(h)
        if self.use_dropout:
            h, dc = dropout_forward(h, self.dropout_param)
        caches.append((fc, nc, rc, dc))
    last = self.num_layers
    scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
    if mode == "test":
        return scores
    grads = {}
    loss, dscores = softmax_loss(scores, y)
    for name, value in self.params.items():
        if name.startswith(("W", "gamma", "beta")):
            loss += 0.5 * self.reg * np.sum(value ** 2)
    dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
    for i in range(last - 1, 0, -1):
        fc, nc, rc, dc = caches[i - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if self.normalization == "batchnorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dh, nc)
        elif self.normalization == "layernorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dh, nc)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
    for name in grads:
        if name.startswith(("W", "gamma", "beta")):
            grads[name] = grads[name] + self.reg * self.params[name]
    return float(loss), grads


@mistake("FullyConnectedNet.loss", "bn_param[mode] = mode (without quotes) leaves batchnorm in train mode",
         "write bn_param['mode'] = mode: bn_param[mode] adds a key named 'test' or 'train' and never "
         "changes the mode")
def loss_bn_param_mode_key(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    for bn_param in self.bn_params:
        bn_param[mode] = mode
    caches = []
    h = X
    for i in range(1, self.num_layers):
        h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
        nc = dc = None
        if self.normalization == "batchnorm":
            h, nc = batchnorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        elif self.normalization == "layernorm":
            h, nc = layernorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        h, rc = relu_forward(h)
        if self.use_dropout:
            h, dc = dropout_forward(h, self.dropout_param)
        caches.append((fc, nc, rc, dc))
    last = self.num_layers
    scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
    if mode == "test":
        return scores
    grads = {}
    loss, dscores = softmax_loss(scores, y)
    for i in range(1, last + 1):
        loss += 0.5 * self.reg * np.sum(self.params[f"W{i}"] ** 2)
    dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
    for i in range(last - 1, 0, -1):
        fc, nc, rc, dc = caches[i - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if self.normalization == "batchnorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dh, nc)
        elif self.normalization == "layernorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dh, nc)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
        grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
    grads[f"W{last}"] = grads[f"W{last}"] + self.reg * self.params[f"W{last}"]
    return float(loss), grads


@mistake("FullyConnectedNet.loss", "batchnorm and dropout cannot be combined (elif: dropout skipped with normalization)",
         "normalization and dropout are independent: after the ReLU, apply dropout whenever self.use_dropout, "
         "with an if of its own, not an elif after the normalization branch")
def loss_norm_elif_dropout(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    for bn_param in self.bn_params:
        bn_param["mode"] = mode
    caches = []
    h = X
    for i in range(1, self.num_layers):
        nc = dc = None
        if self.normalization == "batchnorm":
            h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            h, nc = batchnorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
            h, rc = relu_forward(h)
        elif self.normalization == "layernorm":
            h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            h, nc = layernorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
            h, rc = relu_forward(h)
        elif self.use_dropout:
            h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            h, rc = relu_forward(h)
            h, dc = dropout_forward(h, self.dropout_param)
        else:
            h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            h, rc = relu_forward(h)
        caches.append((fc, nc, rc, dc))
    last = self.num_layers
    scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
    if mode == "test":
        return scores
    grads = {}
    loss, dscores = softmax_loss(scores, y)
    for i in range(1, last + 1):
        loss += 0.5 * self.reg * np.sum(self.params[f"W{i}"] ** 2)
    dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
    for i in range(last - 1, 0, -1):
        fc, nc, rc, dc = caches[i - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if self.normalization == "batchnorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dh, nc)
        elif self.normalization == "layernorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dh, nc)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
    for i in range(1, last + 1):
        grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
    return float(loss), grads


@mistake("FullyConnectedNet.loss", "dropout is applied after the last affine layer too",
         "dropout follows the ReLU of the hidden layers only; the last layer is affine - softmax")
def loss_dropout_on_scores(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    for bn_param in self.bn_params:
        bn_param["mode"] = mode
    caches = []
    h = X
    for i in range(1, self.num_layers):
        h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
        nc = dc = None
        if self.normalization == "batchnorm":
            h, nc = batchnorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        elif self.normalization == "layernorm":
            h, nc = layernorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        h, rc = relu_forward(h)
        if self.use_dropout:
            h, dc = dropout_forward(h, self.dropout_param)
        caches.append((fc, nc, rc, dc))
    last = self.num_layers
    scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
    score_dropout = None
    if self.use_dropout:
        scores, score_dropout = dropout_forward(scores, self.dropout_param)
    if mode == "test":
        return scores
    grads = {}
    loss, dscores = softmax_loss(scores, y)
    for i in range(1, last + 1):
        loss += 0.5 * self.reg * np.sum(self.params[f"W{i}"] ** 2)
    if score_dropout is not None:
        dscores = dropout_backward(dscores, score_dropout)
    dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
    for i in range(last - 1, 0, -1):
        fc, nc, rc, dc = caches[i - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if self.normalization == "batchnorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dh, nc)
        elif self.normalization == "layernorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dh, nc)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
    for i in range(1, last + 1):
        grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
    return float(loss), grads


@mistake("FullyConnectedNet.loss", "a ReLU is applied to the last layer's scores",
         "the last layer is affine only: the softmax takes the raw scores, which may be negative")
def loss_relu_on_scores(self, X, y=None):
    X = X.astype(self.dtype)
    mode = "test" if y is None else "train"
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    for bn_param in self.bn_params:
        bn_param["mode"] = mode
    caches = []
    h = X
    for i in range(1, self.num_layers):
        h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
        nc = dc = None
        if self.normalization == "batchnorm":
            h, nc = batchnorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        elif self.normalization == "layernorm":
            h, nc = layernorm_forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        h, rc = relu_forward(h)
        if self.use_dropout:
            h, dc = dropout_forward(h, self.dropout_param)
        caches.append((fc, nc, rc, dc))
    last = self.num_layers
    scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
    scores, score_relu = relu_forward(scores)
    if mode == "test":
        return scores
    grads = {}
    loss, dscores = softmax_loss(scores, y)
    for i in range(1, last + 1):
        loss += 0.5 * self.reg * np.sum(self.params[f"W{i}"] ** 2)
    dscores = relu_backward(dscores, score_relu)
    dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
    for i in range(last - 1, 0, -1):
        fc, nc, rc, dc = caches[i - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if self.normalization == "batchnorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dh, nc)
        elif self.normalization == "layernorm":
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dh, nc)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
    for i in range(1, last + 1):
        grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
    return float(loss), grads
