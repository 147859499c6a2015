"""Checks of dropout_layers.py: dropout and the affine-ReLU-dropout sandwich.

A correct submission may draw its mask in any way (``rng.random(shape) < p``, a binomial
draw, numpy's global generator when no seed is given...), so masks are never compared with
the reference's. The checks judge properties instead, on the submission's own outputs:

- train mode: every entry of ``out`` is 0 or ``x / p`` (``x`` for 'downgrade_in_infer'),
  the fraction kept is within five standard deviations of p, and the mean is preserved.
  The inputs are positive (1 to 2) so that a zero can only come from the mask, and p is far
  from 0.5 (0.2 and 0.9) so that p read as the probability of dropping shows at once;
- test mode: ``x`` (upscale_in_train) or ``x * p`` (downgrade_in_infer), exactly;
- seeds: the same seed gives the same mask, another seed another mask, no seed a fresh one;
  and, a check of its own, a seeded call leaves numpy's global generator alone.

Each behaviour SPEC states separately is a check with its own points (inverted dropout in
train mode, test mode, 'downgrade_in_infer', seeds, the global generator), so a port of
cs231n's dropout (no 'implementation' key, ``np.random.seed(seed)``) loses only those.
- backward passes run on the cache of the submission's own forward and must equal
  ``dout * out / x`` for that forward's ``out`` (the same mask, the same scale).

Failures are classified (a constant scale, the fraction 1 - p, dx equal to dout...) so that
a known mistake is recognized whatever mask the submission drew.
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from .. import compare
from ..compare import Failed
from ..probing import call, freeze_tree, frozen, rng
from . import Check
from .common import raise_own_stub

MODULE = "dropout_layers"
SIGMAS = 5.0  # the kept fraction and the mean may be this many standard deviations off
RATIO_RTOL = 1e-6  # how exactly a kept entry must equal x / p

# Problems are (code, message): the code is what a known mistake is recognized by (it never
# depends on the mask drawn), the message is what the student reads.
Problem = Tuple[str, str]


def _param(p, mode, implementation=None, seed=None):
    param = {"p": p, "mode": mode}
    if implementation is not None:
        param["implementation"] = implementation
    if seed is not None:
        param["seed"] = seed
    return param


def _positive(seed, shape):
    return rng(seed).uniform(1.0, 2.0, size=shape)


def _calls_forward(function, sub, *args):
    """Call a forward whose backward is graded; report the backward's own stub first."""
    try:
        return call(function, getattr(sub, MODULE), *args)
    except NotImplementedError:
        backward = function.replace("forward", "backward")
        raise_own_stub(getattr(sub, MODULE), backward, (2, 2))
        raise


def _without_cache(ret):
    """A forward's return value with its cache left out (the judges never read it, and the
    stored reference values stay small); anything but a pair is returned as it is."""
    if type(ret) in (tuple, list) and len(ret) == 2:
        return type(ret)((ret[0], None))
    return ret


def _forward(module, *args):
    return _without_cache(call("dropout_forward", module, *args))


def _multiple(c: float, p: float) -> str:
    """A name for ``c * x`` in terms of p: 'x / p', 'x', 'x * p', 'x / (1 - p)', '2.5 * x'."""
    names = [(1.0 / p, "x / p"), (1.0, "x"), (p, "x * p"), (0.0, "0")]
    if p < 1:
        names += [(1.0 / (1.0 - p), "x / (1 - p)"), (1.0 - p, "x * (1 - p)")]
    for value, name in names:
        if abs(c - value) <= 1e-6 * max(abs(value), 1e-12):
            return name
    return f"{c:.6g} * x"


