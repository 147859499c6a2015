"""Grade one submission: run every check's probe in a worker, judge, and explain.

The verdict of each check is computed here, in the grading process, from plain values that
came back from the worker; student code never runs in this process.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from . import compare, probing
from .reference import Mistakes, Reference
from .report import CheckResult, GradeReport
from .layout import MODULE_FILES
from .suite import Check, all_checks, wirings
from .worker import Limits, Outcome, WorkerSession, platform_note


KNOWN_MISTAKE = "This looks like a known mistake"  # how feedback opens the line naming one


class UsageError(Exception):
    """The command line named something that cannot be graded (exit status 2)."""


def find_package_dir(path: Path) -> Path:
    """The folder holding the submission's modules: ``path`` itself or its one subfolder that has them."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder")
    if any((path / f"{m}.py").is_file() for m in MODULE_FILES):
        return path
    candidates = [p for p in sorted(path.iterdir()) if p.is_dir() and any((p / f"{m}.py").is_file() for m in MODULE_FILES)]
    if len(candidates) == 1:
        return candidates[0]
    return path  # graded as it is: every module will be reported missing


def _where(error: Dict[str, Any]) -> str:
    frames = error.get("frames") or []
    if not frames:
        return ""
    file, line, function, source = (list(frames[-1]) + ["", "", "", ""])[:4]
    text = f" ({file}, line {line}, in {function}"
    return text + (f": `{source}`)" if source else ")")


def _missing_package(error: Dict[str, Any]) -> str:
    """The top-level package a ModuleNotFoundError names, when it is not one of the submission's modules."""
    if error.get("type") != "ModuleNotFoundError":
        return ""
    import re

    match = re.search(r"No module named '([^']+)'", str(error.get("message", "")))
    if not match:
        return ""
    name = match.group(1).split(".")[0]
    return "" if name in MODULE_FILES or name == "submission" else name


def explain_error(check: Check, error: Dict[str, Any]) -> str:
    """Feedback for student code that raised."""
    kind = str(error.get("type", "an exception"))
    message = str(error.get("message", ""))
    if kind == "NotRun":  # the worker disabled a function that ran out of time in an earlier check
        return f"not run: {message}"
    if kind == "NotImplementedError" and "is not implemented yet" in message:
        if message.startswith(check.function + " ") or message.startswith(check.function.split(".")[-1] + " "):
            return message
        return f"{check.function} could not be checked: {message}"
    readonly = error.get("readonly")
    if isinstance(readonly, dict):
        pairs = readonly.get("pairs") or []
        if pairs:
            local, source = pairs[0][:2]
            same = f"`{local}` is the same array as the input `{source}`" if local != source else f"it wrote into the input `{local}`"
        else:
            same = "it wrote into one of its inputs (" + ", ".join(str(n) for n in readonly.get("inputs", [])[:4]) + ")"
        return (
            f"{check.function} writes into an array it must not change: {same}{_where(error)}. "
            "Inputs (dout, the cache, x) belong to the caller: make a copy first, e.g. dx = dout.copy()."
        )
    if kind == "SystemExit":
        return f"{check.function}: {message}{_where(error)}; a submission must not exit the program"
    if kind == "TypeError" and "unexpected keyword argument 'newshape'" in message:
        return (f"{check.function} raised TypeError: {message}{_where(error)}. numpy 2 removed the keyword "
                "newshape= of np.reshape: pass the shape by position, np.reshape(a, shape), or a.reshape(shape)")
    if kind == "ImportError" and "cannot be imported while grading" in message:
        return f"{message}{_where(error)}"
    return f"{check.function} raised {kind}: {message}{_where(error)}"


def _matches(check: Check, got: Outcome, signature: Dict[str, Any], want: Any = None,
             failure_text: Optional[str] = None, written: Optional[List[str]] = None) -> bool:
    if "error" in signature:
        if got.status != "error":
            return False
        wants_readonly = bool(signature["error"].get("readonly"))
        if got.error.get("type") != signature["error"].get("type") or wants_readonly != bool(got.error.get("readonly")):
            return False
        known = signature["error"].get("written")
        return written is None or not isinstance(known, list) or sorted(written) == sorted(known)
    if got.status != "ok":
        return False
    if check.matches is not None:
        return bool(check.matches(got.tree, signature["tree"]))
    if _verdict(check, got.tree, signature["tree"]) is None:
        return True  # it behaves exactly like the mistake
    # ...or it fails the reference in exactly the same words (same entries, same values)
    return failure_text is not None and _verdict(check, signature["tree"], want) == failure_text


