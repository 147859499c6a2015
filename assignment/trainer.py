"""The Trainer: trains a classification model with minibatch gradient descent.

This file is given code: nothing to implement here. Read it to see how the pieces you
write (the layers, the network's loss, the update rules) are used during training.

A model is any object with
- model.params: a dict from parameter names ('W1', 'b1', ...) to numpy arrays;
- model.loss(X, y=None): with y, returns (loss, grads) where loss is a float and grads
  a dict with the keys of model.params (gradients of the same shapes); without y,
  returns the class scores, an array of shape (N, C).
Optionally model.dropout_param (a dict; its 'seed', when present, is advanced at every
iteration) and model.bn_params (a list of dicts holding batch-normalization running
statistics, saved and restored together with the parameters).

Example:

    data = get_data('mnist')          # X_train, y_train, X_val, y_val, ...
    model = FullyConnectedNet([100, 100], input_dim=784, seed=0)
    trainer = Trainer(model, data, update_rule='adam',
                      updater_config={'learning_rate': 1e-3},
                      lr_decay=0.95, batch_size=100, num_epochs=10, seed=0)
    trainer.train()
    trainer.best_val_acc            # best validation accuracy seen
    trainer.loss_history            # one loss per iteration, to plot
    trainer.train_acc_history       # one accuracy per epoch (epoch 0 included)
    trainer.val_acc_history         # the same on the validation set
    model.loss(data['X_test'])      # the model now holds the best parameters

Each epoch visits the training set in a fresh random order: minibatches are drawn
WITHOUT replacement, N // batch_size of them per epoch (at least one), so every sample
is seen at most once per epoch (exactly once when N is a multiple of batch_size; the
N % batch_size samples left over change from epoch to epoch). The shuffling and the
accuracy subsampling use the Trainer's own generator np.random.default_rng(seed), never
numpy's global one: with a seed (and a seeded model) a run is reproducible.
"""
import copy
import inspect
import math
import numbers
import os
import pickle
import tempfile
import warnings

import numpy as np

from . import updater

__all__ = ["Trainer", "update_rule_names"]

_REQUIRED_DATA = ("X_train", "y_train", "X_val", "y_val")
_CHECKPOINT_FORMAT = 1


def update_rule_names():
    """The names accepted as update_rule: the public functions of updater.py."""
    names = getattr(updater, "__all__", None)
    if names is None:
        names = [
            name for name, value in vars(updater).items()
            if not name.startswith("_") and inspect.isfunction(value)
            and value.__module__ == updater.__name__
        ]
    return sorted(name for name in names if callable(getattr(updater, name, None)))