def _mask_problems(out: np.ndarray, x: np.ndarray, p: float, scale: float, label: str,
                   what: str, rtol: float = RATIO_RTOL, atol: float = 0.0) -> List[Problem]:
    """Problems of a train-mode output ``out`` of positive ``x``: each entry 0 or scale * x.

    A kept entry must equal c * x (c: their median ratio) to within ``c * (rtol * x + atol)``:
    ``rtol`` is ``RATIO_RTOL``, or more where x went through the submission's own float32
    layers first; ``atol`` (in units of x) allows for the rounding of a layer whose output x is,
    which is relative to the size of its terms, not to x itself.
    """
    want = _multiple(scale, p)
    ratio = out / x
    kept = ratio != 0
    problems: List[Problem] = []
    if not np.any(kept):
        return [(f"{label}: all zero", f"{what} ({label}) is zero everywhere: no unit was kept")]
    values = ratio[kept]
    c = float(np.median(values))
    if not np.all(np.abs(values - c) * x[kept] <= abs(c) * (rtol * x[kept] + atol)):
        low, high = float(values.min()), float(values.max())
        problems.append((f"{label}: mixed",
                         f"{what} ({label}): the entries that are not 0 should all be {want}, but "
                         f"out / x ranges from {low:.6g} to {high:.6g}"))
    elif abs(c - scale) > rtol * scale:
        got = _multiple(c, p)
        hint = ""
        if got == "x" and want == "x / p":
            hint = ": inverted dropout divides the kept units by p, so that the expected output equals x"
        problems.append((f"{label}: kept as {got}",
                         f"{what} ({label}): the kept entries are {got}, they should be {want}{hint}"))
    n = kept.size
    fraction = float(np.mean(kept))
    sigma = np.sqrt(p * (1 - p) / n)
    if abs(fraction - p) > SIGMAS * sigma + 1e-12:
        if p < 1 and abs(fraction - (1 - p)) <= SIGMAS * sigma:
            kind, hint = "1 - p", " (that is 1 - p: p is the probability of KEEPING a unit, not of dropping it)"
        elif fraction == 1:
            kind, hint = "all", " (no unit was dropped)"
        else:
            kind, hint = "other", ""
        problems.append((f"{label}: kept fraction {kind}",
                         f"{what} ({label}): {fraction:.2%} of the {n} entries are kept, expected "
                         f"{p:.0%} within {SIGMAS * sigma:.2%}{hint}"))
    if not problems:
        mean, expected = float(np.mean(out)), float(scale * p * np.mean(x))
        tolerance = SIGMAS * scale * np.sqrt(p * (1 - p) * np.sum(x ** 2)) / n
        if abs(mean - expected) > tolerance:
            problems.append((f"{label}: mean",
                             f"{what} ({label}): the mean of out is {mean:.6g}, expected {expected:.6g} "
                             f"within {tolerance:.2g}: the kept units should be chosen independently of x"))
    return problems


def _fail(problems: List[Problem]) -> None:
    if problems:
        first = problems[0][1]
        more = [message for _, message in problems[1:4]]
        raise Failed("\n".join([first] + more))


def _codes(diagnose, tree, want) -> Optional[List[str]]:
    """The problem codes of a probe's output, or None when it cannot even be diagnosed."""
    try:
        return [code for code, _ in diagnose(tree, want)]
    except Exception:  # Failed included: output that cannot be judged matches nothing
        return None


def _matches(diagnose):
    """A submission behaves like a known mistake when both show exactly the same problems.

    Where a diagnosis compares with the reference (outputs that no mask changes), the
    mistake's own output stands in for it, so only what differs from the mistake counts.
    """

    def matches(got, signature) -> bool:
        codes = _codes(diagnose, got, signature)
        return bool(codes) and codes == _codes(diagnose, signature, signature)

    return matches


def _judge(diagnose):
    def judge(got, want):
        _fail(diagnose(got, want))

    return judge


def _forward_out(ret: Any, function: str, what: str, shape) -> np.ndarray:
    """The out of a forward's (out, cache), validated, in the dtype it came in (for its tolerance)."""
    out, _ = compare.sequence(ret, 2, function)
    compare.array(out, what, shape)
    return out


# --- dropout_forward: train mode ---------------------------------------------------------

