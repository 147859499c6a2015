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
check("dropout_forward")  # the grader's checks: train and test mode, both implementations, seeds
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
check("dropout_backward")
check("affine_relu_dropout_backward")
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

Train two identical wide nets (two hidden layers of 1024 units) on only 300 digits for 30
epochs with Adam, one without dropout and one keeping each hidden unit with probability 0.2.
Then measure both, in test mode, on the 300 training digits and on 1,000 validation digits:
accuracy, and the softmax loss (which also sees how confident a prediction is).

**What it shows.** Without dropout the net memorizes its 300 digits: its training loss falls
to about 0.001. With dropout the training loss stays more than ten times higher, and the
validation loss is lower: dropout keeps the net from becoming overconfident on what it
memorized. Both reach 100% training accuracy, and on this small problem their validation
accuracies are about the same (within three points): the regularization shows in the loss
before it shows in the accuracy.
"""),
("code", r"""
from assignment.trainer import Trainer
from assignment.layers import softmax_loss

few = load_mnist(num_train=300, num_val=1000, num_test=0, subtract_mean=True, seed=0)
trainers, losses = {}, {}
start = time.perf_counter()
for keep_ratio in [1, 0.2]:
    model = FullyConnectedNet([1024, 1024], input_dim=784, weight_scale="he",
                              dropout_keep_ratio=keep_ratio, seed=0)
    trainer = Trainer(model, few, update_rule="adam", updater_config={"learning_rate": 1e-3},
                      batch_size=50, num_epochs=30, num_train_samples=None, verbose=False, seed=0)
    trainer.train()
    trainers[keep_ratio] = trainer
    losses[keep_ratio] = {split: softmax_loss(model.loss(few[f"X_{split}"]), few[f"y_{split}"])[0]
                          for split in ("train", "val")}  # model.loss(X) without y: test mode
    print(f"keep ratio {keep_ratio}: train acc {trainer.train_acc_history[-1]:.3f}, "
          f"val acc {trainer.val_acc_history[-1]:.3f}, train loss {losses[keep_ratio]['train']:.4f}, "
          f"val loss {losses[keep_ratio]['val']:.4f}")
print(f"{time.perf_counter() - start:.0f} s")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 4.5))
names = {1: "no dropout", 0.2: "dropout, keep 0.2"}
for (keep_ratio, trainer), color in zip(trainers.items(), ("C0", "C1")):
    ax1.plot(trainer.train_acc_history, "o-", color=color, label=f"{names[keep_ratio]}: training")
    ax1.plot(trainer.val_acc_history, "s--", color=color, label=f"{names[keep_ratio]}: validation")
ax1.set_title("Accuracy (test mode) after each epoch")
ax1.set_xlabel("epoch")
ax1.set_ylabel("accuracy")
ax1.legend(loc="lower right")
positions = np.arange(2)
for offset, (keep_ratio, color) in zip((-0.2, 0.2), ((1, "C0"), (0.2, "C1"))):
    ax2.bar(positions + offset, [losses[keep_ratio]["train"], losses[keep_ratio]["val"]], width=0.4,
            color=color, label=names[keep_ratio])
ax2.set_xticks(positions, ["300 training digits", "1,000 validation digits"])
ax2.set_yscale("log")
ax2.set_ylabel("softmax loss (log scale)")
ax2.set_title("Loss after 30 epochs (test mode)")
ax2.legend()
plt.show()
"""),
("md", r"""
### Inline question 2

Compare the two nets. Why does the net without dropout drive its training loss to almost
zero, and why does dropout keep it higher? Why is dropout's validation loss lower although its
validation accuracy is about the same? If you made the hidden layer smaller, would you keep
more or fewer units (a larger or smaller $p$)?
"""),
("md", r"""
**Your answer (dropout-q2):** *write it here*
"""),
]
