"""Helpers shared by test modules."""
import contextlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

KIT_ROOT = Path(__file__).resolve().parent.parent


def require_root(what: str) -> None:
    """Tests that run student code as another user need root.

    CI runs as root, and there a missing privilege is a failure (a test that cannot run never
    skips in CI). On a developer's machine without root the test is skipped with the reason,
    which pytest's -ra summary prints.
    """
    if os.name == "posix" and os.geteuid() == 0:
        return
    message = f"{what} must run as root to run student code as another user"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI runs as root)")
    pytest.skip(message + "; skipped outside CI (CI=true makes this a failure)")


STUDENT_USER = "kitstudent"


@contextlib.contextmanager
def student_account(what: str, user: str = STUDENT_USER):
    """An unprivileged user that can run this Python and numpy and read the kit; yields its name.

    Needs root (see ``require_root``). Creates the user when it is missing, gives others
    search permission on every folder above the interpreter, numpy and the kit (``/root`` is
    0700 here), and makes ``checks/fixtures/`` readable by root alone; the permissions are
    restored afterwards, also when the test fails.
    """
    require_root(what)
    if subprocess.run(["id", "-u", user], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                       check=True, capture_output=True)
    changed = []
    # The expected values must be readable by root alone, or the grader refuses to run student code as
    # another user (worker.preflight): lock them for the test, as an instructor does.
    fixtures = KIT_ROOT / "checks" / "fixtures"
    for path in [fixtures] + sorted(fixtures.rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            changed.append((path, mode))
            os.chmod(path, mode & 0o700)
    for path in (Path(sys.executable).resolve().parent, Path(np.__file__).resolve().parent, KIT_ROOT):
        for folder in [path] + list(path.parents):
            mode = stat.S_IMODE(folder.stat().st_mode)
            if folder.is_dir() and not mode & stat.S_IXOTH:
                changed.append((folder, mode))
                os.chmod(folder, mode | stat.S_IXOTH)
    try:
        yield user
    finally:
        for folder, mode in reversed(changed):
            os.chmod(folder, mode)


def edited_solutions(folder: Path, module: str, old: str, new: str) -> Path:
    """A copy of solutions/ in ``folder/sub`` where ``module.py`` has ``old`` (found once) replaced by ``new``."""
    import shutil

    target = folder / "sub"
    shutil.copytree(Path(__file__).resolve().parent.parent / "solutions", target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    path = target / f"{module}.py"
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} should occur once in {module}.py"
    path.write_text(text.replace(old, new))
    return target
