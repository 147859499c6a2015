"""Known mistakes of updater.py, each the reference's update rule with one bug.

Every mistake changes a line or two of the answer, so each is an edit of the reference rule
(``mistake_edit``): the given code (validation, defaults, the state written back) stays as the
student received it (see ``checks/instructor/mistakes/__init__.py``).
"""
from . import mistake_edit

_MOMENTUM_STEP = 'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v\n'

mistake_edit(
    "sgd_momentum", "the learning rate multiplies the velocity instead of the gradient",
    "the velocity holds the step itself: v = momentum * v - learning_rate * dw, then next_w = w + v "
    "(a velocity of gradients scaled later behaves differently as soon as the learning rate changes)",
    id="sgd_momentum_rate_outside",
    edits=[(_MOMENTUM_STEP, 'v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v\n')],
)

mistake_edit(
    "sgd_momentum", "the velocity is stored with the opposite sign",
    "the velocity is the step added to w: v = momentum * v - learning_rate * dw, next_w = w + v",
    id="sgd_momentum_flipped_velocity",
    edits=[(_MOMENTUM_STEP, 'v = config["momentum"] * v + config["learning_rate"] * dw\n    next_w = w - v\n')],
)

mistake_edit(
    "sgd_momentum", "the velocity is not kept, so momentum never builds up",
    "assign the new velocity to v (the given code stores v in config['velocity']): "
    "otherwise every step starts again from a zero velocity and momentum never builds up",
    id="sgd_momentum_velocity_not_kept",
    edits=[(_MOMENTUM_STEP,
            'velocity = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + velocity\n')],
)

mistake_edit(
    "rmsprop", "epsilon is added inside the square root",
    "add epsilon after the square root: dw / (np.sqrt(cache) + epsilon)",
    id="rmsprop_epsilon_inside_sqrt",
    edits=[('(np.sqrt(cache) + config["epsilon"])', 'np.sqrt(cache + config["epsilon"])')],
)

mistake_edit(
    "rmsprop", "the squared gradient is not weighted by (1 - decay_rate)",
    "the cache is a moving average: decay_rate * cache + (1 - decay_rate) * dw ** 2",
    id="rmsprop_no_one_minus_decay",
    edits=[("(1 - decay_rate) * dw ** 2\n    next_w = w - config", "dw ** 2\n    next_w = w - config")],
)


_ADAM_STEP = (
    "    mhat = m / (1 - beta1 ** t)\n"
    "    vhat = v / (1 - beta2 ** t)\n"
    "    next_w = w - learning_rate * mhat / (np.sqrt(vhat) + epsilon)\n"
)

mistake_edit(
    "adam", "Adam's t incremented after the step",
    "increment t first (t = t + 1), so that the first step has t = 1: with t = 0 the bias "
    "correction divides by 1 - beta1 ** 0 = 0",
    id="adam_t_after_step",
    edits=[("    t = t + 1\n    m = beta1", "    m = beta1"), (_ADAM_STEP, _ADAM_STEP + "    t = t + 1\n")],
)

mistake_edit(
    "adam", "the bias correction is left out",
    "divide the moving averages by 1 - beta ** t before the step: mhat = m / (1 - beta1 ** t), "
    "vhat = v / (1 - beta2 ** t); without it the first steps are far too small or too large",
    id="adam_no_bias_correction",
    edits=[(_ADAM_STEP, "    next_w = w - learning_rate * m / (np.sqrt(v) + epsilon)\n")],
)

mistake_edit(
    "adam", "the second moment averages dw instead of dw ** 2",
    "v is the moving average of the SQUARED gradient: v = beta2 * v + (1 - beta2) * dw ** 2",
    id="adam_v_of_dw",
    edits=[("v = beta2 * v + (1 - beta2) * dw ** 2\n" + _ADAM_STEP, "v = beta2 * v + (1 - beta2) * dw\n" + _ADAM_STEP)],
)
