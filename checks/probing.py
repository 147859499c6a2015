"""Helpers for probes: the small programs that call a submission's functions on fixed inputs.

A probe runs in the student's process (``child.py``) and, for the reference values, on
``solutions/`` and on the known mistakes in the grading process. It builds its inputs from
fixed seeds with ``numpy.random.RandomState`` (whose streams numpy keeps stable across
versions, so every machine grades alike), calls student code, and returns what came back,
untouched: the grading process validates and judges it.

Inputs handed to student code are read-only and cannot be made writable again (their memory
belongs to an immutable ``bytes`` object), so a function that writes into ``dout`` or into a
cache fails loudly instead of silently corrupting the check. When that happens,
``describe_readonly_write`` names the input that was written into.
"""
import contextlib
import importlib
import sys
import types
import zlib

import numpy as np

_INPUTS = {}
# In writable mode (``set_writable(True)``) inputs are plain writable copies, and each one is
# remembered with its bytes, so that ``written()`` can tell which ones the probe changed.
_WRITABLE = [False]
_REGISTERED = []  # (name, array, bytes at registration), in writable mode
# Which inputs the probes build: None for the public ones (the notebooks', the local grader's,
# the stored fixtures'), or the instructor's seed, which the Gradescope autograder grades with so
# that outputs stored from the public inputs are worth nothing there (``set_input_seed``).
_INPUT_SEED = [None]


class Submission:
    """Attribute access to a package's modules: ``sub.layers`` imports ``<package>.layers``.

    ``on_import()``, when given, runs after each access (the worker wraps what was loaded).
    """

    def __init__(self, package, on_import=None):
        self._package = package
        self._on_import = on_import

    def __getattr__(self, module):
        if module.startswith("__"):
            raise AttributeError(module)
        loaded = importlib.import_module(f"{self._package}.{module}")
        if self._on_import is not None:
            self._on_import()
        return loaded


class Wired:
    """A module seen with some of its functions replaced (``replacements``: name -> function)."""

    def __init__(self, module, replacements):
        self._module = module
        self._replacements = dict(replacements)

    def __getattr__(self, name):
        if name in self._replacements:
            return self._replacements[name]
        return getattr(self._module, name)


class WiredSubmission:
    """``sub`` whose module ``module`` is seen through ``Wired(..., replacements)``."""

    def __init__(self, sub, module, replacements):
        self._sub = sub
        self._wired = module
        self._replacements = replacements

    def __getattr__(self, module):
        loaded = getattr(self._sub, module)
        return Wired(loaded, self._replacements) if module == self._wired else loaded


def reset():
    """Forget the inputs registered by the previous probe."""
    _INPUTS.clear()
    _REGISTERED.clear()


def set_writable(flag):
    """Hand the submission writable inputs (True) or read-only ones (False, the default)."""
    _WRITABLE[0] = bool(flag)


def written():
    """The names of the inputs whose contents changed since they were handed over (writable mode)."""
    changed = []
    for name, array, before in _REGISTERED:
        if name not in changed and array.tobytes() != before:
            changed.append(name)
    return changed


def _register(name, array):
    _INPUTS[name] = array
    if not _WRITABLE[0]:
        return
    for index, (_, known, before) in enumerate(_REGISTERED):
        if known is array:  # handed over again: an input that a forward kept as its cache
            if array.tobytes() == before:  # not written yet: later writes are into the new role
                _REGISTERED[index] = (name, array, before)
            return
    _REGISTERED.append((name, array, array.tobytes()))


def checked_input_seed(seed):
    """``seed`` when it names inputs (None: the public ones; an int from 0 to 2**32 - 1: an
    instructor seed's); otherwise ValueError."""
    if seed is not None and (type(seed) is not int or not 0 <= seed < 2 ** 32):
        raise ValueError(f"input_seed should be None or an int from 0 to 2**32 - 1, not {seed!r}")
    return seed


def set_input_seed(seed):
    """Build the public inputs (``None``) or the inputs of an instructor seed (an int, 0 to 2**32 - 1)."""
    _INPUT_SEED[0] = checked_input_seed(seed)


def input_seed():
    """The instructor seed the probes build their inputs from, or None for the public inputs."""
    return _INPUT_SEED[0]


def rng(seed):
    """A seeded generator whose stream is the same on every numpy version.

    With the public inputs it is ``RandomState(seed)``; with an instructor seed ``s`` it is
    ``RandomState([seed, s])``, another stream for every ``s``.
    """
    if _INPUT_SEED[0] is None:
        return np.random.RandomState(seed)
    return np.random.RandomState([seed, _INPUT_SEED[0]])