def _once(feedback: str) -> str:
    """The feedback with every repeated line left out: a student reads each sentence once."""
    return "\n".join(dict.fromkeys(feedback.split("\n")))


def _failure(check: Check, got: Any, want: Any) -> Optional[compare.Failed]:
    """None when ``got`` passes the judge against ``want``, else the judge's ``Failed`` (an error
    of the judge itself on odd values becomes a ``Failed`` naming it)."""
    try:
        check.judge(got, want)
    except compare.Failed as failure:
        return failure
    except Exception as error:
        return compare.Failed(f"{type(error).__name__}: {error}")
    return None


def _verdict(check: Check, got: Any, want: Any) -> Optional[str]:
    """None when ``got`` passes the judge against ``want``, else the feedback."""
    failure = _failure(check, got, want)
    return None if failure is None else str(failure)


class Grader:
    """Grades submissions with one set of checks, limits and expected values."""

    def __init__(self, limits: Optional[Limits] = None, include_hidden: bool = False,
                 only: Optional[str] = None, reference: Optional[Reference] = None):
        self.limits = limits or Limits()
        checks = all_checks(include_hidden=include_hidden)
        if only:
            chosen = [c for c in checks if only in (c.function, c.name, c.module, c.function.split(".")[0])]
            if not chosen:
                names = sorted({c.function for c in checks})
                raise UsageError(f"--only {only!r} names no check; choose one of: {', '.join(names)}")
            checks = chosen
        self.checks = checks
        self.reference = reference or Reference()
        self.mistakes = Mistakes(self.reference.folder)
        self.wired = set(wirings())  # composite checks that may be judged against the student's own parts

    def grade(self, path: Path, name: Optional[str] = None) -> GradeReport:
        """Grade the submission in ``path``; the reports call it ``name`` (default: the path)."""
        begin = time.monotonic()
        package = find_package_dir(Path(path))
        notes = [n for n in [platform_note()] if n]
        results: List[CheckResult] = []
        imported: Dict[str, Optional[str]] = {}  # module -> None (ok) or the reason it failed
        entered: Dict[str, list] = {}  # check name -> the (caller, callee) pairs its probe ran
        self._consistent: Dict[str, str] = {}  # backward check -> the own forward its gradients fit
        self._load_expected()
        # The worker builds the inputs of the reference's seed; judges that ask which inputs
        # were built (probing.choose) must hear the same here.
        with WorkerSession(package, self.limits, self.reference.input_seed) as worker, \
                probing.using_inputs(self.reference.input_seed):
            for check in self.checks:
                started = time.monotonic()
                problem = self._import(worker, package, check.module, imported, name or str(package))
                if problem is not None:
                    results.append(self._result(check, 0.0, problem, started))
                    continue
                outcome = worker.request({"op": "probe", "name": check.name})
                entered[check.name] = outcome.entered
                share, feedback, mistake = self._judge(check, outcome, worker)
                result = self._result(check, share, feedback, started)
                result.mistake = mistake
                results.append(result)
        excuse_consistent_backwards(self.checks, results, self._consistent)
        follow_dependencies(self.checks, results, entered)
        return GradeReport(name or str(path), results, time.monotonic() - begin, notes)

    def _load_expected(self) -> None:
        """Load every expected value and mistake signature before any student code runs.

        Student code runs as the grader's user and can rewrite solutions/ or checks/fixtures/ on
        disk: what this grade compares with must already be in memory by then (and solutions/ must
        never be imported after student code ran). A value that fails to load here is loaded again
        (and its error reported) when its check is judged.
        """
        for check in self.checks:
            try:
                self.reference.expected(check)
            except Exception:
                pass
        try:
            self.mistakes.for_check("")
        except Exception:
            pass

    def _import(self, worker, package: Path, module: str, imported: Dict[str, Optional[str]],
                where: str) -> Optional[str]:
        if module in imported:
            return imported[module]
        if not (package / f"{module}.py").is_file():
            imported[module] = f"{module}.py is missing from the submission ({where})"
            return imported[module]
        timeout = self.limits.import_timeout or self.limits.timeout + 5
        outcome = worker.request({"op": "import", "module": module}, timeout=timeout)
        if outcome.status == "ok":
            imported[module] = None
        elif outcome.status == "error":
            error = outcome.error
            imported[module] = f"{module}.py could not be imported: {error.get('type')}: {error.get('message', '')}{_where(error)}"
            missing = _missing_package(error)
            if missing:
                imported[module] += (f"\nThe grader runs your code with numpy and Python's standard library alone, "
                                     f"so '{missing}' cannot be imported here: remove that line (plots and other "
                                     "tools belong in the notebook, not in the graded modules).")
        else:
            imported[module] = f"{module}.py could not be imported: {outcome.reason}"
            if outcome.output.strip():  # e.g. the worker's own start-up error, or what the module printed
                imported[module] += "\nIt printed: " + outcome.output.strip()[-600:]
        return imported[module]

    def _judge(self, check: Check, outcome: Outcome, worker=None):
        """(share of the points earned: 1, 0.5 or 0; feedback; id of the known mistake recognized)."""
        if outcome.status == "failed":
            lines = [f"{check.function}: {outcome.reason}"]
            if outcome.output.strip():
                printed = outcome.output.strip().splitlines()
                more = " | ..." if len(printed) > 3 else ""
                lines.append("It printed: " + " | ".join(line[:100] for line in printed[:3]) + more)
            return 0.0, "\n".join(lines), None
        want = self.reference.expected(check)
        if "tree" not in want:
            return 0.0, f"internal error: the reference solution failed this check ({want.get('error')})", None
        share, written = 0.0, None
        if outcome.status == "error":
            feedback = explain_error(check, outcome.error)
            if outcome.error.get("type") == "NotRun":
                return 0.0, feedback, None
            if isinstance(outcome.error.get("readonly"), dict) and worker is not None:
                share, feedback, written = self._side_effect(check, outcome, want["tree"], worker, feedback)
                if share == 1.0:
                    return 1.0, feedback, None
        else:
            failure = _failure(check, outcome.tree, want["tree"])
            if failure is None:
                return 1.0, "", None
            feedback = str(failure)
            if isinstance(failure, compare.Consistent):  # right for its own forward: see excuse_consistent_backwards
                self._consistent[check.name] = failure.forward
            if check.name in self.wired and worker is not None and self._wired_right(check, outcome, want["tree"], worker):
                return 1.0, (f"{check.function} gives what your own parts give, wired as the assignment "
                             "wires them: the mistake is in a part, and is charged in that part's check."), None
        failure_text = feedback if outcome.status == "ok" else None
        for signature in self.mistakes.for_check(check.name):
            if _matches(check, outcome, signature, want["tree"], failure_text, written):
                feedback += f"\n{KNOWN_MISTAKE}: {signature['title']}. {signature['hint']}"
                return share, _once(feedback), str(signature["id"])
        if "is not implemented yet" not in feedback and not feedback.startswith(check.function):
            feedback = f"{check.function}: {feedback}"
        return share, _once(feedback), None

    def _side_effect(self, check: Check, outcome: Outcome, want: Any, worker, feedback: str):
        """A write into a read-only input: run the check again on writable inputs.

        Right values with the write cost half of the check's points; the feedback names what
        was written, as the writable run saw it. A write made by another graded function (the
        student's forward, building a backward check's cache) is charged in that function's
        own check, not here. Returns (share of the points, feedback, the names written or None).
        """
        again = worker.request({"op": "probe", "name": check.name, "writable": True})
        if again.status != "ok" or not again.written:
            return 0.0, feedback, None
        written = again.written
        what = _written_text(again.written)
        where = _where(outcome.error)
        writer = outcome.raised_in or check.function
        verdict = _verdict(check, again.tree, want)
        if writer != check.function:
            if verdict is None:
                return 1.0, (f"{check.function}'s values are right. Your {writer} writes into {what}{where}: "
                             f"that is charged in {writer}'s own check."), written
            return 0.0, f"Your {writer} writes into {what}{where} (see its check).\n{verdict}", written
        advice = _copy_advice(written)
        if verdict is None:
            return 0.5, (f"{check.function}'s values are right, but it writes into {what}{where}, which belongs "
                         f"to the caller: half of this check's points. {advice}"), written
        return 0.0, f"{check.function} writes into {what}{where}, which belongs to the caller. {advice}\n{verdict}", written

    @staticmethod
    def _wired_right(check: Check, outcome: Outcome, want: Any, worker) -> bool:
        """Whether the composite equals a wiring of the student's own parts that is itself wrong."""
        own = worker.request({"op": "own_parts", "name": check.name})
        if own.status != "ok" or type(own.tree) is not list:
            return False
        return any(tree is not None and _verdict(check, outcome.tree, tree) is None
                   and _verdict(check, tree, want) is not None for tree in own.tree)

    @staticmethod
    def _result(check: Check, share: float, feedback: str, started: float) -> CheckResult:
        passed = share == 1.0
        return CheckResult(
            name=check.name, function=check.function, module=check.module, max_score=check.points,
            score=check.points * share, passed=passed,
            feedback=feedback if passed else f"{feedback}\n({_where_graded(check)})",  # a pass may carry a note
            seconds=time.monotonic() - started, hidden=check.hidden,
        )