TRAIN_SHAPE = (100, 120)
TRAIN_X_SEED = 41
TRAIN_CASES = (  # label, p, implementation (None: the default), seed
    ("p=0.2", 0.2, None, 101),
    ("p=0.9", 0.9, None, 102),
)


# A mask must be independent from entry to entry and from call to call. Two unseeded calls
# on 300 x 340 = 102000 entries at p = 0.5 show it: the keep rate of every row and of every
# column, and the share of entries on which the two masks agree (p^2 + (1 - p)^2 when they
# are independent). Each is flagged at SIGMAS standard deviations, where a correct mask
# lands by chance with probability about 1e-6 over all 641 rates.
INDEPENDENCE_SHAPE = (300, 340)
INDEPENDENCE_P = 0.5
INDEPENDENCE_X_SEED = 43
SIGMAS = 6.0


def _kept_bits(ret):
    """Which entries a train-mode forward kept, packed 8 to a byte (what it returned, otherwise)."""
    if type(ret) in (tuple, list) and len(ret) == 2 and type(ret[0]) is np.ndarray \
            and ret[0].shape == INDEPENDENCE_SHAPE:
        return {"bits": np.packbits(np.asarray(ret[0]) != 0)}
    return {"ret": ret}


def _train_probe(sub):
    x = frozen("x", _positive(TRAIN_X_SEED, TRAIN_SHAPE))
    tree = {label: _forward(sub.dropout_layers, x, _param(p, "train", impl, seed))
            for label, p, impl, seed in TRAIN_CASES}
    wide = frozen("x_wide", _positive(INDEPENDENCE_X_SEED, INDEPENDENCE_SHAPE))
    tree["independent calls"] = [_kept_bits(call("dropout_forward", sub.dropout_layers, wide,
                                                 _param(INDEPENDENCE_P, "train")))
                                 for _ in range(2)]
    return tree


def _independence_problems(calls) -> List[Problem]:
    p, (rows, cols) = INDEPENDENCE_P, INDEPENDENCE_SHAPE
    label = f"p={p}, x of shape {INDEPENDENCE_SHAPE}, no seed"
    what = f"dropout_forward's out in train mode ({label})"
    masks = []
    for item in compare.sequence(calls, 2, "the probe"):
        if "bits" not in item:
            _forward_out(item.get("ret"), "dropout_forward", what, INDEPENDENCE_SHAPE)
            raise Failed(f"{what} could not be read")
        bits = item["bits"]
        if type(bits) is not np.ndarray or bits.dtype != np.uint8 or bits.size * 8 < rows * cols:
            raise Failed(f"{what} could not be read")
        masks.append(np.unpackbits(bits)[:rows * cols].reshape(rows, cols).astype(bool))
    problems: List[Problem] = []
    advice = "draw one random number per entry, rng.random(x.shape) < p"
    for axis, name, count, shared in ((1, "row", cols, "whole examples kept or dropped together"),
                                      (0, "column", rows, "the same features dropped for every example")):
        rates = masks[0].mean(axis=axis)
        allowed = SIGMAS * np.sqrt(p * (1 - p) / count)
        if np.max(np.abs(rates - p)) > allowed:
            problems.append((f"{label}: {name} rates", (
                f"dropout_forward in train mode ({label}): the fraction kept differs from {name} to {name} "
                f"(from {rates.min():.0%} to {rates.max():.0%}, where each {name} of a mask drawn entry by entry "
                f"keeps {p:.0%} within {allowed:.1%}), as if {shared}: {advice}")))
    if problems:  # entries drawn together: their agreement then varies from run to run, and says nothing more
        return problems
    agree = float(np.mean(masks[0] == masks[1]))
    independent = p * p + (1 - p) * (1 - p)
    allowed = SIGMAS * np.sqrt(independent * (1 - independent) / masks[0].size)
    if abs(agree - independent) > allowed:
        problems.append((f"{label}: calls", (
            f"dropout_forward in train mode ({label}): two calls without a seed agree on {agree:.1%} of the "
            f"entries, where two independent masks agree on about {independent:.0%} (within {allowed:.1%}): "
            "without a seed every call draws a fresh mask, np.random.default_rng(None)")))
    return problems


