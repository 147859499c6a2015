"""Building blocks shared by the checks: generic forward and backward probes and judges.

A forward check calls the function on fixed read-only inputs and compares ``out`` with the
reference. A backward check calls the student's *own* forward, freezes the cache it built,
calls the student's backward with a fixed Gaussian ``dout`` and compares every gradient with
the reference gradients. It also measures, along a few random directions, the numerical
derivative of the student's own forward: when the gradients are wrong, that tells whether the
backward at least matches the student's forward (then the mistake is in the forward) or not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Sequence, Tuple

import numpy as np

from .. import compare
from ..compare import Failed
from ..gradcheck import check_gradient
from ..probing import call, directions, first, freeze_tree, frozen, numeric_directional, rng

DIRECTIONS = 3
_DIRECTION_SEED = 271828


def inputs_from(seed: int, specs: Dict[str, Callable[[np.random.RandomState], np.ndarray]]) -> Dict[str, np.ndarray]:
    """Build named read-only inputs from one seed; ``specs`` maps a name to ``f(generator)``."""
    generator = rng(seed)
    return {name: frozen(name, make(generator)) for name, make in specs.items()}


def forward_probe(module: str, function: str, seed: int, specs, extra: Callable[[], tuple] = tuple):
    """A probe that calls ``function(*inputs, *extra())`` and returns {"ret": what it returned}."""

    def probe(sub):
        values = inputs_from(seed, specs)
        return {"ret": call(function, getattr(sub, module), *values.values(), *extra())}

    return probe


def forward_judge(function: str, out_what: str = "out", rtol: float = compare.RTOL):
    """Judge a forward: a tuple (out, cache) whose ``out`` matches the reference's."""

    def judge(got, want):
        ret = compare.sequence(got["ret"], 2, function)
        expected = want["ret"][0]
        compare.close(ret[0], expected, f"{function}'s {out_what}", rtol=rtol)

    return judge


@dataclass(frozen=True)
class BackwardInputs:
    """What a backward's check feeds it: its forward's inputs (``seed``, ``specs``, ``extra()``)
    and the shape of dout. ``checks.notebook`` draws its heat maps on the same inputs."""

    module: str
    forward: str
    seed: int
    specs: Any
    dout_shape: Tuple[int, ...]
    extra: Callable[[], tuple]

    def arrays(self) -> Dict[str, np.ndarray]:
        """The forward's named inputs (writable copies) and "dout", as the check builds them."""
        generator = rng(self.seed)
        values = {name: np.array(make(generator)) for name, make in self.specs.items()}
        values["dout"] = rng(self.seed + 1).randn(*self.dout_shape)
        return values


BACKWARD_INPUTS: Dict[str, BackwardInputs] = {}  # backward function -> its check's inputs


def backward_probe(module: str, forward: str, backward: str, seed: int, specs,
                   dout_shape: Tuple[int, ...], extra: Callable[[], tuple] = tuple):
    """A probe of ``backward`` run on the cache of the submission's own ``forward``."""
    inputs = BACKWARD_INPUTS[backward] = BackwardInputs(module, forward, seed, specs, tuple(dout_shape), extra)

    def probe(sub):
        mod = getattr(sub, module)
        drawn = inputs.arrays()
        given_dout = drawn.pop("dout")
        values = {name: frozen(name, value) for name, value in drawn.items()}
        arrays = list(values.values())
        try:
            fwd = call(forward, mod, *arrays, *extra())
        except NotImplementedError:
            raise_own_stub(mod, backward, dout_shape)
            raise
        if type(fwd) not in (tuple, list) or len(fwd) != 2:
            return {"forward_ret": fwd}
        dout = frozen("dout", given_dout)
        cache = freeze_tree("cache", fwd[1])
        ret = call(backward, mod, dout, cache)
        dirs = directions(_DIRECTION_SEED, [a.shape for a in arrays], DIRECTIONS)
        try:
            numeric = numeric_directional(lambda xs: np.asarray(first(call(forward, mod, *xs, *extra())), dtype=float),
                                          arrays, dout, dirs)
        except Exception:  # the forward is broken; the hint is then just not available
            numeric = None
        return {"ret": ret, "numeric": numeric, "gradcheck": _gradcheck_text(mod, forward, backward, values, extra)}

    return probe