def _first_failures(checks: List[Check], results: List[CheckResult]) -> Dict[str, str]:
    """Each function that fails a check -> the first check it fails."""
    failing: Dict[str, str] = {}
    for check, result in zip(checks, results):
        if not result.passed:
            failing.setdefault(check.function, check.name)
    return failing


def excuse_consistent_backwards(checks: List[Check], results: List[CheckResult], consistent: Dict[str, str]) -> None:
    """Pass a backward whose gradients are those of the student's own forward, when that forward fails.

    The backward is right for the cache it was given: the forward's mistake is charged once, in
    the forward's own checks, and the backward's feedback says where.
    """
    failing = _first_failures(checks, results)
    for check, result in zip(checks, results):
        forward = consistent.get(check.name)
        if result.passed or forward not in failing:
            continue
        result.passed, result.score = True, result.max_score
        result.feedback = (f"{check.function} is right for the cache it is given: its gradients match the "
                           f"numerical gradient of your own {forward}, which fails {failing[forward]!r} "
                           "(the mistake is charged there).")


def _written_text(names: List[str]) -> str:
    """How feedback names the arrays a submission wrote into: the input `dout`, the cache (`cache[1]`)."""
    cache = [n for n in names if n.startswith("cache")]
    inputs = [n for n in names if not n.startswith("cache")]
    parts = []
    if inputs:
        parts.append(("the input " if len(inputs) == 1 else "the inputs ") + ", ".join(f"`{n}`" for n in inputs))
    if cache:
        parts.append("the cache (" + ", ".join(f"`{n}`" for n in cache) + ")")
    return " and ".join(parts)


