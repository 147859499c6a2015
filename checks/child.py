"""The worker that runs student code, in a process of its own.

The grading process starts this file as a script (``python -I -S child.py ...``), so neither
the user's site-packages nor the kit's own packages are importable: ``sys.path`` holds the
standard library and a private folder that links to numpy alone. The submission is loaded as
a standalone package named ``submission`` (its ``__init__.py`` is never run), and the names
``solutions``, ``assignment`` and ``checks`` cannot be imported.

The worker reads one JSON request per line from its request pipe, runs it, and answers on its
result pipe with a message of ``protocol.py``. It never decides anything: it reports what the
student's code returned or raised, and the grading process judges.
"""
import argparse
import importlib
import importlib.abc
import importlib.util
import json
import os
import sys
import traceback
import types

BLOCKED = ("solutions", "assignment", "checks")
GRADER = "_kit_grader"  # the grader's modules, loaded under this name before student code runs
PACKAGE = "submission"


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuses the kit's own packages, so a submission cannot copy or patch them."""

    def find_spec(self, fullname, path=None, target=None):
        # The grader's modules this worker needs are loaded already (found in sys.modules, so
        # never asked here); any other one (reference.py, the stored answers) is refused.
        if fullname.split(".")[0] in BLOCKED + (GRADER,):
            raise ImportError(
                f"'{fullname}' cannot be imported while grading: a submission must stand on its own"
            )
        return None


def _load_package(name, folder):
    """A package object for ``folder`` without running its ``__init__.py``."""
    module = types.ModuleType(name)
    module.__path__ = [folder]
    module.__package__ = name
    module.__file__ = None
    sys.modules[name] = module
    return module


def _error_report(error, submission_dir, probing):
    """What went wrong, in plain data: type, message, the frames in student files."""
    frames = []
    innermost = None
    for frame, line in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        if os.path.abspath(filename).startswith(submission_dir + os.sep):
            source = ""
            try:
                import linecache

                source = linecache.getline(filename, line).strip()
            except Exception:
                pass
            frames.append([os.path.relpath(filename, submission_dir), line, frame.f_code.co_name, source[:300]])
            innermost = frame
    try:
        message = str(error)[:2000]
    except BaseException:
        message = "(the exception's message could not be read)"
    report = {
        "type": type(error).__name__,
        "message": message,
        "frames": frames[-8:],
        "readonly": None,
    }
    if isinstance(error, SystemExit):
        report["message"] = f"sys.exit({error.code!r}) was called"
    if isinstance(error, ValueError) and "read-only" in message and innermost is not None:
        report["readonly"] = probing.describe_readonly_write(innermost.f_locals)
    return report


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission", required=True)
    parser.add_argument("--grader", required=True)
    parser.add_argument("--libdir", required=True)
    args = parser.parse_args()
    # The result channel is the stdout the grader reads; student prints go to stderr's file.
    results_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", errors="replace", closefd=False)

    sys.path[:] = [p for p in sys.path if p and os.path.isdir(p) and "site-packages" not in p] + [args.libdir]
    sys.dont_write_bytecode = True
    import numpy as np

    # The grader's own modules, under a private name (the probes and the protocol).
    grader = _load_package(GRADER, args.grader)
    protocol = importlib.import_module(f"{GRADER}.protocol")
    probing = importlib.import_module(f"{GRADER}.probing")
    suite = importlib.import_module(f"{GRADER}.suite")
    probes = suite.all_probes()
    del grader

    sys.meta_path.insert(0, _Blocker())
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    submission_dir = os.path.realpath(args.submission)
    _load_package(PACKAGE, submission_dir)
    access = probing.Submission(PACKAGE)

    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # student code that reads stdin reads nothing, not the requests
    results = os.fdopen(results_fd, "wb", buffering=0)
    write = results.write

    def send(tree, meta):
        try:
            data = protocol.encode(tree, meta)
        except BaseException as error:  # a returned object that breaks even being described
            data = protocol.encode(None, {"status": "error", "error": {
                "type": type(error).__name__, "frames": [], "readonly": None,
                "message": "the value returned could not be described to the grader"}})
        view = memoryview(data)
        while view:
            written = write(view)
            view = view[written:]

    pending = b""
    while True:
        while b"\n" not in pending:
            chunk = requests.read(65536)
            if not chunk:
                return
            pending += chunk
        line, pending = pending.split(b"\n", 1)
        request = json.loads(line)
        op = request.get("op")
        if op == "exit":
            return
        try:
            np.random.seed(0)
            probing.reset()
            if op == "import":
                importlib.import_module(f"{PACKAGE}.{request['module']}")
                tree = None
            elif op == "probe":
                tree = probes[request["name"]](access)
            else:
                raise RuntimeError(f"unknown request {op!r}")
            meta = {"status": "ok"}
        except BaseException as error:  # student code may raise anything, SystemExit included
            tree = None
            meta = {"status": "error", "error": _error_report(error, submission_dir, probing)}
        send(tree, meta)


if __name__ == "__main__":
    main()
