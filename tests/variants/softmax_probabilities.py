"""Softmax through normalized probabilities (shifted exp, divide by the row sum), a
one-hot matrix for the gradient, and the loss left as a numpy float64 scalar."""
# >>> block: layers softmax_loss
n = len(y)
exp_scores = np.exp(x - np.max(x, axis=1, keepdims=True))
probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
one_hot = np.zeros_like(x)
one_hot[np.arange(n), y] = 1
loss = np.mean(-np.log(probs[np.arange(n), y]).astype(np.float64))
dx = (probs - one_hot) / n
