"""Tests of solutions/trainer.py.

The mechanics are tested with a tiny softmax classifier defined here, which records what
the Trainer shows it; the end-to-end tests train the kit's FullyConnectedNet on real MNIST
digits.
"""
import os
import pickle
import re

import numpy as np
import pytest

from solutions import updater
from solutions.data import load_mnist
from solutions.fc_net import FullyConnectedNet
from solutions.trainer import Trainer, update_rule_names

NUM_FEATURES = 4  # X has one more column: the sample id
NUM_CLASSES = 3


class SoftmaxClassifier:
    """A linear softmax classifier with the model interface the Trainer expects.

    Column 0 of X holds the sample's id (its row number in X_train); the classifier
    ignores it and records, for every train-mode call, the ids it saw and the dropout
    seed it was given.
    """

    def __init__(self, seed=0, dropout_seed=None, nan_at_call=None, scale=0.01):
        rng = np.random.default_rng(seed)
        self.params = {
            "W": scale * rng.standard_normal((NUM_FEATURES, NUM_CLASSES)),
            "b": np.zeros(NUM_CLASSES),
        }
        if dropout_seed is not None:
            self.dropout_param = {"mode": "train", "p": 1.0, "seed": dropout_seed}
        self.batches = []        # ids seen in each train-mode call
        self.dropout_seeds = []  # dropout_param['seed'] at each train-mode call
        self.test_calls = []     # number of rows of each test-mode call
        self.nan_at_call = nan_at_call

    def loss(self, X, y=None):
        features = X[:, 1:]
        scores = features @ self.params["W"] + self.params["b"]
        if y is None:
            self.test_calls.append(len(X))
            return scores
        self.batches.append(X[:, 0].astype(int))
        if hasattr(self, "dropout_param"):
            self.dropout_seeds.append(self.dropout_param.get("seed"))
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        n = len(X)
        loss = -np.mean(np.log(probs[np.arange(n), y]))
        if self.nan_at_call is not None and len(self.batches) == self.nan_at_call:
            loss = np.nan
        dscores = probs
        dscores[np.arange(n), y] -= 1
        dscores /= n
        grads = {"W": features.T @ dscores, "b": dscores.sum(axis=0)}
        return loss, grads


def make_data(num_train=60, num_val=30, seed=0):
    """Three Gaussian blobs in NUM_FEATURES dimensions; column 0 is the sample id."""
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((NUM_CLASSES, NUM_FEATURES))

    def part(n):
        y = rng.integers(0, NUM_CLASSES, size=n)
        X = centers[y] + rng.standard_normal((n, NUM_FEATURES))
        return np.column_stack([np.arange(n), X]), y

    X_train, y_train = part(num_train)
    X_val, y_val = part(num_val)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def quiet_trainer(model, data, **kwargs):
    kwargs.setdefault("verbose", False)
    return Trainer(model, data, **kwargs)


def global_state():
    state = np.random.get_state()
    return state[0], state[1].copy(), state[2:]


# --- minibatches ------------------------------------------------------------------------

def test_each_epoch_sees_every_sample_exactly_once():
    data = make_data(num_train=60)
    model = SoftmaxClassifier()
    trainer = quiet_trainer(model, data, batch_size=10, num_epochs=3, seed=0)
    trainer.train()
    assert len(model.batches) == 18
    assert all(len(batch) == 10 for batch in model.batches)
    epochs = [np.concatenate(model.batches[6 * e:6 * (e + 1)]) for e in range(3)]
    for ids in epochs:
        np.testing.assert_array_equal(np.sort(ids), np.arange(60))
    # A fresh order each epoch.
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[1], epochs[2])
    assert len(trainer.loss_history) == 18
    assert trainer.iteration == 18 and trainer.epoch == 3


def test_leftover_samples_are_dropped_not_repeated():
    data = make_data(num_train=65)
    model = SoftmaxClassifier()
    quiet_trainer(model, data, batch_size=10, num_epochs=4, seed=1).train()
    assert len(model.batches) == 4 * 6  # 65 // 10 iterations per epoch
    for e in range(4):
        ids = np.concatenate(model.batches[6 * e:6 * (e + 1)])
        assert len(np.unique(ids)) == 60  # no sample twice within an epoch


def test_batch_larger_than_the_training_set():
    data = make_data(num_train=7)
    model = SoftmaxClassifier()
    quiet_trainer(model, data, batch_size=100, num_epochs=2, seed=0).train()
    assert len(model.batches) == 2
    for ids in model.batches:
        np.testing.assert_array_equal(np.sort(ids), np.arange(7))


