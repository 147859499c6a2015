"""The grading process's side of isolation: start, limit, talk to and end student workers.

One worker process serves a submission from check to check, and is replaced after a crash,
a time-out or an exit. Each worker
- runs ``child.py`` with ``python -I -S``: no site-packages, no kit packages, numpy alone;
- has one BLAS thread, a memory limit and a CPU-time limit where the platform has
  ``resource`` (Linux, macOS), an output limit (what it prints goes to a file that may not
  grow past ``output_limit`` bytes per check), and its own process group;
- answers through a pipe in the format of ``protocol.py``, read with a deadline.

On Linux the grading process makes itself a child subreaper, so any process a submission
starts and detaches (a double fork, ``setsid``) is re-parented to the grader and is killed
when the check ends: nothing the student started outlives the check that started it.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from . import protocol

try:
    import resource
except ImportError:  # Windows
    resource = None

GRADER_DIR = Path(__file__).resolve().parent
CHILD_SCRIPT = GRADER_DIR / "child.py"
HAS_LIMITS = resource is not None
IS_LINUX = sys.platform.startswith("linux")


class GraderFailure(Exception):
    """The grader itself could not run a submission (a worker that cannot start, an interpreter
    that cannot be run): never the submission's fault, so never to be recorded as a grade."""


START_TIMEOUT = 60.0  # seconds for a new worker to load numpy and the grader's code


@dataclass
class Outcome:
    """What a request to the worker came to.

    status: "ok" (the probe returned ``tree``), "error" (student code raised: ``error``),
    or "failed" (no answer: the worker timed out, crashed, exited or broke the protocol;
    ``reason`` says how in plain words).
    """

    status: str
    tree: Any = None
    error: Dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    output: str = ""
    seconds: float = 0.0
    # (caller, callee) for every graded function the request ran; the caller is "" when the
    # check's probe called it itself
    entered: List[tuple] = field(default_factory=list)
    hung: Optional[str] = None  # the graded function that was running when time ran out
    raised_in: Optional[str] = None  # the innermost graded function an error came out of
    written: List[str] = field(default_factory=list)  # inputs a writable run changed (names)


@dataclass
class Limits:
    timeout: float = 5.0  # wall seconds per request
    memory_mb: int = 2048  # address space of the worker
    output_limit: int = 1 << 20  # bytes a worker may print during one request
    import_timeout: Optional[float] = None  # defaults to timeout + start-up allowance
    user: Optional[str] = None  # run student code as this user (only when the grader is root)


_SUBREAPER_SET = False


def _become_subreaper() -> None:
    """Adopt orphaned descendants (Linux), so detached grandchildren can be found and ended."""
    global _SUBREAPER_SET
    if _SUBREAPER_SET or not IS_LINUX:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_CHILD_SUBREAPER = 36
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        _SUBREAPER_SET = True
    except (OSError, AttributeError):
        pass


