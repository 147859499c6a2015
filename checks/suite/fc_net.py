"""Checks of fc_net.py: FullyConnectedNet's initialization and its loss.

The loss checks build nets with ``FullyConnectedNet(...)`` and then overwrite every
parameter with fixed arrays drawn from a seed (gammas away from 1, betas and biases away from
0, so that a forgotten shift or scale shows), so they judge the loss whatever the student's
initialization drew. When ``__init__`` is still a stub, the net is assembled without it (the
attributes its given code sets), so that the loss earns its points on its own.

Dropout masks are the one thing a correct submission may draw differently from the reference
(another generator, another way of thresholding). Nets with dropout are therefore judged by
properties that hold for any masks: the gradients match central differences of the student's
own loss (the dropout seed fixes the masks from call to call), the L2 term and its gradient
are exactly what ``reg`` adds to the same net with ``reg=0``, the loss differs from the same
net without dropout, and the gradient of the last bias sums to zero over the classes (it does
for a softmax on scores that no dropout touched). Nets without dropout are compared with the
reference entry by entry. Inputs keep every ReLU input far from its kink.

The helpers without a leading underscore (``build_net``, ``param_shapes``, ``numeric_grads``,
``loss_and_grads``, ...) are this module's interface to the hidden checks of deeper nets
(``checks/instructor/hidden/fc_net.py``), which reuse them.
"""
import math
import os
import traceback

import numpy as np

from .. import compare
from ..compare import Failed
from ..probing import choose, frozen, rng, writable
from . import Check

INIT = "FullyConnectedNet.__init__"
LOSS = "FullyConnectedNet.loss"
H = 1e-6  # step of the central differences (along unit directions)
# A net that computes in float32 (its gradients come back float32) has a loss good to about
# 1e-7: central differences then take a step of H32 and agree to CONSISTENCY32 (relative),
# where a float64 net agrees to 1e-4. The step sits between truncation and rounding: with
# 1e-2 a layernorm net with dropout is off by 1.4%, with 1e-3 the vanishing gradient of a bias
# before batchnorm drowns in rounding (tests/variants/float32_throughout.py passes at 3e-3).
# Dropout's and the L2 term's mistakes move these directional derivatives by 10% or more.
H32 = 3e-3
CONSISTENCY32 = 3e-3
# A float32 loss is good to a few units in the last place: each of the two losses of a central
# difference is off by up to ROUNDING32 * |loss|, so a derivative that should vanish (the bias
# before batchnorm) can read ROUNDING32 * |loss| / H32 (8e-4 for a loss of 2.5). Found on the
# instructor's inputs: with the public ones the bias happened to read 1e-5 at most.
ROUNDING32 = 8 * float(np.finfo(np.float32).eps)
_DIRECTION_SEED = 4242


# --------------------------------------------------------------------------- building nets
class _InitFailed(Exception):
    """FullyConnectedNet(...) raised while a loss check built its net."""


def _net_class(sub):
    cls = getattr(sub.fc_net, "FullyConnectedNet", None)
    if cls is None:
        raise AttributeError("fc_net.py has no class named FullyConnectedNet")
    return cls


def param_shapes(input_dim, hidden, classes, normalization):
    """The reference's parameter names and shapes, in the reference's order."""
    dims = [input_dim, *hidden, classes]
    layers = len(dims) - 1
    shapes = {}
    for i in range(1, layers + 1):
        shapes[f"W{i}"] = (dims[i - 1], dims[i])
        shapes[f"b{i}"] = (dims[i],)
        if normalization is not None and i < layers:
            shapes[f"gamma{i}"] = (dims[i],)
            shapes[f"beta{i}"] = (dims[i],)
    return shapes


def _fixed_params(seed, shapes, weight=1.0, shift=0.3):
    """Parameters drawn from ``seed``: W ~ weight * N(0, 1 / fan_in), gammas near 1, shifts ~ shift * N(0, 1)."""
    generator = rng(seed)
    params = {}
    for name, shape in shapes.items():
        if name.startswith("W"):
            params[name] = weight * generator.randn(*shape) / math.sqrt(shape[0])
        elif name.startswith("gamma"):
            params[name] = 1.0 + 0.3 * generator.randn(*shape)
        else:
            params[name] = shift * generator.randn(*shape)
    return params


def _bare(cls, hidden, normalization, keep, reg, seed):
    """A net assembled without ``__init__`` (when it is still a stub), as its given code would."""
    net = cls.__new__(cls)
    net.normalization = normalization
    net.use_dropout = keep != 1
    net.num_layers = 1 + len(hidden)
    net.dtype = np.float64
    net.reg = reg
    net.params = {}
    net.dropout_param = {}
    if net.use_dropout:
        net.dropout_param = {"mode": "train", "p": keep}
        if seed is not None:
            net.dropout_param["seed"] = seed
    net.bn_params = [{"mode": "train"} for _ in hidden] if normalization is not None else []
    return net


def _describe_error(error, folder):
    """The error and the innermost line of the submission's files that it went through."""
    text = f"{type(error).__name__}: {str(error)[:300]}"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if folder and os.path.dirname(os.path.abspath(f.filename)) == folder]
    if frames:
        last = frames[-1]
        text += (f" ({os.path.basename(last.filename)}, line {last.lineno}, in {last.name}: "
                 f"`{(last.line or '').strip()[:120]}`)")
    return text


