"""Argument checks shared by every module of the kit (given code, nothing to implement).

Each helper raises as soon as an argument is unusable, with a message that names the
argument, says what was expected and shows what was received, for example::

    ValueError: affine_forward: x of shape (4, 3, 5) flattens to (4, 15), so w must have
    15 rows; got w of shape (12, 7)

A ``TypeError`` means the argument has the wrong kind (not a numpy array, integer data
where floats are needed, a string where a number is needed); a ``ValueError`` means the
kind is right but the value is not (a shape, a range, an unknown option).

The checks are cheap: they look at types, shapes and dtypes, never at every entry of an
array, except for the class labels of ``softmax_loss`` (their range has to be read). They
run on every call of every layer, so they stay cheap in the usual case too: the common
type is tested first (``dtype.kind`` rather than ``np.issubdtype``, ``math`` rather than
numpy on Python numbers), and an error message is only built once something is wrong.

Hyperparameters are returned as Python floats: a numpy float64 scalar such as
``np.float64(0.9)`` would turn float32 arrays into float64 ones (numpy 2 promotion
rules), a Python float does not.
"""
import math
import numbers

import numpy as np

MODES = ("train", "test")


def _where(func):
    return f"{func}: " if func else ""


def _describe(value):
    """A short description of a received value, for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def check_array(value, name, func=None, ndim=None, min_ndim=None, floating=True):
    """Check that ``value`` is a numpy array (of a float dtype when ``floating``).

    - ndim: the exact number of dimensions required, or None.
    - min_ndim: the minimum number of dimensions required, or None.

    Returns value unchanged. Raises TypeError for a non-array or a non-float dtype,
    ValueError for a wrong number of dimensions.
    """
    where = _where(func)
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{where}{name} must be a numpy array (numpy.ndarray); got {_describe(value)}")
    if floating and value.dtype.kind != "f":  # float16, float32, float64, longdouble
        raise TypeError(
            f"{where}{name} must hold floats (float32 or float64); got dtype {value.dtype}"
            f" (convert it with {name}.astype(np.float64))")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(
            f"{where}{name} must have {ndim} dimensions; got shape {value.shape}")
    if min_ndim is not None and value.ndim < min_ndim:
        raise ValueError(
            f"{where}{name} must have at least {min_ndim} dimensions; got shape {value.shape}")
    return value


def check_shape(value, name, expected, func=None, why=""):
    """Check that array ``value`` has shape ``expected`` (a tuple of ints).

    ``why`` is appended to the message to explain where the expected shape comes from.
    """
    if value.shape != tuple(expected):
        reason = f" ({why})" if why else ""
        raise ValueError(
            f"{_where(func)}{name} must have shape {tuple(expected)}{reason}; "
            f"got shape {value.shape}")
    return value


def check_nonempty_batch(value, name, func=None):
    """Check that the first (batch) dimension of array ``value`` is at least 1."""
    if value.ndim == 0 or value.shape[0] < 1:
        raise ValueError(
            f"{_where(func)}{name} must hold at least one sample (N >= 1); "
            f"got shape {value.shape}")
    return value


def check_affine_inputs(x, w, b, func=None):
    """Check the inputs of an affine layer: x (N, d_1, ..., d_k), w (D, M), b (M,).

    D = d_1 * ... * d_k. Returns (N, D, M).
    """
    check_array(x, "x", func, min_ndim=2)
    check_array(w, "w", func, ndim=2)
    check_array(b, "b", func, ndim=1)
    n = x.shape[0]
    d = math.prod(x.shape[1:])
    if w.shape[0] != d:
        raise ValueError(
            f"{_where(func)}x of shape {x.shape} flattens to ({n}, {d}), so w must have "
            f"{d} rows (shape ({d}, M)); got w of shape {w.shape}")
    m = w.shape[1]
    if b.shape != (m,):
        check_shape(b, "b", (m,), func, why=f"one bias per column of w, whose shape is {w.shape}")
    return n, d, m


def check_scale_shift(gamma, beta, num_features, func=None, what="feature"):
    """Check that gamma and beta are float arrays of shape (num_features,)."""
    check_array(gamma, "gamma", func)
    check_shape(gamma, "gamma", (num_features,), func, why=f"one scale per {what}")
    check_array(beta, "beta", func)
    check_shape(beta, "beta", (num_features,), func, why=f"one shift per {what}")
    return gamma, beta


def check_param_dict(value, name, func=None):
    """Check that ``value`` is a dict (a layer's parameter dict or an updater config)."""
    if not isinstance(value, dict):
        raise TypeError(f"{_where(func)}{name} must be a dict; got {_describe(value)}")
    return value


def check_mode(param, name, func=None):
    """Return ``param['mode']`` after checking it is 'train' or 'test'."""
    if "mode" not in param:
        raise ValueError(
            f"{_where(func)}{name}['mode'] is missing: set it to 'train' or 'test'")
    mode = param["mode"]
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(
            f"{_where(func)}{name}['mode'] must be 'train' or 'test'; got {_describe(mode)}")
    return mode


def check_choice(value, name, choices, func=None):
    """Check that ``value`` is one of ``choices`` (compared with ==, strings or None)."""
    if not any(value is c or (isinstance(value, str) and value == c) for c in choices):
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{_where(func)}{name} must be one of {listed}; got {_describe(value)}")
    return value


def check_number(value, name, func=None, low=None, high=None,
                 low_open=False, high_open=False, what=""):
    """Check that ``value`` is a real number in a range; return it as a Python float.

    - low, high: the bounds (None for no bound).
    - low_open, high_open: whether the bound itself is excluded.
    - what: an explanation placed after the name in the message.
    """
    explain = f" ({what})" if what else ""
    if type(value) is float:  # the usual case
        number = value
    elif isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_where(func)}{name}{explain} must be a number; got {_describe(value)}")
    else:
        number = float(value)
    too_low = low is not None and (number < low or (low_open and number == low))
    too_high = high is not None and (number > high or (high_open and number == high))
    if not math.isfinite(number) or too_low or too_high:
        left = "-inf" if low is None else f"{low:g}"
        right = "inf" if high is None else f"{high:g}"
        interval = f"{'(' if low_open or low is None else '['}{left}, {right}" \
                   f"{')' if high_open or high is None else ']'}"
        raise ValueError(
            f"{_where(func)}{name}{explain} must be a finite number in {interval}; got {value!r}")
    return number


