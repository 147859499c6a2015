"""Known mistakes of updater.py, each a student's version of one update rule with one bug.

These functions are never called here: each is appended to a copy of the solutions and
bound to its target's name (see ``checks/mistakes/__init__.py``). Names such as ``np`` and
the helpers ``_start`` and ``_learning_rate`` refer to the patched module's globals.
"""
# flake8: noqa: F821  (names resolve in the module the variant is appended to)
from . import mistake


@mistake("sgd_momentum", "the learning rate multiplies the velocity instead of the gradient",
         "the velocity holds the step itself: v = momentum * v - learning_rate * dw, then next_w = w + v "
         "(a velocity of gradients scaled later behaves differently as soon as the learning rate changes)")
def sgd_momentum_rate_outside(w, dw, config=None):
    config = _start(w, dw, config, "sgd_momentum")
    learning_rate = _learning_rate(config, 1e-2, "sgd_momentum")
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v + dw
    next_w = w - learning_rate * v
    config["velocity"] = v
    return next_w, config


@mistake("sgd_momentum", "the velocity is stored with the opposite sign",
         "the velocity is the step added to w: v = momentum * v - learning_rate * dw, next_w = w + v")
def sgd_momentum_flipped_velocity(w, dw, config=None):
    config = _start(w, dw, config, "sgd_momentum")
    learning_rate = _learning_rate(config, 1e-2, "sgd_momentum")
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v + learning_rate * dw
    next_w = w - v
    config["velocity"] = v
    return next_w, config


@mistake("sgd_momentum", "the velocity is not kept, so momentum never builds up",
         "assign the new velocity to v (the given code stores v in config['velocity']): "
         "otherwise every step starts again from a zero velocity and momentum never builds up")
def sgd_momentum_velocity_not_kept(w, dw, config=None):
    config = _start(w, dw, config, "sgd_momentum")
    learning_rate = _learning_rate(config, 1e-2, "sgd_momentum")
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    velocity = config["momentum"] * v - learning_rate * dw
    next_w = w + velocity
    config["velocity"] = v
    return next_w, config


@mistake("rmsprop", "epsilon is added inside the square root",
         "add epsilon after the square root: dw / (np.sqrt(cache) + epsilon)")
def rmsprop_epsilon_inside_sqrt(w, dw, config=None):
    config = _start(w, dw, config, "rmsprop")
    learning_rate = _learning_rate(config, 1e-2, "rmsprop")
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw ** 2
    next_w = w - learning_rate * dw / np.sqrt(cache + config["epsilon"])
    config["cache"] = cache
    return next_w, config


@mistake("rmsprop", "the squared gradient is not weighted by (1 - decay_rate)",
         "the cache is a moving average: decay_rate * cache + (1 - decay_rate) * dw ** 2")
def rmsprop_no_one_minus_decay(w, dw, config=None):
    config = _start(w, dw, config, "rmsprop")
    learning_rate = _learning_rate(config, 1e-2, "rmsprop")
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = config["decay_rate"] * cache + dw ** 2
    next_w = w - learning_rate * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config


@mistake("adam", "Adam's t incremented after the step",
         "increment t first (t = t + 1), so that the first step has t = 1: with t = 0 the bias "
         "correction divides by 1 - beta1 ** 0 = 0")
def adam_t_after_step(w, dw, config=None):
    config = _start(w, dw, config, "adam")
    learning_rate = _learning_rate(config, 1e-3, "adam")
    beta1, beta2 = config.setdefault("beta1", 0.9), config.setdefault("beta2", 0.999)
    epsilon = config.setdefault("epsilon", 1e-8)
    m, v, t = config.get("m", np.zeros_like(w)), config.get("v", np.zeros_like(w)), config.get("t", 0)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        mhat = m / (1 - beta1 ** t)
        vhat = v / (1 - beta2 ** t)
        next_w = w - learning_rate * mhat / (np.sqrt(vhat) + epsilon)
    t = t + 1
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config


@mistake("adam", "the bias correction is left out",
         "divide the moving averages by 1 - beta ** t before the step: mhat = m / (1 - beta1 ** t), "
         "vhat = v / (1 - beta2 ** t); without it the first steps are far too small or too large")
def adam_no_bias_correction(w, dw, config=None):
    config = _start(w, dw, config, "adam")
    learning_rate = _learning_rate(config, 1e-3, "adam")
    beta1, beta2 = config.setdefault("beta1", 0.9), config.setdefault("beta2", 0.999)
    epsilon = config.setdefault("epsilon", 1e-8)
    m, v, t = config.get("m", np.zeros_like(w)), config.get("v", np.zeros_like(w)), config.get("t", 0)
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    next_w = w - learning_rate * m / (np.sqrt(v) + epsilon)
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config


@mistake("adam", "the second moment averages dw instead of dw ** 2",
         "v is the moving average of the SQUARED gradient: v = beta2 * v + (1 - beta2) * dw ** 2")
def adam_v_of_dw(w, dw, config=None):
    config = _start(w, dw, config, "adam")
    learning_rate = _learning_rate(config, 1e-3, "adam")
    beta1, beta2 = config.setdefault("beta1", 0.9), config.setdefault("beta2", 0.999)
    epsilon = config.setdefault("epsilon", 1e-8)
    m, v, t = config.get("m", np.zeros_like(w)), config.get("v", np.zeros_like(w)), config.get("t", 0)
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw
    with np.errstate(invalid="ignore"):
        next_w = w - learning_rate * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + epsilon)
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