def _construct(sub, call_text, make):
    """``make()`` (a FullyConnectedNet(...) call); its failure, but a stub's, as ``_InitFailed``
    naming the call (``call_text``) and the student's line."""
    try:
        return make()
    except NotImplementedError:
        raise
    except Exception as error:
        raise _InitFailed(f"{call_text} raised {_describe_error(error, _folder(sub))}") from None


def _folder(sub):
    return os.path.dirname(os.path.abspath(getattr(sub.fc_net, "__file__", None) or "."))


def build_net(sub, input_dim, hidden, classes, normalization=None, keep=1, reg=0.0, seed=None,
           param_seed=0, weight=1.0, shift=0.3, running=None):
    """A float64 net whose parameters (and running statistics) the probe sets."""
    cls = _net_class(sub)
    folder = _folder(sub)
    try:
        net = cls(list(hidden), input_dim=input_dim, num_classes=classes, dropout_keep_ratio=keep,
                  normalization=normalization, reg=reg, weight_scale=1e-2, dtype=np.float64, seed=seed)
    except NotImplementedError as error:
        if "__init__ is not implemented yet" not in str(error):
            raise _InitFailed(_describe_error(error, folder)) from None
        net = _bare(cls, hidden, normalization, keep, reg, seed)
    except Exception as error:
        raise _InitFailed(_describe_error(error, folder)) from None
    if type(getattr(net, "params", None)) is not dict:
        net.params = {}
    for name, value in _fixed_params(param_seed, param_shapes(input_dim, hidden, classes, normalization), weight, shift).items():
        net.params[name] = writable(value)
    if running is not None:
        for bn_param, (mean, var) in zip(net.bn_params, running):
            bn_param["running_mean"] = writable(mean)
            bn_param["running_var"] = writable(var)
    return net


def _running_stats(seed, hidden):
    generator = rng(seed)
    return [(0.5 * generator.randn(h), 0.5 + generator.rand(h)) for h in hidden]


def _snapshot(value):
    return value.copy() if type(value) is np.ndarray else value


def copy_tree(value):
    """Copies of the plain arrays inside what the loss returned (later calls may reuse buffers)."""
    if type(value) is np.ndarray:
        return value.copy()
    if type(value) in (tuple, list):
        return type(value)(copy_tree(item) for item in value)
    if type(value) is dict:
        return {key: copy_tree(item) for key, item in value.items()}
    return value


def _bn_stats(net):
    return [{key: _snapshot(p.get(key)) for key in ("running_mean", "running_var")} for p in net.bn_params]


def guarded(probe):
    """Turn a failure of FullyConnectedNet(...) inside a probe into {"init_error": ...}."""

    def run(sub):
        try:
            return probe(sub)
        except _InitFailed as error:
            return {"init_error": str(error)}

    return run


def init_ok(got):
    """Raise ``Failed`` when ``guarded`` caught FullyConnectedNet(...) failing."""
    if isinstance(got, dict) and "init_error" in got:
        raise Failed(
            f"{LOSS} could not be checked: FullyConnectedNet(...) raised {got['init_error']}\n"
            f"Fix {INIT} first (see its check)."
        )


# --------------------------------------------------------------------------- validation helpers
def loss_and_grads(ret, keys, what):
    """Validate ``(loss, grads)``: a number and a dict with exactly ``keys`` (name -> shape).

    Returns the loss as a float and the gradients as they came (float32 ones stay float32).
    """
    loss, grads = compare.sequence(ret, 2, what)
    value = compare.scalar(loss, f"the loss of {what}")
    if not np.isfinite(value):
        raise Failed(f"the loss of {what} is {value}")
    if type(grads) is not dict:
        raise Failed(f"the grads of {what} should be a dict keyed like params, but it is {compare.describe(grads)}")
    missing = [k for k in keys if k not in grads]
    if missing:
        raise Failed(f"the grads of {what} have no {', '.join(repr(k) for k in missing)}")
    extra = sorted(str(k) for k in grads if k not in keys)
    if extra:
        raise Failed(f"the grads of {what} hold keys that params does not have: {', '.join(extra)}")
    for k, shape in keys.items():
        compare.array(grads[k], f"grads[{k!r}]", shape)
    arrays = {k: grads[k] for k in keys}  # in their own dtype, which sets the tolerance
    for k, array in arrays.items():
        if not np.all(np.isfinite(array)):
            raise Failed(f"grads[{k!r}] holds NaN or infinite values")
    return value, arrays


def _directions(shapes):
    generator = rng(_DIRECTION_SEED)
    dirs = {}
    for name, shape in shapes.items():
        d = generator.randn(*shape)
        dirs[name] = d / np.linalg.norm(d)
    return dirs


def _in_float32(ret):
    """Whether a loss's (loss, grads) has a float32 gradient: the net computes in float32."""
    grads = ret[1] if type(ret) in (tuple, list) and len(ret) == 2 else None
    return type(grads) is dict and any(type(g) is np.ndarray and g.dtype == np.float32 for g in grads.values())


