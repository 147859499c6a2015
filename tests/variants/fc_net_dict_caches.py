"""A network built from the sandwich layers, with its caches in a dict keyed by
(layer, part), weights drawn from np.random.RandomState(seed).normal(0, std, shape) (another
generator and stream than the reference's), the L2 term added while walking the params, and
the regularization gradient added in place."""
# >>> block: fc_net FullyConnectedNet.__init__
generator = np.random.RandomState(seed)
sizes = [input_dim] + list(hidden_dims) + [num_classes]
for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
    if isinstance(weight_scale, str):
        std = np.sqrt((2.0 if weight_scale == "he" else 1.0) / fan_in)
    else:
        std = weight_scale
    self.params["W%d" % layer] = generator.normal(0.0, std, size=(fan_in, fan_out))
    self.params["b%d" % layer] = np.zeros(fan_out)
    if normalization and layer < len(sizes) - 1:
        self.params["gamma%d" % layer] = np.ones(fan_out)
        self.params["beta%d" % layer] = np.zeros(fan_out)
# >>> block: fc_net FullyConnectedNet.loss
caches = {}
out = X
for i in range(1, self.num_layers):
    W, b = self.params["W%d" % i], self.params["b%d" % i]
    if self.normalization == "batchnorm":
        out, caches[i, "block"] = affine_bn_relu_forward(
            out, W, b, self.params["gamma%d" % i], self.params["beta%d" % i], self.bn_params[i - 1])
    elif self.normalization == "layernorm":
        a, fc_cache = affine_forward(out, W, b)
        a, ln_cache = layernorm_forward(a, self.params["gamma%d" % i], self.params["beta%d" % i],
                                        self.bn_params[i - 1])
        out, relu_cache = relu_forward(a)
        caches[i, "block"] = (fc_cache, ln_cache, relu_cache)
    else:
        out, caches[i, "block"] = affine_relu_forward(out, W, b)
    if self.use_dropout:
        out, caches[i, "dropout"] = dropout_forward(out, self.dropout_param)
L = self.num_layers
scores, caches[L, "block"] = affine_forward(out, self.params["W%d" % L], self.params["b%d" % L])
# >>> block: fc_net FullyConnectedNet.loss
loss, dout = softmax_loss(scores, y)
dout, grads["W%d" % L], grads["b%d" % L] = affine_backward(dout, caches[L, "block"])
for i in reversed(range(1, L)):
    if self.use_dropout:
        dout = dropout_backward(dout, caches[i, "dropout"])
    if self.normalization == "batchnorm":
        dout, dW, db, grads["gamma%d" % i], grads["beta%d" % i] = affine_bn_relu_backward(
            dout, caches[i, "block"])
    elif self.normalization == "layernorm":
        fc_cache, ln_cache, relu_cache = caches[i, "block"]
        da = relu_backward(dout, relu_cache)
        da, grads["gamma%d" % i], grads["beta%d" % i] = layernorm_backward(da, ln_cache)
        dout, dW, db = affine_backward(da, fc_cache)
    else:
        dout, dW, db = affine_relu_backward(dout, caches[i, "block"])
    grads["W%d" % i], grads["b%d" % i] = dW, db
for name, value in self.params.items():
    if name.startswith("W"):
        loss += 0.5 * self.reg * np.sum(value ** 2)
        grads[name] += self.reg * value
loss = float(loss)
# >>> append: fc_net
from .bn_layers import affine_bn_relu_backward, affine_bn_relu_forward  # noqa: E402
from .layers import affine_relu_backward, affine_relu_forward  # noqa: E402