def _positive_int(value, name, allow_none=False):
    """value as an int, or ValueError naming the argument (bools are not integers)."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 1:
        expected = "a positive integer or None" if allow_none else "a positive integer"
        raise ValueError(f"Trainer: {name} must be {expected}; got {value!r}")
    return int(value)


def _number_of_samples(array, name):
    try:
        return len(array)
    except TypeError:
        raise ValueError(
            f"Trainer: data['{name}'] must be an array with one row per sample; "
            f"got {type(array).__name__}") from None


class Trainer:
    """Trains a classification model with minibatch gradient descent.

    Construct it with a model, the data and the training options, then call train().
    Afterwards the model holds the parameters that gave the best validation accuracy,
    and the Trainer holds the histories (loss_history, train_acc_history,
    val_acc_history), best_val_acc and best_params.

    Inputs of the constructor:
    - model: an object with params and loss(X, y=None), see the top of this file.
    - data: a dict with
      - 'X_train': training images, shape (N_train, d_1, ..., d_k)
      - 'y_train': training labels, shape (N_train,), integers in [0, C)
      - 'X_val': validation images, shape (N_val, d_1, ..., d_k)
      - 'y_val': validation labels, shape (N_val,)
      (other keys such as 'X_test' are ignored)
    - update_rule: the name of a rule in updater.py ('sgd', 'sgd_momentum', 'rmsprop',
      'adam') or a function rule(w, dw, config) -> (next_w, config).
    - updater_config: a dict of hyper-parameters for the update rule, e.g.
      {'learning_rate': 1e-3}. Every parameter gets its own copy, since each one keeps
      its own state (velocity, moving averages...) in it. None: the rule's defaults.
    - lr_decay: the learning rate is multiplied by lr_decay after every epoch.
    - batch_size: the number of samples in a minibatch.
    - num_epochs: the number of passes over the training data.
    - num_train_samples: the accuracy on the training set is measured on a random subset
      of this many samples after each epoch (None: the whole training set).
    - num_val_samples: the same for the validation set (None: the whole set).
    - checkpoint_name: if not None, the state after epoch k is saved to
      '<checkpoint_name>_epoch_<k>.pkl' (see load_checkpoint).
    - print_every: with verbose, the loss is printed every print_every iterations.
    - verbose: whether to print progress.
    - seed: seed of the Trainer's random generator (shuffling, accuracy subsets).

    Errors: a bad option raises ValueError naming it (an unknown update_rule lists the
    choices; missing data keys are named). During train(), a loss that is NaN or
    infinite raises FloatingPointError naming the iteration: the training diverged,
    usually because the learning rate (or the weight scale) is too large.

    Attributes you can read after train():
    - loss_history: list of floats, the loss of every iteration
    - train_acc_history, val_acc_history: lists of floats, the accuracies measured
      before training (epoch 0) and after each epoch
    - best_val_acc: the best validation accuracy seen
    - best_params: the parameters that gave it (a dict of arrays like model.params)
    - epoch: the number of epochs done; iteration: the number of updates done
    - updater_configs: {parameter name: its updater config (with its state)}
    """

    def __init__(self, model, data, update_rule="sgd", updater_config=None, lr_decay=1.0,
                 batch_size=100, num_epochs=10, num_train_samples=1000,
                 num_val_samples=None, checkpoint_name=None, print_every=10,
                 verbose=True, seed=None):
        if not isinstance(getattr(model, "params", None), dict) \
                or not callable(getattr(model, "loss", None)):
            raise ValueError(
                "Trainer: model must have a dict of parameters model.params and a method "
                f"model.loss(X, y=None); got {type(model).__name__}")
        self.model = model

        # The data: the four arrays must be there, with one label per sample.
        try:
            missing = [key for key in _REQUIRED_DATA if key not in data]
        except TypeError:
            raise ValueError(
                "Trainer: data must be a dict with the keys "
                f"{', '.join(_REQUIRED_DATA)}; got {type(data).__name__}") from None
        if missing:
            raise ValueError(
                f"Trainer: data is missing the key(s) {', '.join(map(repr, missing))}; it "
                f"needs {', '.join(map(repr, _REQUIRED_DATA))}")
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        for split in ("train", "val"):
            n_x = _number_of_samples(data["X_" + split], "X_" + split)
            n_y = _number_of_samples(data["y_" + split], "y_" + split)
            if n_x != n_y:
                raise ValueError(
                    f"Trainer: data['X_{split}'] has {n_x} samples but data['y_{split}'] "
                    f"has {n_y} labels; they must have the same length")
            if n_x == 0:
                raise ValueError(f"Trainer: data['X_{split}'] is empty")

        # The update rule: a name in updater.py or a function.
        choices = update_rule_names()
        if isinstance(update_rule, str):
            if update_rule not in choices:
                raise ValueError(
                    f"Trainer: unknown update_rule {update_rule!r}; choose one of "
                    f"{', '.join(map(repr, choices))} or pass a function "
                    "rule(w, dw, config) -> (next_w, config)")
            self.update_rule_name = update_rule
            self.update_rule = getattr(updater, update_rule)
        elif callable(update_rule):
            self.update_rule_name = getattr(update_rule, "__name__", repr(update_rule))
            self.update_rule = update_rule
        else:
            raise ValueError(
                f"Trainer: update_rule must be one of {', '.join(map(repr, choices))} or a "
                f"function rule(w, dw, config) -> (next_w, config); got {update_rule!r}")

        if updater_config is None:
            updater_config = {}
        if not isinstance(updater_config, dict):
            raise ValueError(
                f"Trainer: updater_config must be a dict or None; got {updater_config!r}")
        self.updater_config = copy.deepcopy(updater_config)

        if isinstance(lr_decay, (bool, np.bool_)) or not isinstance(lr_decay, numbers.Real) \
                or not math.isfinite(lr_decay) or lr_decay <= 0:
            raise ValueError(f"Trainer: lr_decay must be a positive number; got {lr_decay!r}")
        self.lr_decay = float(lr_decay)
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.num_epochs = _positive_int(num_epochs, "num_epochs")
        self.num_train_samples = _positive_int(num_train_samples, "num_train_samples",
                                               allow_none=True)
        self.num_val_samples = _positive_int(num_val_samples, "num_val_samples",
                                             allow_none=True)
        self.print_every = _positive_int(print_every, "print_every")
        if checkpoint_name is not None and not isinstance(checkpoint_name, (str, os.PathLike)):
            raise ValueError(
                f"Trainer: checkpoint_name must be None or a path; got {checkpoint_name!r}")
        self.checkpoint_name = None if checkpoint_name is None else os.fspath(checkpoint_name)
        self.verbose = bool(verbose)
        self.seed = seed
        try:
            self.rng = np.random.default_rng(seed)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"Trainer: seed must be None or a non-negative integer; got {seed!r}") from error

        # The dropout seed the model started with: iteration t uses seed + t.
        self._dropout_seed_base = None
        dropout_param = getattr(model, "dropout_param", None)
        if isinstance(dropout_param, dict) and dropout_param.get("seed") is not None:
            self._dropout_seed_base = dropout_param["seed"]

        self._reset()

    def _reset(self):
        """Set up the bookkeeping of a fresh training run."""
        self.epoch = 0
        self.iteration = 0
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        # best_params is never empty: it starts as a copy of the initial parameters and
        # is replaced whenever the validation accuracy improves (the first measurement
        # always counts as an improvement).
        self.best_val_acc = 0.0
        self.best_params = {name: np.array(value, copy=True)
                            for name, value in self.model.params.items()}
        self._best_bn_params = self._bn_state()
        # Every parameter gets its own copy of the updater config.
        self.updater_configs = {name: copy.deepcopy(self.updater_config)
                                for name in self.model.params}

    # ------------------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------------------
    def _bn_state(self):
        """A copy of the model's normalization dicts (running statistics), or None."""
        bn_params = getattr(self.model, "bn_params", None)
        if not isinstance(bn_params, list):
            return None
        return copy.deepcopy(bn_params)

    def _set_bn_state(self, state):
        bn_params = getattr(self.model, "bn_params", None)
        if state is None or not isinstance(bn_params, list) or len(bn_params) != len(state):
            return
        for target, saved in zip(bn_params, state):
            target.clear()
            target.update(copy.deepcopy(saved))

    def _lacks_running_statistics(self):
        """True for a batch-normalized model that was never run in train mode."""
        bn_params = getattr(self.model, "bn_params", None)
        if not isinstance(bn_params, list) \
                or getattr(self.model, "normalization", None) == "layernorm":
            return False
        return any(isinstance(p, dict) and "running_mean" not in p for p in bn_params)

    def _step(self, batch):
        """One update of every parameter on the minibatch with the given sample indices."""
        X_batch, y_batch = self.X_train[batch], self.y_train[batch]
        if self._dropout_seed_base is not None:
            self.model.dropout_param["seed"] = self._dropout_seed_base + self.iteration

        loss, grads = self.model.loss(X_batch, y_batch)
        loss = float(loss)
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"the loss became {loss} at iteration {self.iteration + 1} (epoch "
                f"{self.epoch + 1}): the training diverged. Try a smaller learning rate "
                "(updater_config['learning_rate']) or a smaller weight scale.")
        self.loss_history.append(loss)

        for name, w in self.model.params.items():
            if name not in grads:
                raise KeyError(f"model.loss returned no gradient for the parameter {name!r}")
            next_w, next_config = self.update_rule(w, grads[name], self.updater_configs[name])
            self.model.params[name] = next_w
            self.updater_configs[name] = next_config
        self.iteration += 1

    def _decay_learning_rate(self):
        """Multiply every parameter's learning rate by lr_decay (once per epoch)."""
        ignored = False
        for config in self.updater_configs.values():
            if "learning_rate" in config:
                config["learning_rate"] *= self.lr_decay
            else:
                ignored = True
        if ignored and self.lr_decay != 1.0:
            warnings.warn(
                "lr_decay is ignored for parameters whose updater config has no "
                "'learning_rate' (the update rule never stored one)",
                RuntimeWarning, stacklevel=3)

    def _record_accuracies(self):
        """Measure the train/val accuracies, keep them, and keep the best parameters."""
        train_acc = self.check_accuracy(self.X_train, self.y_train,
                                        num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val,
                                      num_samples=self.num_val_samples)
        first = not self.val_acc_history
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if self.verbose:
            print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                  f"val acc: {val_acc:f}")
        if first or val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = {name: np.array(value, copy=True)
                                for name, value in self.model.params.items()}
            self._best_bn_params = self._bn_state()

    def train(self):
        """Run the optimization for the remaining epochs (all of them on a new Trainer).

        Epoch 0 (the accuracies before any update) is measured first; a batch-normalized
        model without running statistics yet is measured right after its first update
        instead (test mode needs the running statistics). Each epoch then
        shuffles the training set, makes N // batch_size updates (at least one), decays
        the learning rate, measures the accuracies, keeps the best parameters and
        writes a checkpoint if asked. At the end the model holds the best parameters
        (and the batch-normalization running statistics that went with them).

        Calling train() again after it finished does nothing: raise num_epochs to
        train longer. After load_checkpoint, train() continues from the saved epoch.
        """
        num_train = len(self.X_train)
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        # Epoch 0: the accuracies before training. A batch-normalized model has no
        # running statistics before its first training step, so it cannot be run in test
        # mode yet: for it, epoch 0 is measured right after the first update (as in
        # cs231n's Solver).
        if not self.val_acc_history and not self._lacks_running_statistics():
            self._record_accuracies()

        try:
            while self.epoch < self.num_epochs:
                order = self.rng.permutation(num_train)
                for i in range(iterations_per_epoch):
                    batch = order[i * self.batch_size:(i + 1) * self.batch_size]
                    self._step(batch)
                    if self.verbose and (self.iteration - 1) % self.print_every == 0:
                        print(f"(Iteration {self.iteration} / {num_iterations}) "
                              f"loss: {self.loss_history[-1]:f}")
                    if not self.val_acc_history:
                        self._record_accuracies()
                self.epoch += 1
                self._decay_learning_rate()
                self._record_accuracies()
                if self.checkpoint_name is not None:
                    self._save_checkpoint()
        finally:
            # Leave the model's dropout seed as it was before training.
            if self._dropout_seed_base is not None:
                self.model.dropout_param["seed"] = self._dropout_seed_base

        # Leave the model with its best parameters.
        for name, value in self.best_params.items():
            self.model.params[name] = np.array(value, copy=True)
        self._set_bn_state(self._best_bn_params)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """The fraction of samples the model classifies correctly.

        Inputs:
        - X: data, shape (N, d_1, ..., d_k)
        - y: labels, shape (N,)
        - num_samples: if not None and smaller than N, measure on a random subset of
          num_samples samples (drawn without replacement with the Trainer's generator)
        - batch_size: the scores are computed in batches of this size, to save memory

        Returns a float in [0, 1].
        """
        num_samples = _positive_int(num_samples, "num_samples", allow_none=True)
        batch_size = _positive_int(batch_size, "batch_size")
        N = len(X)
        if len(y) != N:
            raise ValueError(f"check_accuracy: X has {N} samples but y has {len(y)} labels")
        if N == 0:
            raise ValueError("check_accuracy: X is empty")
        if num_samples is not None and N > num_samples:
            subset = self.rng.choice(N, size=num_samples, replace=False)
            X, y = X[subset], y[subset]
            N = num_samples

        predictions = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start:start + batch_size])
            predictions.append(np.argmax(scores, axis=1))
        predictions = np.concatenate(predictions)
        return float(np.mean(predictions == np.asarray(y)))

    # ------------------------------------------------------------------------------
    # Checkpoints
    # ------------------------------------------------------------------------------
    def _save_checkpoint(self):
        """Write '<checkpoint_name>_epoch_<epoch>.pkl' (written whole, then renamed)."""
        checkpoint = {
            "format": _CHECKPOINT_FORMAT,
            "epoch": self.epoch,
            "iteration": self.iteration,
            "params": {name: np.array(value, copy=True)
                       for name, value in self.model.params.items()},
            "bn_params": self._bn_state(),
            "updater_configs": copy.deepcopy(self.updater_configs),
            "loss_history": list(self.loss_history),
            "train_acc_history": list(self.train_acc_history),
            "val_acc_history": list(self.val_acc_history),
            "best_val_acc": self.best_val_acc,
            "best_params": {name: np.array(value, copy=True)
                            for name, value in self.best_params.items()},
            "best_bn_params": copy.deepcopy(self._best_bn_params),
            "rng_state": self.rng.bit_generator.state,
            "dropout_seed_base": self._dropout_seed_base,
            # The hyper-parameters, for the record (load_checkpoint does not apply them).
            "update_rule": self.update_rule_name,
            "updater_config": copy.deepcopy(self.updater_config),
            "lr_decay": self.lr_decay,
            "batch_size": self.batch_size,
            "num_epochs": self.num_epochs,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "seed": self.seed,
        }
        path = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as f:
                pickle.dump(checkpoint, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise
        if self.verbose:
            print(f"Saved checkpoint {path}")
        return path

    def load_checkpoint(self, path):
        """Continue from a checkpoint written by a Trainer with checkpoint_name.

        Call it on a Trainer built with the same kind of model (same parameter names
        and shapes); the options of this Trainer (num_epochs, batch_size, ...) stay as
        they are, so a larger num_epochs trains longer. It restores:
        - the model's parameters (and batch-normalization running statistics),
        - the updater state of every parameter (learning rate, velocity, moving
          averages...),
        - the epoch and iteration counters, the histories, best_val_acc, best_params,
        - the Trainer's random generator, so that a resumed run continues exactly like
          an uninterrupted one.
        Then train() continues from the saved epoch.

        Returns the checkpoint dict (it also records the hyper-parameters of the run).
        Checkpoints are pickle files: load only files you trust.
        """
        with open(path, "rb") as f:
            checkpoint = pickle.load(f)
        if not isinstance(checkpoint, dict) or "params" not in checkpoint:
            raise ValueError(f"load_checkpoint: {path} is not a Trainer checkpoint")
        params = checkpoint["params"]
        if set(params) != set(self.model.params):
            raise ValueError(
                f"load_checkpoint: {path} holds the parameters {sorted(params)} but the "
                f"model has {sorted(self.model.params)}; build the Trainer with the same "
                "kind of model")
        for name, value in params.items():
            expected = np.shape(self.model.params[name])
            if np.shape(value) != expected:
                raise ValueError(
                    f"load_checkpoint: parameter {name!r} has shape {np.shape(value)} in "
                    f"{path} but {expected} in the model")

        for name, value in params.items():
            self.model.params[name] = np.array(value, copy=True)
        self._set_bn_state(checkpoint.get("bn_params"))
        self.updater_configs = copy.deepcopy(checkpoint["updater_configs"])
        self.epoch = checkpoint["epoch"]
        self.iteration = checkpoint.get("iteration", 0)
        self.loss_history = list(checkpoint["loss_history"])
        self.train_acc_history = list(checkpoint["train_acc_history"])
        self.val_acc_history = list(checkpoint["val_acc_history"])
        self.best_val_acc = checkpoint["best_val_acc"]
        self.best_params = {name: np.array(value, copy=True)
                            for name, value in checkpoint["best_params"].items()}
        self._best_bn_params = copy.deepcopy(checkpoint.get("best_bn_params"))
        if checkpoint.get("dropout_seed_base") is not None:
            self._dropout_seed_base = checkpoint["dropout_seed_base"]
        state = checkpoint.get("rng_state")
        if state is not None and state.get("bit_generator") == \
                type(self.rng.bit_generator).__name__:
            self.rng.bit_generator.state = state
        return checkpoint