def numeric_grads(net, X, y, shapes, returned):
    """Central differences of the net's own loss along one unit direction per parameter.

    ``returned`` is what ``net.loss(X, y)`` gave: the step is ``H``, or ``H32`` when its
    gradients are float32 (the net computes in float32); it is stored under ``"step"``, for
    ``_consistency`` to pick its tolerance.
    """
    step = H32 if _in_float32(returned) else H
    values = {"step": step}
    try:
        values["loss"] = float(returned[0])  # the size of its rounding, for ``_consistency``
    except Exception:
        pass
    try:
        for name, d in _directions(shapes).items():
            base = net.params[name]
            net.params[name] = base + step * d
            plus = float(net.loss(X, y)[0])
            net.params[name] = base - step * d
            minus = float(net.loss(X, y)[0])
            net.params[name] = base
            values[name] = (plus - minus) / (2 * step)
    except Exception:  # the loss is broken: the numbers are then just not available
        return None
    return values


def _consistency(grads, numeric, shapes):
    """None when the gradients match the numerical gradient of the own loss, else the first key off."""
    if not isinstance(numeric, dict):
        return "unknown", None, None
    absolute, relative = 1e-6, 1e-4
    if numeric.get("step") == H32:
        loss = numeric.get("loss")
        size = abs(loss) if type(loss) is float and math.isfinite(loss) else 1.0
        absolute, relative = max(1e-5, ROUNDING32 * max(1.0, size) / H32), CONSISTENCY32
    for name, d in _directions(shapes).items():
        value = numeric.get(name)
        if type(value) is not float:
            return "unknown", None, None
        analytic = float(np.vdot(grads[name], d))
        if abs(analytic - value) > absolute + relative * abs(value):
            return name, analytic, value
    return None


def consistency_hint(grads, numeric, shapes):
    """A line naming the gradients that disagree with the net's own loss, or ""."""
    off = _consistency(grads, numeric, shapes)
    if off is None:
        return ("Your gradients match the numerical gradient of your own loss, so the loss itself is "
                "computed differently (the forward pass or the L2 term).")
    if off[0] == "unknown":
        return ""
    return (f"Your grads[{off[0]!r}] does not match the numerical gradient of your own loss either: "
            "the backward pass (or the gradient of the L2 term) has a mistake.")


def net_label(normalization, keep, reg):
    """How feedback names a net's configuration."""
    return f"normalization={normalization!r}, dropout_keep_ratio={keep}, reg={reg}"


# --------------------------------------------------------------------------- __init__: parameter shapes
# Nets that are not drawn are sized by probing.choose: the sizes below with the public inputs,
# others with an instructor seed, so that no net the autograder builds is one the release holds.
def shape_nets():
    """The nets of 'parameter shapes': two with 2 hidden layers, one with 1."""
    hidden = choose("shape nets: hidden", [5, 4], [6, 3], [4, 6], [3, 5])
    input_dim = choose("shape nets: input", 6, 7, 8, 9)
    classes = choose("shape nets: classes", 3, 4, 5)
    return [
        dict(hidden_dims=list(hidden), input_dim=input_dim, num_classes=classes, normalization=None, dtype=np.float64),
        dict(hidden_dims=list(hidden), input_dim=input_dim, num_classes=classes, normalization="batchnorm",
             dtype=np.float32),
        dict(hidden_dims=choose("shape nets: one hidden", [3], [4], [2], [5]), input_dim=choose("shape nets: input 2", 7, 5, 9),
             num_classes=choose("shape nets: classes 2", 2, 3, 4), normalization="layernorm", dtype=np.float64,
             dropout_keep_ratio=0.5, seed=3),
    ]


def no_hidden_nets():
    """hidden_dims=[] is a softmax classifier: one affine layer, nothing to normalize."""
    return [
        dict(hidden_dims=[], input_dim=choose("no hidden: input", 4, 3, 6, 7), num_classes=choose("no hidden: classes", 3, 5, 4),
             normalization=None, dtype=np.float32),
        dict(hidden_dims=[], input_dim=choose("no hidden: input 2", 5, 4, 8), num_classes=choose("no hidden: classes 2", 2, 3, 6),
             normalization="batchnorm", dtype=np.float64),
    ]


def _net_text(kwargs):
    parts = [f"hidden_dims={kwargs['hidden_dims']}", f"input_dim={kwargs['input_dim']}",
             f"num_classes={kwargs['num_classes']}", f"normalization={kwargs['normalization']!r}",
             f"dtype=np.{np.dtype(kwargs['dtype']).name}"]
    return "FullyConnectedNet(" + ", ".join(parts) + ")"


def _shapes_probe(configurations):
    def probe(sub):
        cls = _net_class(sub)
        nets = []
        for kwargs in configurations():
            net = _construct(sub, _net_text(kwargs), lambda: cls(**kwargs))
            nets.append({"params": getattr(net, "params", None), "bn_params": getattr(net, "bn_params", None)})
        return {"nets": nets}

    return probe


def _raised(got):
    if isinstance(got, dict) and "init_error" in got:
        raise Failed(got["init_error"])


def _shapes_judge(configurations):
    def judge(got, want):
        _raised(got)
        _judge_shapes(configurations(), got)

    return judge


