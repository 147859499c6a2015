"""Checks of updater.py: SGD with momentum, RMSProp and Adam over several steps.

Each check runs a rule the way the Trainer does: a few steps with a different dw each time,
each step given the ``next_w`` and the ``config`` the previous step returned, and compares
``next_w`` and the state kept in ``config`` ('velocity'; 'cache'; 'm', 'v' and 't') after
every step. Three scenarios per rule:

- ``config=None``: the SPEC's default hyperparameters, and a state that starts at zero;
- only a learning rate given (the usual ``updater_config``), four steps;
- every hyperparameter given, away from its default, and a state carried in from earlier
  steps (for Adam, ``t = 100``), which a rule that ignores config or restarts its state misses.

w and dw are writable fresh arrays, as in training, so rules that update w or their state
in place are correct too. The entries of dw range from 1e-3 to 10 in magnitude (for Adam,
from 0.1 to 10), so that RMSProp's epsilon inside the square root shows, and so does Adam's
bias correction.

Tolerances and the correct forms they admit (each proven by a variant in tests/variants/):
every rule is compared at the default tolerance of ``compare.close`` (rtol 1e-5, atol 1e-6 of
the largest entry), which admits updates done in place and other summation orders
(``updaters_in_place``). Adam also has Kingma and Ba's "efficient" form,
``alpha_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)``, ``w - alpha_t * m / (sqrt(v) + eps)``
(``adam_efficient``). It is a correct Adam whose epsilon sits in another place: its step
differs from the reference's by about ``eps * (1 / sqrt(1 - beta2**t) - 1) / sqrt(vhat)``
relative. Rather than widen the tolerance, the inputs keep that below it: Adam's dw are at
least 0.1 in magnitude (so 30 * 1e-8 / 0.1 at the first step with the defaults), and the
given state has t = 100, where ``1 - beta2**t`` is nearly 1 even with ``epsilon = 1e-4``.
Every known mistake of Adam (t incremented late, no bias correction, v of dw) still fails by
orders of magnitude: the first two on the steps from t = 0, the last on any negative dw.
"""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from .. import compare
from ..compare import Failed
from ..probing import call, rng, writable
from . import Check

MODULE = "updater"
SHAPE = (4, 5)
STATE = {"sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}
DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}


# The smallest magnitude of dw, as a power of ten (see the module's docstring for Adam's).
SMALLEST = {"sgd_momentum": -3.0, "rmsprop": -3.0, "adam": -1.0}


def _gradient(generator, rule: str) -> np.ndarray:
    """Entries of both signs whose magnitudes spread evenly (on a log scale) from 10 ** SMALLEST[rule] to 10."""
    exponents = generator.uniform(SMALLEST[rule], 1.0, size=SHAPE)
    return 10.0 ** exponents * generator.choice([-1.0, 1.0], size=SHAPE)


def _given_state(rule: str) -> Dict[str, Any]:
    """A state as earlier steps would have left it (for the third scenario)."""
    generator = rng(62)
    if rule == "sgd_momentum":
        return {"velocity": 0.1 * generator.randn(*SHAPE)}
    if rule == "rmsprop":
        return {"cache": _gradient(generator, rule) ** 2}
    return {"m": 0.5 * _gradient(generator, rule), "v": _gradient(generator, rule) ** 2, "t": 100}


GIVEN = {
    "sgd_momentum": {"learning_rate": 0.1, "momentum": 0.5},
    "rmsprop": {"learning_rate": 0.05, "decay_rate": 0.9, "epsilon": 1e-4},
    "adam": {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-4},
}
SCENARIOS = {  # rule: [(label, first config (None: config=None), steps, seed of the dws)]
    rule: [
        ("config=None", None, 3, 71),
        ("only learning_rate=0.05 given", {"learning_rate": 0.05}, 4, 72),
        ("every hyperparameter and a state given", "given", 2, 73),
    ]
    for rule in STATE
}


def _first_config(rule: str, start):
    if start is None:
        return None
    if start == "given":
        config = dict(GIVEN[rule])
        config.update(_given_state(rule))
    else:
        config = dict(start)
    return {key: writable(value) if type(value) is np.ndarray else value for key, value in config.items()}


