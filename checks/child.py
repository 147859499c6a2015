"""The worker that runs student code, in a process of its own.

The grading process starts this file as a script (``python -I -S child.py ...``), so neither
the user's site-packages nor the kit's own packages are importable: ``sys.path`` holds the
standard library and a private folder that links to numpy alone. The submission is loaded as
a standalone package named ``submission`` (its ``__init__.py`` is never run), and the names
``solutions``, ``assignment`` and ``checks`` cannot be imported.

The worker reads one JSON request per line from its request pipe, runs it, and answers on its
result pipe with a message of ``protocol.py``. It never decides anything: it reports what the
student's code returned or raised, and the grading process judges.

Every graded function of the submission (the functions the checks name) is wrapped by a
``_Tracer`` once its module is loaded. The wrapper records which graded functions a request
entered, and from which graded function (sent back with the answer, for feedback that follows dependencies), writes the
innermost one running into the file the grader passed as ``--where-fd`` (so that after a
time-out the grader knows which function did not finish), and raises ``NotRun`` at once for a
function the grader has disabled because it already ran out of time once.
"""
import argparse
import functools
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


class NotRun(BaseException):
    """A disabled graded function was called (a BaseException, so ``except Exception`` keeps it)."""


class _Tracer:
    """Wraps the submission's graded functions; see the module docstring."""

    def __init__(self, graded, where_fd):
        self.graded = graded  # {(module stem, qualified name)}
        self.where_fd = where_fd
        self.wrappers = {}  # id(original) -> wrapper
        self.originals = []
        self.stack = []
        self.entered = set()  # (caller, callee): the caller is "" when the probe itself called
        self.disabled = {}  # graded name -> why it is not run
        self.raised_in = None

    def _mark(self):
        if self.where_fd is None:
            return
        text = (self.stack[-1] if self.stack else "").encode("utf-8", "replace")[:200]
        try:
            os.pwrite(self.where_fd, text.ljust(256, b" "), 0)
        except OSError:
            pass

    def _wrap(self, value, name):
        """The wrapper of the function ``value``, traced as the graded ``name``."""
        if id(value) in self.wrappers:
            return self.wrappers[id(value)]
        tracer = self

        @functools.wraps(value)
        def traced(*args, **kwargs):
            if name in tracer.disabled:
                raise NotRun(tracer.disabled[name])
            tracer.entered.add((tracer.stack[-1] if tracer.stack else "", name))
            tracer.stack.append(name)
            tracer._mark()
            try:
                return value(*args, **kwargs)
            except BaseException:
                if tracer.raised_in is None:  # the innermost graded function the exception left
                    tracer.raised_in = name
                raise
            finally:
                tracer.stack.pop()
                tracer._mark()

        traced._kit_traced = True
        self.wrappers[id(value)] = traced
        self.originals.append(value)  # keeps the id of every wrapped function unique
        return traced

    def _namespaces(self):
        """(holder, stem, prefix, items) for every loaded submission module and class in it."""
        found = []
        for module_name, module in sorted(sys.modules.items(), key=lambda item: item[0]):
            if not module_name.startswith(PACKAGE + ".") or module is None:
                continue
            stem = module_name[len(PACKAGE) + 1:]
            try:
                items = list(vars(module).items())
            except TypeError:
                continue
            found.append((module, stem, "", items))
            for _, value in items:
                if isinstance(value, type) and getattr(value, "__module__", None) == module_name:
                    try:
                        found.append((value, stem, value.__name__ + ".", list(vars(value).items())))
                    except TypeError:
                        pass
        return found

    def install(self):
        """Wrap every graded function of the loaded submission modules, wherever it is bound.

        A function is graded when its module binds it under a graded name (``relu_forward =
        my_relu`` counts) or when its own module and qualified name are graded ones; a module
        that imported it (``from .layers import *``) gets the same wrapper.
        """
        namespaces = self._namespaces()
        for _, stem, prefix, items in namespaces:  # bound under a graded name
            for key, value in items:
                if type(value) is types.FunctionType and not getattr(value, "_kit_traced", False):
                    if (stem, prefix + str(key)) in self.graded:
                        self._wrap(value, prefix + str(key))
        for holder, _, _, items in namespaces:
            for key, value in items:
                if type(value) is not types.FunctionType or getattr(value, "_kit_traced", False):
                    continue
                wrapper = self.wrappers.get(id(value))
                if wrapper is None:
                    module = str(getattr(value, "__module__", "") or "")
                    own = (module[len(PACKAGE) + 1:], str(getattr(value, "__qualname__", "")))
                    if module.startswith(PACKAGE + ".") and own in self.graded:
                        wrapper = self._wrap(value, own[1])
                if wrapper is not None:
                    try:
                        setattr(holder, key, wrapper)
                    except (AttributeError, TypeError):
                        pass

    def begin(self, disabled):
        self.raised_in = None
        self.entered = set()
        self.stack = []
        self.disabled = dict(disabled) if isinstance(disabled, dict) else {}
        self.install()


def _load_package(name, folder):
    """A package object for ``folder`` without running its ``__init__.py`` (probing.mount_package's
    lines: the grader's own package is mounted with it, before probing can be imported)."""
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
    parser.add_argument("--where-fd", type=int, default=None)
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
    checks = suite.all_checks(include_hidden=True)
    by_name = {check.name: check for check in checks}
    wirings = suite.wirings()
    probes = {check.name: check.probe for check in checks}
    tracer = _Tracer({(check.module, check.function) for check in checks}, args.where_fd)
    del grader

    sys.meta_path.insert(0, _Blocker())
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED:
            del sys.modules[name]
    submission_dir = os.path.realpath(args.submission)
    probing.mount_package(PACKAGE, submission_dir)
    access = probing.Submission(PACKAGE, on_import=tracer.install)

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

    send(None, {"status": "ready"})  # numpy and the grader's code loaded: the grader may now rely on us
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
            probing.set_writable(bool(request.get("writable")))
            probing.set_input_seed(request.get("input_seed"))
            tracer.begin(request.get("disabled"))
            if op == "import":
                importlib.import_module(f"{PACKAGE}.{request['module']}")
                tracer.install()
                tree = None
            elif op == "probe":
                tree = probes[request["name"]](access)
            elif op == "own_parts":  # the probe again, on the composite wired from the student's parts
                check = by_name[request["name"]]
                tree = []
                for replacements in wirings[check.name](access):
                    try:
                        probing.reset()
                        tree.append(check.probe(probing.WiredSubmission(access, check.module, replacements)))
                    except Exception:
                        tree.append(None)
            else:
                raise RuntimeError(f"unknown request {op!r}")
            meta = {"status": "ok"}
        except BaseException as error:  # student code may raise anything, SystemExit included
            tree = None
            meta = {"status": "error", "error": _error_report(error, submission_dir, probing)}
        meta["entered"] = [list(pair) for pair in sorted(tracer.entered)]
        meta["raised_in"] = tracer.raised_in
        if request.get("writable"):
            meta["written"] = probing.written()[:20]
        probing.set_writable(False)
        send(tree, meta)


if __name__ == "__main__":
    main()