def _judge_shapes(configurations, got):
    nets = compare.sequence(got.get("nets"), len(configurations), "the probe")
    for kwargs, net in zip(configurations, nets):
        where = _net_text(kwargs)
        params = net["params"]
        if type(params) is not dict:
            raise Failed(f"{where}: self.params should be a dict, but it is {compare.describe(params)}")
        shapes = param_shapes(kwargs["input_dim"], kwargs["hidden_dims"], kwargs["num_classes"], kwargs["normalization"])
        missing = [k for k in shapes if k not in params]
        if missing:
            raise Failed(f"{where}: params has no {', '.join(repr(k) for k in missing)}")
        extra = sorted(str(k) for k in params if k not in shapes)
        if extra:
            note = ""
            if any(k.startswith(("gamma", "beta")) for k in extra):
                note = " (only the hidden layers are normalized: never the last layer, and no gammas without normalization)"
            raise Failed(f"{where}: params holds unexpected keys {', '.join(extra)}{note}")
        dtype = np.dtype(kwargs["dtype"])
        for name, shape in shapes.items():
            value = params[name]
            compare.array(value, f"{where}: params[{name!r}]", shape)
            if value.dtype != dtype:
                raise Failed(f"{where}: params[{name!r}] has dtype {value.dtype}, but dtype asks for {dtype}")
            if not np.all(np.isfinite(value)):
                raise Failed(f"{where}: params[{name!r}] holds NaN or infinite values")
            if name.startswith(("b", "beta")) and np.any(value != 0):
                raise Failed(f"{where}: params[{name!r}] should start at zero, but {np.count_nonzero(value)} "
                             f"of its {value.size} entries are not zero")
            if name.startswith("gamma") and np.any(value != 1):
                raise Failed(f"{where}: params[{name!r}] should start at one, but {np.count_nonzero(value != 1)} "
                             f"of its {value.size} entries are not one")
            if name.startswith("W") and not np.any(value):
                raise Failed(f"{where}: params[{name!r}] is all zeros; draw it from a normal distribution")
        if kwargs["normalization"] is not None:
            bn_params = net["bn_params"]
            count = len(kwargs["hidden_dims"])
            if type(bn_params) is not list or len(bn_params) != count or any(type(p) is not dict for p in bn_params):
                raise Failed(f"{where}: self.bn_params should be a list of {count} dicts (one per hidden layer), "
                             f"but it is {compare.describe(bn_params)}")


# --------------------------------------------------------------------------- __init__: weight scales
def scale_dims():
    """(input_dim, hidden_dims, num_classes) of the weight-scale nets: in every layer fan_in is 2
    to 4 times fan_out, so that a spread drawn from the wrong one shows."""
    return choose("scale nets", (120, [60, 24], 6), (128, [48, 20], 8), (112, [56, 28], 7), (144, [48, 24], 6))


FLOAT_SCALE = [(0.37, 11)]
NAMED_SCALES = [("he", 12), ("xavier", 13)]
TOLERANCE_SE = 6.0  # standard errors allowed around the expected standard deviation


def seed_net():
    """(hidden_dims, input_dim, num_classes) of the seed check's nets."""
    return choose("seed nets", ([4, 3], 5, 2), ([3, 4], 6, 3), ([5, 2], 4, 3), ([2, 3], 7, 4))


def _expected_std(scale, fan_in):
    if scale == "he":
        return math.sqrt(2.0 / fan_in)
    if scale == "xavier":
        return math.sqrt(1.0 / fan_in)
    return scale


def _scale_text(scale):
    input_dim, hidden, classes = scale_dims()
    return f"FullyConnectedNet({hidden}, input_dim={input_dim}, num_classes={classes}, weight_scale={scale!r})"


def _scales_probe(scales):
    def probe(sub):
        cls = _net_class(sub)
        input_dim, hidden, classes = scale_dims()
        scaled = []
        for scale, seed in scales:
            net = _construct(sub, _scale_text(scale), lambda: cls(hidden, input_dim=input_dim, num_classes=classes,
                                                                  weight_scale=scale, dtype=np.float32, seed=seed))
            scaled.append(getattr(net, "params", None))
        return {"scaled": scaled}

    return guarded(probe)


def _seed_probe(sub):
    cls = _net_class(sub)
    hidden, input_dim, classes = seed_net()
    sizes = dict(input_dim=input_dim, num_classes=classes, dtype=np.float64)
    same = [getattr(cls(list(hidden), seed=7, **sizes), "params", None) for _ in range(2)]
    other = getattr(cls(list(hidden), seed=8, **sizes), "params", None)
    dropout = getattr(cls(list(hidden), dropout_keep_ratio=0.5, seed=7, **sizes), "dropout_param", None)
    return {"same": same, "other": other, "dropout_param": dropout}


def _weights(params, shapes, where):
    if type(params) is not dict:
        raise Failed(f"{where}: self.params should be a dict, but it is {compare.describe(params)}")
    out = {}
    for name, shape in shapes.items():
        if name.startswith("W"):
            if name not in params:
                raise Failed(f"{where}: params has no {name!r}")
            out[name] = compare.array(params[name], f"{where}: params[{name!r}]", shape)
    return out


def _scale_stats(got, scales):
    """{(scale, name): (measured std, mean, expected std, n, where, fan_in)} for the large nets."""
    _raised(got)
    input_dim, hidden, classes = scale_dims()
    shapes = param_shapes(input_dim, hidden, classes, None)
    scaled = compare.sequence(got.get("scaled"), len(scales), "the probe")
    stats = {}
    for (scale, _), params in zip(scales, scaled):
        for name, w in _weights(params, shapes, _scale_text(scale)).items():
            stats[(scale, name)] = (float(np.sqrt(np.mean(w * w))), float(np.mean(w)),
                                    _expected_std(scale, w.shape[0]), w.size, _scale_text(scale), w.shape[0])
    return stats