def _gradcheck_text(mod, forward, backward, values, extra) -> str:
    """checks.gradcheck's report on the submission's backward against its own forward (for hints)."""
    def run_forward(*xs):
        return call(forward, mod, *xs, *extra())

    def run_backward(dout, cache):
        return call(backward, mod, dout, cache)

    run_forward.__name__, run_backward.__name__ = forward, backward  # how its report names them
    try:
        report = check_gradient(
            run_forward,
            run_backward,
            {name: np.array(value) for name, value in values.items()},
            name=backward,
        )
    except Exception:
        return ""
    return "" if report.passed else str(report)


def raise_own_stub(mod, backward, dout_shape):
    """When the forward is a stub, report the backward's own stub if it is one too."""
    try:
        call(backward, mod, np.zeros(dout_shape), ())
    except NotImplementedError as error:
        if f"{backward} is not implemented yet" in str(error):
            raise
    except Exception:
        pass


def backward_judge(forward: str, backward: str, names: Sequence[str], shapes: Sequence[Tuple[int, ...]]):
    """Judge a backward: gradients for ``names`` (in order) match the reference gradients."""

    def judge(got, want):
        if "ret" not in got:
            raise Failed(
                f"{backward} could not be checked: {forward} should return a tuple (out, cache), "
                f"but it returned {compare.describe(got.get('forward_ret'))}"
            )
        many = len(names) > 1
        ret = compare.sequence(got["ret"], len(names), backward) if many else got["ret"]
        grads = list(ret) if many else [ret]
        expected = list(want["ret"]) if many else [want["ret"]]
        batch = shapes[0][0]
        features = int(np.prod(shapes[0][1:]))
        factors = {f"N = {batch}, the batch size": batch, f"D = {features}, the number of features": features}
        try:
            for grad, wanted, name in zip(grads, expected, names):
                compare.close(grad, wanted, f"{backward}'s d{name}", factors=factors)
        except Failed as failure:
            hint = _self_consistency_hint(forward, backward, grads, got.get("numeric"), want.get("numeric"), shapes)
            if hint.startswith(f"Your {backward} matches the numerical gradient of your own {forward}"):
                raise compare.Consistent(f"{failure}\n{hint}", forward) from None
            report = got.get("gradcheck")
            if hint and "does not match" in hint and isinstance(report, str) and report:
                details = [line.strip() for line in report.splitlines()[1:] if line.strip() and ": ok (" not in line][:4]
                hint += "\nThe gradient check of checks.gradcheck (with a random dout of its own) says:\n" + "\n".join("  " + d for d in details)
            raise Failed(f"{failure}\n{hint}" if hint else str(failure)) from None

    return judge


def _self_consistency_hint(forward, backward, grads, numeric, reference_numeric, shapes) -> str:
    if type(numeric) is not np.ndarray or numeric.shape != (DIRECTIONS,):
        return ""
    if not all(type(g) is np.ndarray and g.shape == tuple(s) for g, s in zip(grads, shapes)):
        return ""
    arrays = [g.astype(float) for g in grads]
    dirs = directions(_DIRECTION_SEED, shapes, DIRECTIONS)
    analytic = np.array([sum(float(np.vdot(g, d)) for g, d in zip(arrays, direction)) for direction in dirs])
    scale = max(float(np.max(np.abs(numeric))), 1e-8)
    if np.all(np.abs(analytic - numeric) <= 1e-4 * scale + 1e-7):
        return (f"Your {backward} matches the numerical gradient of your own {forward}, "
                f"so the mistake is probably in {forward} (see its check).")
    if type(reference_numeric) is np.ndarray and np.allclose(numeric, reference_numeric, rtol=1e-4, atol=1e-7):
        return (f"Your {forward} is right but your {backward} does not match its numerical gradient: "
                "the mistake is in the backward pass.")
    return f"Your {backward} does not match the numerical gradient of your own {forward} either."