def _children_of(pids: set) -> List[int]:
    """Processes whose parent is in ``pids`` (Linux /proc)."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
            parent = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent in pids:
            found.append(int(entry))
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


_PROTECTED: set = set()  # children of the grading process that are not student processes


def protect_existing_children() -> None:
    """Remember the children this process had before grading: they are never killed."""
    if IS_LINUX:
        _PROTECTED.update(_children_of({os.getpid()}))


def end_strays(keep: Optional[int] = None) -> None:
    """Kill every process student code started, leaving the worker ``keep`` alive.

    The victims are the descendants of ``keep`` and every child of the grading process that
    is not a protected one: because the grader is a subreaper, a process a submission
    detached (double fork, ``setsid``) is re-parented here and found among those children.
    """
    if not IS_LINUX:
        return
    me = os.getpid()
    for _ in range(5):
        strays = set(_children_of({me})) - _PROTECTED - {keep}
        victims = strays | set(descendants(list(strays) + ([keep] if keep else [])))
        victims.discard(keep)
        if not victims:
            return
        for pid in victims:
            _kill(pid)
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def descendants(roots: List[int]) -> List[int]:
    """Every process descended from ``roots`` (children, their children, ...), roots excluded."""
    found: List[int] = []
    frontier = set(roots)
    while frontier:
        frontier = set(_children_of(frontier)) - set(found)
        found.extend(frontier)
    return found


def _numpy_libdir(base: Path) -> Path:
    """A folder holding links to numpy (and its bundled libraries) and nothing else."""
    import numpy

    libdir = base / "pylib"
    libdir.mkdir()
    package = Path(numpy.__file__).resolve().parent
    for item in [package] + sorted(package.parent.glob("numpy.libs")) + sorted(package.parent.glob("numpy*.libs")):
        target = libdir / item.name
        if target.exists():
            continue
        try:
            target.symlink_to(item, target_is_directory=True)
        except OSError:  # no symlinks (Windows without privileges): fall back to the real parent
            return package.parent
    return libdir


def _resolved(path: str) -> str:
    """The words " (a link to REAL)" when ``path`` is a link, so that a refusal names the folder that blocks it."""
    real = os.path.realpath(path)
    return f" (a link to {real})" if real != os.path.abspath(path) else ""


def preflight(user: str, submission: Optional[Path] = None) -> None:
    """Refuse, in one line (``GraderFailure``), to grade as ``user`` what that user could not grade safely.

    Checks that ``user`` can start this interpreter, import numpy and load the grader's code (a
    real worker is started and must say it is ready), can read ``submission`` when given, and
    can NOT read the expected values in ``checks/fixtures/``. Does nothing unless the grading
    process is root and ``user`` is named (then student code runs as that user).
    """
    try:
        account = student_account(user)
    except ValueError as error:
        raise GraderFailure(str(error)) from None
    if account is None:
        return
    with tempfile.TemporaryDirectory(prefix="kit-preflight-") as tmp:
        os.chmod(tmp, 0o755)
        empty = Path(tmp) / "empty"
        empty.mkdir()
        os.chmod(empty, 0o755)
        with WorkerSession(empty, Limits(user=user)) as worker:
            try:
                worker.start()
            except GraderFailure as failure:
                raise GraderFailure(f"the user {user!r} cannot run the grader's worker: {failure} (the interpreter "
                                    f"{sys.executable}{_resolved(sys.executable)}, numpy and the kit must be readable by every user)") from None
    fixtures = GRADER_DIR / "fixtures"
    paths = [str(fixtures)] + [str(p) for p in sorted(fixtures.rglob("*")) if p.is_file()]
    if submission is not None:
        paths.append(str(submission))
    code = ("import os, sys\nfor p in sys.argv[1:]:\n    try:\n        os.listdir(p) if os.path.isdir(p) "
            "else open(p, 'rb').close()\n        print(p)\n    except OSError:\n        pass\n")
    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", code, *paths], user=account[0], group=account[1],
                              extra_groups=[], stdin=subprocess.DEVNULL, capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError) as error:
        raise GraderFailure(f"the user {user!r} cannot start {sys.executable}{_resolved(sys.executable)}: {error} "
                            "(every folder above it must be searchable by others: a python under /root is not; "
                            "a venv made from /usr/bin/python3 is)") from None
    readable = done.stdout.decode("utf-8", "replace").split("\n")
    if submission is not None and str(submission) not in readable:
        raise GraderFailure(f"the user {user!r} cannot read the submission's folder {submission}")
    readable = [p for p in readable if p and p != str(submission)]
    if readable:
        raise GraderFailure(f"the user {user!r} can read the expected values ({readable[0]}): make them readable "
                            f"by root alone first, chmod -R go-rwx {fixtures}")


def student_account(user: Optional[str]) -> Optional[tuple]:
    """(uid, gid) to run student code as: only when the grading process is root and a user is named.

    Raises ``ValueError`` when ``user`` does not exist or is root.
    """
    if not user or os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ValueError(f"the user {user!r} that student code should run as does not exist") from None
    if entry.pw_uid == 0:
        raise ValueError(f"the user {user!r} is root: student code must run as an unprivileged user")
    return entry.pw_uid, entry.pw_gid


class Worker:
    """A student worker for one submission, started on demand and restarted after failures."""

    def __init__(self, submission: Path, limits: Limits, workdir: Path, input_seed: Optional[int] = None):
        self.submission = Path(submission).resolve()
        self.limits = limits
        self.input_seed = input_seed  # the inputs the probes build (None: the public ones)
        self.workdir = workdir
        self.libdir = _numpy_libdir(workdir)
        self.process: Optional[subprocess.Popen] = None
        self.output_path = workdir / "output.txt"
        self.where_path = workdir / "where.txt"  # the innermost graded function running (see child.py)
        self.where_fd: Optional[int] = None
        self.disabled: Dict[str, str] = {}  # graded function -> why later checks do not run it
        self.started = 0
        self.account = student_account(limits.user)
        if self.account is not None:  # the other user reads (never writes) the scratch folder
            os.chmod(workdir, 0o755)
        _become_subreaper()
        protect_existing_children()

    # ------------------------------------------------------------------ life cycle
    def _environment(self) -> Dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env.update(
            OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
            VECLIB_MAXIMUM_THREADS="1", NUMEXPR_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
            PYTHONIOENCODING="utf-8", HOME=str(self.workdir),
        )
        return env

    def _preexec(self) -> None:  # runs in the child between fork and exec (POSIX only)
        os.setsid()
        if resource is None:
            return
        memory = self.limits.memory_mb * 1024 * 1024
        for limit, value in (
            (resource.RLIMIT_AS, memory),
            (resource.RLIMIT_FSIZE, self.limits.output_limit * 4),
            (resource.RLIMIT_CORE, 0),
        ):
            try:
                resource.setrlimit(limit, (value, value))
            except (ValueError, OSError):
                pass
        try:  # CPU seconds for the worker's whole life; the wall-clock deadline is per request
            cpu = int(max(60, self.limits.timeout * 40))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        except (ValueError, OSError):
            pass

    def start(self) -> None:
        """Start a worker. Requests go to its stdin, results come from its stdout; what student
        code prints goes to a file (the worker points its own fd 1 there at start-up)."""
        self.output = open(self.output_path, "ab")
        self.output.truncate(0)
        popen_args: Dict[str, Any] = {}
        where: List[str] = []
        if os.name == "posix":
            popen_args["preexec_fn"] = self._preexec
            # Opened here and inherited, so the worker writes it whatever user it runs as.
            if self.where_fd is not None:
                os.close(self.where_fd)
            self.where_fd = os.open(self.where_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            popen_args["pass_fds"] = (self.where_fd,)
            where = ["--where-fd", str(self.where_fd)]
            if self.account is not None:
                popen_args.update(user=self.account[0], group=self.account[1], extra_groups=[])
        else:  # pragma: no cover - Windows
            popen_args["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        command = [
            sys.executable, "-I", "-S", "-B", str(CHILD_SCRIPT),
            "--submission", str(self.submission), "--grader", str(GRADER_DIR), "--libdir", str(self.libdir),
        ] + where
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.output,
                cwd=str(self.workdir), env=self._environment(), bufsize=0, **popen_args,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise GraderFailure(f"the worker could not be started ({type(error).__name__}: {error})") from None
        self._reader = _Reader(self.process.stdout)
        self.started += 1
        self._handshake()

    def _handshake(self) -> None:
        """Wait for the worker's "ready": before it, nothing of the submission has run, so a worker
        that dies or stays silent is the grader's failure (GraderFailure), not the student's."""
        deadline = time.monotonic() + START_TIMEOUT
        try:
            _, meta = protocol.read_message(lambda n: self._reader.read(n, deadline))
            if meta.get("status") == "ready":
                return
            why = "it answered something else than ready"
        except _Timeout:
            why = f"it was not ready after {_seconds(START_TIMEOUT)}"
        except (EOFError, OSError, protocol.ProtocolError):
            why = self._death_reason().replace(" before returning a result", "")
        printed, _ = self._printed()
        self.stop()
        tail = printed.strip().splitlines()[-1:] if printed.strip() else []
        raise GraderFailure(f"the worker did not start: {why}" + (f" ({tail[0][:300]})" if tail else ""))

    def stop(self) -> None:
        """End the worker, its process group and everything it started."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            if os.name == "posix":
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            process.kill()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        end_strays(keep=None)
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.output.close()
        if self.where_fd is not None:
            os.close(self.where_fd)
            self.where_fd = None

    def _running(self) -> Optional[str]:
        """The graded function the worker was inside when it last wrote where.txt, if any."""
        if self.where_fd is None:
            return None
        try:
            name = os.pread(self.where_fd, 256, 0).decode("utf-8", "replace").strip()
        except OSError:
            return None
        return name or None

    # ------------------------------------------------------------------ requests
    def request(self, message: Dict[str, Any], timeout: Optional[float] = None) -> Outcome:
        """Send one request and wait for its answer, at most ``timeout`` seconds.

        A graded function that is still running when a check runs out of time is disabled for
        the rest of the submission: the worker then raises ``NotRun`` as soon as it is called,
        so a hang costs one time limit, not one per check that calls the function.
        """
        timeout = self.limits.timeout if timeout is None else timeout
        message = dict(message, disabled=self.disabled, input_seed=self.input_seed)
        if self.process is None or self.process.poll() is not None:
            if self.process is not None:
                self.stop()
            self.start()
        self.output.flush()
        os.truncate(self.output_path, 0)
        begin = time.monotonic()
        deadline = begin + timeout
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
            tree, meta = protocol.read_message(lambda n: self._reader.read(n, deadline))
        except _Timeout:
            limit = "importing a module" if message.get("op") == "import" else "one check"
            running = self._running()
            where = f", inside {running}" if running else ""
            outcome = Outcome("failed", reason=f"timed out after {_seconds(timeout)} (the limit for {limit}){where}",
                              hung=running)
            if running and message.get("op") == "probe":
                self.disabled[running] = (f"{running} did not finish in {_seconds(timeout)} "
                                          f"(in {message.get('name')!r})")
            self.stop()
        except (EOFError, BrokenPipeError, OSError):
            outcome = Outcome("failed", reason=self._death_reason())
            self.stop()
        except protocol.ProtocolError as error:
            outcome = Outcome("failed", reason=f"the process sent back something the grader cannot read ({error})")
            self.stop()
        else:
            if meta.get("status") == "ok":
                outcome = Outcome("ok", tree=tree)
            else:
                error = meta.get("error") if isinstance(meta.get("error"), dict) else {}
                outcome = Outcome("error", error=error)
            if isinstance(meta.get("raised_in"), str):
                outcome.raised_in = meta["raised_in"]
            if isinstance(meta.get("written"), list):
                outcome.written = [str(name) for name in meta["written"][:20]]
            entered = meta.get("entered")
            if isinstance(entered, list):
                outcome.entered = [(str(pair[0]), str(pair[1])) for pair in entered[:200]
                                   if isinstance(pair, list) and len(pair) == 2]
        if self.process is not None and self.process.poll() is None:
            end_strays(keep=self.process.pid)
        outcome.seconds = time.monotonic() - begin
        outcome.output, too_much = self._printed()
        if too_much and outcome.status != "failed":
            outcome = Outcome(
                "failed", reason=f"printed more than {self.limits.output_limit // 1024} KiB of output",
                output=outcome.output, seconds=outcome.seconds,
            )
            self.stop()
        return outcome

    def _death_reason(self) -> str:
        process = self.process
        if process is None:
            return "the process ended before returning a result"
        try:
            code = process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the process closed its result channel before returning a result"
        if code < 0:
            number = -code
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            why = {
                "SIGSEGV": "a segmentation fault", "SIGXCPU": "the CPU-time limit",
                "SIGXFSZ": "too much output", "SIGKILL": "a kill (often the memory limit)",
                "SIGABRT": "an abort", "SIGBUS": "a bus error",
            }.get(name, name)
            return f"the process crashed ({name}: {why}) before returning a result"
        return f"the process exited with status {code} before returning a result"

    def _printed(self) -> tuple:
        """(first lines of what the worker printed during the request, whether it was too much)."""
        try:
            size = os.path.getsize(self.output_path)
            with open(self.output_path, "rb") as handle:
                head = handle.read(2000)
        except OSError:
            return "", False
        return head.decode("utf-8", "replace"), size > self.limits.output_limit