def _train_diagnose(got, want) -> List[Problem]:
    x = _positive(TRAIN_X_SEED, TRAIN_SHAPE)
    problems: List[Problem] = []
    for label, p, impl, _ in TRAIN_CASES:
        out = _forward_out(got[label], "dropout_forward", f"dropout_forward's out in train mode ({label})", x.shape)
        problems += _mask_problems(out, x, p, 1.0 / p, label, "dropout_forward in train mode")
    return problems + _independence_problems(got["independent calls"])


# --- dropout_forward: test mode ----------------------------------------------------------

TEST_CASES = (  # label, p, implementation
    ("implementation not given", 0.3, None),
    ("upscale_in_train", 0.3, "upscale_in_train"),
)


def _test_x():
    return rng(42).randn(6, 7)


def _test_probe(sub):
    x = frozen("x", _test_x())
    return {label: call("dropout_forward", sub.dropout_layers, x, _param(p, "test", impl, seed=5))
            for label, p, impl in TEST_CASES}


def _test_judge(got, want):
    for label, p, impl in TEST_CASES:
        what = f"dropout_forward's out in test mode ({label}, p={p})"
        expected = _forward_out(want[label], "dropout_forward", what, None)
        out = _forward_out(got[label], "dropout_forward", what, expected.shape)
        try:
            compare.close(out, expected, what)
        except Failed as failure:
            raise Failed(f"{failure}\nIn test mode the output should be x itself (inverted dropout scales "
                         "in train mode only).") from None


# --- dropout_forward: downgrade_in_infer ---------------------------------------------------
# The other implementation SPEC names, a check of its own: a port of cs231n's inverted dropout
# that leaves it out loses these points and no others.

DOWNGRADE_TRAIN = ("train, p=0.2", 0.2, 103)  # label, p, seed
DOWNGRADE_TEST = ("test, p=0.3", 0.3)


def _downgrade_probe(sub):
    module = sub.dropout_layers
    train_label, train_p, seed = DOWNGRADE_TRAIN
    test_label, test_p = DOWNGRADE_TEST
    x = frozen("x", _positive(TRAIN_X_SEED, TRAIN_SHAPE))
    x_test = frozen("x_test", _test_x())
    return {
        train_label: _forward(module, x, _param(train_p, "train", "downgrade_in_infer", seed)),
        test_label: call("dropout_forward", module, x_test, _param(test_p, "test", "downgrade_in_infer", seed=5)),
    }


def _downgrade_diagnose(got, want) -> List[Problem]:
    train_label, train_p, _ = DOWNGRADE_TRAIN
    test_label, test_p = DOWNGRADE_TEST
    x = _positive(TRAIN_X_SEED, TRAIN_SHAPE)
    what = "dropout_forward with implementation='downgrade_in_infer'"
    out = _forward_out(got[train_label], "dropout_forward", f"{what}: out ({train_label})", x.shape)
    problems = [(code, f"{message}: dropout_param['implementation'] looks ignored (with 'downgrade_in_infer' "
                       "train mode keeps x unscaled and test mode multiplies by p)")
                if code == f"{train_label}: kept as x / p" else (code, message)
                for code, message in _mask_problems(out, x, train_p, 1.0, train_label, f"{what} in train mode")]
    expected = _forward_out(want[test_label], "dropout_forward", f"{what}: out ({test_label})", None)
    test_out = _forward_out(got[test_label], "dropout_forward", f"{what}: out ({test_label})", expected.shape)
    if not np.allclose(test_out, expected, rtol=compare.RTOL, atol=0.0):
        x_test = _test_x()
        if np.allclose(test_out, x_test, rtol=compare.RTOL, atol=0.0):
            problems.append((f"{test_label}: x", f"{what} in test mode returned x: the 'implementation' key "
                             "was ignored; with 'downgrade_in_infer' test mode returns x * p"))
        else:
            problems.append((f"{test_label}: other", f"{what} in test mode ({test_label}) should return x * p"))
    return problems


