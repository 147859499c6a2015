"""How far each check's tolerance sits from what it must tell apart, printed as a table.

For every known mistake's stored signature, the tolerance of ``compare.close`` (rtol and atol
together) is multiplied by 2, 4, 8, ... until the mistake would pass: the first such factor
is its *margin*. A mistake whose verdict does not rest on a tolerance (a shape, a NaN, a
property such as "the kept entries are x / p") has no margin: it fails at any scale.

For the correct variants of ``tests/variants`` the tolerance is divided by 2, 4, ... until
the variant would fail: the last factor at which it still passes is its *headroom*. A check's
tolerance is then justified by both sides: every mistake fails well outside it, every correct
form passes well inside it. Run with ``pytest -s tests/test_margins.py`` to see the tables.
"""
import contextlib
from pathlib import Path

import pytest

from checks import compare
from checks.reference import Mistakes, Reference
from checks.suite import all_checks
from checks.worker import Limits, WorkerSession

MIN_MARGIN = 16  # every tolerance-bound mistake must still fail at 8 times the tolerance
MIN_HEADROOM = 2  # every correct variant must still pass at half the tolerance
GROW = [2 ** i for i in range(1, 41)]
SHRINK = [2.0 ** -i for i in range(1, 31)]
VARIANTS = sorted((Path(__file__).resolve().parent / "variants").glob("*.py"))


@contextlib.contextmanager
def tolerance_times(factor, monkeypatch):
    """compare.close with its rtol and atol (the defaults included) multiplied by ``factor``."""
    original = compare.close

    def scaled(received, expected, what, rtol=compare.RTOL, atol=None, scale=None, **options):
        import numpy as np

        values = np.asarray(expected, dtype=np.float64)
        if scale is None:
            scale = float(np.max(np.abs(values))) if values.size else 1.0
        if atol is None:
            atol = compare.ATOL * max(scale, 1e-3)
        return original(received, expected, what, rtol=rtol * factor, atol=atol * factor, scale=scale, **options)

    with monkeypatch.context() as patch:
        patch.setattr(compare, "close", scaled)
        yield


def verdict(check, tree, want):
    """The judge's feedback, or None when it passes; an error of the judge itself fails the test."""
    try:
        check.judge(tree, want)
    except compare.Failed as failure:
        return str(failure)
    return None


def margin(check, tree, want, monkeypatch):
    for factor in GROW:
        with tolerance_times(factor, monkeypatch):
            if verdict(check, tree, want) is None:
                return factor
    return None


@pytest.fixture(scope="module")
def expected():
    reference = Reference()
    return {check.name: reference.expected(check) for check in all_checks()}


def test_every_known_mistake_fails_far_outside_its_checks_tolerance(expected, monkeypatch, capsys):
    rows, close_calls = [], []
    for check in all_checks():
        want = expected[check.name].get("tree")
        for signature in Mistakes().for_check(check.name):
            if "tree" not in signature:
                rows.append((check.name, signature["id"], "raises"))
                continue
            factor = margin(check, signature["tree"], want, monkeypatch)
            rows.append((check.name, signature["id"], "any scale" if factor is None else f"x{factor}"))
            if factor is not None:
                close_calls.append((check.name, signature["id"], factor))
    with capsys.disabled():
        print("\n| check | known mistake | passes at tolerance |")
        print("|---|---|---:|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    assert len(rows) >= 60
    near = [(name, mistake, factor) for name, mistake, factor in close_calls if factor < MIN_MARGIN]
    assert not near, f"known mistakes that a tolerance {MIN_MARGIN // 2} times wider would pass: {near}"


def trees(folder):
    """Every public check's probe output on the submission in ``folder``, run in a worker."""
    found = {}
    with WorkerSession(folder, Limits(timeout=30)) as worker:
        for module in dict.fromkeys(check.module for check in all_checks()):
            assert worker.request({"op": "import", "module": module}).status == "ok"
        for check in all_checks():
            outcome = worker.request({"op": "probe", "name": check.name})
            if outcome.status == "ok":
                found[check.name] = outcome.tree
    return found


def headroom(check, tree, want, monkeypatch):
    """The smallest tolerance factor (1/2, 1/4, ...) at which ``tree`` still passes, or 1."""
    passing = 1.0
    for factor in SHRINK:
        with tolerance_times(factor, monkeypatch):
            if verdict(check, tree, want) is not None:
                return passing
        passing = factor
    return passing


def test_every_correct_variant_passes_well_inside_each_checks_tolerance(expected, monkeypatch, tmp_path, capsys):
    from test_variants import build

    worst = {}  # check name -> (headroom, variant)
    for variant in VARIANTS:
        got = trees(build(variant, tmp_path / variant.stem))
        for check in all_checks():
            if check.name not in got:
                continue
            room = headroom(check, got[check.name], expected[check.name]["tree"], monkeypatch)
            if check.name not in worst or room > worst[check.name][0]:
                worst[check.name] = (room, variant.stem)
    with capsys.disabled():
        print("\n| check | tightest correct variant | still passes at tolerance |")
        print("|---|---|---:|")
        for check in all_checks():
            if check.name in worst:
                room, name = worst[check.name]
                print(f"| {check.name} | {name} | {'x1 (only)' if room == 1 else f'x1/{round(1 / room)}'} |")
    tight = {name: pair for name, pair in worst.items() if pair[0] > 1 / MIN_HEADROOM}
    assert not tight, f"checks where a correct variant fails at 1/{MIN_HEADROOM} of the tolerance: {tight}"
