"""A network whose forward pass is a recursive function: layer i computes its output,
recurses into layers i+1..L and returns the scores with a closure that takes dscores back
through layer i. Unnormalized layers with dropout use the affine_relu_dropout sandwich; the
weights are drawn from np.random.default_rng(seed) as rng.normal(0, std, shape), last layer first; the L2
term uses np.linalg.norm."""
# >>> block: fc_net FullyConnectedNet.__init__
rng = np.random.default_rng(seed)
dims = [input_dim] + list(hidden_dims) + [num_classes]
for i in reversed(range(1, len(dims))):
    fan_in = dims[i - 1]
    std = {"he": (2.0 / fan_in) ** 0.5, "xavier": (1.0 / fan_in) ** 0.5}[weight_scale] \
        if weight_scale in ("he", "xavier") else weight_scale
    self.params["W" + str(i)] = rng.normal(0.0, std, size=(fan_in, dims[i]))
    self.params["b" + str(i)] = np.zeros(dims[i])
    if normalization is not None and i < len(dims) - 1:
        self.params["gamma" + str(i)] = np.ones(dims[i])
        self.params["beta" + str(i)] = np.zeros(dims[i])
# >>> block: fc_net FullyConnectedNet.loss
def run(i, h):
    """(scores, back) for layers i..L, where back(dscores) returns dh and fills grads."""
    W, b = self.params["W%d" % i], self.params["b%d" % i]
    if i == self.num_layers:
        scores, fc_cache = affine_forward(h, W, b)

        def back_last(dscores):
            dh, grads["W%d" % i], grads["b%d" % i] = affine_backward(dscores, fc_cache)
            return dh

        return scores, back_last
    if self.normalization is None and self.use_dropout:
        h_next, sandwich_cache = affine_relu_dropout_forward(h, W, b, self.dropout_param)
        scores, back_rest = run(i + 1, h_next)

        def back_sandwich(dscores):
            dh, grads["W%d" % i], grads["b%d" % i] = affine_relu_dropout_backward(
                back_rest(dscores), sandwich_cache)
            return dh

        return scores, back_sandwich
    a, fc_cache = affine_forward(h, W, b)
    if self.normalization is not None:
        norm_forward = batchnorm_forward if self.normalization == "batchnorm" else layernorm_forward
        a, norm_cache = norm_forward(a, self.params["gamma%d" % i], self.params["beta%d" % i],
                                     self.bn_params[i - 1])
    a, relu_cache = relu_forward(a)
    if self.use_dropout:
        a, dropout_cache = dropout_forward(a, self.dropout_param)
    scores, back_rest = run(i + 1, a)

    def back(dscores):
        da = back_rest(dscores)
        if self.use_dropout:
            da = dropout_backward(da, dropout_cache)
        da = relu_backward(da, relu_cache)
        if self.normalization == "batchnorm":
            da, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward_alt(da, norm_cache)
        elif self.normalization == "layernorm":
            da, grads["gamma%d" % i], grads["beta%d" % i] = layernorm_backward(da, norm_cache)
        dh, grads["W%d" % i], grads["b%d" % i] = affine_backward(da, fc_cache)
        return dh

    return scores, back


scores, back = run(1, X)
# >>> block: fc_net FullyConnectedNet.loss
data_loss, dscores = softmax_loss(scores, y)
back(dscores)
weights = {name: value for name, value in self.params.items() if name[0] == "W"}
loss = data_loss + 0.5 * self.reg * sum(np.linalg.norm(w) ** 2 for w in weights.values())
for name, w in weights.items():
    grads[name] = grads[name] + self.reg * w
# >>> append: fc_net
from .dropout_layers import affine_relu_dropout_backward, affine_relu_dropout_forward  # noqa: E402