# --- dropout_forward: seed ---------------------------------------------------------------

SEED_SHAPE = (50, 60)
GLOBAL_SEED = 1234
GLOBAL_DRAWS = 4


def _seed_probe(sub):
    module = sub.dropout_layers
    x = frozen("x", _positive(43, SEED_SHAPE))
    tree = {
        "seed 7": _forward(module, x, _param(0.5, "train", seed=7)),
        "seed 7 again": _forward(module, x, _param(0.5, "train", seed=7)),
        "seed 8": _forward(module, x, _param(0.5, "train", seed=8)),
        "seed 0": _forward(module, x, _param(0.5, "train", seed=0)),
        "seed 0 again": _forward(module, x, _param(0.5, "train", seed=0)),
        "no seed": _forward(module, x, _param(0.5, "train")),
        "no seed again": _forward(module, x, _param(0.5, "train")),
    }
    return tree


def _global_probe(sub):
    x = frozen("x", _positive(43, SEED_SHAPE))
    np.random.seed(GLOBAL_SEED)
    tree = {"seed 3": _forward(sub.dropout_layers, x, _param(0.5, "train", seed=3))}
    tree["global draws"] = np.random.random(GLOBAL_DRAWS)
    return tree


def _seed_diagnose(got, want) -> List[Problem]:
    outs = {key: _forward_out(got[key], "dropout_forward", f"dropout_forward's out in train mode ({key})", SEED_SHAPE)
            for key in ("seed 7", "seed 7 again", "seed 8", "seed 0", "seed 0 again", "no seed", "no seed again")}
    kept = {key: out != 0 for key, out in outs.items()}
    problems: List[Problem] = []
    if not np.array_equal(outs["seed 7"], outs["seed 7 again"]):
        problems.append(("same seed, different outputs",
                         "dropout_forward gave different outputs for the same seed (7): with a seed, draw the "
                         "mask from a generator made from it, np.random.default_rng(seed), so that a gradient "
                         "check sees the same mask every time"))
    if np.array_equal(kept["seed 7"], kept["seed 8"]):
        problems.append(("seeds ignored",
                         "dropout_forward kept the same units with seed 7 and seed 8: the mask must depend on "
                         "the seed"))
    if not np.array_equal(outs["seed 0"], outs["seed 0 again"]):
        problems.append(("seed 0 ignored",
                         "dropout_forward gave different outputs for the same seed 0: 0 is a seed like any "
                         "other, so test whether one was given with `dropout_param.get('seed') is not None` "
                         "(or `'seed' in dropout_param`), not with `if dropout_param.get('seed'):`"))
    if np.array_equal(kept["no seed"], kept["no seed again"]):
        problems.append(("no seed, same mask",
                         "two calls without a seed kept the same units: without a seed every call must draw a "
                         "new mask (np.random.default_rng() with no argument does)"))
    return problems


def _global_diagnose(got, want) -> List[Problem]:
    _forward_out(got["seed 3"], "dropout_forward", "dropout_forward's out in train mode (seed 3)", SEED_SHAPE)
    problems: List[Problem] = []
    draws = compare.array(got["global draws"], "numpy's global random draws", (GLOBAL_DRAWS,))
    expected = np.random.RandomState(GLOBAL_SEED).random_sample(GLOBAL_DRAWS)
    if not np.array_equal(draws, expected):
        problems.append(("global generator changed",
                         "a call of dropout_forward with a seed changed numpy's global random generator "
                         "(after np.random.seed(1234), np.random.random(4) no longer gave its usual numbers): "
                         "never call np.random.seed in a layer, it resets the generator of the whole program; "
                         "draw the mask from your own np.random.default_rng(seed)"))
    return problems


