"""Known mistakes of fc_net.py: the reference's own methods, each with one bug.

The network's methods are long and a typical mistake changes a line or two, so each variant
is written as edits of the reference method (``mistake_edit``): the variant is the solution
with one bug, and an edit that no longer matches the reference fails loudly when this module
is imported. The variant is appended to a copy of the solutions and bound to
``FullyConnectedNet.__init__`` or ``FullyConnectedNet.loss`` (see ``checks/mistakes/__init__.py``).
"""
from . import mistake_edit

# --------------------------------------------------------------------------- __init__
mistake_edit(
    "FullyConnectedNet.__init__", "the last layer is initialized with another scale ('he' from fan_out)",
    "every layer, the last one included, uses weight_scale; 'he' is sqrt(2 / fan_in) where fan_in = "
    "dims[i - 1] is the number of rows of Wi",
    id="init_he_from_fan_out",
    edits=[("std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(2.0 / fan_out)")],
)

mistake_edit(
    "FullyConnectedNet.__init__", "the last layer is left at weight_scale = 1e-2",
    "apply weight_scale ('he', 'xavier' or the number) to every layer, the last one included",
    id="init_last_layer_fixed_scale",
    edits=[('        if weight_scale == "he":',
            '        if i == self.num_layers:\n            std = 1e-2\n        elif weight_scale == "he":')],
)

mistake_edit(
    "FullyConnectedNet.__init__", "biases are initialized randomly",
    "biases (and betas) start at zero: np.zeros(fan_out); only the weights are random",
    id="init_random_biases",
    edits=[('self.params[f"b{i}"] = np.zeros(fan_out)', 'self.params[f"b{i}"] = std * rng.standard_normal(fan_out)')],
)

mistake_edit(
    "FullyConnectedNet.__init__", "the last layer gets a gamma and a beta too",
    "only the hidden layers are normalized: create gammai and betai for i < L, not for the last layer",
    id="init_gamma_on_last_layer",
    edits=[("if self.normalization is not None and i < self.num_layers:", "if self.normalization is not None:")],
)

# --------------------------------------------------------------------------- loss
_L2_GRADIENT = '''    if self.reg:
        for i in range(1, self.num_layers + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
'''

mistake_edit(
    "FullyConnectedNet.loss", "the L2 gradient is forgotten",
    "the L2 term 0.5 * reg * sum(W**2) adds reg * W to the gradient of every weight matrix W",
    id="loss_no_l2_gradient",
    edits=[(_L2_GRADIENT, "")],
)

mistake_edit(
    "FullyConnectedNet.loss", "the last layer's weights are not regularized",
    "the L2 term covers every weight matrix W1 ... WL, the last layer's included: "
    "for i in range(1, self.num_layers + 1)",
    id="loss_l2_skips_last_layer",
    edits=[("        for i in range(1, self.num_layers + 1):\n            w = self.params",
            "        for i in range(1, self.num_layers):\n            w = self.params"),
           (_L2_GRADIENT, _L2_GRADIENT.replace("range(1, self.num_layers + 1)", "range(1, self.num_layers)"))],
)

mistake_edit(
    "FullyConnectedNet.loss", "the L2 term lacks the 0.5 (reg * sum(W**2), gradient 2 * reg * W)",
    "the L2 term is 0.5 * reg * sum(W**2), whose gradient is reg * W",
    id="loss_l2_without_half",
    edits=[("reg_loss += 0.5 * self.reg * float(np.sum(w * w))", "reg_loss += self.reg * float(np.sum(w * w))"),
           ('grads[f"W{i}"] + self.reg * self.params[f"W{i}"]', 'grads[f"W{i}"] + 2 * self.reg * self.params[f"W{i}"]')],
)

mistake_edit(
    "FullyConnectedNet.loss", "gammas and betas are regularized like the weights",
    "the L2 term covers the weight matrices W1..WL only, never gammas, betas or biases",
    id="loss_regularizes_gamma_beta",
    edits=[("loss = data_loss + reg_loss",
            "for name, value in self.params.items():\n"
            "        if name.startswith(('gamma', 'beta')):\n"
            "            reg_loss += 0.5 * self.reg * float(np.sum(value * value))\n"
            "    loss = data_loss + reg_loss"),
           (_L2_GRADIENT,
            "    for name in grads:\n"
            "        if name.startswith(('W', 'gamma', 'beta')):\n"
            "            grads[name] = grads[name] + self.reg * self.params[name]\n")],
)

mistake_edit(
    "FullyConnectedNet.loss", "bn_param[mode] = mode (without quotes) leaves batchnorm in train mode",
    "write bn_param['mode'] = mode: bn_param[mode] adds a key named 'test' or 'train' and never "
    "changes the mode",
    id="loss_bn_param_mode_key",
    edits=[('bn_param["mode"] = mode', "bn_param[mode] = mode")],
)

mistake_edit(
    "FullyConnectedNet.loss", "batchnorm and dropout cannot be combined (elif: dropout skipped with normalization)",
    "normalization and dropout are independent: after the ReLU, apply dropout whenever self.use_dropout, "
    "with an if of its own, not an elif after the normalization branch",
    id="loss_norm_elif_dropout",
    edits=[('h, layer_cache["relu"] = relu_forward(h)\n        if self.use_dropout:',
            'h, layer_cache["relu"] = relu_forward(h)\n        if self.use_dropout and self.normalization is None:'),
           ('if self.use_dropout:\n            dh = dropout_backward',
            'if self.use_dropout and self.normalization is None:\n            dh = dropout_backward')],
)

mistake_edit(
    "FullyConnectedNet.loss", "dropout is applied after the last affine layer too",
    "dropout follows the ReLU of the hidden layers only; the last layer is affine - softmax",
    id="loss_dropout_on_scores",
    edits=[("    # END SOLUTION\n\n    # In test mode",
            "    score_dropout = None\n"
            "    if self.use_dropout:\n"
            "        scores, score_dropout = dropout_forward(scores, self.dropout_param)\n"
            "    # END SOLUTION\n\n    # In test mode"),
           ("data_loss, dscores = softmax_loss(scores, y)",
            "data_loss, dscores = softmax_loss(scores, y)\n"
            "    if score_dropout is not None:\n"
            "        dscores = dropout_backward(dscores, score_dropout)")],
)

mistake_edit(
    "FullyConnectedNet.loss", "a ReLU is applied to the last layer's scores",
    "the last layer is affine only: the softmax takes the raw scores, which may be negative",
    id="loss_relu_on_scores",
    edits=[("    # END SOLUTION\n\n    # In test mode",
            "    scores, score_relu = relu_forward(scores)\n    # END SOLUTION\n\n    # In test mode"),
           ("data_loss, dscores = softmax_loss(scores, y)",
            "data_loss, dscores = softmax_loss(scores, y)\n    dscores = relu_backward(dscores, score_relu)")],
)
