"""The weight-scale experiment of the Batch Normalization notebook, and the command that
reproduces its figure (from the reference solutions, or from your assignment/ where
solutions/ is absent, as in the student release).

Batch normalization vs no normalization at 16 weight scales np.logspace(0, -4, 16): a
net with five hidden layers of 100 units, trained on 1,000 MNIST digits with plain SGD
(learning rate 0.01, batch 100) for 20 epochs. Training accuracy is measured on the whole
training set after every epoch.

From the kit's folder:

    python notebooks/bn_figure.py                       # docs/bn_weight_scale.{png,json}
    python notebooks/bn_figure.py --out fig.png --json numbers.json

The notebook calls the same functions with the student's FullyConnectedNet and Trainer
(from assignment/); the command uses the ones of solutions/ when it is there.

A run whose loss becomes NaN or infinite (the Trainer raises FloatingPointError) is
recorded as diverged: its curve continues at chance accuracy (0.1) from that epoch on,
and the experiment goes on with the next run.
"""
import argparse
import json
import os
import sys
import time

if __name__ == "__main__":
    # One BLAS thread: these matrices are small, and on a busy 2-core machine a second
    # thread makes the command several times slower, never faster.
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The experiment (the numbers the README and the tests quote come from these values).
CONFIG = {
    "weight_scales": [float(s) for s in np.logspace(0, -4, 16)],
    "hidden_dims": [100] * 5,
    "num_train": 1000,
    "num_val": 500,
    "learning_rate": 1e-2,
    "batch_size": 100,
    "num_epochs": 20,
    "data_seed": 0,
    "seed": 0,
    "dtype": "float32",
}
CHANCE = 0.1


def load_data(load_mnist, config=CONFIG):
    """The experiment's data: 1,000 training digits, mean-subtracted."""
    return load_mnist(num_train=config["num_train"], num_val=config["num_val"],
                      num_test=0, subtract_mean=True, seed=config["data_seed"])


def train_one(FullyConnectedNet, Trainer, data, weight_scale, normalization,
              config=CONFIG, seed=None):
    """Train one net; return a dict with its per-epoch training accuracies (epoch 0
    included), its per-epoch validation accuracies, and whether it diverged.

    A diverged run keeps the accuracies measured before the divergence and is padded with
    chance accuracy up to num_epochs + 1 entries.
    """
    seed = config["seed"] if seed is None else seed
    model = FullyConnectedNet(config["hidden_dims"], input_dim=784, num_classes=10,
                              normalization=normalization, weight_scale=weight_scale,
                              dtype=np.dtype(config["dtype"]).type, seed=seed)
    trainer = Trainer(model, data, update_rule="sgd",
                      updater_config={"learning_rate": config["learning_rate"]},
                      batch_size=config["batch_size"], num_epochs=config["num_epochs"],
                      num_train_samples=None, num_val_samples=None,
                      verbose=False, seed=seed)
    diverged_at = None
    try:
        # Overflow on the way to a divergence is expected here: the Trainer stops the run.
        with np.errstate(over="ignore", invalid="ignore"):
            trainer.train()
    except FloatingPointError:
        diverged_at = trainer.epoch + 1
    length = config["num_epochs"] + 1
    train_acc = list(trainer.train_acc_history)
    val_acc = list(trainer.val_acc_history)
    train_acc += [CHANCE] * (length - len(train_acc))
    val_acc += [CHANCE] * (length - len(val_acc))
    return {"train_acc": train_acc, "val_acc": val_acc,
            "diverged": diverged_at is not None, "diverged_at_epoch": diverged_at}


def weight_scale_experiment(FullyConnectedNet, Trainer, data, config=CONFIG, verbose=True):
    """Train a net with and without batch normalization at every weight scale.

    Returns {'config': config, 'runs': [{'weight_scale', 'baseline', 'batchnorm'}, ...]}
    where 'baseline' and 'batchnorm' are the dicts of train_one.
    """
    runs = []
    for i, scale in enumerate(config["weight_scales"]):
        run = {"weight_scale": scale}
        for name, normalization in (("baseline", None), ("batchnorm", "batchnorm")):
            run[name] = train_one(FullyConnectedNet, Trainer, data, scale, normalization,
                                  config)
        runs.append(run)
        if verbose:
            b, n = run["baseline"], run["batchnorm"]
            print(f"scale {i + 1:2d}/{len(config['weight_scales'])} = {scale:.2e}: "
                  f"final train acc without BN {b['train_acc'][-1]:.3f}"
                  f"{' (diverged)' if b['diverged'] else ''}, "
                  f"with BN {n['train_acc'][-1]:.3f}"
                  f"{' (diverged)' if n['diverged'] else ''}")
    return {"config": dict(config), "runs": runs}