# --- reproducibility ----------------------------------------------------------------------

def run(seed, **kwargs):
    model = SoftmaxClassifier(seed=5)
    trainer = quiet_trainer(model, make_data(), batch_size=8, num_epochs=3, seed=seed,
                            num_train_samples=20, num_val_samples=10,
                            updater_config={"learning_rate": 0.1}, **kwargs)
    trainer.train()
    return trainer, model


def test_same_seed_same_run_and_global_generator_untouched():
    np.random.seed(123)
    before = global_state()
    first, model_1 = run(seed=7)
    second, model_2 = run(seed=7)
    after = global_state()
    assert before[0] == after[0] and before[2] == after[2]
    np.testing.assert_array_equal(before[1], after[1])
    assert first.loss_history == second.loss_history
    assert first.train_acc_history == second.train_acc_history
    assert first.val_acc_history == second.val_acc_history
    for batch_1, batch_2 in zip(model_1.batches, model_2.batches):
        np.testing.assert_array_equal(batch_1, batch_2)
    for name in model_1.params:
        np.testing.assert_array_equal(model_1.params[name], model_2.params[name])


def test_another_seed_another_order():
    first, model_1 = run(seed=7)
    other, model_2 = run(seed=8)
    assert not np.array_equal(model_1.batches[0], model_2.batches[0])
    assert first.loss_history != other.loss_history


# --- divergence -----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["nan", "inf"])
def test_a_non_finite_loss_names_the_iteration(bad):
    data = make_data()
    if bad == "nan":
        model = SoftmaxClassifier(nan_at_call=3)
        kwargs = {}
    else:  # a real divergence: huge weights and learning rate overflow the softmax
        model = SoftmaxClassifier(scale=1e3)
        kwargs = {"updater_config": {"learning_rate": 1e308}}
    trainer = quiet_trainer(model, data, batch_size=10, num_epochs=2, seed=0, **kwargs)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError) as info:
        trainer.train()
    message = str(info.value)
    assert re.search(r"iteration \d+", message)
    assert "smaller learning rate" in message
    if bad == "nan":
        assert "iteration 3" in message
        assert len(trainer.loss_history) == 2  # the finite losses before it


# --- checkpoints --------------------------------------------------------------------------------

def checkpointed(tmp_path, num_epochs, model_seed=5, dropout_seed=None):
    model = SoftmaxClassifier(seed=model_seed, dropout_seed=dropout_seed)
    trainer = quiet_trainer(model, make_data(), update_rule="sgd_momentum",
                            updater_config={"learning_rate": 0.05}, lr_decay=0.9,
                            batch_size=10, num_epochs=num_epochs, seed=11,
                            num_train_samples=30, checkpoint_name=str(tmp_path / "run"))
    return trainer, model


def test_checkpoint_files_and_contents(tmp_path):
    trainer, model = checkpointed(tmp_path, num_epochs=3)
    trainer.train()
    for k in (1, 2, 3):
        assert (tmp_path / f"run_epoch_{k}.pkl").is_file()
    assert sorted(os.listdir(tmp_path)) == [f"run_epoch_{k}.pkl" for k in (1, 2, 3)]
    with open(tmp_path / "run_epoch_2.pkl", "rb") as f:
        saved = pickle.load(f)
    assert saved["epoch"] == 2
    assert saved["update_rule"] == "sgd_momentum"
    assert saved["lr_decay"] == 0.9 and saved["batch_size"] == 10 and saved["num_epochs"] == 3
    assert saved["updater_config"] == {"learning_rate": 0.05}
    assert len(saved["loss_history"]) == 12
    assert len(saved["train_acc_history"]) == len(saved["val_acc_history"]) == 3
    assert set(saved["params"]) == {"W", "b"}
    assert saved["updater_configs"]["W"]["velocity"].shape == (NUM_FEATURES, NUM_CLASSES)


