"""The grader against hostile submissions: code that hangs, exits, crashes, floods output,
eats memory, detaches processes, patches numpy, returns booby-trapped objects or tries to
copy the answers.

Each hostile submission is a copy of ``solutions/`` with ONE function sabotaged: code is
appended to its module and the function's name is rebound, the way the known mistakes are
built. Its *honest score* is the score of the same copy where that function just raises
``RuntimeError("sabotaged")``: whatever the sabotage does, it must cost exactly the checks
that an honest failure of that function costs, no more and no less, end with a valid report
and end in bounded time. The comparisons are check by check, so the tests keep meaning the
same thing as more checks are added to the suite.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from checks import protocol
from checks.grader import Grader
from checks.suite import all_checks
from checks.worker import Limits

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
WALL_LIMIT = 60.0  # seconds for one whole grade of a hostile submission (generous on purpose)
HANG_TIMEOUT = 2.0  # --timeout for the cases that hang

HONEST_BODY = 'raise RuntimeError("sabotaged")'


# --------------------------------------------------------------------------- building copies
def _copy_solutions(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for path in sorted(SOLUTIONS.glob("*.py")):
        shutil.copy(path, folder / path.name)
    return folder


def _append(folder: Path, module: str, text: str) -> None:
    with open(folder / f"{module}.py", "a", encoding="utf-8") as handle:
        handle.write("\n\n# --- hostile sabotage (tests/test_hostile.py)\n" + textwrap.dedent(text).strip() + "\n")


def sabotaged(folder: Path, module: str, function: str, body: str, prelude: str = "") -> Path:
    """A copy of solutions/ where ``module.function`` runs ``body`` (``_original`` is the real one)."""
    _copy_solutions(folder)
    _append(folder, module, prelude + "\n" + (
        f"_original = {function}\n\n\n"
        f"def _hostile_{function}(*args, **kwargs):\n"
        + textwrap.indent(textwrap.dedent(body).strip(), "    ")
        + f"\n\n\n{function} = _hostile_{function}\n"
    ))
    return folder


def sabotaged_at_import(folder: Path, module: str, code: str) -> Path:
    """A copy of solutions/ where importing ``module`` runs ``code`` at the end of the module."""
    _copy_solutions(folder)
    _append(folder, module, code)
    return folder


_HONEST = {}


def honest_report(tmp_path_factory, module: str, function: str = None):
    """The report of the copy where ``function`` raises RuntimeError (or ``module``'s import does)."""
    key = (module, function)
    if key not in _HONEST:
        folder = tmp_path_factory.mktemp("honest") / "sub"
        if function is None:
            sabotaged_at_import(folder, module, HONEST_BODY)
        else:
            sabotaged(folder, module, function, HONEST_BODY)
        _HONEST[key] = Grader().grade(folder)
    return _HONEST[key]


# --------------------------------------------------------------------------- verdicts
def public_check_names():
    return [check.name for check in all_checks()]


def checks_of(function: str):
    names = [check.name for check in all_checks() if check.function == function]
    assert names, f"no check grades {function}: choose a function whose checks exist"
    return names


def assert_valid(report):
    assert [r.name for r in report.results] == public_check_names(), "every check appears once, in order"
    for r in report.results:
        assert r.score in ((r.max_score,) if r.passed else (0.0, r.max_score / 2)), r  # half: a side effect
        assert 0 <= r.score <= r.max_score
        assert r.passed or r.feedback.strip(), f"{r.name} failed without feedback"
    assert report.score == round(sum(r.score for r in report.results), 6)


def assert_honest(report, honest, function: str = None):
    """Exactly the honest score, check by check; the sabotaged function's checks all fail."""
    assert_valid(report)
    assert_valid(honest)
    got = {r.name: r.passed for r in report.results}
    want = {r.name: r.passed for r in honest.results}
    different = {name: (got[name], want[name]) for name in got if got[name] != want[name]}
    assert not different, f"(hostile passed, honest passed) differ: {different}\n" + "\n".join(
        f"{r.name}: {r.feedback}" for r in report.results if r.name in different)
    assert report.score == honest.score
    assert any(not passed for passed in got.values()), "the sabotage cost nothing: the case is vacuous"
    assert any(got.values()), "nothing passed: the checks of the other functions must pass"
    if function is not None:
        for name in checks_of(function):
            assert not got[name], f"{name} passed although {function} was sabotaged"


def result(report, name):
    return next(r for r in report.results if r.name == name)


def grade(folder: Path, timeout: float = 5.0, **limits):
    begin = time.monotonic()
    report = Grader(Limits(timeout=timeout, **limits)).grade(folder)
    seconds = time.monotonic() - begin
    assert seconds < WALL_LIMIT, f"grading took {seconds:.1f} s"
    return report, seconds


def show(label, report, name, seconds):
    """Print the feedback line (visible with pytest -s, and in the report of a failure)."""
    print(f"[{label}] {seconds:.2f} s, {report.score}/{report.max_score}: {result(report, name).feedback.splitlines()[0]}")


def cli_statuses(data):
    return {t["name"]: t["status"] for t in data["tests"]}


def cli_honest(tmp_path, module, function):
    """The honest copy graded by the command line (the same grader code as the hostile run)."""
    folder = sabotaged(tmp_path / "honest", module, function, HONEST_BODY)
    out = tmp_path / "honest.json"
    done = run_cli("grade", folder, "--json", out)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def run_cli(*args, prefix=(), timeout=300):
    return subprocess.run([*prefix, sys.executable, "-m", "checks", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------- 1. hangs
# A function still running when a check runs out of time is disabled for the rest of the
# submission: every later check that calls it fails at once, naming the check that timed out.
@pytest.mark.parametrize("label, body", [
    ("infinite loop", "while True:\n    pass"),
    ("sleep 1000 s", "import time\ntime.sleep(1000)"),
])
def test_a_forward_that_hangs_costs_one_timeout_and_its_dependents_are_not_run(tmp_path, tmp_path_factory, label, body):
    function = "affine_relu_forward"
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", function, body), timeout=HANG_TIMEOUT)
    assert_honest(report, honest_report(tmp_path_factory, "layers", function), function)
    first, *later = checks_of(function)
    assert "timed out after 2 s (the limit for one check), inside affine_relu_forward" in result(report, first).feedback
    for name in later + ["affine_relu_backward"]:
        assert ("not run: affine_relu_forward did not finish in 2 s (in 'affine_relu_forward')"
                in result(report, name).feedback), result(report, name).feedback
    assert sum("timed out" in r.feedback for r in report.results) == 1
    assert seconds < HANG_TIMEOUT + 10
    show(label, report, function, seconds)


def test_a_hang_in_relu_forward_costs_one_time_limit_for_its_thirteen_dependents(tmp_path, tmp_path_factory):
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", "relu_forward", "while True:\n    pass"),
                            timeout=HANG_TIMEOUT)
    assert_honest(report, honest_report(tmp_path_factory, "layers", "relu_forward"), "relu_forward")
    failed = [r for r in report.results if not r.passed]
    assert len(failed) >= 10, [r.name for r in failed]  # every composite and net check calls it
    assert sum("timed out" in r.feedback for r in report.results) == 1
    for r in failed[1:]:
        assert r.feedback.startswith("not run: relu_forward did not finish in 2 s (in 'relu_forward')"), r.feedback
    assert seconds < HANG_TIMEOUT + 10


def test_a_module_that_hangs_at_import_costs_one_timeout_not_one_per_check(tmp_path, tmp_path_factory):
    folder = sabotaged_at_import(tmp_path / "sub", "layers", "while True:\n    pass")
    report, seconds = grade(folder, timeout=1.0, import_timeout=2.0)
    assert_valid(report)
    assert [r.passed for r in report.results] == [r.passed for r in honest_report(tmp_path_factory, "layers").results]
    for name in checks_of("relu_forward"):
        assert "layers.py could not be imported: timed out after 2 s" in result(report, name).feedback
    modules = {check.module for check in all_checks()}
    assert seconds < len(modules) * 3 + 10  # one import time-out per module at most
    show("import hangs", report, "relu_forward", seconds)


# --------------------------------------------------------------------------- 2. exit at import
def test_sys_exit_at_import_fails_the_module_like_an_import_error(tmp_path, tmp_path_factory):
    folder = sabotaged_at_import(tmp_path / "sub", "layers", "import sys\nsys.exit(0)")
    report, seconds = grade(folder)
    honest = honest_report(tmp_path_factory, "layers")
    assert_valid(report)
    assert [r.passed for r in report.results] == [r.passed for r in honest.results]
    assert report.score == honest.score
    for name in checks_of("affine_forward"):
        assert result(report, name).feedback.startswith("layers.py could not be imported: SystemExit: sys.exit(0) was called")
    show("sys.exit(0) at import", report, "affine_forward", seconds)


# --------------------------------------------------------------------------- 3-4. the worker dies
# affine_relu_backward: nothing else calls it, so only its own check may fail.
@pytest.mark.parametrize("label, body, message", [
    ("os._exit(0)", "import os\nos._exit(0)", "the process exited with status 0 before returning a result"),
    ("segfault", "import ctypes\nctypes.string_at(0)", "crashed (SIGSEGV: a segmentation fault)"),
    ("SIGKILL itself", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "crashed (SIGKILL"),
    ("closes its result pipe", "import os\nfor fd in range(3, 64):\n    try:\n        os.close(fd)\n    except OSError:\n        pass\nreturn None",
     "before returning a result"),
])
def test_a_backward_that_kills_the_worker_costs_only_its_check(tmp_path, tmp_path_factory, label, body, message):
    function = "affine_relu_backward"
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", function, body))
    assert_honest(report, honest_report(tmp_path_factory, "layers", function), function)
    for name in checks_of(function):
        assert message in result(report, name).feedback
    show(label, report, function, seconds)


# --------------------------------------------------------------------------- 5. output flood
def test_a_million_printed_lines_fail_that_check_with_the_output_limit(tmp_path, tmp_path_factory):
    function = "affine_relu_backward"
    body = """
    for i in range(1_000_000):
        print("line", i, "of the flood")
    return _original(*args, **kwargs)
    """  # the right answer, after the flood: the output limit alone fails it
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", function, body))
    assert_honest(report, honest_report(tmp_path_factory, "layers", function), function)
    for name in checks_of(function):
        assert "printed more than 1024 KiB of output" in result(report, name).feedback
    show("a million lines", report, function, seconds)


# --------------------------------------------------------------------------- 6. memory
def test_memory_eaten_in_512_mb_steps_is_stopped_by_the_memory_limit(tmp_path, tmp_path_factory):
    assert shutil.which("prlimit"), "prlimit (util-linux) is needed to bound the grade from outside"
    function = "affine_relu_backward"
    body = """
    import numpy
    chunks = []
    while True:
        chunk = numpy.empty(64 * 1024 * 1024)  # 512 MiB
        chunk.fill(1.0)  # touched, so it is really there
        chunks.append(chunk)
    """
    folder = sabotaged(tmp_path / "sub", "layers", function, body)
    out = tmp_path / "results.json"
    begin = time.monotonic()
    done = run_cli("grade", folder, "--memory", 1024, "--json", out, prefix=("prlimit", "--as=6000000000"))
    seconds = time.monotonic() - begin
    assert done.returncode == 0, done.stderr
    assert seconds < WALL_LIMIT
    data = json.loads(out.read_text())
    honest = cli_honest(tmp_path, "layers", function)
    assert [t["name"] for t in data["tests"]] == [t["name"] for t in honest["tests"]]
    assert cli_statuses(data) == cli_statuses(honest)
    assert data["score"] == honest["score"] and "passed" in cli_statuses(data).values()
    feedback = {t["name"]: t["output"] for t in data["tests"]}
    for name in checks_of(function):
        assert "MemoryError" in feedback[name] or "memory limit" in feedback[name], feedback[name]
    print(f"[memory] {seconds:.2f} s, {data['score']}/{data['max_score']}: {feedback[function].splitlines()[0]}")


# --------------------------------------------------------------------------- 7. results file and strays
def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie waiting for init is dead


def test_results_json_cannot_be_rewritten_by_the_submission_or_a_detached_grandchild(tmp_path, tmp_path_factory):
    function = "affine_relu_backward"
    out = tmp_path / "out" / "results.json"
    out.parent.mkdir()
    pids = tmp_path / "pids"
    pids.mkdir()
    body = f"""
    import os, subprocess, sys, time
    target, pids = {str(out)!r}, {str(pids)!r}
    with open(target, "w") as handle:
        handle.write("garbage written by the submission")
    rewrite = ("import os, sys, time\\n"
               "open(sys.argv[2], 'w').write(str(os.getpid()))\\n"
               "time.sleep(1)\\n"
               "open(sys.argv[1], 'w').write('{{\\"score\\": 1000, \\"tests\\": []}}')\\n")
    # a grandchild in a session of its own (it stays a descendant of the worker)
    subprocess.Popen([sys.executable, "-c", rewrite, target, os.path.join(pids, "popen.pid")],
                     start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # a double fork + setsid: the grandchild is orphaned and re-parented
    middle = os.fork()
    if middle == 0:
        os.setsid()
        if os.fork() == 0:
            with open(os.path.join(pids, "fork.pid"), "w") as handle:
                handle.write(str(os.getpid()))
            time.sleep(1)
            with open(target, "w") as handle:
                handle.write("rewritten by a detached grandchild")
        os._exit(0)
    os.waitpid(middle, 0)
    deadline = time.time() + 3
    while time.time() < deadline and len(os.listdir(pids)) < 2:
        time.sleep(0.01)
    raise RuntimeError("sabotaged")
    """
    folder = sabotaged(tmp_path / "sub", "layers", function, body)
    begin = time.monotonic()
    done = run_cli("grade", folder, "--json", out)
    seconds = time.monotonic() - begin
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(pids)) == ["fork.pid", "popen.pid"], "the sabotage did not start both grandchildren"
    written = out.read_bytes()
    time.sleep(2.5)
    assert out.read_bytes() == written, "something rewrote results.json after the grader wrote it"
    data = json.loads(written)
    honest = cli_honest(tmp_path, "layers", function)
    assert cli_statuses(data) == cli_statuses(honest)
    assert data["score"] == honest["score"] and "passed" in cli_statuses(data).values()
    for name in ("fork.pid", "popen.pid"):
        pid = int((pids / name).read_text())
        assert _gone(pid), f"the grandchild {pid} ({name}) outlived the grade"
    feedback = {t["name"]: t["output"] for t in data["tests"]}
    print(f"[results.json + grandchildren] {seconds:.2f} s: {feedback[function].splitlines()[0]}")


# --------------------------------------------------------------------------- 8. patched numpy
NUMPY_PATCH = """
import numpy as _np
import numpy.testing as _npt

def _always_true(*args, **kwargs):
    return True

def _always_passes(*args, **kwargs):
    return None

for _name in ("allclose", "isclose", "array_equal", "array_equiv"):
    setattr(_np, _name, _always_true)
for _name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_almost_equal", "assert_equal"):
    setattr(_npt, _name, _always_passes)
"""


def test_patching_numpy_comparisons_changes_no_verdict(tmp_path, tmp_path_factory):
    function = "affine_relu_backward"
    body = NUMPY_PATCH + """
    dx, dw, db = _original(*args, **kwargs)
    return dx + 1.0, dw * 2.0, db - 3.0
    """
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", function, body, prelude=NUMPY_PATCH))
    assert_honest(report, honest_report(tmp_path_factory, "layers", function), function)
    for name in checks_of(function):
        assert "is wrong at" in result(report, name).feedback
    show("numpy patched", report, function, seconds)


# --------------------------------------------------------------------------- 9-12. odd return values
SUBCLASS = '''
import numpy as _np

class AlwaysEqual(_np.ndarray):
    """Says it equals anything, whatever numpy function or ufunc is asked."""

    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __bool__(self):
        return True
'''

REDUCE = '''
class Booby:
    """Unpickling this would run a shell command."""

    def __reduce__(self):
        import os
        return (os.system, ("echo pwned > {marker}",))
'''


@pytest.mark.parametrize("label, prelude, body, message", [
    ("ndarray subclass", SUBCLASS,
     "dx, dw, db = _original(*args, **kwargs)\nreturn dx.view(AlwaysEqual), dw, db",
     "plain numpy.ndarray"),
    ("list", "",
     "dx, dw, db = _original(*args, **kwargs)\nreturn dx.tolist(), dw, db",
     "list"),
    ("NotImplemented", "", "return NotImplemented", "NotImplemented"),
    ("object array", "",
     "dx, dw, db = _original(*args, **kwargs)\nreturn dx.astype(object), dw, db",
     "dtype object"),
])
def test_odd_return_values_fail_with_their_type_named(tmp_path, tmp_path_factory, label, prelude, body, message):
    function = "affine_relu_backward"
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", function, body, prelude=prelude))
    assert_honest(report, honest_report(tmp_path_factory, "layers", function), function)
    for name in checks_of(function):
        assert message in result(report, name).feedback.splitlines()[0]
    show(label, report, function, seconds)


def test_an_object_whose_unpickling_runs_code_never_runs_in_the_grader(tmp_path, tmp_path_factory):
    function = "affine_relu_backward"
    marker = tmp_path / "pwned"
    prelude = REDUCE.replace("{marker}", str(marker))
    body = "dx, dw, db = _original(*args, **kwargs)\nreturn Booby(), dw, {'nested': [Booby()]}"
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", function, body, prelude=prelude))
    assert_honest(report, honest_report(tmp_path_factory, "layers", function), function)
    for name in checks_of(function):
        assert "Booby" in result(report, name).feedback.splitlines()[0]
    time.sleep(0.2)
    assert not marker.exists(), "the object's __reduce__ ran"
    show("__reduce__ object", report, function, seconds)


# --------------------------------------------------------------------------- 13. copying the answers
@pytest.mark.parametrize("statement, blocked", [
    ("import solutions", "solutions"),
    ("from solutions import layers as _answers", "solutions"),
    ("import solutions.layers", "solutions.layers"),
    ("import assignment", "assignment"),
    ("import checks", "checks"),
    ("import importlib\nimportlib.import_module('solutions.layers')", "solutions.layers"),
    ("__import__('checks.reference')", "checks.reference"),
    ("import _kit_grader.reference", "_kit_grader.reference"),
])
def test_importing_the_kit_inside_a_function_fails_the_check(tmp_path, tmp_path_factory, statement, blocked):
    function = "affine_relu_backward"
    body = statement + "\nimport sys\nreturn sys.modules[" + repr(blocked) + "].affine_relu_backward(*args, **kwargs)"
    report, seconds = grade(sabotaged(tmp_path / "sub", "layers", function, body))
    assert_honest(report, honest_report(tmp_path_factory, "layers", function), function)
    for name in checks_of(function):
        feedback = result(report, name).feedback
        assert "cannot be imported while grading" in feedback and f"'{blocked.split('.')[0]}" in feedback
    show(statement.splitlines()[-1], report, function, seconds)


# --------------------------------------------------------------------------- exit status
def test_exit_status_is_0_when_checks_fail_or_crash_and_2_for_a_missing_folder(tmp_path):
    folder = sabotaged(tmp_path / "sub", "layers", "affine_relu_backward", "import os\nos._exit(3)")
    done = run_cli("grade", folder)
    assert done.returncode == 0, done.stderr
    assert "exited with status 3" in done.stdout
    crashed = sabotaged_at_import(tmp_path / "crashed", "layers", "import ctypes\nctypes.string_at(0)")
    done = run_cli("grade", crashed)
    assert done.returncode == 0, done.stderr
    assert "SIGSEGV" in done.stdout
    done = run_cli("grade", tmp_path / "no such folder")
    assert done.returncode == 2
    assert "does not exist" in done.stderr


# --------------------------------------------------------------------------- 14. the protocol
def _round_trip(value):
    return protocol.decode(protocol.encode(value, {"status": "ok"}))


def test_protocol_round_trips_nested_structures_exactly():
    tree = {
        "arrays": (np.arange(6, dtype=np.float64).reshape(2, 3), np.zeros((0, 4), np.float32),
                   np.array([1, -2], np.int64), np.array([True, False]), np.array(2.5),
                   np.array([1 + 2j]), np.asfortranarray(np.ones((2, 3)))),
        "numbers": [1, 2**70, -3.5, float("nan"), float("inf"), -float("inf"), True, None],
        "numpy scalars": [np.float32(1.5), np.int16(-7), np.bool_(True), np.float64("nan")],
        "text": "ünïcode",
        "nested": {"deep": [[({"k": (1,)},)]]},
    }
    got, meta = _round_trip(tree)
    assert meta == {"status": "ok"}
    arrays = got["arrays"]
    assert type(arrays) is tuple
    for sent, received in zip(tree["arrays"], arrays):
        assert type(received) is np.ndarray and received.dtype == sent.dtype and received.shape == sent.shape
        assert np.array_equal(received, sent)
    numbers = got["numbers"]
    assert numbers[:3] == [1, 2**70, -3.5] and np.isnan(numbers[3]) and numbers[4:] == [float("inf"), -float("inf"), True, None]
    assert [type(v) for v in numbers] == [int, int, float, float, float, float, bool, type(None)]
    scalars = got["numpy scalars"]
    assert [type(v) for v in scalars] == [np.float32, np.int16, np.bool_, np.float64]
    assert scalars[0] == 1.5 and scalars[1] == -7 and scalars[2] and np.isnan(scalars[3])
    assert got["text"] == "ünïcode"
    assert got["nested"] == {"deep": [[({"k": (1,)},)]]}
    assert type(got["nested"]["deep"][0][0]) is tuple


def test_protocol_describes_odd_values_as_foreign_without_running_them(tmp_path):
    marker = tmp_path / "ran"

    class Sub(np.ndarray):
        pass

    class Booby:
        def __reduce__(self):
            marker.write_text("ran")
            return (print, ("ran",))

        def __getstate__(self):
            marker.write_text("ran")
            return {}

    class MyDict(dict):
        pass

    class MyInt(int):
        pass

    loop = []
    loop.append(loop)
    values = {
        "subclass": np.arange(3.0).view(Sub),
        "object array": np.array([1, "a"], dtype=object),
        "structured": np.zeros(2, dtype=[("a", "f8")]),
        "booby": Booby(),
        "dict subclass": MyDict(a=1),
        "int subclass": MyInt(3),
        "non-string keys": {1: 2},
        "loop": loop,
        "NotImplemented": NotImplemented,
        "function": len,
    }
    got, _ = _round_trip(values)
    subclass = got["subclass"]
    assert isinstance(subclass, protocol.Foreign) and "Sub" in subclass.type_name and "subclass" in subclass.type_name
    assert type(subclass.array) is np.ndarray and np.array_equal(subclass.array, [0.0, 1.0, 2.0])
    assert got["object array"] == protocol.Foreign("numpy.ndarray of dtype object")
    assert isinstance(got["structured"], protocol.Foreign)
    assert "Booby" in got["booby"].type_name
    assert "MyDict" in got["dict subclass"].type_name and "MyInt" in got["int subclass"].type_name
    assert isinstance(got["non-string keys"], protocol.Foreign)
    assert got["NotImplemented"].type_name == "NotImplemented"
    assert isinstance(got["function"], protocol.Foreign)
    depth, node = 0, got["loop"]
    while isinstance(node, list):
        node, depth = node[0], depth + 1
    assert isinstance(node, protocol.Foreign) and depth <= protocol.MAX_DEPTH + 1
    assert not marker.exists()


def _message(header, buffers=b"", length=None):
    head = json.dumps(header).encode() if isinstance(header, dict) else header
    return struct.pack(">Q", len(head) if length is None else length) + head + buffers


@pytest.mark.parametrize("label, data, error", [
    ("object dtype", _message({"tree": {"t": "array", "i": 0}, "arrays": [{"dtype": "|O", "shape": [1]}]}, b"\0" * 8),
     protocol.ProtocolError),
    ("pickled dtype text", _message({"tree": {"t": "none"}, "arrays": [{"dtype": "V8", "shape": [1]}]}, b"\0" * 8),
     protocol.ProtocolError),
    ("huge header length", struct.pack(">Q", 2**62) + b"{}", protocol.ProtocolError),
    ("header just over the limit", struct.pack(">Q", protocol.MAX_HEADER_BYTES + 1), protocol.ProtocolError),
    ("truncated header", _message({"tree": {"t": "none"}, "arrays": []})[:-3], EOFError),
    ("truncated buffer", _message({"tree": {"t": "array", "i": 0}, "arrays": [{"dtype": "<f8", "shape": [4]}]}, b"\0" * 31),
     EOFError),
    ("no length", b"\0\0\0", EOFError),
    ("array index not sent", _message({"tree": {"t": "array", "i": 1}, "arrays": [{"dtype": "<f8", "shape": [1]}]}, b"\0" * 8),
     protocol.ProtocolError),
    ("huge array", _message({"tree": {"t": "none"}, "arrays": [{"dtype": "<f8", "shape": [2**30, 2**10]}]}),
     protocol.ProtocolError),
    ("negative shape", _message({"tree": {"t": "none"}, "arrays": [{"dtype": "<f8", "shape": [-1]}]}), protocol.ProtocolError),
    ("bad JSON", _message(b"{not json"), protocol.ProtocolError),
    ("bad UTF-8", _message(b"\xff\xfe"), protocol.ProtocolError),
    ("header not an object", _message(b"[1, 2]"), protocol.ProtocolError),
    ("unknown kind", _message({"tree": {"t": "pickle", "v": "gASVAAAA"}, "arrays": []}), protocol.ProtocolError),
    ("malformed number", _message({"tree": {"t": "float", "v": "__import__('os')"}, "arrays": []}), protocol.ProtocolError),
    ("too deep", _message({"tree": json.loads('{"t": "list", "items": [' * 40 + '{"t": "none"}' + ']}' * 40),
                            "arrays": []}), protocol.ProtocolError),
])
def test_read_message_rejects_broken_or_dangerous_messages(label, data, error):
    position = 0

    def read(n):
        nonlocal position
        chunk = data[position:position + n]
        position += len(chunk)
        return chunk

    with pytest.raises(error):
        protocol.read_message(read)


def test_read_message_reads_a_size_mismatch_as_the_declared_size_only():
    """Extra bytes after the declared buffers are not part of the message (the next read sees them)."""
    data = _message({"tree": {"t": "array", "i": 0}, "arrays": [{"dtype": "<f8", "shape": [2]}]},
                    np.array([1.0, 2.0]).tobytes() + b"trailing")
    position = 0

    def read(n):
        nonlocal position
        chunk = data[position:position + n]
        position += len(chunk)
        return chunk

    tree, _ = protocol.read_message(read)
    assert np.array_equal(tree, [1.0, 2.0]) and data[position:] == b"trailing"


def test_protocol_never_imports_pickle():
    source = Path(protocol.__file__).read_text()
    assert not re.search(r"import\s+(c?pickle|marshal|shelve)|pickle\.|allow_pickle\s*=\s*True", source)


# --------------------------------------------------------------------------- 15. the kit on disk
# The worker runs as the grader's user, so student code can write the kit's files. Whatever
# it writes must not change THIS grade (it can change later ones: see below): the expected values (live from solutions/ or stored
# in checks/fixtures/) and the known mistakes must be loaded before any student code runs,
# and no code of the submission may ever run in the grading process.
TAMPER_LIVE = """
import os as _os, shutil as _shutil, sys as _sys
if "_kit_grader" in _sys.modules:  # in the worker: make the kit's reference say what we say
    _kit = _os.path.dirname(_sys.modules["_kit_grader"].__path__[0])
    for _name in ("layers.py",):
        _target = _os.path.join(_kit, "solutions", _name)
        if _os.path.exists(_target):
            _shutil.copy(__file__, _target)
else:  # imported by the grading process
    open({marker!r}, "w").write("submission code ran in the grading process")
"""

TAMPER_FIXTURES = """
import os as _os, sys as _sys
if "_kit_grader" in _sys.modules:
    _protocol = _sys.modules["_kit_grader.protocol"]
    _path = _os.path.join(_sys.modules["_kit_grader"].__path__[0], "fixtures", "reference.bin")
    _stored = _protocol.decode(open(_path, "rb").read())[0]
    for _check, _entry in _stored.items():
        if _check.startswith("affine_relu_backward") and "tree" in _entry:
            _dx, _dw, _db = _entry["tree"]["ret"]
            _entry["tree"]["ret"] = (_dx + 1.0, _dw * 2.0, _db - 3.0)
    open(_path, "wb").write(_protocol.encode(_stored))
"""

WRONG_GRADS = "dx, dw, db = _original(*args, **kwargs)\nreturn dx + 1.0, dw * 2.0, db - 3.0"


def _kit_copy(tmp_path, with_solutions):
    kit = tmp_path / "kit"
    shutil.copytree(ROOT / "checks", kit / "checks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SOLUTIONS, kit / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    if not with_solutions:  # the student release: fresh stored values, no solutions/
        done = subprocess.run([sys.executable, "-m", "checks", "fixtures"], cwd=kit, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        shutil.rmtree(kit / "solutions")
    return kit


@pytest.mark.parametrize("mode", ["live", "fixtures"])
def test_a_submission_that_rewrites_the_kit_on_disk_still_gets_its_honest_score(tmp_path, tmp_path_factory, mode):
    function = "affine_relu_backward"
    marker = tmp_path / "ran-in-grader"
    kit = _kit_copy(tmp_path, with_solutions=(mode == "live"))
    prelude = TAMPER_LIVE.replace("{marker!r}", repr(str(marker))) if mode == "live" else TAMPER_FIXTURES
    folder = sabotaged(tmp_path / "sub", "layers", function, WRONG_GRADS, prelude=prelude)
    honest_folder = sabotaged(tmp_path / "honest", "layers", function, HONEST_BODY)

    def kit_grade(submission, name):  # graded by the copy of the kit, which it may have changed
        out = tmp_path / f"{name}.json"
        done = subprocess.run([sys.executable, "-m", "checks", "grade", str(submission), "--json", str(out)],
                              cwd=kit, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(out.read_text()), done.stdout

    # The honest grade comes first: the tampering persists on disk and would poison a LATER grade
    # (only a worker running as another user, or on a read-only kit, could prevent that).
    honest, _ = kit_grade(honest_folder, "honest")
    data, shown = kit_grade(folder, "hostile")
    statuses = {t["name"]: t["status"] for t in data["tests"]}
    assert statuses == {t["name"]: t["status"] for t in honest["tests"]}, shown
    assert statuses[function] == "failed" and "passed" in statuses.values()
    assert data["score"] == honest["score"]
    assert not marker.exists(), "code of the submission ran in the grading process"