class _Timeout(Exception):
    pass


class _Reader:
    """Reads the worker's result stream with a deadline: ``select`` on POSIX, a thread elsewhere."""

    def __init__(self, stream):
        self.stream = stream
        self.fd = stream.fileno()
        self.posix = os.name == "posix"
        if not self.posix:  # pragma: no cover - Windows: pipes cannot be selected
            import queue
            import threading

            self.chunks: "queue.Queue[bytes]" = queue.Queue()
            self.buffer = b""
            threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:  # pragma: no cover - Windows
        while True:
            try:
                chunk = self.stream.read(1 << 16)
            except (OSError, ValueError):
                chunk = b""
            self.chunks.put(chunk)
            if not chunk:
                return

    def read(self, count: int, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout()
        if self.posix:
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                raise _Timeout()
            return os.read(self.fd, min(count, 1 << 20))
        import queue  # pragma: no cover - Windows

        if not self.buffer:
            try:
                self.buffer = self.chunks.get(timeout=remaining)
            except queue.Empty:
                raise _Timeout() from None
            if not self.buffer:
                return b""
        chunk, self.buffer = self.buffer[:count], self.buffer[count:]
        return chunk


def _seconds(value: float) -> str:
    return f"{value:g} s"


def platform_note() -> str:
    """What isolation this platform gives, in one line for reports."""
    if HAS_LIMITS:
        return ""
    return "this platform has no 'resource' module: checks run with time limits only (no memory or CPU limit)"


class WorkerSession:
    """A worker plus its scratch folder; use as a context manager."""

    def __init__(self, submission: Path, limits: Limits, input_seed: Optional[int] = None):
        self.tmp = tempfile.TemporaryDirectory(prefix="kit-grade-")
        self.worker = Worker(submission, limits, Path(self.tmp.name), input_seed)

    def __enter__(self) -> Worker:
        return self.worker

    def __exit__(self, *exc) -> None:
        self.worker.stop()
        end_strays(keep=None)
        self.tmp.cleanup()
