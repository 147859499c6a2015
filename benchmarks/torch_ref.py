"""The same computations in PyTorch (CPU, two threads), when PyTorch is importable.

PyTorch is not a dependency of the kit: ``load_torch()`` returns None without it and the
benchmark prints a note instead of the PyTorch rows. Install the CPU build with
``pip install torch==2.13.0`` (an unpinned ``torch`` pulls a CUDA build of several GB).
"""
import numpy as np

THREADS = 2


def load_torch():
    """The torch module set to THREADS threads, or None when it is not importable."""
    try:
        import torch
    except Exception:  # ImportError, or a broken install that fails while loading
        return None
    torch.set_num_threads(THREADS)
    _warm_up(torch)
    return torch


def _warm_up(torch, calls=20):
    """Run a small net with batch normalization forward and backward a few times.

    Seen here: PyTorch's first ten or so autograd calls after import take tens of
    milliseconds each, whatever their size, and then drop to a fraction of a
    millisecond; without this the first rows of the table would time start-up.
    """
    net = fc_net(torch, 8, [8], 2, batchnorm=True)
    optimizer = torch.optim.Adam(net.parameters())
    x = torch.ones(4, 8)
    for _ in range(calls):
        optimizer.zero_grad()
        net(x).square().sum().backward()
        optimizer.step()


def batchnorm_train_step(torch, x, gamma, beta, dout):
    """A callable running one train-mode batch normalization forward and backward on
    tensors that share memory with the numpy arrays (dx, dgamma, dbeta land in .grad)."""
    tx = torch.from_numpy(x).requires_grad_()
    tgamma = torch.from_numpy(gamma).requires_grad_()
    tbeta = torch.from_numpy(beta).requires_grad_()
    tdout = torch.from_numpy(dout)
    running_mean = torch.zeros(x.shape[1], dtype=tx.dtype)
    running_var = torch.ones(x.shape[1], dtype=tx.dtype)

    def step():
        for t in (tx, tgamma, tbeta):
            t.grad = None
        out = torch.nn.functional.batch_norm(tx, running_mean, running_var, tgamma, tbeta,
                                             training=True, momentum=0.1, eps=1e-5)
        out.backward(tdout)
        return tx.grad, tgamma.grad, tbeta.grad

    return step


def fc_net(torch, input_dim, hidden_dims, num_classes, batchnorm, seed=0):
    """{Linear - [BatchNorm1d] - ReLU} x len(hidden_dims) - Linear, in float32."""
    torch.manual_seed(seed)
    layers, fan_in = [], input_dim
    for width in hidden_dims:
        layers.append(torch.nn.Linear(fan_in, width))
        if batchnorm:
            layers.append(torch.nn.BatchNorm1d(width))
        layers.append(torch.nn.ReLU())
        fan_in = width
    layers.append(torch.nn.Linear(fan_in, num_classes))
    return torch.nn.Sequential(*layers)


def fc_epoch(torch, X, y, hidden_dims, num_classes, batchnorm, rule, batch_size,
             learning_rate, order):
    """A callable that trains the PyTorch net for one epoch over X (numpy float32) in
    the minibatches given by ``order`` (a permutation of the samples)."""
    net = fc_net(torch, X.shape[1], hidden_dims, num_classes, batchnorm)
    optimizer_class = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[rule]
    optimizer = optimizer_class(net.parameters(), lr=learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    tX, ty = torch.from_numpy(X), torch.from_numpy(np.asarray(y, dtype=np.int64))
    batches = [torch.from_numpy(order[i:i + batch_size])
               for i in range(0, len(order) - batch_size + 1, batch_size)]

    def epoch():
        net.train()
        for batch in batches:
            optimizer.zero_grad()
            loss = loss_fn(net(tX[batch]), ty[batch])
            loss.backward()
            optimizer.step()

    return epoch
