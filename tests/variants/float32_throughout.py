"""Every layer and update rule computes in float32: its float inputs (and the arrays in its
config or bn_param) are cast with astype(np.float32) and it returns float32, as a student does
who writes x = x.astype(np.float32) at the top of each function. The network then runs in
float32 too, on float64 parameters. Judged at compare.RTOL32 and, for the net's central
differences, with the step H32 of checks/suite/fc_net.py.

Graded on the public checks only: the hidden checks' batch of 512 and five-layer net amplify
float32 rounding to 2% of some entries, which a float64 check cannot tell from a mistake."""
# >>> append: layers
def _to_float32(value):
    """float arrays (also inside tuples, lists and dicts, which are changed in place) as float32."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, (tuple, list)):
        return type(value)(_to_float32(v) for v in value)
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _to_float32(value[key])
        return value
    return value


def _in_float32(function):
    def run(*args):
        return _to_float32(function(*[_to_float32(a) for a in args]))

    run.__name__ = run.__qualname__ = function.__name__
    return run


affine_forward = _in_float32(affine_forward)
affine_backward = _in_float32(affine_backward)
relu_forward = _in_float32(relu_forward)
relu_backward = _in_float32(relu_backward)
softmax_loss = _in_float32(softmax_loss)
affine_relu_forward = _in_float32(affine_relu_forward)
affine_relu_backward = _in_float32(affine_relu_backward)
# >>> append: dropout_layers
from .layers import _in_float32  # noqa: E402 (the helper is written once, in layers)

dropout_forward = _in_float32(dropout_forward)
dropout_backward = _in_float32(dropout_backward)
affine_relu_dropout_forward = _in_float32(affine_relu_dropout_forward)
affine_relu_dropout_backward = _in_float32(affine_relu_dropout_backward)
# >>> append: bn_layers
from .layers import _in_float32  # noqa: E402 (the helper is written once, in layers)

batchnorm_forward = _in_float32(batchnorm_forward)
batchnorm_backward = _in_float32(batchnorm_backward)
batchnorm_backward_alt = _in_float32(batchnorm_backward_alt)
spatial_batchnorm_forward = _in_float32(spatial_batchnorm_forward)
spatial_batchnorm_backward = _in_float32(spatial_batchnorm_backward)
layernorm_forward = _in_float32(layernorm_forward)
layernorm_backward = _in_float32(layernorm_backward)
affine_bn_relu_forward = _in_float32(affine_bn_relu_forward)
affine_bn_relu_backward = _in_float32(affine_bn_relu_backward)
# >>> append: updater
from .layers import _in_float32  # noqa: E402 (the helper is written once, in layers)

sgd_momentum = _in_float32(sgd_momentum)
rmsprop = _in_float32(rmsprop)
adam = _in_float32(adam)