def test_load_checkpoint_restores_everything_and_resumes_identically(tmp_path):
    full, full_model = checkpointed(tmp_path, num_epochs=3, dropout_seed=40)
    full.train()
    with open(tmp_path / "run_epoch_2.pkl", "rb") as f:
        saved = pickle.load(f)

    resumed, model = checkpointed(tmp_path / "again", num_epochs=3, model_seed=99,
                                  dropout_seed=40)
    returned = resumed.load_checkpoint(tmp_path / "run_epoch_2.pkl")
    assert returned["epoch"] == 2
    assert resumed.epoch == 2 and resumed.iteration == 12
    for name in ("W", "b"):
        np.testing.assert_array_equal(model.params[name], saved["params"][name])
        np.testing.assert_array_equal(resumed.updater_configs[name]["velocity"],
                                      saved["updater_configs"][name]["velocity"])
        assert resumed.updater_configs[name]["learning_rate"] == pytest.approx(0.05 * 0.9 ** 2)
    assert resumed.loss_history == saved["loss_history"] == full.loss_history[:12]
    assert resumed.train_acc_history == full.train_acc_history[:3]
    assert resumed.val_acc_history == full.val_acc_history[:3]
    assert resumed.best_val_acc == saved["best_val_acc"]

    # Training on finishes epoch 3 exactly like the uninterrupted run.
    resumed.train()
    assert resumed.epoch == 3
    assert resumed.loss_history == full.loss_history
    assert resumed.val_acc_history == full.val_acc_history
    assert model.dropout_seeds == list(range(40 + 12, 40 + 18))
    for name in ("W", "b"):
        np.testing.assert_array_equal(model.params[name], full_model.params[name])


def test_load_checkpoint_into_another_kind_of_model_is_refused(tmp_path):
    trainer, _ = checkpointed(tmp_path, num_epochs=1)
    trainer.train()
    other = SoftmaxClassifier()
    other.params["W"] = np.zeros((NUM_FEATURES + 1, NUM_CLASSES))
    with pytest.raises(ValueError, match="'W'"):
        quiet_trainer(other, make_data()).load_checkpoint(tmp_path / "run_epoch_1.pkl")
    extra = SoftmaxClassifier()
    extra.params["W2"] = np.zeros(3)
    with pytest.raises(ValueError, match="W2"):
        quiet_trainer(extra, make_data()).load_checkpoint(tmp_path / "run_epoch_1.pkl")


# --- best parameters ------------------------------------------------------------------------------

def frozen(w, dw, config):
    """An update rule that changes nothing."""
    return w, config


def test_best_params_start_as_the_model_params():
    model = SoftmaxClassifier()
    trainer = quiet_trainer(model, make_data())
    assert set(trainer.best_params) == set(model.params)
    for name in model.params:
        np.testing.assert_array_equal(trainer.best_params[name], model.params[name])
        assert trainer.best_params[name] is not model.params[name]


def test_the_first_measurement_counts_even_at_zero_accuracy():
    data = make_data()
    data["y_val"] = np.full_like(data["y_val"], 2)
    model = SoftmaxClassifier()
    trainer = quiet_trainer(model, data, update_rule=frozen, num_epochs=2, batch_size=20)
    # Changed after the Trainer copied them: the parameters measured at epoch 0 are
    # these, and they become the best ones although their accuracy is 0.
    model.params["W"] = np.zeros_like(model.params["W"])  # ties: argmax says class 0
    trainer.train()
    assert trainer.val_acc_history == [0.0, 0.0, 0.0]
    assert trainer.best_val_acc == 0.0
    assert set(trainer.best_params) == {"W", "b"}
    np.testing.assert_array_equal(trainer.best_params["W"], 0)
    np.testing.assert_array_equal(model.params["W"], 0)


def test_model_ends_with_the_best_params():
    data = make_data()
    model = SoftmaxClassifier()
    centers = np.stack([data["X_val"][data["y_val"] == c, 1:].mean(axis=0)
                        for c in range(NUM_CLASSES)])
    good = {"W": centers.T.copy(), "b": -0.5 * (centers ** 2).sum(axis=1)}
    bad = {"W": -good["W"], "b": -good["b"]}
    calls = {"n": 0}

    def scripted(w, dw, config):
        # The first epoch (3 iterations x 2 parameters) moves to the good parameters,
        # the later epochs to the bad ones.
        calls["n"] += 1
        target = good if calls["n"] <= 6 else bad
        name = "W" if w.ndim == 2 else "b"
        return target[name].copy(), config

    params_dict = model.params
    trainer = quiet_trainer(model, data, update_rule=scripted, batch_size=20, num_epochs=3)
    trainer.train()
    history = trainer.val_acc_history
    assert history[1] == max(history) > history[2]
    assert trainer.best_val_acc == history[1]
    assert model.params is params_dict  # the model's own dict, updated in place
    for name in ("W", "b"):
        np.testing.assert_array_equal(model.params[name], good[name])
        np.testing.assert_array_equal(trainer.best_params[name], good[name])
    model.params["W"] += 1  # best_params is a copy, not the model's arrays
    np.testing.assert_array_equal(trainer.best_params["W"], good["W"])