def choose(label, public, *others):
    """``public`` with the public inputs; with an instructor seed, one of ``others``, chosen by
    that seed and ``label``. For the inputs that are not drawn, such as a net's sizes: so that
    no input of the instructor's is one the release holds."""
    if _INPUT_SEED[0] is None:
        return public
    if not others:
        raise ValueError(f"choose({label!r}): give at least one value besides the public one")
    pick = np.random.RandomState([zlib.crc32(label.encode("utf-8")), _INPUT_SEED[0]]).randint(len(others))
    return others[pick]


@contextlib.contextmanager
def using_inputs(seed):
    """Within the block, probes (and judges that ask ``choose``) build the inputs of ``seed``."""
    previous = _INPUT_SEED[0]
    set_input_seed(seed)
    try:
        yield
    finally:
        _INPUT_SEED[0] = previous


def mount_package(name, folder):
    """Make ``folder`` importable as the package ``name`` (``name.layers``, ...) without running
    its ``__init__.py``; returns the package. (The worker mounts the grader itself with a copy
    of these lines in child.py: it runs before this module can be imported.)"""
    package = types.ModuleType(name)
    package.__path__ = [str(folder)]
    package.__package__ = name
    package.__file__ = None
    sys.modules[name] = package
    return package


def forget_package(name):
    """Drop the package ``name`` and its modules from ``sys.modules`` (undoes ``mount_package``)."""
    for loaded in list(sys.modules):
        if loaded == name or loaded.startswith(name + "."):
            del sys.modules[loaded]


def frozen(name, array):
    """A read-only float64 (or given dtype) copy of ``array`` that nobody can make writable."""
    array = np.asarray(array)
    if _WRITABLE[0]:
        copy = np.array(array, copy=True)
    else:
        data = bytes(np.ascontiguousarray(array).tobytes())
        copy = np.frombuffer(data, dtype=array.dtype).reshape(array.shape)
    _register(name, copy)
    return copy


def freeze_tree(name, value):
    """Mark every array inside tuples, lists and dicts read-only; returns ``value``.

    Used on caches that the submission built itself: they are the student's arrays, so they
    are frozen in place and registered under ``name`` (``cache[0]``, ``cache['x']``, ...).
    """
    if type(value) is np.ndarray:
        if not _WRITABLE[0]:
            value.setflags(write=False)
        _register(name, value)
    elif type(value) in (tuple, list):
        for index, item in enumerate(value):
            freeze_tree(f"{name}[{index}]", item)
    elif type(value) is dict:
        for key, item in value.items():
            freeze_tree(f"{name}[{key!r}]", item)
    return value


def writable(array):
    """A writable copy (for arguments a correct function may legitimately update in place)."""
    return np.array(array, copy=True)


def describe_readonly_write(local_values):
    """Which registered input a failed write went into, judged from the frame's locals.

    Returns a list of ``[local name, input name]`` pairs (possibly empty) and the list of all
    read-only inputs of the probe, so the feedback can say "dx is the same array as dout".
    """
    pairs = []
    for local_name, value in list(local_values.items())[:200]:
        if type(value) is not np.ndarray or value.flags.writeable:
            continue
        for input_name, array in _INPUTS.items():
            if np.may_share_memory(value, array):
                pairs.append([str(local_name), input_name])
                break
    return {"pairs": pairs, "inputs": sorted(_INPUTS)[:20]}


def call(function_name, module, *args):
    """Call ``module.function_name(*args)``; a missing function raises a clear error."""
    function = getattr(module, function_name, None)
    if function is None:
        raise AttributeError(f"{module.__name__.split('.')[-1]}.py has no function named {function_name}")
    return function(*args)


def first(value):
    """``value[0]`` when value is a tuple or list, else ``value`` (used to pass a forward's cache)."""
    return value[0] if type(value) in (tuple, list) and value else value


def directions(seed, shapes, count):
    """``count`` Gaussian directions for each shape (a list per direction), seeded."""
    generator = rng(seed)
    return [[generator.randn(*shape) for shape in shapes] for _ in range(count)]


def numeric_directional(forward_output, inputs, dout, dirs, h=1e-6):
    """Central differences of ``sum(forward_output(*inputs) * dout)`` along each direction.

    ``forward_output`` maps the list of inputs to the output array. Used only for hints: it
    tells whether a student's backward at least matches the student's own forward.
    """
    values = []
    for direction in dirs:
        plus = [x + h * d for x, d in zip(inputs, direction)]
        minus = [x - h * d for x, d in zip(inputs, direction)]
        values.append(float(np.sum((forward_output(plus) - forward_output(minus)) * dout) / (2 * h)))
    return np.array(values)