def _scales_judge(scales):
    def judge(got, want):
        layers = len(scale_dims()[1]) + 1
        for (scale, name), (std, mean, expected, n, where, fan_in) in _scale_stats(got, scales).items():
            rule = {"he": f"sqrt(2 / fan_in) with fan_in = {fan_in}",
                    "xavier": f"sqrt(1 / fan_in) with fan_in = {fan_in}"}.get(scale, "weight_scale itself")
            if abs(std - expected) > TOLERANCE_SE * expected / math.sqrt(2 * n):
                raise Failed(
                    f"{where}: params[{name!r}] (layer {name[1:]} of {layers}) should have standard deviation "
                    f"{expected:.4g} ({rule}), but its entries have a root mean square of {std:.2g}"
                )
            if abs(mean) > TOLERANCE_SE * expected / math.sqrt(n):
                raise Failed(f"{where}: params[{name!r}] should have mean 0, but its mean is {mean:.2g}")

    return judge


def _seed_judge(got, want):
    hidden, input_dim, classes = seed_net()
    shapes = param_shapes(input_dim, hidden, classes, None)
    where = f"FullyConnectedNet({hidden}, input_dim={input_dim}, num_classes={classes}, seed=7)"
    same = compare.sequence(got.get("same"), 2, "the probe")
    first = _weights(same[0], shapes, where)
    second = _weights(same[1], shapes, where)
    for name in first:
        if not np.array_equal(first[name], second[name]):
            raise Failed(f"{where} built twice gives different params[{name!r}]: draw the weights from "
                         "rng = np.random.default_rng(seed), never from an unseeded generator")
    other = _weights(got.get("other"), shapes, where.replace("seed=7", "seed=8"))
    if all(np.array_equal(first[name], other[name]) for name in first):
        raise Failed("FullyConnectedNet(..., seed=7) and FullyConnectedNet(..., seed=8) have the same weights: "
                     "the seed should choose the draw")
    dropout = got.get("dropout_param")
    if type(dropout) is not dict or dropout.get("seed") != 7 or dropout.get("p") != 0.5:
        raise Failed(f"FullyConnectedNet({hidden}, dropout_keep_ratio=0.5, seed=7).dropout_param should hold "
                     f"'p': 0.5 and 'seed': 7, but it is {dropout!r}"[:300])


def _scales_matches(scales):
    def matches(got, signature):
        """A submission behaves like a known mistake when every weight has the mistake's spread."""
        try:
            mine, theirs = _scale_stats(got, scales), _scale_stats(signature, scales)
        except Failed:
            return False
        for key, (std, _, _, n, _, _) in mine.items():
            if abs(std - theirs[key][0]) > 2 * TOLERANCE_SE * theirs[key][0] / math.sqrt(2 * n):
                return False
        return True

    return matches


# --------------------------------------------------------------------------- loss: scores
SMALL = dict(input_dim=6, hidden=[7, 4], classes=3)
N_SMALL = 5


def _small_inputs(seed, n=N_SMALL):
    generator = rng(seed)
    X = frozen("X", generator.randn(n, 2, 3))
    y = frozen("y", generator.randint(SMALL["classes"], size=n).astype(np.int64))
    return X, y


SCORE_NETS = [
    (None, 1), ("batchnorm", 1), ("layernorm", 1), ("batchnorm", 0.6),
]


def _scores_probe(sub):
    X, _ = _small_inputs(21)
    scores = []
    for normalization, keep in SCORE_NETS:
        running = _running_stats(22, SMALL["hidden"]) if normalization == "batchnorm" else None
        net = build_net(sub, SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], normalization, keep,
                     seed=5 if keep != 1 else None, param_seed=23, running=running)
        scores.append(net.loss(X))
    return {"scores": scores}


def _scores_judge(got, want):
    init_ok(got)
    scores = compare.sequence(got.get("scores"), len(SCORE_NETS), "the probe")
    for (normalization, keep), value, expected in zip(SCORE_NETS, scores, want["scores"]):
        what = f"the score array of loss(X) for {net_label(normalization, keep, 0.0)}"
        notes = []
        if normalization == "batchnorm":
            notes.append("batch normalization uses the running statistics")
        if keep != 1:
            notes.append("dropout is the identity in test mode")
        try:
            compare.close(value, expected, what)
        except Failed as failure:
            raise Failed(f"{failure}" + (f"\n(In test mode, {' and '.join(notes)}.)" if notes else "")) from None


# --------------------------------------------------------------------------- loss: no hidden layer
NO_HIDDEN_REGS = (0.0, 0.7)


def _no_hidden_probe(sub):
    """hidden_dims=[]: the net is affine - softmax, a linear classifier."""
    X, y = _small_inputs(51)
    out = []
    for reg in NO_HIDDEN_REGS:
        net = build_net(sub, SMALL["input_dim"], [], SMALL["classes"], reg=reg, param_seed=52)
        out.append({"scores": copy_tree(net.loss(X)), "ret": copy_tree(net.loss(X, y))})
    return {"nets": out}