def check_keep_prob(value, name="p", func=None):
    """Check a dropout keep probability: a number in (0, 1]. Returns it as a float."""
    return check_number(
        value, name, func, low=0.0, high=1.0, low_open=True,
        what="the probability of KEEPING a unit, not of dropping it")


def check_int(value, name, func=None, minimum=None):
    """Check that ``value`` is an integer (not a bool), at least ``minimum``; return an int."""
    if type(value) is not int and (isinstance(value, (bool, np.bool_))
                                   or not isinstance(value, numbers.Integral)):
        raise TypeError(f"{_where(func)}{name} must be an integer; got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_where(func)}{name} must be at least {minimum}; got {value!r}")
    return int(value)


def check_labels(y, num_samples, num_classes, name="y", func=None):
    """Check class labels: an integer array of shape (num_samples,) with values in
    [0, num_classes). This reads every label once (the range cannot be checked otherwise).
    """
    where = _where(func)
    if not isinstance(y, np.ndarray):
        raise TypeError(
            f"{where}{name} must be a numpy array of integer labels; got {_describe(y)}")
    if y.dtype.kind not in "iu":  # signed or unsigned integers
        raise TypeError(
            f"{where}{name} must hold integer class labels (an integer dtype such as int64); "
            f"got dtype {y.dtype}")
    if y.shape != (num_samples,):
        raise ValueError(
            f"{where}{name} must have shape ({num_samples},), one label per sample; "
            f"got shape {y.shape}")
    if y.size:
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"{where}{name} must hold labels in [0, {num_classes - 1}] "
                f"({num_classes} classes); got the label {bad}")
    return y


def check_state_array(config, key, w, name="config", func=None):
    """Check that an updater state ``config[key]``, when present, is a float array shaped
    like w."""
    if key in config:
        value = check_array(config[key], f"{name}['{key}']", func)
        check_shape(value, f"{name}['{key}']", w.shape, func, why="the shape of w")