# --- dropout_backward ----------------------------------------------------------------------

BACKWARD_SHAPE = (40, 50)
BACKWARD_CASES = (  # label, dropout_param
    ("train, p=0.3", _param(0.3, "train", seed=21)),
    ("train, p=0.3, downgrade_in_infer", _param(0.3, "train", "downgrade_in_infer", seed=22)),
    ("train, p=1", _param(1.0, "train", seed=23)),
    ("test, p=0.3", _param(0.3, "test")),
    ("test, p=0.3, downgrade_in_infer", _param(0.3, "test", "downgrade_in_infer")),
)


def _backward_inputs():
    return _positive(44, BACKWARD_SHAPE), rng(45).randn(*BACKWARD_SHAPE)


def _backward_probe(sub):
    module = sub.dropout_layers
    x_values, dout_values = _backward_inputs()
    x, dout = frozen("x", x_values), frozen("dout", dout_values)
    tree = {}
    for label, param in BACKWARD_CASES:
        fwd = _calls_forward("dropout_forward", sub, x, dict(param))
        if type(fwd) not in (tuple, list) or len(fwd) != 2:
            tree[label] = {"forward": fwd}
            continue
        cache = freeze_tree("cache", fwd[1])
        tree[label] = {"out": fwd[0], "dx": call("dropout_backward", module, dout, cache)}
    return tree


def _own_out(case: Any, label: str, function: str, backward: str, shape) -> np.ndarray:
    """The output of the submission's own forward, or a failure saying the backward cannot be judged."""
    if "out" not in case:
        raise Failed(f"{backward} could not be checked ({label}): {function} should return a tuple "
                     f"(out, cache), but it returned {compare.describe(case.get('forward'))}")
    try:
        return compare.array(case["out"], f"{function}'s out ({label})", shape)
    except Failed as failure:
        raise Failed(f"{backward} could not be checked: {failure}") from None


def _gradient_problem(got: np.ndarray, expected: np.ndarray, what: str, label: str,
                      alternatives) -> Optional[Problem]:
    """None when ``got`` matches ``expected``; else a problem named after the first alternative it equals."""
    try:
        compare.close(got, expected, what)
        return None
    except Failed as failure:
        text = str(failure)
    for name, value, hint in alternatives:
        atol = compare.ATOL * max(float(np.max(np.abs(value))), 1e-3)
        if np.allclose(got, value, rtol=compare.tolerance_for(got), atol=atol):
            return f"{label}: {name}", f"{text}\n{hint}"
    return f"{label}: other", text


def _backward_diagnose(got, want) -> List[Problem]:
    x, dout = _backward_inputs()
    problems: List[Problem] = []
    for label, param in BACKWARD_CASES:
        case = got[label]
        out = _own_out(case, label, "dropout_forward", "dropout_backward", x.shape)
        what = f"dropout_backward's dx ({label}, on your forward's cache)"
        dx = compare.array(case["dx"], what, x.shape)
        factor = out / x  # what your forward multiplied x by: 0 or the kept scale
        kept = factor != 0
        problem = _gradient_problem(dx, dout * factor, what, label, [
            ("dx = dout", dout, "dx equals dout: the gradient goes through the same mask (and scale) as the "
                                "forward, dx = dout * mask"),
            ("mask without scale", dout * kept, "dx = dout * keep: the forward scaled the kept units by 1 / p, "
                                                "so the gradient is scaled too"),
        ])
        if problem is not None:
            code, message = problem
            if code.endswith(": other") and not np.array_equal(dx != 0, kept):
                code, message = f"{label}: another mask", (
                    message + "\ndx is zero at other entries than your forward's out: use the mask stored "
                    "in the cache, never draw a new one in the backward pass")
            problems.append((code, message))
    return problems


# --- affine_relu_dropout_forward / backward -----------------------------------------------