def _no_hidden_judge(got, want):
    init_ok(got)
    nets = compare.sequence(got.get("nets"), len(NO_HIDDEN_REGS), "the probe")
    shapes = param_shapes(SMALL["input_dim"], [], SMALL["classes"], None)
    for reg, item, wanted in zip(NO_HIDDEN_REGS, nets, want["nets"]):
        label = f"hidden_dims=[] (affine - softmax only), reg={reg}"
        compare.close(item["scores"], wanted["scores"], f"the score array of loss(X) for {label}")
        loss, grads = loss_and_grads(item["ret"], shapes, f"loss(X, y) for {label}")
        expected = float(wanted["ret"][0])
        if not abs(loss - expected) <= 1e-6 * max(1.0, abs(expected)):
            raise Failed(f"the loss for {label} is {loss:.8g}, expected {expected:.8g}")
        for name in shapes:
            compare.close(grads[name], wanted["ret"][1][name], f"grads[{name!r}] for {label}")


# --------------------------------------------------------------------------- loss: initial loss
INITIAL = dict(input_dim=20, hidden=[16, 12], classes=10)


def _initial_probe(sub):
    generator = rng(31)
    X = frozen("X", generator.randn(50, INITIAL["input_dim"]))
    y = frozen("y", generator.randint(INITIAL["classes"], size=50).astype(np.int64))
    out = {}
    for key, reg in (("plain", 0.0), ("reg", 1.0)):
        net = build_net(sub, INITIAL["input_dim"], INITIAL["hidden"], INITIAL["classes"], reg=reg,
                     param_seed=32, weight=0.01, shift=0.0)
        ret = net.loss(X, y)
        out[key] = ret[0] if type(ret) in (tuple, list) and len(ret) == 2 else ret
    return out


def _initial_judge(got, want):
    init_ok(got)
    for key, text in (("plain", "with reg=0"), ("reg", "with reg=1.0")):
        value = compare.scalar(got[key], f"the loss {text}")
        expected = float(want[key])
        if not abs(value - expected) <= 1e-6 * max(1.0, abs(expected)):
            note = (f" (with weights this small every class gets the same score, so the loss is about "
                    f"ln(10) = {math.log(10):.6f})" if key == "plain" else
                    " (the softmax loss plus 0.5 * reg * the sum of the squared weights)")
            raise Failed(f"the loss {text} of a net with small weights is {value:.8g}, expected {expected:.8g}{note}")


# --------------------------------------------------------------------------- loss: gradients
COMBOS = [(normalization, keep, reg) for normalization in (None, "batchnorm", "layernorm")
          for keep in (1, 0.75) for reg in (0.0, 0.7)]


def _gradients_probe(sub):
    X, y = _small_inputs(41)
    results = []
    for normalization, keep, reg in COMBOS:
        net = build_net(sub, SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], normalization, keep, reg,
                     seed=6, param_seed=42)
        ret = copy_tree(net.loss(X, y))
        shapes = param_shapes(SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], normalization)
        results.append({"ret": ret, "numeric": numeric_grads(net, X, y, shapes, ret)})
    return {"combos": results}


def _check_dropout_net(label, loss, grads, numeric, shapes, without_dropout_loss, float32=False):
    """Properties of a train-mode net with dropout that hold whatever masks were drawn.

    ``float32``: the net computes in float32, so a sum that should vanish is good to 1e-5
    of its terms (1e-8 in float64).
    """
    off = _consistency(grads, numeric, shapes)
    if off is not None:
        if off[0] == "unknown":
            raise Failed(f"{label}: the loss could not be evaluated again to check the gradients numerically")
        name, analytic, value = off
        raise Failed(
            f"grads[{name!r}] does not match the numerical gradient of the loss for {label}: along a "
            f"random direction it gives {analytic:.6g}, but the loss changes at rate {value:.6g}"
        )
    if abs(loss - without_dropout_loss) <= 1e-9 * max(1.0, abs(loss)):
        raise Failed(f"for {label} the train-mode loss is the loss without dropout ({loss:.8g}): "
                     "dropout is not applied")
    last = f"b{len(SMALL['hidden']) + 1}" if f"b{len(SMALL['hidden']) + 1}" in grads else None
    if last is not None:
        total = float(np.sum(grads[last]))
        if abs(total) > (1e-5 if float32 else 1e-8) * max(float(np.max(np.abs(grads[last]))), 1e-12):
            raise Failed(
                f"for {label}, grads[{last!r}] sums to {total:.6g} over the classes instead of 0 (the softmax "
                "gradient of each sample sums to 0): is dropout (or something else) applied after the last "
                f"affine layer, or is {last} regularized? The last layer is affine - softmax only, and the L2 "
                "term covers the weight matrices alone (no biases, gammas or betas)."
            )