def _copy_advice(names: List[str]) -> str:
    if any(n.startswith("cache") for n in names):
        return ("The cache is the forward pass's record: build new arrays from it (mask = x > 0) "
                "instead of changing it.")
    first = names[0]
    local = "dx" if first.startswith("d") else "out"
    return f"Make a copy first, e.g. {local} = {first}.copy()."


def follow_dependencies(checks: List[Check], results: List[CheckResult], entered: Dict[str, list]) -> None:
    """Put first, in a failed check's feedback, the graded functions it ran that fail their own checks.

    ``entered`` holds, per check, the (caller, callee) pairs of graded functions that the
    worker saw the check run (the caller is "" when the probe called the function itself).
    What the student's code actually called counts, not the reference's call graph: a
    composite written inline names no part.
    """
    failing = _first_failures(checks, results)  # after the excuses: an excused backward fails nothing
    # A failing function that itself ran another failing function is no root cause: the notes
    # name the functions at the bottom of the chain (batchnorm_forward, not the backward that
    # was judged on its cache).
    derived = {check.function for check in checks
               if failing.get(check.function) == check.name
               and any(callee in failing and callee != check.function
                       for _, callee in entered.get(check.name) or [])}
    for check, result in zip(checks, results):
        pairs = entered.get(check.name) or []
        if result.passed or not pairs or result.feedback.startswith("not run:") \
                or "is not implemented yet" in result.feedback:  # a stub's own line says it all
            continue
        reached = {check.function}
        for _ in range(len(pairs)):  # what check.function calls, directly or not
            reached |= {callee for caller, callee in pairs if caller in reached}
        notes = []
        callees = [callee for callee in dict.fromkeys(callee for _, callee in pairs)
                   if callee != check.function and callee in failing and f"Fix {callee} first" not in result.feedback]
        roots = [callee for callee in callees if callee not in derived]
        for callee in roots or callees:
            if callee in reached:
                notes.append(f"{check.function} calls your {callee}, which fails {failing[callee]!r}: fix that first.")
            else:
                notes.append(f"This check also runs your {callee}, which fails {failing[callee]!r}: fix that first.")
        if notes:
            # a known mistake of this function would be a guess: the failing part explains the failure
            lines = [line for line in result.feedback.split("\n") if not line.startswith(KNOWN_MISTAKE)]
            result.feedback = "\n".join(notes[:3] + lines)
            result.mistake = None


def _where_graded(check: Check) -> str:
    """Which function of which file the check grades, and what it compared."""
    place = f"{check.function} in {check.module}.py"
    return f"{place}. Checked: {check.what}" if check.what else place


def grade(path: Path, **options: Any) -> GradeReport:
    """Grade the submission in ``path`` (see ``Grader`` for the options)."""
    return Grader(**options).grade(Path(path))
