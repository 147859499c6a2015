"""One training epoch of a 784-100x5-10 FullyConnectedNet (1,000 samples, minibatches
of 100), with and without batch normalization, with SGD and with Adam: the kit against
the same network in PyTorch."""
import numpy as np

from solutions import updater
from solutions.fc_net import FullyConnectedNet

from . import torch_ref
from .timing import interleaved_medians

FULL = {"input_dim": 784, "hidden_dims": [100] * 5, "num_classes": 10,
        "num_samples": 1000, "batch_size": 100}
TINY = {"input_dim": 20, "hidden_dims": [8] * 2, "num_classes": 3,
        "num_samples": 40, "batch_size": 10}
LEARNING_RATE = 1e-3


def _data(size, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((size["num_samples"], size["input_dim"])).astype(np.float32)
    y = rng.integers(0, size["num_classes"], size["num_samples"])
    order = rng.permutation(size["num_samples"])
    return X, y, order


def kit_epoch(X, y, order, size, batchnorm, rule):
    """A callable that trains the kit's net for one epoch, the way Trainer._step does:
    model.loss on each minibatch, then the update rule on every parameter."""
    model = FullyConnectedNet(size["hidden_dims"], input_dim=size["input_dim"],
                              num_classes=size["num_classes"],
                              normalization="batchnorm" if batchnorm else None,
                              weight_scale="he", dtype=np.float32, seed=0)
    update = getattr(updater, rule)
    configs = {name: {"learning_rate": LEARNING_RATE} for name in model.params}
    batch_size = size["batch_size"]
    batches = [order[i:i + batch_size] for i in range(0, len(order) - batch_size + 1,
                                                      batch_size)]

    def epoch():
        for batch in batches:
            _, grads = model.loss(X[batch], y[batch])
            for name, w in model.params.items():
                model.params[name], configs[name] = update(w, grads[name], configs[name])

    return epoch


def run(tiny, repeat, torch):
    """Rows: (network, rule, kit ms, PyTorch ms or None, ratio or None)."""
    size = TINY if tiny else FULL
    X, y, order = _data(size)
    rows = []
    for batchnorm in (False, True):
        for rule in ("sgd", "adam"):
            candidates = {"kit": kit_epoch(X, y, order, size, batchnorm, rule)}
            if torch is not None:
                candidates["PyTorch"] = torch_ref.fc_epoch(
                    torch, X, y, size["hidden_dims"], size["num_classes"], batchnorm,
                    rule, size["batch_size"], LEARNING_RATE, order)
            # An epoch is short (tens of ms): take more turns than for large arrays.
            medians = interleaved_medians(candidates, 3 * repeat)
            kit, ref = medians["kit"], medians.get("PyTorch")
            rows.append({
                "network": "with batchnorm" if batchnorm else "without batchnorm",
                "rule": {"sgd": "SGD", "adam": "Adam"}[rule],
                "kit_ms": kit * 1e3,
                "torch_ms": ref * 1e3 if ref else None,
                "vs_torch": kit / ref if ref else None,
            })
    return rows


def describe(size=FULL):
    dims = "-".join([str(size["input_dim"]), *map(str, size["hidden_dims"]),
                     str(size["num_classes"])])
    return (f"{dims} net, {size['num_samples']} samples, minibatches of "
            f"{size['batch_size']}, one epoch, float32, learning rate {LEARNING_RATE}")
