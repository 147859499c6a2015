"""The composites wired from the submission's own parts: one charge for one bug.

A composite (``affine_relu_forward``, spatial batchnorm, ``affine_bn_relu_*``) that calls a
wrong part gives wrong values, although the composite itself is right. For each composite
check, ``PARTS[check name](sub)`` lists ways to wire it from the submission's own parts, as the
assignment wires them: each a dict function name -> function that replaces the composite (and
its backward, so that the cache fits) in its module. The grader runs the check's probe again
on each wiring; when the composite matches one, and that wiring itself differs from the
reference, the composite passes and the part is charged once, in its own check.

These wirings are the composites' answers, so they live here, in the instructor's folder,
which the student release leaves out. The student's copy judges composites against the
reference alone (and its feedback names the failing part to fix first); the instructor's
grade and the Gradescope autograder also judge them against the student's own parts.
"""
import numpy as np


def affine_relu(sub):
    """affine_relu_forward and _backward from the submission's affine and ReLU layers."""
    layers = sub.layers

    def forward(x, w, b):
        a, fc_cache = layers.affine_forward(x, w, b)
        out, relu_cache = layers.relu_forward(a)
        return out, (fc_cache, relu_cache)

    def backward(dout, cache):
        fc_cache, relu_cache = cache
        return layers.affine_backward(layers.relu_backward(dout, relu_cache), fc_cache)

    return [{"affine_relu_forward": forward, "affine_relu_backward": backward}]


def spatial(sub):
    """Spatial batchnorm from the submission's batchnorm_forward and either backward."""
    bn = sub.bn_layers

    def forward(x, gamma, beta, bn_param):
        n, c, h, w = x.shape
        out, cache = bn.batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, bn_param)
        return np.asarray(out).reshape(n, h, w, c).transpose(0, 3, 1, 2), cache

    def backward_with(name):
        def backward(dout, cache):
            n, c, h, w = dout.shape
            dx, dgamma, dbeta = getattr(bn, name)(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
            return np.asarray(dx).reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta
        return backward

    return [{"spatial_batchnorm_forward": forward, "spatial_batchnorm_backward": backward_with(name)}
            for name in ("batchnorm_backward", "batchnorm_backward_alt")]


def affine_bn_relu(sub):
    """affine_bn_relu from the submission's affine, batchnorm (either backward) and ReLU."""
    layers, bn = sub.layers, sub.bn_layers

    def forward(x, w, b, gamma, beta, bn_param):
        a, fc_cache = layers.affine_forward(x, w, b)
        a_norm, bn_cache = bn.batchnorm_forward(a, gamma, beta, bn_param)
        out, relu_cache = layers.relu_forward(a_norm)
        return out, (fc_cache, bn_cache, relu_cache)

    def backward_with(name):
        def backward(dout, cache):
            fc_cache, bn_cache, relu_cache = cache
            da, dgamma, dbeta = getattr(bn, name)(layers.relu_backward(dout, relu_cache), bn_cache)
            dx, dw, db = layers.affine_backward(da, fc_cache)
            return dx, dw, db, dgamma, dbeta
        return backward

    return [{"affine_bn_relu_forward": forward, "affine_bn_relu_backward": backward_with(name)}
            for name in ("batchnorm_backward", "batchnorm_backward_alt")]


# check name -> its wirings (the checks of a composite and of its backward share one)
PARTS = {
    "affine_relu_forward": affine_relu,
    "affine_relu_backward": affine_relu,
    "spatial_batchnorm_forward": spatial,
    "spatial_batchnorm_backward": spatial,
    "affine_bn_relu_forward": affine_bn_relu,
    "affine_bn_relu_backward": affine_bn_relu,
}