# --- arguments --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("batch_size", 0), ("batch_size", -3), ("batch_size", 2.5), ("batch_size", True),
    ("batch_size", "10"), ("num_epochs", 0), ("num_epochs", 1.0), ("num_epochs", None),
    ("print_every", 0), ("num_train_samples", 0), ("num_val_samples", -1),
    ("lr_decay", 0), ("lr_decay", -0.5), ("lr_decay", "0.9"), ("updater_config", [0.1]),
])
def test_bad_options_are_named(name, value):
    with pytest.raises(ValueError, match=name):
        Trainer(SoftmaxClassifier(), make_data(), **{name: value})


@pytest.mark.parametrize("rule", ["sgdd", "Adam", 3, None])
def test_unknown_update_rule_lists_the_choices(rule):
    with pytest.raises(ValueError) as info:
        Trainer(SoftmaxClassifier(), make_data(), update_rule=rule)
    message = str(info.value)
    assert "update_rule" in message
    for choice in ("sgd", "sgd_momentum", "rmsprop", "adam"):
        assert repr(choice) in message


def test_update_rule_choices_are_the_updater_functions():
    assert update_rule_names() == ["adam", "rmsprop", "sgd", "sgd_momentum"]


@pytest.mark.parametrize("missing", [["y_val"], ["X_train", "X_val"]])
def test_missing_data_keys_are_named(missing):
    data = make_data()
    for key in missing:
        del data[key]
    with pytest.raises(ValueError) as info:
        Trainer(SoftmaxClassifier(), data)
    for key in missing:
        assert repr(key) in str(info.value)


@pytest.mark.parametrize("split", ["train", "val"])
def test_mismatched_lengths_are_refused(split):
    data = make_data()
    data["y_" + split] = data["y_" + split][:-1]
    with pytest.raises(ValueError, match=f"X_{split}"):
        Trainer(SoftmaxClassifier(), data)


def test_a_model_without_params_or_loss_is_refused():
    with pytest.raises(ValueError, match="model"):
        Trainer(object(), make_data())


# --- dropout seed -------------------------------------------------------------------------------

def test_dropout_seed_advances_every_iteration_then_is_restored():
    model = SoftmaxClassifier(dropout_seed=1000)
    quiet_trainer(model, make_data(), batch_size=10, num_epochs=2, seed=0).train()
    assert model.dropout_seeds == list(range(1000, 1012))
    assert model.dropout_param["seed"] == 1000


def test_a_model_without_dropout_seed_is_left_alone():
    model = SoftmaxClassifier()
    model.dropout_param = {"mode": "train", "p": 0.5}
    quiet_trainer(model, make_data(), batch_size=10, num_epochs=1).train()
    assert "seed" not in model.dropout_param


# --- progress lines -------------------------------------------------------------------------------

def test_progress_lines(capsys):
    trainer = Trainer(SoftmaxClassifier(), make_data(), batch_size=10, num_epochs=2,
                      print_every=5, seed=0)
    trainer.train()
    lines = capsys.readouterr().out.splitlines()
    iteration = re.compile(r"^\(Iteration (\d+) / 12\) loss: \d+\.\d{6}$")
    epoch = re.compile(r"^\(Epoch (\d+) / 2\) train acc: [01]\.\d{6}; val acc: [01]\.\d{6}$")
    assert [int(m[1]) for m in map(iteration.match, lines) if m] == [1, 6, 11]
    assert [int(m[1]) for m in map(epoch.match, lines) if m] == [0, 1, 2]
    assert epoch.match(lines[0])  # epoch 0 comes before any training
    assert len(lines) == 6
    loss_line = next(line for line in lines if line.startswith("(Iteration 1 "))
    assert loss_line.endswith(f"loss: {trainer.loss_history[0]:f}")


def test_quiet_when_not_verbose(capsys, tmp_path):
    Trainer(SoftmaxClassifier(), make_data(), num_epochs=1, verbose=False,
            checkpoint_name=str(tmp_path / "q")).train()
    assert capsys.readouterr().out == ""


# --- learning rate and updater configs ------------------------------------------------------

def test_lr_decay_is_applied_after_every_epoch():
    seen = []

    def recording_sgd(w, dw, config):
        seen.append(config["learning_rate"])
        return updater.sgd(w, dw, config)

    trainer = quiet_trainer(SoftmaxClassifier(), make_data(), update_rule=recording_sgd,
                            updater_config={"learning_rate": 0.1}, lr_decay=0.5,
                            batch_size=20, num_epochs=3)
    trainer.train()
    # 3 iterations per epoch, 2 parameters per iteration.
    assert seen == pytest.approx([0.1] * 6 + [0.05] * 6 + [0.025] * 6)
    for config in trainer.updater_configs.values():
        assert config["learning_rate"] == pytest.approx(0.1 * 0.5 ** 3)


