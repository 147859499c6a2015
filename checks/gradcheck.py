"""Numerical gradient checking for the kit.

``check_gradient`` is the checker the grader uses (students may use it too). It checks a
backward pass against central differences of the forward pass, cheaply and with a tolerance
derived from the error of the finite differences, and when the check fails it says which
entries are wrong and what the pattern of the error suggests. The helpers a cs231n student
already knows (``eval_numerical_gradient``, ``eval_numerical_gradient_array``, ``rel_error``)
are in ``checks/gradient_check.py``, which the notebooks import.

It needs numpy and the kit's wording of error patterns (``checks/patterns.py``), nothing else.

How ``check_gradient`` works
----------------------------
The quantity checked is the scalar ``phi(inputs) = sum(forward(inputs) * dout)`` for a
seeded Gaussian ``dout`` (never all ones: summing the output hides bugs that cancel
across outputs). A backward pass computes ``d phi / d input`` for each input.

Tier 1 (directional, any size). For a few random directions per input (a step ``w``
of random signs, scaled to how much each entry varies), compare the analytic
directional derivative ``<g, w>`` with the central difference
``(phi(x + w) - phi(x - w)) / 2``. Each direction costs two forward evaluations.

Tier 2 (localization). When a direction fails, bisect: perturb only half of the
entries (the same ``v`` restricted to that half), compare, and recurse into the half
that fails. The other half needs no evaluation: its discrepancy is the parent's minus
the measured half's, because both sides of the comparison are linear in ``v``. One
wrong entry among ``n`` therefore costs about ``log2(n)`` block evaluations, i.e.
``2 log2(n)`` forward evaluations. Inputs of at most ``full_check_size`` entries are
checked coordinate by coordinate instead.

The tolerance is a bound on the error of the central difference -- truncation,
which grows like ``h**2``, and rounding in the forward pass, which grows like
``eps / h`` -- plus ``rtol`` of the gradient's own scale; the comment above
``_FLOOR_FACTOR`` derives it and shows why a single wrong entry cannot hide.
"""

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np

from . import patterns

__all__ = [
    "make_read_only",
    "check_gradient",
    "GradCheckReport",
    "InputResult",
    "DirectionalCheck",
    "EntryCheck",
]

_EPS = float(np.finfo(np.float64).eps)


# ---------------------------------------------------------------------------
# Read-only inputs
# ---------------------------------------------------------------------------

def make_read_only(obj):
    """Mark every numpy array in ``obj`` read-only, recursing through tuples, lists
    and dicts (and object arrays); returns ``obj`` itself.

    The arrays are changed in place (``arr.setflags(write=False)``); containers are
    left as they are. Afterwards any write into one of the arrays, such as
    ``dx = dout; dx[mask] = 0``, raises ``ValueError: assignment destination is
    read-only``.
    """
    _mark_read_only(obj, set())
    return obj


def _mark_read_only(obj, seen):
    if isinstance(obj, np.ndarray):
        obj.setflags(write=False)
        if obj.dtype == object:
            for item in obj.flat:
                _mark_read_only(item, seen)
        return
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        items = obj.values() if isinstance(obj, dict) else obj
        for item in items:
            _mark_read_only(item, seen)


