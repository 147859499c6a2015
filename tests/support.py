"""Helpers shared by test modules."""
import os

import pytest


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