def _snapshot(value):
    """A copy of what the rule returned, taken before the next step may change it in place."""
    if type(value) is np.ndarray:
        return value.copy()
    if type(value) is dict:
        return {key: (item.copy() if type(item) is np.ndarray else item) for key, item in value.items()
                if isinstance(key, str)}
    return value


def _run(sub, rule: str, start, steps: int, seed: int) -> List[Dict[str, Any]]:
    """``steps`` updates from fixed weights, each fed what the previous one returned."""
    generator = rng(seed)
    w = writable(rng(61).randn(*SHAPE))
    config = _first_config(rule, start)
    history = []
    for _ in range(steps):
        dw = writable(_gradient(generator, rule))
        ret = call(rule, sub.updater, w, dw, config)
        if type(ret) not in (tuple, list) or len(ret) != 2:
            history.append({"ret": ret})
            break
        next_w, config = ret
        history.append({"w": _snapshot(next_w), "config": _snapshot(config)})
        w = next_w  # the Trainer stores next_w in the model and passes it back
    return history


def _probe(rule: str):
    def probe(sub):
        return {label: _run(sub, rule, start, steps, seed) for label, start, steps, seed in SCENARIOS[rule]}

    return probe


def _judge_step(rule: str, got: Dict[str, Any], want: Dict[str, Any], where: str, defaults: bool) -> None:
    if "ret" in got:
        compare.sequence(got["ret"], 2, rule)
    config = got["config"]
    if type(config) is not dict:
        raise Failed(f"{rule} should return (next_w, config) with config a dict, but {where} config is "
                     f"{compare.describe(config)}")
    for key in STATE[rule]:
        if key not in config:
            raise Failed(f"{rule}: {where} config has no '{key}': store the new state in config, "
                         "so that the next step continues from it")
        what = f"{rule}'s config['{key}'] {where}"
        if key == "t":
            value = compare.scalar(config[key], what)
            if value != want["config"][key]:
                raise Failed(f"{what} is {value:g}, expected {want['config'][key]}: t counts the steps taken, "
                             "and is incremented before the bias correction")
        else:
            compare.close(config[key], want["config"][key], what)
    compare.close(got["w"], want["w"], f"{rule}'s next_w {where}")
    if defaults:
        for key, value in DEFAULTS[rule].items():
            if key in config and not (isinstance(config[key], (int, float, np.floating)) and config[key] == value):
                raise Failed(f"{rule}: {where} config['{key}'] is {config[key]!r}, but the default is {value!r}")


def _judge(rule: str):
    def judge(got, want):
        for label, start, _, _ in SCENARIOS[rule]:
            history, expected = got[label], want[label]
            if type(history) is not list:
                raise Failed(f"{rule} could not be checked ({label})")
            for step, wanted in enumerate(expected):
                where = f"after step {step + 1} ({label})"
                if step >= len(history):
                    raise Failed(f"{rule} could not be run for step {step + 1} ({label})")
                _judge_step(rule, history[step], wanted, where, defaults=start is None)

    return judge


CHECKS = [
    Check("sgd_momentum", "sgd_momentum", MODULE, 3, _probe("sgd_momentum"), _judge("sgd_momentum"),
          what="next_w and config['velocity'] after each of 2 to 4 steps: from config=None (the defaults), "
               "from a learning rate alone, and from a given momentum and velocity"),
    Check("rmsprop", "rmsprop", MODULE, 3, _probe("rmsprop"), _judge("rmsprop"),
          what="next_w and config['cache'] after each of 2 to 4 steps, dw from 1e-3 to 10: from config=None "
               "(the defaults), from a learning rate alone, and from given hyperparameters and cache"),
    Check("adam", "adam", MODULE, 4, _probe("adam"), _judge("adam"),
          what="next_w and config['m'], ['v'], ['t'] after each of 2 to 4 steps: from config=None (the "
               "defaults), from a learning rate alone, and from given hyperparameters and a state with t = 100"),
]