SANDWICH_N, SANDWICH_DIMS, SANDWICH_M = 50, (4, 5), 40
SANDWICH_D = int(np.prod(SANDWICH_DIMS))
SANDWICH_KEEP = 0.4
SANDWICH_CASES = (  # label, dropout_param
    ("p=1", _param(1.0, "train")),
    (f"p={SANDWICH_KEEP}", _param(SANDWICH_KEEP, "train", seed=31)),
)


def _sandwich_inputs():
    generator = rng(46)
    x = generator.randn(SANDWICH_N, *SANDWICH_DIMS)
    w = generator.randn(SANDWICH_D, SANDWICH_M) * 0.3
    b = generator.uniform(0.1, 1.0, size=SANDWICH_M) * generator.choice([-1.0, 1.0], size=SANDWICH_M)
    dout = rng(47).randn(SANDWICH_N, SANDWICH_M)
    return x, w, b, dout


def _hidden(x, w, b):
    """The ReLU's output, which dropout receives."""
    return np.maximum(0.0, x.reshape(x.shape[0], -1) @ w + b)


def _sandwich_forward_probe(sub):
    x, w, b, _ = (frozen(name, value) for name, value in zip(("x", "w", "b", "dout"), _sandwich_inputs()))
    return {label: _without_cache(call("affine_relu_dropout_forward", sub.dropout_layers, x, w, b, dict(param)))
            for label, param in SANDWICH_CASES}


def _sandwich_forward_diagnose(got, want) -> List[Problem]:
    x, w, b, _ = _sandwich_inputs()
    h = _hidden(x, w, b)
    function = "affine_relu_dropout_forward"
    problems: List[Problem] = []
    exact = _forward_out(got["p=1"], function, f"{function}'s out (p=1)", h.shape)
    try:
        compare.close(exact, want["p=1"][0], f"{function}'s out with p=1 (no unit dropped)")
    except Failed as failure:
        return [("p=1", str(failure))]
    label = f"p={SANDWICH_KEEP}"
    out = _forward_out(got[label], function, f"{function}'s out ({label})", h.shape)
    positive = h > 0
    if np.any(out[~positive] != 0):
        problems.append((f"{label}: nonzero where the ReLU is zero",
                         f"{function} ({label}): out is not zero where the ReLU's output is zero"))
    rtol = compare.tolerance_for(compare.sequence(got[label], 2, function)[0], RATIO_RTOL)
    # the student's own affine computed x: near 0 it is good to rtol of the largest x, not of itself
    problems += _mask_problems(out[positive], h[positive], SANDWICH_KEEP, 1 / SANDWICH_KEEP, label,
                               f"{function} in train mode (on the ReLU's positive outputs, called x here)", rtol,
                               atol=rtol * float(np.max(h)))
    return problems


def _sandwich_backward_probe(sub):
    x, w, b, dout = (frozen(name, value) for name, value in zip(("x", "w", "b", "dout"), _sandwich_inputs()))
    tree = {}
    for label, param in SANDWICH_CASES:
        fwd = _calls_forward("affine_relu_dropout_forward", sub, x, w, b, dict(param))
        if type(fwd) not in (tuple, list) or len(fwd) != 2:
            tree[label] = {"forward": fwd}
            continue
        cache = freeze_tree("cache", fwd[1])
        tree[label] = {"out": fwd[0], "ret": call("affine_relu_dropout_backward", sub.dropout_layers, dout, cache)}
    return tree


