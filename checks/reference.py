"""Expected values: the probes' outputs on the reference solutions and on the known mistakes.

When ``solutions/`` is importable (the kit's own checkout, an instructor's machine) the
expected values are computed live, in the grading process, from the same probes the worker
runs on the submission. Otherwise (the student release, Gradescope without solutions) they
are read from ``checks/fixtures/``, which ``python -m checks fixtures`` writes and a test
keeps fresh. The known mistakes' signatures are always read from the fixtures (``Mistakes``):
computing them takes seconds, which no grade should pay.

What belongs to the hidden checks (their reference values and the known mistakes'
signatures on their inputs) is stored apart, in ``hidden.bin``, so that the student release
can leave it out and a Gradescope package can keep it from student code; ``reference.bin``
and ``mistakes.bin`` hold the public checks only.

Every value goes through the encoding of ``protocol.py`` once, so live and stored values have
exactly the same types as what comes back from a worker.

``python -m checks fixtures`` is deterministic: two runs on one machine write the same bytes.
Probes seed what they draw; where a check is about unseeded behaviour (a net built without a
seed, a dropout mask without one), a generator made here without a seed,
``np.random.default_rng()``, draws from a stream fixed by the check's name and the call's rank
(``_fixed_entropy``). That holds only in this process, for the trusted packages whose values
are stored (the solutions, the known mistakes); a submission's worker is never touched. Beside
the binaries, ``MANIFEST.txt`` lists every stored value (file, check, what it holds, a hash),
so that a diff of the fixtures shows which checks changed.

Inputs. The probes build the *public* inputs everywhere students look (the notebooks, the local
grader, the release's fixtures). The Gradescope autograder grades on the inputs of the
instructor's seed instead (``probing.set_input_seed``): its fixtures folder holds the values
computed for that seed and ``inputs.json``, which names it, so outputs stored from the public
inputs earn nothing there. ``Reference`` reads a folder's values with their seed, ``Mistakes``
the signatures beside them.
"""
from __future__ import annotations

import importlib
import importlib.util
import itertools
import json
import warnings
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from . import probing, protocol
from .suite import Check, all_checks

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE_FILE = FIXTURES / "reference.bin"
MISTAKES_FILE = FIXTURES / "mistakes.bin"
HIDDEN_FILE = FIXTURES / "hidden.bin"  # {"reference": {...}, "mistakes": {...}} of the hidden checks
MANIFEST_FILE = FIXTURES / "MANIFEST.txt"
# Only in an autograder's fixtures: {"input_seed": N}, the instructor seed its values belong to.
INPUTS_FILE = FIXTURES / "inputs.json"


def _stored_hidden(folder: Path) -> Dict[str, Any]:
    path = folder / HIDDEN_FILE.name
    return protocol.decode(path.read_bytes())[0] if path.exists() else {}


def stored_reference(folder: Path = FIXTURES) -> Dict[str, Any]:
    """Every stored reference value by check name: the public ones, plus the hidden ones if stored."""
    stored = dict(protocol.decode((folder / REFERENCE_FILE.name).read_bytes())[0])
    stored.update(_stored_hidden(folder).get("reference", {}))
    return stored


def stored_signatures(folder: Path = FIXTURES) -> Dict[str, List[Dict[str, Any]]]:
    """Every stored known-mistake signature by check name (public, plus hidden if stored)."""
    stored = dict(protocol.decode((folder / MISTAKES_FILE.name).read_bytes())[0])
    stored.update(_stored_hidden(folder).get("mistakes", {}))
    return stored


def stored_input_seed(folder: Path = FIXTURES) -> Optional[int]:
    """The instructor seed whose inputs a fixtures folder's values belong to (None: the public inputs)."""
    path = folder / INPUTS_FILE.name
    if not path.exists():
        return None
    seed = json.loads(path.read_text(encoding="utf-8")).get("input_seed")
    if type(seed) is not int or not 0 <= seed < 2 ** 32:
        raise ValueError(f"{path}: input_seed should be an int from 0 to 2**32 - 1, not {seed!r}")
    return seed


@contextmanager
def _fixed_entropy(name: str):
    """While a trusted probe runs: np.random.default_rng() without a seed draws from a stream
    fixed by ``name`` and the call's rank (every call still gets a stream of its own)."""
    original = np.random.default_rng
    base = zlib.crc32(name.encode("utf-8"))
    rank = itertools.count()

    def default_rng(seed=None):
        if seed is None:
            seed = np.random.SeedSequence(entropy=base, spawn_key=(next(rank),))
        return original(seed)

    np.random.default_rng = default_rng
    try:
        yield
    finally:
        np.random.default_rng = original


