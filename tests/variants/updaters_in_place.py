"""Update rules that work in place, as cs231n's own sgd does (``w -= ...``): the weights,
the velocity, RMSProp's cache (through config['cache']) and Adam's moments are updated
in their arrays, and Adam uses the paper's "efficient" ordering (the bias corrections folded
into the step size, epsilon scaled to match)."""
# >>> block: updater sgd_momentum
v *= momentum
v -= learning_rate * dw
w += v
next_w = w
# >>> block: updater rmsprop
config.setdefault("cache", cache)
config["cache"] *= decay_rate
config["cache"] += (1 - decay_rate) * dw * dw
cache = config["cache"]
w -= learning_rate * dw / (np.sqrt(cache) + epsilon)
next_w = w
# >>> block: updater adam
t += 1
m *= beta1
m += (1 - beta1) * dw
v *= beta2
v += (1 - beta2) * np.square(dw)
correction = np.sqrt(1 - beta2 ** t)
w -= learning_rate * correction / (1 - beta1 ** t) * m / (np.sqrt(v) + epsilon * correction)
next_w = w
