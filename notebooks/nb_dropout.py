"""Source of Dropout.ipynb (see build_notebooks.py)."""
from setup_cell import SETUP

NAME = "Dropout.ipynb"

CELLS = [
("md", r"""
# Dropout

Dropout ([Srivastava et al., 2014](https://jmlr.org/papers/v15/srivastava14a.html)) is a
regularizer: during training each hidden unit is kept with probability $p$ and set to zero
otherwise, independently for every example, so the network cannot rely on any single unit.
At test time nothing is dropped.

In this kit `p` is the probability of **keeping** a unit (`dropout_param['p']`), as in
cs231n since 2019. Your code goes in `assignment/dropout_layers.py` and
`assignment/fc_net.py`.
"""),
("code", SETUP),
("code", r"""
from assignment.dropout_layers import (dropout_forward, dropout_backward,
                                       affine_relu_dropout_forward, affine_relu_dropout_backward)
from assignment.data import load_mnist

data = load_mnist(num_train=500, num_val=1000, num_test=0, subtract_mean=True, seed=0)
for key, value in data.items():
    print(f"{key}: {value.shape} {value.dtype}")
"""),
("md", r"""
## The forward pass

With a mask $m$ whose entries are 1 with probability $p$ and 0 otherwise, the training
output $x \odot m$ has expectation $p\,x$, while the test output would be $x$. Two ways to
make train and test agree in expectation:

* **`upscale_in_train`** (inverted dropout, the default): train output $x \odot m / p$, test
  output $x$. Test time needs no change at all.
* **`downgrade_in_infer`**: train output $x \odot m$, test output $p\,x$.

Implement `dropout_forward` for both (draw the mask with `np.random.default_rng(seed)`, never
`np.random.seed`). For each $p$ below, the fraction of units kept in train mode should be
about $p$, and the train-mode mean about equal to the test-mode mean.
"""),
("code", r"""
rng = np.random.default_rng(231)
x = rng.standard_normal((500, 500)) + 10

for p in [0.25, 0.4, 0.7]:
    out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
    out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
    print(f"p = {p}:  mean of input {x.mean():.4f}, train-mode output {out.mean():.4f}, "
          f"test-mode output {out_test.mean():.4f}; fraction kept in train mode "
          f"{(out != 0).mean():.4f} (expect about {p})")
"""),
("md", r"""
The two implementations agree in expectation: for a fixed mask they differ by the constant
factor $1/p$ in train mode and $p$ in test mode, and in each of them the average of the
train-mode output over many masks approaches the test-mode output.
"""),
("code", r"""
x = np.random.default_rng(0).standard_normal((4, 5)) + 3
p = 0.4
for implementation in ["upscale_in_train", "downgrade_in_infer"]:
    samples = [dropout_forward(x, {"mode": "train", "p": p, "seed": s,
                                   "implementation": implementation})[0] for s in range(4000)]
    test_out, _ = dropout_forward(x, {"mode": "test", "p": p, "implementation": implementation})
    average = np.mean(samples, axis=0)
    print(f"{implementation:18s}: mean |average of 4000 train outputs - test output| = "
          f"{np.abs(average - test_out).mean():.3f} (mean |test output| = {np.abs(test_out).mean():.3f})")

up, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 7, "implementation": "upscale_in_train"})
down, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 7, "implementation": "downgrade_in_infer"})
print("Same seed, same mask: upscale_in_train output = downgrade_in_infer output / p:",
      np.allclose(up, down / p))
"""),
("md", r"""
## The backward pass

The mask is fixed by the forward pass, so dropout is a multiplication by a constant:
$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial \text{out}} \odot \text{mask}$
(in train mode; the test-mode backward is not needed). The numerical gradient uses the same
seed at every evaluation, hence the same mask: the error should be under `1e-10`.
"""),
("code", r"""
rng = np.random.default_rng(231)
x = rng.standard_normal((10, 10)) + 10
dout = rng.standard_normal(x.shape)
dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
out, cache = dropout_forward(x, dropout_param)
dx = dropout_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)
print("dx relative error:", rel_error(dx, dx_num))

w = rng.standard_normal((10, 6))
b = rng.standard_normal(6)
dout = rng.standard_normal((10, 6))
_, cache = affine_relu_dropout_forward(x, w, b, dropout_param)
dx, dw, db = affine_relu_dropout_backward(dout, cache)
f = lambda *args: affine_relu_dropout_forward(x, w, b, dropout_param)[0]
print("affine_relu_dropout dw error:", rel_error(eval_numerical_gradient_array(f, w, dout), dw))
"""),
("md", r"""
### Inline question 1

What does dropout do at test time, in each implementation? What would go wrong if you
dropped units in train mode but did not scale anything, neither in training nor at test time
(think of the expected input of the next layer)? And why is it more convenient to scale
during training (`upscale_in_train`)?
"""),
("md", r"""
**Your answer (dropout-q1):** *write it here*
"""),
("md", r"""
## A fully-connected net with dropout

`FullyConnectedNet(..., dropout_keep_ratio=p)` adds dropout after every ReLU when $p < 1$.
With a `seed` the masks are the same at every call, so the gradients can be checked
numerically (relative errors around `1e-6` or below).
"""),
("code", r"""
from assignment.fc_net import FullyConnectedNet

rng = np.random.default_rng(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = rng.standard_normal((N, D))
y = rng.integers(C, size=N)

for keep_ratio in [1, 0.75, 0.5]:
    print("Running check with keep ratio =", keep_ratio)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2,
                              dtype=np.float64, dropout_keep_ratio=keep_ratio, seed=123)
    loss, grads = model.loss(X, y)
    print("  initial loss:", loss)
    for name in sorted(grads):
        grad_num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                           verbose=False, h=1e-5)
        print(f"  {name} relative error: {rel_error(grad_num, grads[name]):.2e}")
"""),
("md", r"""
## Regularization experiment

Train two identical nets (two hidden layers of 512 units) on only 500 digits, one without
dropout and one keeping each unit with probability 0.5, and compare their training and
validation accuracies over 30 epochs.
"""),
("code", r"""
from assignment.trainer import Trainer

trainers = {}
start = time.perf_counter()
for keep_ratio in [1, 0.5]:
    model = FullyConnectedNet([512, 512], input_dim=784, weight_scale="he",
                              dropout_keep_ratio=keep_ratio, seed=0)
    trainer = Trainer(model, data, update_rule="adam", updater_config={"learning_rate": 1e-3},
                      batch_size=100, num_epochs=30, num_train_samples=None,
                      verbose=False, seed=0)
    trainer.train()
    trainers[keep_ratio] = trainer
    print(f"keep ratio {keep_ratio}: final train acc {trainer.train_acc_history[-1]:.3f}, "
          f"best val acc {trainer.best_val_acc:.3f}")
print(f"{time.perf_counter() - start:.0f} s")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 4.5))
for keep_ratio, trainer in trainers.items():
    label = "no dropout" if keep_ratio == 1 else f"dropout, keep {keep_ratio}"
    ax1.plot(trainer.train_acc_history, "o-", label=label)
    ax2.plot(trainer.val_acc_history, "o-", label=label)
ax1.set_title("Training accuracy")
ax2.set_title("Validation accuracy")
for ax in (ax1, ax2):
    ax.set_xlabel("epoch")
    ax.legend(loc="lower right")
plt.show()
"""),
("md", r"""
### Inline question 2

Compare the two nets. How does dropout change the gap between training and validation
accuracy, and why? If you made the hidden layer smaller, would you keep more or fewer units
(a larger or smaller $p$)?
"""),
("md", r"""
**Your answer (dropout-q2):** *write it here*
"""),
]
