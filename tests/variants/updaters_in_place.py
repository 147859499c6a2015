"""Update rules that work in place, as cs231n's own sgd does (``w -= ...``): the weights,
the velocity, RMSProp's cache (through config['cache']) and Adam's moments are updated
in their arrays, and Adam uses the paper's "efficient" ordering (the bias corrections folded
into the step size, epsilon scaled to match)."""
# >>> block: updater sgd_momentum
learning_rate, momentum = config["learning_rate"], config["momentum"]
v *= momentum
v -= learning_rate * dw
w += v
next_w = w
# >>> block: updater rmsprop
learning_rate, decay_rate, epsilon = config["learning_rate"], config["decay_rate"], config["epsilon"]
config.setdefault("cache", cache)
config["cache"] *= decay_rate
config["cache"] += (1 - decay_rate) * dw * dw
cache = config["cache"]
w -= learning_rate * dw / (np.sqrt(cache) + epsilon)
next_w = w
# >>> block: updater adam
learning_rate, epsilon = config["learning_rate"], config["epsilon"]
beta1, beta2 = config["beta1"], config["beta2"]
t += 1
m *= beta1
m += (1 - beta1) * dw
v *= beta2
v += (1 - beta2) * np.square(dw)
correction = np.sqrt(1 - beta2 ** t)
w -= learning_rate * correction / (1 - beta1 ** t) * m / (np.sqrt(v) + epsilon * correction)
next_w = w
