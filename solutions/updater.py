"""First-order update rules for training neural networks.

Every rule has the interface

    next_w, config = rule(w, dw, config=None)

Inputs:
- w: the current weights, a float array of any shape
- dw: the gradient of the loss with respect to w, an array of the same shape
- config: a dict of hyperparameters (learning rate, momentum, ...) and of the state the
  rule carries from one step to the next (velocity, moving averages, ...). None means
  the defaults and a fresh state. The rule fills in the missing defaults and stores its
  new state in config, so the caller passes the returned config to the next step.

Returns:
- next_w: the updated weights, a new array (w itself is not modified)
- config: the config dict to pass to the next step

The given code of each rule fills in the default of every missing hyperparameter, checks
it and stores it back in config as a Python float, so that the answer reads
config["learning_rate"] (as in cs231n) and float32 weights stay float32 even when a learning
rate was a numpy float64 (e.g. drawn with 10 ** np.random.uniform(-5, -3)).
"""
import numpy as np

from .validation import (check_array, check_int, check_number, check_param_dict,
                         check_shape, check_state_array)


def _start(w, dw, config, func):
    """Validate w, dw and config; return the config dict (a new one for None)."""
    check_array(w, "w", func)
    check_array(dw, "dw", func)
    check_shape(dw, "dw", w.shape, func, why="the shape of w")
    if config is None:
        config = {}
    check_param_dict(config, "config", func)
    return config


def _hyperparameter(config, key, default, func, **bounds):
    """config.setdefault(key, default), checked (check_number's bounds) and stored back as a
    Python float."""
    config.setdefault(key, default)
    config[key] = check_number(config[key], f"config['{key}']", func, **bounds)


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w - learning_rate * dw.

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    """
    func = "sgd"
    config = _start(w, dw, config, func)
    _hyperparameter(config, "learning_rate", 1e-2, func, low=0.0)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    v = momentum * v - learning_rate * dw
    next_w = w + v

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - momentum: scalar in [0, 1) (default 0.9); 0 is plain sgd
    - velocity: array of the shape of w, the moving average of the gradients (the state;
      starts as zeros)
    """
    func = "sgd_momentum"
    config = _start(w, dw, config, func)
    _hyperparameter(config, "learning_rate", 1e-2, func, low=0.0)
    _hyperparameter(config, "momentum", 0.9, func, low=0.0, high=1.0, high_open=True)
    check_state_array(config, "velocity", w, "config", func)
    v = config["velocity"] if "velocity" in config else np.zeros_like(w)
    # TODO: Implement the momentum update into next_w, and assign the new velocity to
    # v (a new array; the code below stores it in config). The hyperparameters are
    # config["learning_rate"] and config["momentum"] (Python floats, checked above).
    # BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    # END SOLUTION
    config["velocity"] = v
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: scales the learning rate by a moving average of the squared gradients.

    cache = decay_rate * cache + (1 - decay_rate) * dw ** 2
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    config format:
    - learning_rate: scalar learning rate (default 1e-2)
    - decay_rate: scalar in [0, 1), the decay of the moving average (default 0.99)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8), added outside
      the square root
    - cache: array of the shape of w, the moving average of the squared gradients (the
      state; starts as zeros)
    """
    func = "rmsprop"
    config = _start(w, dw, config, func)
    _hyperparameter(config, "learning_rate", 1e-2, func, low=0.0)
    _hyperparameter(config, "decay_rate", 0.99, func, low=0.0, high=1.0, high_open=True)
    _hyperparameter(config, "epsilon", 1e-8, func, low=0.0)
    check_state_array(config, "cache", w, "config", func)
    cache = config["cache"] if "cache" in config else np.zeros_like(w)
    # TODO: Implement the RMSProp update into next_w, and assign the new moving average
    # of the squared gradients to cache (the code below stores it in config). The
    # hyperparameters are config["learning_rate"], config["decay_rate"] and
    # config["epsilon"] (Python floats, checked above).
    # BEGIN SOLUTION
    decay_rate = config["decay_rate"]
    cache = decay_rate * cache + (1 - decay_rate) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    # END SOLUTION
    config["cache"] = cache
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and of its square, with bias correction.

    t = t + 1                       (first, so the first step uses t = 1)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    mhat = m / (1 - beta1 ** t)
    vhat = v / (1 - beta2 ** t)
    next_w = w - learning_rate * mhat / (sqrt(vhat) + epsilon)

    config format:
    - learning_rate: scalar learning rate (default 1e-3)
    - beta1: decay of the moving average of the gradient (default 0.9)
    - beta2: decay of the moving average of the squared gradient (default 0.999)
    - epsilon: small scalar that avoids dividing by zero (default 1e-8)
    - m: array of the shape of w, the moving average of the gradient (starts as zeros)
    - v: array of the shape of w, the moving average of the squared gradient (starts
      as zeros)
    - t: the number of steps taken so far (starts at 0)
    """
    func = "adam"
    config = _start(w, dw, config, func)
    _hyperparameter(config, "learning_rate", 1e-3, func, low=0.0)
    _hyperparameter(config, "beta1", 0.9, func, low=0.0, high=1.0, high_open=True)
    _hyperparameter(config, "beta2", 0.999, func, low=0.0, high=1.0, high_open=True)
    _hyperparameter(config, "epsilon", 1e-8, func, low=0.0)
    check_state_array(config, "m", w, "config", func)
    check_state_array(config, "v", w, "config", func)
    m = config["m"] if "m" in config else np.zeros_like(w)
    v = config["v"] if "v" in config else np.zeros_like(w)
    t = check_int(config.get("t", 0), "config['t']", func, minimum=0)
    # TODO: Implement the Adam update into next_w, and assign the new values of m, v
    # and t (the code below stores them in config). Increment t before the
    # bias correction. The hyperparameters are config["learning_rate"],
    # config["beta1"], config["beta2"] and config["epsilon"] (Python floats, checked
    # above).
    # BEGIN SOLUTION
    learning_rate, epsilon = config["learning_rate"], config["epsilon"]
    beta1, beta2 = config["beta1"], config["beta2"]
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    mhat = m / (1 - beta1 ** t)
    vhat = v / (1 - beta2 ** t)
    next_w = w - learning_rate * mhat / (np.sqrt(vhat) + epsilon)
    # END SOLUTION
    config["m"] = m
    config["v"] = v
    config["t"] = t
    return next_w, config