@contextmanager
def _trusted(name: str, input_seed: Optional[int]):
    """How a probe runs on a trusted package here: warnings and numpy errors silenced, unseeded
    generators fixed by the check's ``name``, the inputs of ``input_seed``."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), _fixed_entropy(name), probing.using_inputs(input_seed):
        warnings.simplefilter("ignore")
        yield


def run_probe(check: Check, package: str, input_seed: Optional[int] = None) -> Dict[str, Any]:
    """Run a check's probe on a trusted package in this process: {"tree": ...} or {"error": ...}.

    ``input_seed``: the instructor seed whose inputs the probe builds (None: the public inputs).
    """
    np.random.seed(0)
    probing.reset()
    state = np.random.get_state()
    try:
        with _trusted(check.name, input_seed):
            tree = check.probe(probing.Submission(package))
    except Exception as error:  # a known mistake may raise: that is its signature
        entry = {"type": type(error).__name__, "readonly": "read-only" in str(error)}
        if entry["readonly"]:  # which inputs it writes into, as the grader's writable run sees them
            entry["written"] = _written(check, package, input_seed)
        return {"error": entry}
    finally:
        np.random.set_state(state)
    return {"tree": protocol.decode(protocol.encode(tree))[0]}


def _written(check: Check, package: str, input_seed: Optional[int]) -> list:
    """The inputs a probe writes into when they are writable (see ``probing.set_writable``)."""
    np.random.seed(0)
    probing.reset()
    probing.set_writable(True)
    try:
        with _trusted(check.name, input_seed):
            check.probe(probing.Submission(package))
    except Exception:
        pass
    finally:
        probing.set_writable(False)
    return probing.written()


def solutions_available() -> bool:
    try:
        spec = importlib.util.find_spec("solutions")
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.submodule_search_locations is not None


class Reference:
    """Expected probe outputs by check name, live or from fixtures (``source``: auto/live/fixtures).

    ``input_seed`` is the seed of the inputs they belong to (None: the public inputs): for
    ``"live"`` the one given, for ``"fixtures"`` the one ``folder/inputs.json`` names. The grader
    builds the submission's inputs from the same seed.
    """

    def __init__(self, source: str = "auto", folder: Path = FIXTURES, input_seed: Optional[int] = None):
        if source == "auto":
            source = "live" if solutions_available() else "fixtures"
        if source not in ("live", "fixtures"):
            raise ValueError(f"source should be 'auto', 'live' or 'fixtures', not {source!r}")
        self.source = source
        self.folder = Path(folder)
        if source == "fixtures":
            if input_seed is not None:
                raise ValueError("input_seed is for live values: stored ones name their seed in inputs.json")
            input_seed = stored_input_seed(self.folder)
        self.input_seed = probing.checked_input_seed(input_seed)
        self._values: Dict[str, Dict[str, Any]] = {}
        self._stored: Optional[Dict[str, Any]] = None

    def expected(self, check: Check) -> Dict[str, Any]:
        if check.name not in self._values:
            if self.source == "live":
                self._values[check.name] = run_probe(check, "solutions", self.input_seed)
            else:
                self._values[check.name] = self._fixture(check.name)
        return self._values[check.name]

    def _fixture(self, name: str) -> Dict[str, Any]:
        if self._stored is None:
            path = self.folder / REFERENCE_FILE.name
            if not path.exists():
                raise FileNotFoundError(
                    f"{path} is missing and solutions/ is not importable: "
                    "run `python -m checks fixtures` in the kit's checkout"
                )
            self._stored = stored_reference(self.folder)
        if name not in self._stored:
            raise KeyError(f"no stored reference for check {name!r}: run `python -m checks fixtures`")
        return self._stored[name]


class Mistakes:
    """Known-mistake signatures by check name, always the stored ones (checks/fixtures).

    Computing them means building and probing every variant, seconds of work, so the grader
    never does it: ``python -m checks fixtures`` does, and the tests keep the stored ones fresh.
    Without a stored file no mistake is recognized and the feedback says what is wrong without
    naming one.
    """

    def __init__(self, folder: Path = FIXTURES):
        self.folder = Path(folder)
        self._signatures: Optional[Dict[str, List[Dict[str, Any]]]] = None

    def for_check(self, name: str) -> List[Dict[str, Any]]:
        if self._signatures is None:
            present = (self.folder / MISTAKES_FILE.name).exists()
            self._signatures = stored_signatures(self.folder) if present else {}
        return self._signatures.get(name, [])


def compute_reference(checks: Optional[List[Check]] = None, input_seed: Optional[int] = None) -> Dict[str, Any]:
    """The reference solutions' probe outputs for ``checks`` (default: all) on the inputs of ``input_seed``."""
    return {check.name: run_probe(check, "solutions", input_seed)
            for check in checks or all_checks(include_hidden=True)}
