"""Adam in Kingma and Ba's "efficient" form (section 2 of the paper), as students port it:
the bias corrections folded into one step size, alpha_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t),
and epsilon added to sqrt(v) unscaled. It differs from the reference only where epsilon sits
(epsilon * sqrt(1 - beta2**t) in the reference's terms): a correct Adam."""
# >>> block: updater adam
learning_rate, epsilon = config["learning_rate"], config["epsilon"]
beta1, beta2 = config["beta1"], config["beta2"]
t = t + 1
m = beta1 * m + (1 - beta1) * dw
v = beta2 * v + (1 - beta2) * (dw ** 2)
alpha_t = learning_rate * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
next_w = w - alpha_t * m / (np.sqrt(v) + epsilon)
