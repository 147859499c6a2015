"""Hidden check: the gradients of a deeper FullyConnectedNet.

The public checks use nets with two hidden layers, which a loss written for exactly three
layers (``W1``, ``W2``, ``W3`` by name, or a loop bound off by one) can pass. This check
builds nets with five hidden layers of different widths (no normalization, batchnorm,
layernorm; with L2 regularization) and compares the loss and every gradient with the
reference.
"""
import numpy as np

from ... import compare
from ...compare import Failed
from ...probing import frozen, rng
from ...suite import Check
from ...suite.fc_net import (LOSS, build_net, consistency_hint, copy_tree, guarded, init_ok, net_label,
                            loss_and_grads, numeric_grads, param_shapes)

DEEP = dict(input_dim=7, hidden=[9, 6, 8, 5, 6], classes=4)
N = 6
NETS = [(None, 0.0), ("batchnorm", 0.3), ("layernorm", 0.3)]


def _inputs():
    generator = rng(931)
    X = frozen("X", generator.randn(N, DEEP["input_dim"]))
    y = frozen("y", generator.randint(DEEP["classes"], size=N).astype(np.int64))
    return X, y


def _probe(sub):
    X, y = _inputs()
    results = []
    for normalization, reg in NETS:
        net = build_net(sub, DEEP["input_dim"], DEEP["hidden"], DEEP["classes"], normalization, 1, reg,
                     param_seed=932, weight=1.5)
        ret = copy_tree(net.loss(X, y))
        shapes = param_shapes(DEEP["input_dim"], DEEP["hidden"], DEEP["classes"], normalization)
        results.append({"ret": ret, "numeric": numeric_grads(net, X, y, shapes, ret)})
    return {"nets": results}


def _judge(got, want):
    init_ok(got)
    nets = compare.sequence(got.get("nets"), len(NETS), "the probe")
    for (normalization, reg), item, wanted in zip(NETS, nets, want["nets"]):
        label = f"a net with 5 hidden layers, {net_label(normalization, 1, reg)}"
        shapes = param_shapes(DEEP["input_dim"], DEEP["hidden"], DEEP["classes"], normalization)
        loss, grads = loss_and_grads(item["ret"], shapes, f"loss(X, y) for {label}")
        expected = float(wanted["ret"][0])
        try:
            if not abs(loss - expected) <= 1e-6 * max(1.0, abs(expected)):
                raise Failed(f"the loss for {label} is {loss:.8g}, expected {expected:.8g}")
            for name in shapes:
                compare.close(grads[name], wanted["ret"][1][name], f"grads[{name!r}] for {label}")
        except Failed as failure:
            hint = consistency_hint(grads, item.get("numeric"), shapes)
            raise Failed(f"{failure}\nThe public checks use 2 hidden layers: does your loss handle any number "
                         "of layers (a loop over self.num_layers)?" + (f"\n{hint}" if hint else "")) from None


CHECKS = [
    Check(f"{LOSS}: five hidden layers", LOSS, "fc_net", 2, guarded(_probe), _judge, hidden=True,
          what="loss and every gradient of 7-9-6-8-5-6-4 nets (no normalization; batchnorm and layernorm "
               "with reg=0.3) against the reference"),
]