def test_every_parameter_has_its_own_config():
    config = {"learning_rate": 1e-2}
    model = SoftmaxClassifier()
    trainer = quiet_trainer(model, make_data(), update_rule="adam", updater_config=config,
                            num_epochs=1, batch_size=20)
    trainer.train()
    assert config == {"learning_rate": 1e-2}  # the caller's dict is not modified
    configs = trainer.updater_configs
    assert configs["W"] is not configs["b"]
    assert configs["W"]["m"].shape == model.params["W"].shape
    assert configs["b"]["m"].shape == model.params["b"].shape
    assert configs["W"]["t"] == configs["b"]["t"] == 3


def test_default_rule_is_sgd_with_its_default_learning_rate():
    trainer = quiet_trainer(SoftmaxClassifier(), make_data(), batch_size=60, num_epochs=1)
    assert trainer.update_rule is updater.sgd
    trainer.train()
    assert trainer.updater_configs["W"]["learning_rate"] == 1e-2


# --- check_accuracy --------------------------------------------------------------------------------

def test_check_accuracy_in_batches_and_on_subsets():
    data = make_data(num_train=250)
    model = SoftmaxClassifier(seed=3)
    trainer = quiet_trainer(model, data, seed=0)
    X, y = data["X_train"], data["y_train"]
    expected = np.mean(np.argmax(model.loss(X), axis=1) == y)
    model.test_calls.clear()
    assert trainer.check_accuracy(X, y, batch_size=100) == pytest.approx(expected)
    assert model.test_calls == [100, 100, 50]
    model.test_calls.clear()
    accuracy = trainer.check_accuracy(X, y, num_samples=40, batch_size=15)
    assert model.test_calls == [15, 15, 10]
    assert 0.0 <= accuracy <= 1.0 and isinstance(accuracy, float)
    with pytest.raises(ValueError, match="num_samples"):
        trainer.check_accuracy(X, y, num_samples=0)
    with pytest.raises(ValueError):
        trainer.check_accuracy(X, y[:-1])


def test_accuracy_subsets_come_from_the_trainer_seed():
    data = make_data(num_train=250)
    a = quiet_trainer(SoftmaxClassifier(seed=3), data, seed=4)
    b = quiet_trainer(SoftmaxClassifier(seed=3), data, seed=4)
    X, y = data["X_train"], data["y_train"]
    assert [a.check_accuracy(X, y, num_samples=30) for _ in range(5)] == \
           [b.check_accuracy(X, y, num_samples=30) for _ in range(5)]


# --- the real network on real digits ----------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_small(tmp_path_factory):
    return load_mnist(num_train=50, num_val=100, num_test=0,
                      cache_dir=tmp_path_factory.mktemp("mnist-cache"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_layer_net_overfits_50_digits(mnist_small, seed):
    model = FullyConnectedNet([100, 100], input_dim=784, weight_scale="he", seed=seed)
    trainer = quiet_trainer(model, mnist_small, update_rule="adam",
                            updater_config={"learning_rate": 3e-3}, batch_size=25,
                            num_epochs=20, seed=seed)
    trainer.train()
    assert len(trainer.train_acc_history) == 21
    assert trainer.train_acc_history[-1] == 1.0
    assert trainer.loss_history[-1] < 0.1 * trainer.loss_history[0]


def train_real(seed, mnist_small):
    model = FullyConnectedNet([40, 30], input_dim=784, weight_scale="he", seed=3,
                              dropout_keep_ratio=0.7, normalization="batchnorm")
    trainer = quiet_trainer(model, mnist_small, update_rule="adam",
                            updater_config={"learning_rate": 1e-3}, batch_size=10,
                            num_epochs=3, num_val_samples=50, seed=seed)
    trainer.train()
    return trainer, model


def test_real_net_training_is_reproducible(mnist_small):
    first, model_1 = train_real(0, mnist_small)
    second, model_2 = train_real(0, mnist_small)
    assert first.loss_history == second.loss_history
    assert first.val_acc_history == second.val_acc_history
    for name in model_1.params:
        np.testing.assert_array_equal(model_1.params[name], model_2.params[name])
    for bn_1, bn_2 in zip(model_1.bn_params, model_2.bn_params):
        np.testing.assert_array_equal(bn_1["running_mean"], bn_2["running_mean"])
    assert model_1.dropout_param["seed"] == 3  # restored after training
    other, _ = train_real(1, mnist_small)
    assert other.loss_history != first.loss_history
    # A batch-normalized net measures epoch 0 after its first update; nothing is missing.
    assert len(first.val_acc_history) == 4