def _private_copy(obj):
    """A copy of ``obj`` whose arrays are our own read-only copies."""
    if isinstance(obj, np.ndarray):
        copy = np.array(obj, copy=True)
        copy.setflags(write=False)
        return copy
    if isinstance(obj, dict):
        return {key: _private_copy(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_private_copy(item) for item in obj]
    if isinstance(obj, tuple):
        items = [_private_copy(item) for item in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    return obj


def _fresh_containers(obj):
    """New dicts/lists/tuples around the same (read-only) arrays.

    Every call of the forward pass gets its own containers, so a forward that stores
    something in a parameter dict (``bn_param['running_mean'] = ...``) cannot pass
    state from one evaluation to the next; the arrays inside stay read-only, so
    writing into them still raises.
    """
    if isinstance(obj, dict):
        return {key: _fresh_containers(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_fresh_containers(item) for item in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_fresh_containers(item) for item in obj)
    return obj


def _is_read_only_error(exc):
    return isinstance(exc, ValueError) and "read-only" in str(exc)


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

@dataclass
class DirectionalCheck:
    """One comparison along a random step ``w`` (tier 1).

    ``analytic`` is ``<g, w>``, ``numeric`` the central difference
    ``(phi(x + w) - phi(x - w)) / 2``, ``tolerance`` the bound their difference must
    stay within. (The report's text divides them by the input's median step.)
    """

    analytic: float
    numeric: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return abs(self.analytic - self.numeric) <= self.tolerance


@dataclass
class EntryCheck:
    """The analytic and numerical derivative at one entry of an input."""

    index: Tuple[int, ...]
    analytic: float
    numeric: float
    off: bool
    tolerance: float = 0.0


@dataclass
class InputResult:
    """What the checker found for one input.

    - ``method``: ``"directional"`` (tier 1, then bisection on failure),
      ``"coordinatewise"`` (small inputs: every entry checked) or ``"empty"``.
    - ``step``: the median finite-difference step used for this input.
    - ``directions``: the tier-1 comparisons (empty for coordinatewise checks).
    - ``error_ratio``: largest ``|analytic - numeric| / tolerance`` seen in tier 1 (or
      over all entries when coordinatewise); the input passes when it is at most 1,
      so a small value is the margin of a pass.
    - ``rel_error``: ``|analytic - numeric| / |gradient|`` in the 2-norm; exact when
      coordinatewise, otherwise estimated from the random directions.
    - ``worst_index``, ``analytic_at_worst``, ``numeric_at_worst``: the entry with the
      largest error among those measured (``None`` when nothing was localized).
    - ``n_off``: how many entries are off (``None`` when unknown); ``n_off_exact``
      says whether it is a count or an estimate; ``n_off_note`` how it was obtained.
    - ``entries``: the individual entries measured while localizing.
    - ``hint``: what the pattern of the error suggests, when it says something.
    """

    name: str
    shape: Tuple[int, ...]
    passed: bool
    method: str
    step: float = 0.0
    directions: List[DirectionalCheck] = field(default_factory=list)
    error_ratio: float = 0.0
    rel_error: float = 0.0
    worst_index: Optional[Tuple[int, ...]] = None
    analytic_at_worst: Optional[float] = None
    numeric_at_worst: Optional[float] = None
    n_off: Optional[int] = None
    n_off_exact: bool = False
    n_off_note: str = ""
    entries: List[EntryCheck] = field(default_factory=list)
    hint: Optional[str] = None

    def _index_text(self, index):
        if len(index) == 0:
            return self.name
        return "%s[%s]" % (self.name, ", ".join(str(i) for i in index))

    def lines(self) -> List[str]:
        head = "%s, shape %s" % (self.name, _shape_text(self.shape))
        if self.method == "empty":
            return [head + ": empty, nothing to check"]
        if self.passed:
            how = ("every entry checked" if self.method == "coordinatewise"
                   else "%d random direction%s" % (len(self.directions),
                                                  "" if len(self.directions) == 1 else "s"))
            return [head + ": ok (%s; largest error %.1e of the tolerance)"
                    % (how, self.error_ratio)]
        if self.n_off is None:
            count = "gradient is wrong"
        elif self.n_off_exact:
            count = "%d entr%s off" % (self.n_off, "y is" if self.n_off == 1 else "ies are")
        else:
            count = "about %d of %d entries are off" % (self.n_off, int(np.prod(self.shape)))
        if self.n_off_note:
            count += " (%s)" % self.n_off_note
        out = [head + ": " + count]
        if self.worst_index is not None:
            out.append("    worst at %s: analytic %.6g, numeric %.6g"
                       % (self._index_text(self.worst_index), _num(self.analytic_at_worst),
                          _num(self.numeric_at_worst)))
        shown = [e for e in self.entries if e.off and e.index != self.worst_index]
        for entry in shown[:4]:
            out.append("    also %s: analytic %.6g, numeric %.6g"
                       % (self._index_text(entry.index), _num(entry.analytic),
                          _num(entry.numeric)))
        listed = len(shown[:4]) + (self.worst_index is not None)
        if listed and self.n_off is not None and self.n_off > listed:
            out.append("    and %s%d more" % ("" if self.n_off_exact else "about ",
                                              self.n_off - listed))
        if self.directions and not all(d.passed for d in self.directions):
            worst = max(self.directions,
                        key=lambda d: abs(d.analytic - d.numeric) / max(d.tolerance, 1e-300))
            unit = self.step if self.step > 0 else 1.0
            out.append("    along a random direction (per unit step): analytic %.6g, "
                       "numeric %.6g (tolerance %.1e); estimated relative error %.1e"
                       % (worst.analytic / unit, worst.numeric / unit,
                          worst.tolerance / unit, self.rel_error))
        if self.hint:
            out.append("    hint: " + self.hint)
        return out

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "passed": bool(self.passed),
            "method": self.method,
            "step": float(self.step),
            "directions": [{"analytic": float(d.analytic), "numeric": float(d.numeric),
                            "tolerance": float(d.tolerance), "passed": bool(d.passed)}
                           for d in self.directions],
            "error_ratio": float(self.error_ratio),
            "rel_error": float(self.rel_error),
            "worst_index": None if self.worst_index is None else list(self.worst_index),
            "analytic_at_worst": _plain(self.analytic_at_worst),
            "numeric_at_worst": _plain(self.numeric_at_worst),
            "n_off": self.n_off,
            "n_off_exact": bool(self.n_off_exact),
            "n_off_note": self.n_off_note,
            "entries": [{"index": list(e.index), "analytic": float(e.analytic),
                         "numeric": float(e.numeric), "off": bool(e.off)}
                        for e in self.entries],
            "hint": self.hint,
        }


@dataclass
class GradCheckReport:
    """The result of ``check_gradient``.

    ``passed`` is the verdict; ``inputs`` holds one ``InputResult`` per checked input
    (also reachable as ``report["x"]``); ``problems`` the failures that are not about
    values (a backward writing into its inputs, nondeterminism, a nonzero gradient
    for a zero ``dout``, a gradient of the wrong shape); ``notes`` remarks that do not
    fail the check (float32 inputs upcast). ``forward_evals`` and ``backward_evals``
    count the calls made. ``str(report)`` is the text a student reads.
    """

    function: str
    passed: bool
    inputs: List[InputResult] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    forward_evals: int = 0
    backward_evals: int = 0

    def __getitem__(self, name: str) -> InputResult:
        for result in self.inputs:
            if result.name == name:
                return result
        raise KeyError(name)

    def __str__(self) -> str:
        lines = ["gradient check of %s: %s" % (self.function,
                                               "passed" if self.passed else "FAILED")]
        for problem in self.problems:
            lines.append("  " + problem)
        for result in self.inputs:
            lines.extend("  " + line for line in result.lines())
        for note in self.notes:
            lines.append("  note: " + note)
        lines.append("  (%d forward and %d backward evaluations)"
                     % (self.forward_evals, self.backward_evals))
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        """Plain Python types only (JSON-serializable)."""
        return {
            "function": self.function,
            "passed": bool(self.passed),
            "inputs": [r.to_dict() for r in self.inputs],
            "problems": list(self.problems),
            "notes": list(self.notes),
            "forward_evals": int(self.forward_evals),
            "backward_evals": int(self.backward_evals),
            "text": str(self),
        }


def _plain(value):
    return None if value is None else float(value)


def _num(value):
    """A float for display (-0.0 shown as 0)."""
    return float(value) + 0.0


def _shape_text(shape):
    if len(shape) == 1:
        return "(%d,)" % shape[0]
    return "(" + ", ".join(str(s) for s in shape) + ")"


class _Failure(Exception):
    """A failure of the code under check that ends the check (message for the report)."""


# ---------------------------------------------------------------------------
# Tolerance
# ---------------------------------------------------------------------------
#
# Steps. An input x is perturbed entry by entry, x +- w with w_i = h_i v_i, where
# h_i = h_rel * s_i and s_i is the scale on which x varies at entry i: the standard
# deviation over the batch (axis 0) of its column for arrays of two or more
# dimensions, the standard deviation of all entries for vectors; at least 1e-4 of
# the column's rms (the rms itself for a constant column, 1 for zeros). A step set
# by the spread rather than by |x| keeps large offsets (x = 1e4 + noise) and
# features of different scales (columns from 1e-2 to 1e2) where the central
# difference is accurate.
#
# Let psi(t) = phi(x + t w). The central difference with the unit step,
#     numeric = (psi(1) - psi(-1)) / 2 = psi'(0) + psi'''(xi) / 6 + rounding,
# is compared with the analytic psi'(0) = <g, w>. Its two errors:
#
# * truncation, psi''' / 6 = sum_ijk T_ijk w_i w_j w_k / 6. For a function that
#   varies on the scale s of its input, T ~ g / s**2, so this is ~ h_rel**2 = 1e-10
#   of psi' itself, far below rtol. But psi' can be small by cancellation while the
#   curvature is not (a gradient that nearly vanishes), so the bound must not rest
#   on g alone: at the output's scale S = sum |out * dout|, T ~ S / s**3 and the
#   truncation is ~ h_rel**3 * S.
# * rounding. A forward pass computes phi with an error of a few eps times S (each
#   output carries a relative error ~ eps; the absolute sum is the worst case),
#   plus what the rounding of its inputs costs, ~ eps * |g * x|, plus cancellation
#   inside the pass: x - mean with |x| >> s leaves an error ~ eps |x| in a quantity
#   of size s, a relative error eps * c with c = max |x_i| / s_i in every output,
#   even where the total gradient is tiny (batchnorm ignores a shift of the mean).
#   The last two are sums of independent terms, hence 2-norms.
#
# The "floor" is
#     _FLOOR_FACTOR * (eps * (S + |g * x|_2 + c * |out * dout|_2) + h_rel**3 * S):
# every error at the output's scale, with slack. The rounding of x +- w itself (~ eps |x|) is
# removed: the analytic side uses the step actually taken, ((x + w) - (x - w)) / 2.
# That subtraction is exact when x + w and x - w are within a factor 2 of each
# other (Sterbenz), and otherwise (x within a few steps of 0) off by ~ eps of the
# step only. h_rel = 1e-5 sits near eps**(1/3) ~ 6e-6, the step that balances the
# truncation and the rounding of a central difference.
#
# Tolerance. The comparison of a block B of entries (all entries in tier 1) is
#     |<g_B, w_B> - numeric_B| <= floor + 2 sqrt(sum_{i in B} sigma_i**2 v_i**2)
# with sigma_i**2 = (atol h_i)**2 + rtol**2 (q_i**2 + mean(q**2)), q_i = g_i h_i.
# Each entry may be off by about atol + rtol max(|g_i|, rms(g h) / h_i): relative to
# the gradient's scale (per step, so that features of different scales weigh alike),
# so that a correct entry that is zero or tiny is not held to a relative tolerance.
# The errors of a block's entries add in the 2-norm, since they are not correlated
# with the random signs of v; the factor 2 is slack. For a single entry the bound
# reads |g_i - numeric_i| <= 2 sigma_i / h_i + floor / |w_i|.
#
# Why a single wrong entry cannot hide. Every |v_i| is in [1, 2) (random signs,
# random magnitudes), so an entry off by e moves <g, w> by at least |e| h_i, for
# every index and either sign. With equal steps it is caught in tier 1 when
#     |e| > floor / h + 2 rtol sqrt(2 n E[v**2]) rms(g),    E[v**2] = 7/3.
# For a 64x256 batchnorm (n = 16384, rtol = 1e-6) the right side is ~ 6e-4 rms(g),
# while an entry off by 5% of mean|dx| is off by ~ 0.04 rms(g): a margin of ~70.
# (Gaussian directions would not give this: with probability ~8% |v_i| < 0.1.)
# The random magnitudes, rather than plain +-1, make it unlikely that several wrong
# entries cancel: with +-1 two entries off by the same amount cancel in half of
# the directions; here a near-cancellation needs |v_i| ~ |v_j|, and every direction
# must be fooled. During bisection the blocks shrink, so does their tolerance, and
# the wrong entry stands out more and more.

_FLOOR_FACTOR = 4.0
_SPREAD_FLOOR = 1e-4
_SEED_SALT = 0x67726164     # "grad"
_RATIO_AGREEMENT = 1e-3


def _spread(x):
    """The scale s_i on which x varies at each entry (see "Steps" above), and the
    cancellation factor c = max |x_i| / spread_i (before the floor on the spread)."""
    if x.size == 0:
        return np.ones(x.shape), 0.0
    if x.ndim >= 2 and x.shape[0] >= 2:
        std = x.std(axis=0, keepdims=True)
        rms = np.sqrt(np.mean(x * x, axis=0, keepdims=True))
    else:
        std = np.full((1,) * x.ndim, x.std())
        rms = np.full((1,) * x.ndim, math.sqrt(float(np.mean(x * x))))
    raw = np.where(std > 0, std, rms)
    raw = np.where((raw > 0) & np.isfinite(raw), raw, 1.0)
    spread = np.maximum(raw, _SPREAD_FLOOR * rms)
    cancellation = float(np.max(np.abs(x) / raw))
    return np.broadcast_to(spread, x.shape), cancellation


class _InputState:
    """Per-input arrays used by the checks (flat views, one entry per coordinate)."""

    def __init__(self, pos, name, x, g, h_rel, rng, n_dirs, rtol, atol, out_scale,
                 out_norm):
        self.pos = pos
        self.name = name
        self.x = x
        self.g = g
        self.flat_g = g.reshape(-1)
        self.n = x.size
        spread, cancellation = _spread(x)
        self.h = (h_rel * spread).reshape(-1)
        q = self.flat_g * self.h
        ms_q = float(np.mean(q * q)) if self.n else 0.0
        self.rms_q = math.sqrt(ms_q)
        # sigma_i**2, see "Tolerance" above
        self.sigma2 = (atol * self.h) ** 2 + rtol ** 2 * (q * q + ms_q)
        gx = math.sqrt(_dot(self.flat_g * x.reshape(-1), self.flat_g * x.reshape(-1)))
        self.floor = _FLOOR_FACTOR * (_EPS * (out_scale + gx + cancellation * out_norm)
                                      + h_rel ** 3 * out_scale)
        self.plus, self.minus, self.w, self.weight = [], [], [], []
        flat_x = x.reshape(-1)
        for _ in range(max(1, n_dirs)):
            # One uniform draw t in [-1, 1) gives v = t + sign(t): a random sign and
            # a magnitude uniform in [1, 2).
            t = 2.0 * rng.random_sample(self.n) - 1.0
            v = np.where(t >= 0, t + 1.0, t - 1.0)
            step = self.h * v
            plus = (flat_x + step).reshape(x.shape)
            minus = (flat_x - step).reshape(x.shape)
            plus.setflags(write=False)
            minus.setflags(write=False)
            self.plus.append(plus)
            self.minus.append(minus)
            self.w.append((plus - minus).reshape(-1) / 2.0)    # the step actually taken
            self.weight.append(self.sigma2 * v * v)

    def tolerance(self, k, idx):
        return self.floor + 2.0 * math.sqrt(float(np.sum(self.weight[k][idx])))

    def analytic(self, k, idx):
        return _dot(self.flat_g[idx], self.w[k][idx])

    def entry_sigma(self):
        """Per entry, how far the gradient may be off (gradient units, no floor)."""
        return 2.0 * np.sqrt(self.sigma2) / self.h

    def step_at(self, index):
        if not index:                        # a 0-d input
            return float(self.h[0])
        return float(self.h[np.ravel_multi_index(index, self.x.shape)])

    def unravel(self, flat_index):
        return tuple(int(i) for i in np.unravel_index(int(flat_index), self.x.shape))


@dataclass
class _Block:
    lo: int
    hi: int
    analytic: float
    numeric: float
    tolerance: float
    measured: bool

    @property
    def size(self):
        return self.hi - self.lo

    @property
    def discrepancy(self):
        return self.analytic - self.numeric

    @property
    def fails(self):
        return abs(self.discrepancy) > self.tolerance

    @property
    def badness(self):
        return abs(self.discrepancy) / max(self.tolerance, 1e-300)


# ---------------------------------------------------------------------------
# check_gradient
# ---------------------------------------------------------------------------

def check_gradient(forward: Callable, backward: Union[Callable, Any], inputs, *,
                   wrt=None, dout=None, seed: int = 0, rtol: float = 1e-6,
                   atol: float = 0.0, h: float = 1e-5, directions: int = 2,
                   localize: bool = True, max_coordinate_checks: int = 64,
                   full_check_size: int = 32, max_reported: int = 5,
                   name: Optional[str] = None) -> GradCheckReport:
    """Check a backward pass against central differences of its forward pass.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs)`` returns the output array (or a Python float), or a pair
        ``(out, cache)`` like a cs231n layer; the cache is what ``backward`` receives.
    backward : callable, array, sequence of arrays or dict of arrays
        Either ``backward(dout, cache)`` returning the gradients of
        ``sum(out * dout)`` -- one array per floating-point array input, in order,
        as a tuple, or a single array when there is one such input (a dict keyed by
        input name also works) -- or those gradients themselves. Arrays given
        directly must have been computed for ``dout``: pass ``dout`` unless the
        output is a scalar (then ``dout = 1``).
    inputs : sequence or dict
        The arguments of ``forward``, in order. A dict gives the names used in the
        report (its values are still passed positionally, in order); otherwise the
        names come from ``forward``'s signature. Arguments that are not arrays (a
        ``bn_param`` dict, a float) are passed through and not differentiated.
    wrt : names or positions, optional
        The inputs to check; default: every array input. Integer (and bool,
        complex) arrays cannot be differentiated and raise ``TypeError``: leave
        label arrays out with ``wrt``.
    dout : array, optional
        The upstream gradient. Default: a seeded standard Gaussian of the output's
        shape.
    seed : int
        Seeds ``dout``, the random directions and the sampled entries (numpy's
        legacy ``RandomState``, whose streams are frozen across numpy versions,
        salted so that they differ from ``RandomState(seed)``'s).
    rtol, atol : float
        Each gradient entry may be off by about ``atol + rtol * max(|g_i|, rms(g))``
        on top of the estimated truncation and rounding error of the finite
        differences (see the comment above ``_FLOOR_FACTOR``). With the defaults a
        correct float64 layer passes with a margin of two orders of magnitude or
        more, and an entry off by 5% of the mean |gradient| is caught in a 64x256
        input.
    h : float
        Relative step: entry ``i`` of ``x`` moves by ``h * s_i * v_i`` with
        ``1 <= |v_i| < 2``, where ``s_i`` is the spread of its column over the batch
        (axis 0) for arrays of two or more dimensions, of the whole array for
        vectors (and ``|x|``, or 1, where ``x`` is constant).
    directions : int
        Random directions per input in tier 1 (two forward evaluations each).
    localize : bool
        Find the wrong entries when a direction fails (tier 2), and check small
        inputs entry by entry. With ``False`` only tier 1 runs.
    max_coordinate_checks : int
        Budget of tier-2 evaluations (blocks or single entries, two forward
        evaluations each) per failing input.
    full_check_size : int
        Inputs with at most this many entries are checked entry by entry (2 forward
        evaluations per entry) instead of along random directions.
    max_reported : int
        Stop localizing after this many wrong entries; the rest is estimated.
    name : str, optional
        The name shown in the report; default: the backward's (or forward's) name.

    Returns
    -------
    GradCheckReport
        ``.passed``, per-input results and the text for a student in ``str()``.

    Every array handed to ``forward`` and ``backward`` is read-only: the inputs are
    the checker's own copies (float inputs as float64; float32 and float16 ones are
    upcast, and the report says so; containers such as a ``bn_param`` dict are fresh
    for every call), ``dout`` is the checker's, and the arrays in the cache are
    marked read-only before ``backward`` sees them. A pass that writes into its
    inputs fails with a message that names it.
    The checker also verifies that the same inputs give the same outputs twice (and
    the same gradients), and that a zero ``dout`` gives exactly zero gradients.
    """
    checker = _Checker(forward, backward, inputs, wrt=wrt, dout=dout, seed=seed,
                       rtol=rtol, atol=atol, h=h, directions=directions,
                       localize=localize, max_coordinate_checks=max_coordinate_checks,
                       full_check_size=full_check_size, max_reported=max_reported,
                       name=name)
    return checker.run()


def _function_name(fn):
    name = getattr(fn, "__qualname__", None)
    if not name or "<locals>" in name:     # nested functions: the plain name reads better
        name = getattr(fn, "__name__", None)
    return name or type(fn).__name__


def _positional_names(forward, count):
    try:
        params = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(count):
        if i < len(params) and params[i].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                  inspect.Parameter.POSITIONAL_OR_KEYWORD):
            names.append(params[i].name)
        else:
            names.append("input%d" % i)
    return names


class _Checker:

    def __init__(self, forward, backward, inputs, *, wrt, dout, seed, rtol, atol, h,
                 directions, localize, max_coordinate_checks, full_check_size,
                 max_reported, name):
        if not callable(forward):
            raise TypeError("forward must be callable, got %s" % type(forward).__name__)
        self.forward = forward
        self.backward = backward if callable(backward) else None
        self.given_grads = None if callable(backward) else backward
        self.forward_name = _function_name(forward)
        self.backward_name = _function_name(backward) if self.backward else None
        self.function = name or self.backward_name or self.forward_name
        if rtol < 0 or atol < 0 or h <= 0:
            raise ValueError("rtol and atol must be >= 0 and h > 0")
        if directions < 1:
            raise ValueError("directions must be at least 1, got %r" % (directions,))
        self.rtol, self.atol, self.h_rel = float(rtol), float(atol), float(h)
        self.n_dirs = int(directions)
        self.localize = bool(localize)
        self.budget = int(max_coordinate_checks)
        self.full_check_size = int(full_check_size)
        self.max_reported = max(1, int(max_reported))
        # Salted, so that the checker's draws never coincide with inputs the caller
        # drew from RandomState(seed): a dout equal to (a multiple of) x can make a
        # gradient vanish and the check toothless. RandomState: frozen streams.
        self.rng = np.random.RandomState([int(seed) % 2**32, _SEED_SALT])
        self.notes = []
        self.forward_evals = 0
        self.backward_evals = 0
        self.out_shape = None
        self._prepare_inputs(inputs, wrt)
        self.user_dout = dout

    # -- inputs ------------------------------------------------------------

    def _prepare_inputs(self, inputs, wrt):
        if isinstance(inputs, dict):
            names = [str(key) for key in inputs]
            values = list(inputs.values())
        elif isinstance(inputs, np.ndarray):
            raise TypeError("inputs must be a sequence (or dict) of forward's arguments; "
                            "wrap a single array as [x]")
        else:
            values = list(inputs)
            names = _positional_names(self.forward, len(values))
        self.names = names
        self.values = []
        self.diff_positions = []        # float arrays: one gradient each, in order
        array_positions = []
        for pos, (nm, value) in enumerate(zip(names, values)):
            if isinstance(value, np.ndarray):
                array_positions.append(pos)
                kind = value.dtype.kind
                if kind == "f":
                    copy = np.array(value, dtype=np.float64, order="C", copy=True)
                    if value.dtype != np.float64:
                        self.notes.append("%s is %s: it was checked on a float64 copy "
                                          "(finite differences need float64)"
                                          % (nm, value.dtype))
                    self.diff_positions.append(pos)
                else:
                    copy = np.array(value, order="C", copy=True)
                copy.setflags(write=False)
                self.values.append(copy)
            else:
                self.values.append(_private_copy(value))
        if wrt is None:
            wanted = array_positions
        else:
            if isinstance(wrt, (str, int, np.integer)):
                wrt = [wrt]
            wanted = []
            for item in wrt:
                if isinstance(item, str):
                    if item not in names:
                        raise ValueError("wrt names %r, but the inputs are %s"
                                         % (item, ", ".join(names)))
                    wanted.append(names.index(item))
                elif isinstance(item, (int, np.integer)) and 0 <= int(item) < len(names):
                    wanted.append(int(item))
                else:
                    raise ValueError("wrt entry %r is neither an input name nor a "
                                     "position below %d" % (item, len(names)))
        for pos in wanted:
            value = self.values[pos]
            if not isinstance(value, np.ndarray):
                raise TypeError("input %r is a %s, not an array: it cannot be "
                                "differentiated" % (names[pos], type(value).__name__))
            if value.dtype.kind != "f":
                raise TypeError(
                    "input %r has dtype %s: only floating-point inputs can be checked "
                    "(a finite-difference step on integers truncates to garbage). "
                    "Pass a float64 array, or leave it out with wrt=[...] if it holds "
                    "labels or indices." % (names[pos], value.dtype))
        if not wanted:
            raise ValueError("no input to check: inputs has no array")
        self.wrt_positions = sorted(set(wanted), key=wanted.index)

    # -- calling the code under check -----------------------------------------

    def _call(self, fn, fn_name, args, role):
        try:
            return fn(*args)
        except ValueError as exc:
            if _is_read_only_error(exc):
                if role == "backward":
                    raise _Failure(
                        "%s writes into one of its inputs (dout or the cache): make a "
                        "copy first, e.g. dx = dout.copy()" % fn_name) from None
                raise _Failure(
                    "%s writes into one of its inputs: make a copy first, e.g. "
                    "out = x.copy()" % fn_name) from None
            raise

    def _run_forward(self, replace=None):
        args = [_fresh_containers(v) for v in self.values]
        if replace is not None:
            args[replace[0]] = replace[1]
        self.forward_evals += 1
        result = self._call(self.forward, self.forward_name, args, "forward")
        if isinstance(result, tuple) and len(result) == 2:
            out, cache = result
        else:
            out, cache = result, None
        return self._validate_out(out), cache

    def _validate_out(self, out):
        if isinstance(out, (float, int, np.floating)) and not isinstance(out, bool):
            if isinstance(out, np.floating) and out.dtype != np.float64:
                raise _Failure("%s returned a %s scalar for float64 inputs: finite "
                               "differences need float64 throughout"
                               % (self.forward_name, out.dtype))
            out = np.asarray(out, dtype=np.float64)
        if not isinstance(out, np.ndarray):
            raise _Failure("%s returned a %s; expected an array (or a float), or a pair "
                           "(out, cache)" % (self.forward_name, type(out).__name__))
        if out.dtype != np.float64:
            if out.dtype.kind == "f":
                raise _Failure("%s returned %s output for float64 inputs: finite "
                               "differences need float64 throughout (does it cast, "
                               "e.g. .astype(np.float32)?)" % (self.forward_name, out.dtype))
            raise _Failure("%s returned output of dtype %s; expected float64"
                           % (self.forward_name, out.dtype))
        if self.out_shape is not None and out.shape != self.out_shape:
            raise _Failure("%s returned shape %s on a perturbed input but %s before"
                           % (self.forward_name, out.shape, self.out_shape))
        if not np.all(np.isfinite(out)):
            raise _Failure("%s returned NaN or inf" % self.forward_name)
        return out

    def _phi(self, pos, array):
        out, _ = self._run_forward((pos, array))
        return _dot(out.reshape(-1), self.flat_dout)

    def _run_backward(self, dout, cache):
        self.backward_evals += 1
        return self._call(self.backward, self.backward_name, (dout, cache), "backward")

    # -- gradients -------------------------------------------------------------

    def _grads_by_position(self, raw, source):
        names = self.names
        expected = [names[p] for p in self.diff_positions]
        if isinstance(raw, dict):
            grads = {}
            for pos in self.wrt_positions:
                key = names[pos]
                for candidate in (key, "d" + key):
                    if candidate in raw:
                        grads[pos] = raw[candidate]
                        break
                else:
                    raise _Failure("%s has no gradient for %s (keys: %s)"
                                   % (source, key, ", ".join(map(str, raw))))
        else:
            if isinstance(raw, (tuple, list)):
                items = list(raw)
            else:
                items = [raw]
            if len(items) == len(self.diff_positions):
                order = self.diff_positions
            elif self.backward is None and len(items) == len(self.wrt_positions):
                order = self.wrt_positions
            else:
                raise _Failure(
                    "%s returned %d gradient%s; expected %d (%s): one per floating-point "
                    "array input, in order" % (source, len(items),
                                               "" if len(items) == 1 else "s",
                                               len(expected),
                                               ", ".join("d" + e for e in expected)))
            grads = dict(zip(order, items))
        checked = {}
        for pos in self.wrt_positions:
            checked[pos] = self._validate_grad(grads.get(pos), pos, source)
        return grads, checked

    def _validate_grad(self, grad, pos, source):
        name = self.names[pos]
        x = self.values[pos]
        dname = "d" + name
        if grad is None:
            raise _Failure("%s returned None for %s" % (source, dname))
        if isinstance(grad, (float, np.floating)) and x.shape == ():
            grad = np.asarray(grad)
        if not isinstance(grad, np.ndarray):
            raise _Failure("%s returned a %s for %s; expected a numpy array"
                           % (source, type(grad).__name__, dname))
        if grad.dtype.kind != "f":
            raise _Failure("%s returned %s of dtype %s; expected a float array"
                           % (source, dname, grad.dtype))
        if grad.shape != x.shape:
            msg = ("%s returned %s of shape %s; %s has shape %s"
                   % (source, dname, _shape_text(grad.shape), name, _shape_text(x.shape)))
            if grad.ndim == x.ndim + 1 and grad.shape[1:] == x.shape:
                msg += (": the sum over the batch (axis 0) is missing, e.g. "
                        "%s = dout.sum(axis=0)" % dname)
            elif grad.ndim == 2 and grad.shape == x.shape[::-1]:
                msg += ": is it transposed?"
            raise _Failure(msg)
        if not np.all(np.isfinite(grad)):
            raise _Failure("%s returned NaN or inf in %s" % (source, dname))
        return np.array(grad, dtype=np.float64, copy=True)

    # -- the run ---------------------------------------------------------------

    def run(self):
        results = []
        problems = []
        try:
            self._run(results)
        except _Failure as failure:
            problems.append(str(failure))
        passed = not problems and all(r.passed for r in results)
        return GradCheckReport(function=self.function, passed=passed, inputs=results,
                               problems=problems, notes=self.notes,
                               forward_evals=self.forward_evals,
                               backward_evals=self.backward_evals)

    def _run(self, results):
        out, cache = self._run_forward()
        self.out_shape = out.shape
        out_again, _ = self._run_forward()
        if not _same(out, out_again):
            raise _Failure(
                "%s returned different outputs for the same inputs (largest difference "
                "%.3g): a random mask drawn without a fixed seed, or state kept between "
                "calls?" % (self.forward_name, float(np.max(np.abs(out - out_again)))))
        make_read_only(cache)

        # The upstream gradient.
        if self.user_dout is not None:
            dout = np.array(self.user_dout, dtype=np.float64, copy=True)
            if dout.shape != out.shape:
                raise ValueError("dout has shape %s but the output has shape %s"
                                 % (dout.shape, out.shape))
        elif self.backward is None and out.ndim > 0 and out.size != 1:
            raise ValueError("gradients given as arrays must come with the dout they "
                             "were computed for (the output is not a scalar): pass dout=")
        elif self.backward is None:
            dout = np.ones(out.shape)
        else:
            dout = self.rng.standard_normal(out.shape)
        dout = np.asarray(dout, dtype=np.float64)
        dout.setflags(write=False)
        self.flat_dout = dout.reshape(-1)

        if self.backward is not None:
            source = self.backward_name
            raw = self._run_backward(dout, cache)
            _, grads = self._grads_by_position(raw, source)
            raw_again = self._run_backward(dout, cache)
            _, grads_again = self._grads_by_position(raw_again, source)
            for pos in self.wrt_positions:
                if not _same(grads[pos], grads_again[pos]):
                    raise _Failure(
                        "%s returned a different d%s when called twice with the same "
                        "dout and cache (largest difference %.3g): does it change the "
                        "cache or keep state between calls?"
                        % (source, self.names[pos],
                           float(np.max(np.abs(grads[pos] - grads_again[pos])))))
            zero = np.zeros_like(dout)
            zero.setflags(write=False)
            raw_zero = self._run_backward(zero, cache)
            _, zero_grads = self._grads_by_position(raw_zero, source)
            for pos in self.wrt_positions:
                g0 = zero_grads[pos]
                if np.any(g0 != 0):
                    raise _Failure(
                        "%s returned a nonzero d%s (largest |d%s| = %.3g) for a zero "
                        "upstream gradient dout; every gradient must be linear in dout: "
                        "look for a term that does not multiply dout, or state kept "
                        "between calls" % (source, self.names[pos], self.names[pos],
                                           float(np.max(np.abs(g0)))))
        else:
            _, grads = self._grads_by_position(self.given_grads, "the gradients passed")

        out_dout = np.abs(out * dout)
        out_scale = float(np.sum(out_dout))
        out_norm = math.sqrt(_dot(out_dout, out_dout))
        for pos in self.wrt_positions:
            state = _InputState(pos, self.names[pos], self.values[pos], grads[pos],
                                self.h_rel, self.rng, self.n_dirs, self.rtol, self.atol,
                                out_scale, out_norm)
            results.append(self._check_input(state))

    # -- one input ------------------------------------------------------------------

    def _measure(self, st, k, lo=None, hi=None, idx=None):
        """Central difference along the step w_k restricted to a block of entries
        (a flat range lo:hi or an index array idx): (phi(x + w) - phi(x - w)) / 2."""
        if idx is None and lo == 0 and hi == st.n:
            plus, minus = st.plus[k], st.minus[k]
        else:
            sel = slice(lo, hi) if idx is None else idx
            plus = st.x.copy()
            plus.reshape(-1)[sel] = st.plus[k].reshape(-1)[sel]
            plus.setflags(write=False)
            minus = st.x.copy()
            minus.reshape(-1)[sel] = st.minus[k].reshape(-1)[sel]
            minus.setflags(write=False)
        phi_plus = self._phi(st.pos, plus)
        phi_minus = self._phi(st.pos, minus)
        return (phi_plus - phi_minus) / 2.0

    def _entry(self, st, flat_index, k=0):
        """Measure one entry directly (two forward evaluations)."""
        i = int(flat_index)
        numeric_dir = self._measure(st, k, i, i + 1)
        wi = st.w[k][i]
        analytic = float(st.flat_g[i])
        numeric = numeric_dir / wi
        tol = st.tolerance(k, slice(i, i + 1))
        off = abs(analytic * wi - numeric_dir) > tol
        return EntryCheck(st.unravel(i), analytic, float(numeric), bool(off),
                          float(tol / abs(wi)))

    def _check_input(self, st):
        result = InputResult(name=st.name, shape=tuple(st.x.shape), passed=True,
                             method="directional",
                             step=float(np.median(st.h)) if st.n else 0.0)
        if st.n == 0:
            result.method = "empty"
            return result
        if self.localize and st.n <= self.full_check_size:
            return self._check_coordinatewise(st, result)

        whole = slice(0, st.n)
        for k in range(self.n_dirs):
            numeric = self._measure(st, k, 0, st.n)
            result.directions.append(
                DirectionalCheck(st.analytic(k, whole), numeric, st.tolerance(k, whole)))
        result.error_ratio = max(abs(d.analytic - d.numeric) / max(d.tolerance, 1e-300)
                                 for d in result.directions)
        result.rel_error = self._directional_rel_error(st, result.directions)
        if all(d.passed for d in result.directions):
            return result
        result.passed = False
        if not np.any(st.flat_g != 0):
            result.hint = ("the analytic gradient is all zeros but the numerical one is "
                           "not: is d%s computed and returned (not left as "
                           "np.zeros_like(%s))?" % (st.name, st.name))
        if result.hint is None:
            result.hint = self._dout_hint(st)
        if not self.localize:
            return result
        if self._try_scale(st, result):
            return result
        self._bisect(st, result)
        return result

    def _directional_rel_error(self, st, directions):
        # For random signs, |<e, w>| ~ |e * w|_2: the ratio estimates the relative
        # error of the gradient, each entry weighted by its step.
        worst = 0.0
        for k, d in enumerate(directions):
            gw = st.flat_g * st.w[k]
            scale = max(math.sqrt(_dot(gw, gw)), abs(d.numeric))
            if scale > 0:
                worst = max(worst, abs(d.analytic - d.numeric) / scale)
        return worst

    # -- small inputs: every entry ----------------------------------------------------

    def _check_coordinatewise(self, st, result):
        result.method = "coordinatewise"
        entries = [self._entry(st, i) for i in range(st.n)]
        numeric = np.array([e.numeric for e in entries]).reshape(st.x.shape)
        off = np.array([e.off for e in entries]).reshape(st.x.shape)
        ratios = []
        for i, e in enumerate(entries):
            tol = st.tolerance(0, slice(i, i + 1)) / abs(st.w[0][i])
            ratios.append(abs(e.analytic - e.numeric) / max(tol, 1e-300))
        result.error_ratio = max(ratios)
        diff = np.linalg.norm((st.g - numeric).ravel())
        scale = max(np.linalg.norm(st.g.ravel()), np.linalg.norm(numeric.ravel()))
        result.rel_error = float(diff / scale) if scale > 0 else 0.0
        if not off.any():
            return result
        result.passed = False
        result.n_off = int(off.sum())
        result.n_off_exact = True
        result.n_off_note = "every entry checked"
        worst = int(np.argmax(np.abs(st.g - numeric).ravel()))
        result.worst_index = st.unravel(worst)
        result.analytic_at_worst = float(st.flat_g[worst])
        result.numeric_at_worst = float(numeric.reshape(-1)[worst])
        result.entries = [e for e in entries if e.off]
        result.entries.sort(key=lambda e: -abs(e.analytic - e.numeric))
        result.entries = result.entries[:self.max_reported]
        result.hint = self._dout_hint(st) or self._hint_from_entries(
            st, [e for e in entries if e.off], all_entries=entries,
            confined=self._confinement_from_mask(st, off))
        return result

    # -- a constant ratio: scale bug, sign flip -----------------------------------------

    def _try_scale(self, st, result):
        """If every direction fails by the same fraction c of the analytic value (a scale
        bug: g = r * g_true, so analytic - numeric = c * analytic with c = 1 - 1/r),
        confirm it on a few entries (the largest |g| and three random ones) and report
        the scale bug without bisecting. Returns True when confirmed."""
        dirs = result.directions
        if len(dirs) < 2 or any(d.passed for d in dirs) or not np.any(st.flat_g != 0):
            return False
        if any(d.analytic == 0 for d in dirs):
            return False
        lead = max(dirs, key=lambda d: abs(d.analytic - d.numeric) / d.tolerance)
        c = (lead.analytic - lead.numeric) / lead.analytic
        if not all(_fits_scale(c, d.analytic, d.numeric, d.tolerance) for d in dirs):
            return False
        abs_g = np.abs(st.flat_g)
        candidates = np.flatnonzero(abs_g * st.h >= 0.25 * st.rms_q)
        picks = [int(np.argmax(abs_g))]
        others = candidates[candidates != picks[0]]
        if others.size:
            picks += [int(i) for i in self.rng.choice(others, size=min(3, others.size),
                                                        replace=False)]
        entries = [self._entry(st, i) for i in picks]
        if not all(_fits_scale(c, e.analytic, e.numeric, e.tolerance) for e in entries):
            result.entries = [e for e in entries if e.off]
            return False
        r = 1.0 / (1.0 - c) if c != 1 else math.inf
        result.entries = entries
        worst = entries[0]
        result.worst_index = worst.index
        result.analytic_at_worst = worst.analytic
        result.numeric_at_worst = worst.numeric
        # Entry i is off by |c * g_i|.
        result.n_off = int(np.count_nonzero(abs_g * abs(c) > st.entry_sigma()))
        result.n_off_exact = False
        result.n_off_note = "every nonzero entry, by the same factor"
        result.hint = self._ratio_hint(st, r)
        return True

    def _ratio_hint(self, st, r):
        return patterns.scale_hint(r, "the analytic gradient", "the numerical one",
                                   " for every entry") or None

    # -- bisection ------------------------------------------------------------------

    def _bisect(self, st, result):
        dirs = result.directions
        k = max(range(len(dirs)), key=lambda j: abs(dirs[j].analytic - dirs[j].numeric)
                / max(dirs[j].tolerance, 1e-300))
        root = _Block(0, st.n, dirs[k].analytic, dirs[k].numeric, dirs[k].tolerance, True)
        stack = [root]
        found = []          # leaves: (flat index, EntryCheck)
        spread = []         # failing blocks whose halves both pass
        evals = 0
        while stack and len(found) < self.max_reported and evals < self.budget:
            block = stack.pop()
            if block.size == 1:
                entry = None
                if block.measured:
                    wi = st.w[k][block.lo]
                    entry = EntryCheck(st.unravel(block.lo), float(st.flat_g[block.lo]),
                                       float(block.numeric / wi), True,
                                       float(block.tolerance / abs(wi)))
                else:   # inferred from differences: measure it directly
                    evals += 1
                    entry = self._entry(st, block.lo, k)
                    if not entry.off:
                        continue
                found.append((block.lo, entry))
                continue
            mid = block.lo + block.size // 2
            evals += 1
            left_idx = slice(block.lo, mid)
            left = _Block(block.lo, mid, st.analytic(k, left_idx),
                          self._measure(st, k, block.lo, mid),
                          st.tolerance(k, left_idx), True)
            right_idx = slice(mid, block.hi)
            # Both sides are linear in v: the right half's numeric derivative is the
            # parent's minus the left's, and its error at most the sum of theirs.
            right = _Block(mid, block.hi, st.analytic(k, right_idx),
                           block.numeric - left.numeric,
                           block.tolerance + left.tolerance, False)
            failing = sorted((c for c in (left, right) if c.fails), key=lambda c: c.badness)
            if not failing:
                spread.append(block)
            stack.extend(failing)       # the worse half is explored first

        found_entries = [e for _, e in found]
        found_flat = [i for i, _ in found]
        explained = not stack and not spread and self._residual_ok(st, result, found)
        confined = None
        region = None
        if not explained and len(found) >= 2 and st.x.ndim >= 2:
            confined = self._confinement(st, k, root, found_flat)
            if confined is not None:
                region = confined[2]
        sampled = []
        if not explained:
            pool = np.arange(st.n) if region is None else region
            pool = np.setdiff1d(pool, np.array(found_flat, dtype=np.intp))
            m = min(8, pool.size)
            if m:
                picks = self.rng.choice(pool, size=m, replace=False)
                sampled = [self._entry(st, int(i)) for i in picks]

        measured = found_entries + sampled
        off_entries = [e for e in measured if e.off]
        result.entries = off_entries[:self.max_reported + 4]
        if off_entries:
            worst = max(off_entries, key=lambda e: abs(e.analytic - e.numeric))
            result.worst_index = worst.index
            result.analytic_at_worst = worst.analytic
            result.numeric_at_worst = worst.numeric
        if explained:
            result.n_off = len(found)
            result.n_off_exact = True
            result.n_off_note = "found by bisection"
        else:
            lower = len(found) + len(stack) + len(spread)
            size = st.n if region is None else region.size
            estimate = lower
            if sampled:
                frac = sum(e.off for e in sampled) / len(sampled)
                estimate = max(lower, len(found) + int(round(frac * (size - len(found)))))
                result.n_off_note = ("estimated: %d of %d sampled entries are off"
                                     % (sum(e.off for e in sampled), len(sampled)))
            result.n_off = estimate
            result.n_off_exact = False
        if result.hint is None:
            result.hint = self._hint_from_entries(
                st, off_entries, explained=explained, confined=confined,
                spread=bool(spread) and not found)

    def _residual_ok(self, st, result, found):
        """Do the entries found explain every tier-1 discrepancy?"""
        for k, d in enumerate(result.directions):
            residual = d.analytic - d.numeric
            bound = d.tolerance
            for flat, entry in found:
                residual -= (entry.analytic - entry.numeric) * st.w[k][flat]
                bound += st.tolerance(k, slice(flat, flat + 1))
            if abs(residual) > bound:
                return False
        return True

    def _confinement(self, st, k, root, found_flat):
        """If the entries found share an index along an axis, test whether the error
        lies entirely in that slice (the slice measured, its complement inferred)."""
        indices = np.array([st.unravel(i) for i in found_flat])
        for axis in range(st.x.ndim):
            column = indices[:, axis]
            if not np.all(column == column[0]):
                continue
            where = np.zeros(st.x.shape, dtype=bool)
            sl = [slice(None)] * st.x.ndim
            sl[axis] = int(column[0])
            where[tuple(sl)] = True
            region = np.flatnonzero(where.reshape(-1))
            if region.size == st.n:
                continue
            numeric = self._measure(st, k, idx=region)
            analytic = st.analytic(k, region)
            tol = st.tolerance(k, region)
            rest_disc = (root.analytic - analytic) - (root.numeric - numeric)
            if abs(analytic - numeric) > tol and abs(rest_disc) <= root.tolerance + tol:
                return (axis, int(column[0]), region)
        return None

    def _confinement_from_mask(self, st, off):
        if st.x.ndim < 2 or off.sum() < 2:
            return None
        where = np.argwhere(off)
        for axis in range(st.x.ndim):
            if np.all(where[:, axis] == where[0, axis]):
                return (axis, int(where[0, axis]), None)
        return None

    # -- hints ------------------------------------------------------------------------

    def _dout_hint(self, st):
        """Recognize a gradient that is a slice or a wrong-axis sum of dout (the usual
        shapes of a missing sum over the batch), by its values."""
        dout = self.flat_dout.reshape(self.out_shape)
        if dout.ndim < 2 or not np.any(st.flat_g != 0):
            return None
        name = st.name
        candidates = [("dout[0]", dout[0]), ("dout[-1]", dout[-1])]
        for axis in range(1, dout.ndim):
            candidates.append(("dout.sum(axis=%d)" % axis, dout.sum(axis=axis)))
        for text, value in candidates:
            if value.shape == st.g.shape and np.allclose(st.g, value, rtol=1e-12,
                                                         atol=1e-300):
                if text.startswith("dout.sum"):
                    return ("d%s equals %s: the sum over the batch is taken over the "
                            "wrong axis (it should be axis 0, e.g. d%s = dout.sum(axis=0))"
                            % (name, text, name))
                return ("d%s equals %s, a single sample of the batch: the sum over the "
                        "batch is missing (e.g. d%s = dout.sum(axis=0))" % (name, text, name))
        return None

    def _hint_from_entries(self, st, off_entries, all_entries=None, explained=False,
                           confined=None, spread=False):
        if not np.any(st.flat_g != 0):
            return ("the analytic gradient is all zeros but the numerical one is not: is "
                    "d%s computed and returned (not left as np.zeros_like(%s))?"
                    % (st.name, st.name))
        near_kink = [e for e in off_entries
                     if abs(st.x[e.index]) <= 2.0 * 2.0 * st.step_at(e.index)]
        kink = ""
        if near_kink:
            e = near_kink[0]
            kink = ("%s = %.3g is within the finite-difference step of 0: if the "
                    "function has a kink there, like ReLU, the numerical value is not "
                    "reliable at that entry; check it on inputs away from 0"
                    % (_index_name(st.name, e.index), float(st.x[e.index])))
            if explained and len(near_kink) == len(off_entries):
                return kink
            kink = " (" + kink + ")"
        # A constant ratio over every entry (all entries known).
        if all_entries is not None and off_entries:
            lead = max(off_entries, key=lambda e: abs(e.analytic - e.numeric))
            if lead.analytic != 0 and len(off_entries) >= 2:
                c = (lead.analytic - lead.numeric) / lead.analytic
                if all(_fits_scale(c, e.analytic, e.numeric, e.tolerance)
                       for e in all_entries):
                    hint = self._ratio_hint(st, 1.0 / (1.0 - c) if c != 1 else math.inf)
                    if hint:
                        return hint
        if confined is not None:
            axis, index, _ = confined
            if st.x.ndim == 2 and axis == 0:
                where = "row %d of d%s" % (index, st.name)
                why = ("one sample of the batch gets a wrong gradient: a loop over the "
                       "batch that skips or repeats a sample, or a term summed over the "
                       "wrong axis")
            elif st.x.ndim == 2 and axis == 1:
                where = "column %d of d%s" % (index, st.name)
                why = ("one feature gets a wrong gradient: a loop over features that "
                       "skips one, or a sum or mean taken over the wrong axis")
            else:
                where = "the entries of d%s with index %d along axis %d" % (st.name, index,
                                                                            axis)
                why = "a loop that skips one index, or a sum over the wrong axis"
            return "only %s is off: %s%s" % (where, why, kink)
        if explained and off_entries:
            which = ", ".join(_index_name(st.name, e.index) for e in off_entries[:3])
            if len(off_entries) == 1:
                return ("only %s is off, the rest of d%s is right: look for an indexing "
                        "mistake (a wrong or off-by-one index, an entry set by hand) "
                        "rather than a wrong formula%s" % (which, st.name, kink))
            return ("only a few entries are off (%s): look for an indexing mistake "
                    "rather than a wrong formula%s" % (which, kink))
        if spread:
            return ("the error is spread thinly over many entries and no single entry "
                    "stands out: a small term missing from the formula, or a tolerance "
                    "too tight for this function")
        if off_entries:
            return ("entries are off by different amounts: the formula is wrong, not "
                    "just a factor; work the backward out on a tiny example "
                    "(N=2, D=3) against eval_numerical_gradient_array%s" % kink)
        return None


def _fits_scale(c, analytic, numeric, tolerance):
    """Is analytic - numeric = c * analytic, to 1% of the error or the tolerance?"""
    expected = c * analytic
    return abs((analytic - numeric) - expected) <= 0.01 * abs(expected) + tolerance


def _index_name(name, index):
    if len(index) == 0:
        return name
    return "%s[%s]" % (name, ", ".join(str(i) for i in index))


def _dot(a, b):
    """sum(a * b) with numpy's pairwise summation.

    Not np.dot: a BLAS level-1 call may wake a pool of threads for every product,
    which costs more than the product itself when calls are interleaved with other
    work (and much more on a busy machine); the pairwise sum is also more accurate.
    """
    return float(np.sum(a * b))


def _same(a, b):
    """Equal up to a few ulps of the array's scale.

    Exact equality is what a deterministic function gives, but some BLAS builds pick
    a different summation order depending on memory alignment; a few ulps allow for
    that, while a random mask or kept state differs by far more.
    """
    if a.shape != b.shape:
        return False
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    return bool(np.all(np.abs(a - b) <= 64 * _EPS * scale))
