"""The generic patterns of a wrong array, each worded once.

A known mistake (``checks/instructor/mistakes``) owns the hint for one specific bug. What lives here is
what any wrong result can show whatever the bug: every entry off by one constant factor, the
sign flipped, all zeros, a few rows off. ``compare.close`` (values against the reference) and
``gradcheck`` (an analytic gradient against the numerical one) both word these patterns with
the functions below, so a student reads the same sentence for the same pattern wherever it
shows, and the grader can tell a pattern line from a mistake's hint.

numpy alone.
"""
from __future__ import annotations

import numpy as np

# A ratio this close to 1 is no scale bug: the values differ some other way.
NOT_A_FACTOR = 1e-3


def simple_fraction(ratio: float) -> str:
    """'64' or '1/64' when ``ratio`` or its inverse is close to a whole number other than 0 and 1."""
    for value, form in ((ratio, "%d"), (1.0 / ratio if ratio != 0 else 0.0, "1/%d")):
        whole = round(value)
        if abs(whole) >= 2 and abs(value - whole) <= 1e-3 * abs(value):
            return form % whole if whole > 0 else "-" + form % (-whole)
    return ""


def factor_text(ratio: float) -> str:
    """The ratio as printed: '0.015625 = 1/64', or just '0.3' when it is no simple fraction."""
    text = "%.6g" % ratio
    simple = simple_fraction(ratio)
    return f"{text} = {simple}" if simple and simple != text else text


def named_factor(ratio: float, factors) -> str:
    """The sentence part for a ratio equal to a named quantity or its inverse, or ''.

    ``factors`` maps a name to its value, e.g. {"N = 3, the batch size": 3, "p = 0.3": 0.3}.
    """
    for name, value in (factors or {}).items():
        if value in (0, 1) or not np.isfinite(value):
            continue
        if abs(ratio - value) <= NOT_A_FACTOR * abs(value):
            return f"multiplied by {name}"
        if abs(ratio * value - 1.0) <= NOT_A_FACTOR:
            return f"divided by {name}"
    return ""


def scale_hint(ratio: float, subject: str = "your values", reference: str = "the expected ones",
               every: str = "", factors=None) -> str:
    """The sentence for ``subject == ratio * reference`` on every entry ('' when ratio is ~1).

    A ratio equal to one of ``factors`` (name -> value; see ``named_factor``) or its inverse is
    named: "your values are the expected ones divided by N = 3, the batch size".
    """
    if abs(ratio + 1.0) <= NOT_A_FACTOR:
        return (f"{subject} {_are(subject)} {reference} with the sign flipped (ratio -1): check the sign "
                "of each term (x - mean vs mean - x, a subtraction turned around)")
    if not np.isfinite(ratio) or abs(ratio - 1.0) <= NOT_A_FACTOR:
        return ""
    named = named_factor(ratio, factors)
    if named:
        return (f"{subject} {_are(subject)} {reference} {named}{every} ({factor_text(ratio)}): a factor "
                "missing or extra, such as a mean where a sum belongs")
    return (f"{subject} {_are(subject)} {factor_text(ratio)} times {reference}{every}: a scale bug, a "
            "factor missing or extra (a mean where a sum belongs, 1/N, 1/p, 2 in a square's "
            "derivative...)")


def _are(subject: str) -> str:
    return "are" if subject.endswith("values") else "is"


def sentence(text: str) -> str:
    """``text`` with a capital first letter and a final period, for a line of feedback."""
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def array_pattern(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float, factors=None) -> str:
    """A line of feedback when ``got`` differs from ``expected`` in a telling way, or ''.

    ``rtol`` and ``atol`` are the comparison's own tolerances: a pattern is named only when it
    holds on every entry to within them, so that it is never reported for values it does not fit.
    ``factors`` names the quantities a scale factor may be (see ``scale_hint``).
    """
    if not np.any(expected):
        return "Every expected entry is zero here."
    if not np.any(got):
        return "Every entry you returned is zero."
    ratio = float(np.vdot(got, expected) / np.vdot(expected, expected))
    if np.all(np.abs(got - ratio * expected) <= atol + rtol * np.abs(ratio * expected)):
        hint = scale_hint(ratio, factors=factors)
        if hint:
            return sentence(hint)
    if got.ndim == 2 and got.shape[0] > 1:
        rows = np.any(np.abs(got - expected) > atol + rtol * np.abs(expected), axis=1)
        if 0 < rows.sum() < got.shape[0] / 4:
            return f"Only {int(rows.sum())} row(s) differ, starting with row {int(np.argmax(rows))}."
    return ""