def _gradients_judge(got, want):
    init_ok(got)
    combos = compare.sequence(got.get("combos"), len(COMBOS), "the probe")
    seen = {}
    for (normalization, keep, reg), item, wanted in zip(COMBOS, combos, want["combos"]):
        label = net_label(normalization, keep, reg)
        shapes = param_shapes(SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], normalization)
        try:
            loss, grads = loss_and_grads(item["ret"], shapes, f"loss(X, y) for {label}")
            seen[(normalization, keep, reg)] = (loss, grads)
            if keep == 1:
                expected_loss = float(wanted["ret"][0])
                if not abs(loss - expected_loss) <= 1e-6 * max(1.0, abs(expected_loss)):
                    hint = consistency_hint(grads, item.get("numeric"), shapes)
                    raise Failed(f"the loss for {label} is {loss:.8g}, expected {expected_loss:.8g}"
                                 + (f"\n{hint}" if hint else ""))
                for name in shapes:
                    try:
                        compare.close(grads[name], wanted["ret"][1][name], f"grads[{name!r}] for {label}")
                    except Failed as failure:
                        hint = consistency_hint(grads, item.get("numeric"), shapes)
                        raise Failed(f"{failure}" + (f"\n{hint}" if hint else "")) from None
                continue
            _check_dropout_net(label, loss, grads, item.get("numeric"), shapes, seen[(normalization, 1, reg)][0],
                               _in_float32(item["ret"]))
            if reg:
                base_loss, base_grads = seen[(normalization, keep, 0.0)]
                params = _fixed_params(42, shapes)
                penalty = 0.5 * reg * sum(float(np.sum(w * w)) for k, w in params.items() if k.startswith("W"))
                if not abs((loss - base_loss) - penalty) <= 1e-6 * max(1.0, penalty):
                    raise Failed(
                        f"for {label} the loss is {loss - base_loss:.8g} above the same net with reg=0, "
                        f"but 0.5 * reg * (sum of the squared weights W1..W3) is {penalty:.8g}"
                    )
                for name in shapes:
                    extra = reg * params[name] if name.startswith("W") else np.zeros(shapes[name])
                    compare.close(grads[name] - base_grads[name], extra,
                                  f"the L2 part of grads[{name!r}] (the change from reg=0 to reg={reg}) for {label}")
        except Failed as failure:
            text = str(failure)
            if label not in text.split("\n")[0]:
                text = f"{label}: {text}"
            raise Failed(text) from None


# --------------------------------------------------------------------------- loss: mode switching
def _modes_probe(sub):
    X, y = _small_inputs(51, n=8)
    net = build_net(sub, SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], "batchnorm",
                 param_seed=52, running=_running_stats(53, SMALL["hidden"]))
    out = {"before": _bn_stats(net)}
    out["test1"] = net.loss(X)
    out["after_test1"] = _bn_stats(net)
    net.loss(X, y)
    out["after_train"] = _bn_stats(net)
    out["test2"] = net.loss(X)
    out["after_test2"] = _bn_stats(net)
    dropout = build_net(sub, SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], None, 0.5, seed=9, param_seed=52)
    out["dropout_test1"] = dropout.loss(X)
    dropout.loss(X, y)
    out["dropout_test2"] = dropout.loss(X)
    return out


def _stats_equal(got_stats, want_stats, what):
    stats = compare.sequence(got_stats, len(want_stats), "self.bn_params")
    for layer, (mine, expected) in enumerate(zip(stats, want_stats)):
        if type(mine) is not dict:
            raise Failed(f"self.bn_params[{layer}] should be a dict, but it is {compare.describe(mine)}")
        for key in ("running_mean", "running_var"):
            compare.close(mine.get(key), expected[key], f"bn_params[{layer}][{key!r}] {what}")


def _modes_judge(got, want):
    init_ok(got)
    try:
        _stats_equal(got["after_test1"], want["before"], "after loss(X)")
    except Failed as failure:
        raise Failed(
            "loss(X) without y changed the running statistics: batch normalization ran in train mode. "
            "Set bn_param['mode'] = 'test' in every bn_param before the forward pass "
            "(bn_param['mode'], with quotes: bn_param[mode] adds a key named after the mode's value)\n"
            f"{failure}"
        ) from None
    compare.close(got["test1"], want["test1"], "the scores of loss(X) (test mode, with batchnorm)")
    try:
        _stats_equal(got["after_train"], want["after_train"], "after loss(X, y)")
    except Failed as failure:
        raise Failed(f"loss(X, y) after loss(X) should run batch normalization in train mode and update the "
                     f"running statistics\n{failure}") from None
    try:
        _stats_equal(got["after_test2"], want["after_train"], "after loss(X) that follows loss(X, y)")
        compare.close(got["test2"], want["test2"], "the scores of loss(X) after loss(X, y)")
    except Failed as failure:
        raise Failed(f"loss(X) after loss(X, y) should switch batch normalization back to test mode\n{failure}") from None
    compare.close(got["dropout_test1"], want["dropout_test1"],
                  "the scores of loss(X) with dropout_keep_ratio=0.5 (dropout is the identity in test mode)")
    compare.close(got["dropout_test2"], want["dropout_test2"],
                  "the scores of loss(X) with dropout after loss(X, y) (dropout back in test mode)")


# --------------------------------------------------------------------------- loss: batchnorm with dropout
COMBINED = dict(normalization="batchnorm", keep=0.6, reg=0.3)


def _combined_probe(sub):
    X, y = _small_inputs(61, n=8)
    shapes = param_shapes(SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], "batchnorm")
    net = build_net(sub, SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], "batchnorm", COMBINED["keep"],
                 COMBINED["reg"], seed=8, param_seed=62)
    ret = copy_tree(net.loss(X, y))
    stats = _bn_stats(net)
    numeric = numeric_grads(net, X, y, shapes, ret)
    twin = build_net(sub, SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], "batchnorm", 1,
                  COMBINED["reg"], param_seed=62)
    twin_ret = twin.loss(X, y)
    return {"ret": ret, "numeric": numeric, "stats": stats,
            "twin": twin_ret[0] if type(twin_ret) in (tuple, list) and len(twin_ret) == 2 else twin_ret}