def summarize(result):
    """The headline numbers: at how many scales BN ends with the higher training
    accuracy, and by how much."""
    final_bn = np.array([r["batchnorm"]["train_acc"][-1] for r in result["runs"]])
    final_base = np.array([r["baseline"]["train_acc"][-1] for r in result["runs"]])
    diff = final_bn - final_base
    return {
        "num_scales": int(len(diff)),
        "bn_wins": int(np.sum(diff > 0)),
        "ties": int(np.sum(diff == 0)),
        "baseline_wins": int(np.sum(diff < 0)),
        "mean_margin": float(np.mean(diff)),
        "median_margin": float(np.median(diff)),
        "max_margin": float(np.max(diff)),
        "min_margin": float(np.min(diff)),
        "mean_final_train_acc_batchnorm": float(np.mean(final_bn)),
        "mean_final_train_acc_baseline": float(np.mean(final_base)),
        "baseline_diverged": int(sum(r["baseline"]["diverged"] for r in result["runs"])),
        "batchnorm_diverged": int(sum(r["batchnorm"]["diverged"] for r in result["runs"])),
    }


def plot_grid(result, path=None):
    """A 4x4 grid of training-accuracy curves, one panel per weight scale."""
    import matplotlib
    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = result["runs"]
    fig, axes = plt.subplots(4, 4, figsize=(13, 11), sharex=True, sharey=True)
    for ax, run in zip(axes.flat, runs):
        epochs = np.arange(len(run["baseline"]["train_acc"]))
        for name, style, label in (("baseline", "o-", "no BN"),
                                   ("batchnorm", "s-", "BN")):
            curve = run[name]
            if curve["diverged"]:
                label += f" (diverged, epoch {curve['diverged_at_epoch']})"
            ax.plot(epochs, curve["train_acc"], style, markersize=2.5, label=label)
        ax.axhline(CHANCE, color="gray", linewidth=0.6, linestyle=":")
        ax.set_title(f"weight scale {run['weight_scale']:.1e}", fontsize=10)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    for ax in axes[:, 0]:
        ax.set_ylabel("training accuracy")
    s = summarize(result)
    fig.suptitle(
        "Five hidden layers of 100, 1,000 MNIST digits, SGD lr 0.01, batch 100: "
        f"BN ends higher at {s['bn_wins']} of {s['num_scales']} weight scales "
        f"(mean margin {100 * s['mean_margin']:.1f} points)", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    if path is not None:
        fig.savefig(path, dpi=80)
        plt.close(fig)
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "bn_weight_scale.png"),
                        help="where to write the 4x4 figure (PNG)")
    parser.add_argument("--json", default=os.path.join(ROOT, "docs", "bn_weight_scale.json"),
                        help="where to write the numbers (JSON)")
    parser.add_argument("--package", default=None, choices=("solutions", "assignment"),
                        help="whose FullyConnectedNet to train (default: solutions, or assignment where "
                             "solutions/ is absent, as in the student release)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    if args.package is None:
        args.package = "solutions" if os.path.isdir(os.path.join(ROOT, "solutions")) else "assignment"
    import importlib
    fc_net = importlib.import_module(f"{args.package}.fc_net")
    trainer = importlib.import_module(f"{args.package}.trainer")
    data_module = importlib.import_module(f"{args.package}.data")

    start = time.perf_counter()
    data = load_data(data_module.load_mnist)
    try:
        result = weight_scale_experiment(fc_net.FullyConnectedNet, trainer.Trainer, data,
                                         verbose=not args.quiet)
    except NotImplementedError as error:  # the student's copy, before its functions are written
        print(f"bn_figure.py trains {args.package}/'s FullyConnectedNet, which cannot run yet: {error}",
              file=sys.stderr)
        return 1
    result["summary"] = summarize(result)
    result["package"] = args.package
    result["seconds"] = round(time.perf_counter() - start, 1)
    for path in (args.out, args.json):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    plot_grid(result, args.out)
    s = result["summary"]
    print(f"BN ends with the higher training accuracy at {s['bn_wins']} of "
          f"{s['num_scales']} weight scales (ties {s['ties']}); mean margin "
          f"{s['mean_margin']:+.3f}, median {s['median_margin']:+.3f}; "
          f"{result['seconds']} s. Wrote {args.out} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
