"""Hidden check: Adam over 50 steps of minimizing a quadratic.

The public check runs Adam for 2 to 4 steps. Over 50 steps the bias correction fades
(``1 - beta1**t`` tends to 1) and a state that is not carried exactly from step to step
drifts far from the reference: a ``t`` that restarts or is stored in the wrong place, moments
kept in float32, or a correction computed with the step count of another config. The
gradient of each step is the gradient of ``0.5 * sum(a * (w - target)**2)`` at the w the
previous step returned, as in training.
"""
import numpy as np

from ... import compare
from ...compare import Failed
from ...probing import call, rng, writable
from ...suite import Check

SHAPE = (3, 4)
STEPS = 50
REPORT = (1, 10, 50)  # steps after which w and the state are compared
CONFIG = {"learning_rate": 0.05, "beta1": 0.85, "beta2": 0.99}


def _problem():
    generator = rng(941)
    return 10.0 ** generator.uniform(-1, 1, size=SHAPE), generator.randn(*SHAPE), generator.randn(*SHAPE)


def _probe(sub):
    curvature, target, start = _problem()
    w = writable(start)
    config = dict(CONFIG)
    history = {}
    for step in range(1, STEPS + 1):
        dw = writable(curvature * (w - target))
        ret = call("adam", sub.updater, w, dw, config)
        if type(ret) not in (tuple, list) or len(ret) != 2:
            return {"ret": ret, "step": step}
        w, config = ret
        if type(w) is not np.ndarray or type(config) is not dict:
            return {"ret": ret, "step": step}
        if step in REPORT:
            history[step] = {"w": w.copy(), "state": {key: (config[key].copy() if type(config.get(key)) is np.ndarray
                                                            else config.get(key)) for key in ("m", "v", "t")}}
    return {"history": [history[step] for step in REPORT]}


def _judge(got, want):
    if "history" not in got:
        compare.sequence(got["ret"], 2, "adam")
        raise Failed(f"adam should return (next_w, config) with next_w an array and config a dict, but step "
                     f"{got['step']} returned ({compare.describe(got['ret'][0])}, {compare.describe(got['ret'][1])})")
    for step, mine, expected in zip(REPORT, got["history"], want["history"]):
        where = f"after step {step} of {STEPS} (learning_rate 0.05, beta1 0.85, beta2 0.99)"
        t = compare.scalar(mine["state"]["t"], f"adam's config['t'] {where}")
        if t != expected["state"]["t"]:
            raise Failed(f"adam's config['t'] {where} is {t:g}, expected {expected['state']['t']}: t counts "
                         "every step taken, and each step continues from the config the previous one returned")
        for key in ("m", "v"):
            compare.close(mine["state"][key], expected["state"][key], f"adam's config['{key}'] {where}")
        compare.close(mine["w"], expected["w"], f"adam's next_w {where}")


CHECKS = [
    Check("adam: 50 steps", "adam", "updater", 1, _probe, _judge, hidden=True,
          what="next_w and config['m'], ['v'], ['t'] after steps 1, 10 and 50 of minimizing a quadratic "
               "(each dw the gradient at the previous next_w)"),
]
