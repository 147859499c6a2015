"""A network that records a tape of (backward function, cache, parameter names) during the
forward pass and replays it in reverse, whatever the layers are; batch normalization goes
back through the step-by-step batchnorm_backward. The weights come from one flat
standard-normal draw of np.random.default_rng(seed), cut into (fan_out, fan_in) blocks and
transposed; the loss is left as a numpy float."""
# >>> block: fc_net FullyConnectedNet.__init__
dims = [input_dim, *hidden_dims, num_classes]
shapes = list(zip(dims[:-1], dims[1:]))
flat = np.random.default_rng(seed).standard_normal(sum(a * b for a, b in shapes))
start = 0
for i, (fan_in, fan_out) in enumerate(shapes, start=1):
    block = flat[start:start + fan_in * fan_out].reshape(fan_out, fan_in).T
    start += fan_in * fan_out
    if isinstance(weight_scale, str):
        scale = np.sqrt({"he": 2.0, "xavier": 1.0}[weight_scale] / fan_in)
    else:
        scale = weight_scale
    self.params[f"W{i}"] = scale * block
    self.params[f"b{i}"] = np.zeros(fan_out)
for i, width in enumerate(hidden_dims, start=1):
    if normalization is not None:
        self.params[f"gamma{i}"], self.params[f"beta{i}"] = np.ones(width), np.zeros(width)
# >>> block: fc_net FullyConnectedNet.loss
norm_layers = {"batchnorm": (batchnorm_forward, batchnorm_backward),
               "layernorm": (layernorm_forward, layernorm_backward)}
tape = []
h = X
for i in range(1, self.num_layers + 1):
    h, c = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
    tape.append((affine_backward, c, (f"W{i}", f"b{i}")))
    if i == self.num_layers:
        break
    if self.normalization is not None:
        forward, backward = norm_layers[self.normalization]
        h, c = forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1])
        tape.append((backward, c, (f"gamma{i}", f"beta{i}")))
    h, c = relu_forward(h)
    tape.append((relu_backward, c, ()))
    if self.use_dropout:
        h, c = dropout_forward(h, self.dropout_param)
        tape.append((dropout_backward, c, ()))
scores = h
# >>> block: fc_net FullyConnectedNet.loss
loss, dh = softmax_loss(scores, y)
for backward, c, names in reversed(tape):
    if names:
        dh, *param_grads = backward(dh, c)
        grads.update(zip(names, param_grads))
    else:
        dh = backward(dh, c)
weights = [self.params[f"W{i}"] for i in range(1, self.num_layers + 1)]
loss += 0.5 * self.reg * sum(np.vdot(w, w) for w in weights)
for i, w in enumerate(weights, start=1):
    grads[f"W{i}"] = grads[f"W{i}"] + self.reg * w
# >>> append: fc_net
from .bn_layers import batchnorm_backward  # noqa: E402