def _through_affine(da, x, w):
    return (da @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ da, da.sum(axis=0)


def _sandwich_backward_diagnose(got, want) -> List[Problem]:
    x, w, b, dout = _sandwich_inputs()
    h = _hidden(x, w, b)
    positive = h > 0
    function, backward = "affine_relu_dropout_forward", "affine_relu_dropout_backward"
    problems: List[Problem] = []
    for label, _ in SANDWICH_CASES:
        case = got[label]
        out = _own_out(case, label, function, backward, h.shape)
        grads = compare.sequence(case["ret"], 3, backward)
        factor = np.where(positive, out / np.where(positive, h, 1.0), 0.0)  # dropout's own multiplier
        if label == "p=1":  # nothing is dropped: the reference's gradients
            expected = [compare.array(value, f"the expected gradients ({label})")
                        for value in compare.sequence(want[label]["ret"], 3, backward)]
        else:
            expected = _through_affine(dout * factor, x, w)
        skipped = _through_affine(dout * positive, x, w)
        unscaled = _through_affine(dout * (factor != 0), x, w)
        for index, name in enumerate(("dx", "dw", "db")):
            what = f"{backward}'s {name} ({label}, on your forward's cache)"
            compare.array(grads[index], what, expected[index].shape)
            problem = _gradient_problem(grads[index], expected[index], what, label, [
                ("dropout skipped", skipped[index],
                 "It is the gradient of affine-ReLU alone: go back through dropout first, "
                 "dh = dropout_backward(dout, dropout_cache)"),
                ("mask without scale", unscaled[index],
                 "The gradient goes through the mask but not its 1 / p scale"),
            ])
            if problem is not None:
                problems.append((f"{problem[0]} ({name})", problem[1]))
                break
    return problems


CHECKS = [
    Check("dropout_forward: train mode", "dropout_forward", MODULE, 3,
          _train_probe, _judge(_train_diagnose), matches=_matches(_train_diagnose),
          what="inverted dropout (the default implementation), x of shape (100, 120) in [1, 2], p = 0.2 and 0.9: "
               "each entry 0 or x / p, the fraction kept, the mean; on 300 x 340 entries, p = 0.5 and no seed, "
               "the keep rate of every row and column and the independence of two calls (at 6 standard deviations)"),
    Check("dropout_forward: test mode", "dropout_forward", MODULE, 1, _test_probe, _test_judge,
          what="out in test mode with p = 0.3, implementation not given and 'upscale_in_train': x itself"),
    Check("dropout_forward: downgrade_in_infer", "dropout_forward", MODULE, 2,
          _downgrade_probe, _judge(_downgrade_diagnose), matches=_matches(_downgrade_diagnose),
          what="implementation='downgrade_in_infer': in train mode (p = 0.2) each entry 0 or x, in test mode "
               "(p = 0.3) x * p"),
    Check("dropout_forward: seed", "dropout_forward", MODULE, 1,
          _seed_probe, _judge(_seed_diagnose), matches=_matches(_seed_diagnose),
          what="same seed (0 included), same output; another seed or no seed, another mask"),
    Check("dropout_forward: global generator", "dropout_forward", MODULE, 1,
          _global_probe, _judge(_global_diagnose), matches=_matches(_global_diagnose),
          what="a call with a seed leaves numpy's global generator as it was (after np.random.seed(1234), "
               "np.random.random(4) gives its usual numbers)"),
    Check("dropout_backward", "dropout_backward", MODULE, 3,
          _backward_probe, _judge(_backward_diagnose), matches=_matches(_backward_diagnose),
          what="dx = dout * out / x for the out of your own forward (train with p = 0.3 and 1, test), "
               "with dout and the cache read-only"),
    Check("affine_relu_dropout_forward", "affine_relu_dropout_forward", MODULE, 1,
          _sandwich_forward_probe, _judge(_sandwich_forward_diagnose), matches=_matches(_sandwich_forward_diagnose),
          what="out with p = 1 (compared with the reference) and with p = 0.4 and a seed (0 or relu / p, "
               "about 40% kept)"),
    Check("affine_relu_dropout_backward", "affine_relu_dropout_backward", MODULE, 2,
          _sandwich_backward_probe, _judge(_sandwich_backward_diagnose), matches=_matches(_sandwich_backward_diagnose),
          what="dx, dw, db with p = 1 and with p = 0.4 and a seed, through the mask of your own forward"),
]