def _combined_judge(got, want):
    init_ok(got)
    label = net_label(COMBINED["normalization"], COMBINED["keep"], COMBINED["reg"])
    shapes = param_shapes(SMALL["input_dim"], SMALL["hidden"], SMALL["classes"], "batchnorm")
    loss, grads = loss_and_grads(got["ret"], shapes, f"loss(X, y) for {label}")
    float32 = _in_float32(got["ret"])
    twin = compare.scalar(got["twin"], "the loss with dropout_keep_ratio=1")
    try:
        _check_dropout_net(label, loss, grads, got.get("numeric"), shapes, twin, float32)
    except Failed as failure:
        if "dropout is not applied" in str(failure):
            raise Failed(f"{failure}\nBatch normalization and dropout must combine: after the ReLU of a "
                         "normalized layer, apply dropout too (an if, not an elif).") from None
        raise
    stats = compare.sequence(got["stats"], len(want["stats"]), "self.bn_params")
    first = stats[0] if type(stats[0]) is dict else {}
    try:
        compare.close(first.get("running_mean"), want["stats"][0]["running_mean"],
                      "bn_params[0]['running_mean'] after loss(X, y)")
    except Failed as failure:
        raise Failed(f"bn_params[0]'s running statistics after loss(X, y) are not those of batch normalization "
                     f"in train mode, for {label} (does each layer get its own self.bn_params[i], in train mode, "
                     f"with dropout on too?)\n"
                     f"{failure}") from None
    for i in range(1, len(SMALL["hidden"]) + 1):
        scale = max(float(np.max(np.abs(grads[f"W{i}"]))), 1e-8)
        if float(np.max(np.abs(grads[f"b{i}"]))) > (1e-5 if float32 else 1e-8) * scale:
            raise Failed(f"for {label}, grads['b{i}'] should be 0: batch normalization subtracts the batch mean, "
                         "so the bias before it changes nothing. Is batch normalization applied in every hidden layer?")


CHECKS = [
    Check(f"{INIT}: parameter shapes", INIT, "fc_net", 2,
          guarded(_shapes_probe(shape_nets)), _shapes_judge(shape_nets),
          what="keys, shapes and dtype of params (float64 and float32), zero biases and betas, unit gammas, "
               "bn_params, for nets with 2 and 1 hidden layers"),
    Check(f"{INIT}: no hidden layer", INIT, "fc_net", 1,
          guarded(_shapes_probe(no_hidden_nets)), _shapes_judge(no_hidden_nets),
          what="params of nets with hidden_dims=[] (one affine layer, no gamma or beta even with "
               "normalization='batchnorm'), float32 and float64"),
    Check(f"{INIT}: float weight scale", INIT, "fc_net", 1, _scales_probe(FLOAT_SCALE), _scales_judge(FLOAT_SCALE),
          matches=_scales_matches(FLOAT_SCALE),
          what="spread of every W for weight_scale=0.37 (a 120-60-24-6 net with the public inputs)"),
    Check(f"{INIT}: 'he' and 'xavier'", INIT, "fc_net", 1, _scales_probe(NAMED_SCALES), _scales_judge(NAMED_SCALES),
          matches=_scales_matches(NAMED_SCALES),
          what="spread of every W for weight_scale='he' (sqrt(2 / fan_in)) and 'xavier' (sqrt(1 / fan_in)), "
               "120-60-24-6 nets with the public inputs"),
    Check(f"{INIT}: seed", INIT, "fc_net", 1, _seed_probe, _seed_judge,
          what="the same seed gives the same weights, another seed others, and dropout_param holds the seed"),
    Check(f"{LOSS}: scores", LOSS, "fc_net", 2, guarded(_scores_probe), _scores_judge,
          what="test-mode scores (y=None) of nets with fixed params: plain, batchnorm with set running "
               "statistics, layernorm, batchnorm with dropout"),
    Check(f"{LOSS}: initial loss", LOSS, "fc_net", 1, guarded(_initial_probe), _initial_judge,
          what="the loss of a 10-class net with small weights, with reg=0 and reg=1.0"),
    Check(f"{LOSS}: gradients", LOSS, "fc_net", 3, guarded(_gradients_probe), _gradients_judge,
          what="loss and grads of 12 small float64 nets (every normalization x dropout 1 or 0.75 x reg 0 or "
               "0.7); with dropout, against central differences of your own loss"),
    Check(f"{LOSS}: no hidden layer", LOSS, "fc_net", 1, guarded(_no_hidden_probe), _no_hidden_judge,
          what="scores, loss and grads of a net with hidden_dims=[] (affine - softmax), with reg=0 and reg=0.7"),
    Check(f"{LOSS}: mode switching", LOSS, "fc_net", 2, guarded(_modes_probe), _modes_judge,
          what="loss(X) runs batchnorm and dropout in test mode (running statistics unchanged), "
               "loss(X, y) in train mode, and back"),
    Check(f"{LOSS}: batchnorm with dropout", LOSS, "fc_net", 1, guarded(_combined_probe), _combined_judge,
          what="a net with batchnorm and dropout together: gradients against central differences, dropout "
               "and batchnorm both applied"),
]
