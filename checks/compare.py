"""Judging what a submission returned: validation first, then comparison, in plain words.

Every helper raises ``Failed`` with feedback a student can act on: what was compared, the
worst index with the expected and received values, how many entries are off. The first line
of a failure is the one the report's table shows.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from . import patterns
from .protocol import Foreign

# A correct float64 implementation agrees with the reference to ~1e-12 whatever its
# formula; the mistakes the checks look for move values by 1e-3 or more. The tolerance sits
# between, loose enough for a student who computes in float32 by accident.
RTOL = 1e-5
ATOL = 1e-6
# A submission that computes in float32 (it casts its inputs, or makes arrays with np.float32)
# carries about 7 digits, and loses more where a check's inputs are ill-conditioned on purpose
# (softmax logits around 1000: 3e-5 relative; batchnorm columns of spread 0.01: 6e-5). Arrays
# it returns as float32 are judged at these instead; the known mistakes move values by 1e-3
# or more (tests/test_margins.py prints each one's margin).
RTOL32 = 1e-4
ATOL32 = 1e-5


def tolerance_for(received: Any, rtol: float = RTOL) -> float:
    """The relative tolerance for what a submission returned: ``RTOL32`` at least for float32."""
    if type(received) is np.ndarray and received.dtype.kind == "f" and received.dtype.itemsize < 8:
        return max(rtol, RTOL32)
    return rtol


class Failed(Exception):
    """A check's verdict against the submission; ``str()`` is the feedback."""


class Consistent(Failed):
    """A backward's gradients differ from the reference's, but they are the gradient of the
    submission's own ``forward`` (they match its numerical gradient): the backward is right for
    the cache it was given, and a mistake in that forward is charged in the forward's checks."""

    def __init__(self, text: str, forward: str):
        super().__init__(text)
        self.forward = forward


def describe(value: Any) -> str:
    """A short description of a value's type, for feedback."""
    if isinstance(value, Foreign):
        return value.type_name
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None"
    return type(value).__name__


def array(value: Any, what: str, shape: Optional[Tuple[int, ...]] = None) -> np.ndarray:
    """``value`` as a float64 array, if it is exactly a numpy float array of the right shape."""
    if type(value) is not np.ndarray:
        hint = ""
        if isinstance(value, list):
            hint = " (wrap it with np.array, or better, compute it with numpy operations)"
        elif isinstance(value, Foreign) and "subclass" in value.type_name:
            hint = " (return a plain numpy.ndarray)"
        raise Failed(f"{what} should be a numpy array, but it is {describe(value)}{hint}")
    if value.dtype.kind != "f":
        raise Failed(f"{what} should be an array of floats, but its dtype is {value.dtype}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise Failed(f"{what} should have shape {tuple(shape)}, but it has shape {tuple(value.shape)}")
    return value.astype(np.float64)


def sequence(value: Any, length: int, what: str) -> Sequence[Any]:
    """``value`` if it is a tuple (or list) of ``length`` items."""
    if not isinstance(value, (tuple, list)) or isinstance(value, Foreign):
        raise Failed(f"{what} should return a tuple of {length} values, but it returned {describe(value)}")
    if len(value) != length:
        raise Failed(f"{what} should return a tuple of {length} values, but it returned {len(value)}")
    return value


def scalar(value: Any, what: str) -> float:
    """``value`` as a float, if it is a Python or numpy real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        if type(value) is np.ndarray and value.shape == () and value.dtype.kind == "f":
            return float(value)
        raise Failed(f"{what} should be a number, but it is {describe(value)}")
    return float(value)


def _index_text(index: Tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(i)) for i in index) + (",)" if len(index) == 1 else ")")


def close(received: Any, expected: np.ndarray, what: str, rtol: float = RTOL, atol: Optional[float] = None,
          scale: Optional[float] = None, factors: Optional[Dict[str, float]] = None) -> np.ndarray:
    """Validate ``received`` and compare it with ``expected``; returns it as float64.

    The tolerance is ``|r - e| <= atol + rtol * |e|`` entry by entry, where ``atol`` defaults to
    ``ATOL`` times the largest magnitude of ``expected`` (``scale``), so that it follows the
    values' scale. A float32 ``received`` is judged at ``RTOL32`` and ``ATOL32`` at least.
    ``factors`` (name -> value: the batch size N, the keep probability p...) lets a failure say
    "divided by N = 3, the batch size" when every entry is off by that factor.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = array(received, what, expected.shape)
    if scale is None:
        scale = float(np.max(np.abs(expected))) if expected.size else 1.0
    if atol is None:
        atol = ATOL * max(scale, 1e-3)
    widened = tolerance_for(received, rtol)
    if widened > rtol:  # returned in float32; a value that vanishes (the gradient of a bias before
        # batchnorm, 1e-16) carries float32 noise of its neighbours' size (1e-7 on gradients of
        # order 1), so the scale has a floor of 0.1
        rtol, atol = widened, max(atol, ATOL32 * max(scale, 0.1))
    if not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))
        raise Failed(
            f"{what} holds {len(bad)} NaN or infinite value(s), the first at index {_index_text(tuple(bad[0]))}"
        )
    error = np.abs(got - expected)
    allowed = atol + rtol * np.abs(expected)
    off = error > allowed
    if not np.any(off):
        return got
    worst = np.unravel_index(int(np.argmax(error - allowed)), error.shape) if error.ndim else ()
    count = int(np.count_nonzero(off))
    lines = [
        f"{what} is wrong at {count} of {off.size} entries; the worst is at index {_index_text(worst)}: "
        f"expected {expected[worst]:.6g}, got {got[worst]:.6g}"
    ]
    pattern = patterns.array_pattern(got, expected, rtol, atol, factors)
    if pattern:
        lines.append(pattern)
    raise Failed("\n".join(lines))
