"""The class report: one self-contained page, ``report.html``, that ``batch`` writes beside grades.csv.

It needs nothing but the page itself: no network, no script fetched from elsewhere, charts
drawn here as inline SVG (the grader needs numpy alone, and this module not even that). It
shows the score histogram, the pass rate of every check, the known mistakes with how many
students made each and who, the time-outs, crashes and submissions not graded, the pairs of
submissions a person should look at, and every student's feedback behind an in-page anchor.
Each inline question shows the model answer of ``solutions/ANSWERS.md`` beside every
student's answer, so that a person grades one question across the class. The same numbers sit
in the page as JSON, in ``<script type="application/json" id="report-data">``, for tests and
other tools.

Pairs to look at: two submissions that share at least ``MIN_SHARED`` identical graded
functions, counting only functions with at least ``MIN_STATEMENTS`` statements of the
student's own. A function is compared by its statements once parsed (comments, blank lines
and formatting do not count) after the statements of the assignment's stub are left out,
so an untouched stub or a one-line ``np.maximum(0, x)`` matches nothing.
"""
from __future__ import annotations

import ast
import hashlib
import html
import json
import re
from itertools import combinations
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

MIN_STATEMENTS = 3
MIN_SHARED = 3
BINS = 10  # score histogram: ten bins of a tenth of the maximum each
MAX_PAIRS = 200  # pairs listed (most shared first); a class of copies of one solution has thousands


# --------------------------------------------------------------------------- fingerprints
def _function(tree: ast.AST, name: str) -> Optional[ast.FunctionDef]:
    """The function ``name`` (``relu_forward`` or ``FullyConnectedNet.loss``) at the top of ``tree``."""
    scope: Iterable[ast.AST] = getattr(tree, "body", [])
    *classes, function = name.split(".")
    for class_name in classes:
        found = [n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name]
        if not found:
            return None
        scope = found[-1].body
    found = [n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function]
    return found[-1] if found else None  # the last definition is the one Python keeps


def _statements(node: Optional[ast.FunctionDef]) -> List[ast.stmt]:
    if node is None:
        return []
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    return body


def _parse(path: Path) -> Optional[ast.AST]:
    try:
        return ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return None


def fingerprints(folder: Path, stubs: Path, functions: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    """{graded function: hash of the student's own statements}, for the non-trivial functions only.

    ``functions`` lists (module, function) pairs; ``stubs`` is the assignment's folder, whose
    statements (the given code around a TODO) are left out before comparing.
    """
    found: Dict[str, str] = {}
    for module in dict.fromkeys(module for module, _ in functions):
        tree, stub = _parse(Path(folder) / f"{module}.py"), _parse(Path(stubs) / f"{module}.py")
        if tree is None:
            continue
        for name in [f for m, f in functions if m == module]:
            given = {ast.unparse(s) for s in _statements(_function(stub, name))} if stub is not None else set()
            own = [s for s in _statements(_function(tree, name)) if ast.unparse(s) not in given]
            if sum(isinstance(n, ast.stmt) for s in own for n in ast.walk(s)) < MIN_STATEMENTS:
                continue
            text = "\n".join(ast.unparse(s) for s in own)
            found[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return found


def similar_pairs(functions: Dict[str, Dict[str, str]]) -> List[Dict[str, Any]]:
    """Pairs of students sharing at least ``MIN_SHARED`` identical non-trivial functions, most first."""
    pairs = []
    for first, second in combinations(sorted(functions), 2):
        shared = sorted(name for name, digest in functions[first].items() if functions[second].get(name) == digest)
        if len(shared) >= MIN_SHARED:
            pairs.append({"students": [first, second], "shared": shared})
    return sorted(pairs, key=lambda pair: (-len(pair["shared"]), pair["students"]))


# --------------------------------------------------------------------------- the numbers
def report_data(records: Sequence[Dict[str, Any]], checks: Sequence[Any], titles: Dict[str, str],
                models: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Everything the page shows, as plain data (the page's JSON block); ``models``: id -> model answer."""
    from ..report import GradeReport

    reports = {r["student"]: GradeReport.from_dict(r["report"]) for r in records}
    graded = [name for name, rep in reports.items() if rep.graded]
    top = max([rep.max_score for rep in reports.values()] + [1.0])
    histogram = [0] * BINS
    for name in graded:
        histogram[min(BINS - 1, int(BINS * reports[name].score / top))] += 1
    rates = []
    for check in checks:
        passed = sum(1 for name in graded for r in reports[name].results if r.name == check.name and r.passed)
        rates.append({"check": check.name, "points": check.points, "passed": passed, "graded": len(graded)})
    mistakes: Dict[str, Dict[str, Any]] = {}
    timeouts, crashes = [], []
    for name in graded:
        for r in reports[name].results:
            if r.mistake:
                entry = mistakes.setdefault(r.mistake, {"title": titles.get(r.mistake, r.mistake), "students": []})
                if name not in entry["students"]:
                    entry["students"].append(name)
            if "timed out after" in r.feedback:
                timeouts.append({"student": name, "check": r.name})
            if "the process crashed" in r.feedback:
                crashes.append({"student": name, "check": r.name})
    return {
        "students": [{"name": name, "score": rep.score if rep.graded else None, "max_score": rep.max_score,
                      "graded": rep.graded, "anchor": anchor(name)} for name, rep in reports.items()],
        "max_score": top,
        "histogram": {"bin_width": top / BINS, "counts": histogram},
        "checks": rates,
        "mistakes": dict(sorted(mistakes.items(), key=lambda item: (-len(item[1]["students"]), item[0]))),
        "timeouts": timeouts,
        "crashes": crashes,
        "not_graded": [{"student": name, "why": " | ".join(rep.notes)} for name, rep in reports.items() if not rep.graded],
        **_pairs(similar_pairs({r["student"]: r.get("functions") or {} for r in records
                                 if reports[r["student"]].graded})),
        "questions": _questions(reports, models or {}),
    }


def _pairs(pairs: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The ``MAX_PAIRS`` pairs that share the most, and how many there are in all."""
    return {"pairs": pairs[:MAX_PAIRS], "pairs_total": len(pairs)}


def _questions(reports: Dict[str, Any], models: Dict[str, str]) -> List[Dict[str, Any]]:
    """Each inline question with its model answer and every student's answer, for grading one at a time."""
    ids = list(models) + sorted({key for rep in reports.values() for key in rep.answers if key not in models})
    return [{"id": key, "model": models.get(key, ""),
             "answers": {name: rep.answers[key] for name, rep in reports.items() if key in rep.answers}}
            for key in ids]


def anchor(student: str) -> str:
    return "student-" + re.sub(r"[^A-Za-z0-9_-]", "-", student)


# --------------------------------------------------------------------------- the page
def _histogram_svg(data: Dict[str, Any]) -> str:
    counts = data["histogram"]["counts"]
    width, height, bar, top = 520, 180, 44, 16  # top: room for the count above the tallest bar
    tallest = max(counts + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40 + top}" role="img" '
             f'aria-label="Histogram of the scores" viewBox="0 {-top} {width} {height + 40 + top}">']
    for index, count in enumerate(counts):
        h = round(height * count / tallest)
        x = 10 + index * (bar + 6)
        low = index * data["histogram"]["bin_width"]
        parts.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="#3b6ea8">'
                     f'<title>{low:g} to {low + data["histogram"]["bin_width"]:g}: {count}</title></rect>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 14}" font-size="11" text-anchor="middle">{low:g}</text>')
        if count:
            parts.append(f'<text x="{x + bar / 2}" y="{height - h - 3}" font-size="11" text-anchor="middle">{count}</text>')
    parts.append(f'<text x="{width / 2}" y="{height + 34}" font-size="12" text-anchor="middle">score '
                 f'(out of {data["max_score"]:g})</text></svg>')
    return "".join(parts)


def _rate_bar(passed: int, graded: int) -> str:
    share = passed / graded if graded else 0.0
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="12"><rect width="200" height="12" '
            f'fill="#e3e3e3"/><rect width="{round(200 * share)}" height="12" fill="#4f9a5a"/></svg>')


def _score_text(student: Dict[str, Any]) -> str:
    return f"{student['score']:g} / {student['max_score']:g}" if student["graded"] else "not graded"


def _list(items: List[str], empty: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" if items else f"<p>{empty}</p>"


def render(data: Dict[str, Any], feedback: Dict[str, str], title: str = "Class report") -> str:
    """The page: ``data`` (``report_data``) drawn, and each student's ``feedback`` text."""
    e = html.escape

    def link(student: str) -> str:
        return f'<a href="#{anchor(student)}">{e(student)}</a>'

    graded = [s for s in data["students"] if s["graded"]]
    scores = sorted(s["score"] for s in graded)
    summary = (f"{len(data['students'])} students, {len(graded)} graded"
               + (f"; median score {scores[len(scores) // 2]:g} of {data['max_score']:g}" if scores else ""))
    rows = "".join(f"<tr><td>{e(c['check'])}</td><td>{c['points']:g}</td><td>{c['passed']} of {c['graded']}</td>"
                   f"<td>{_rate_bar(c['passed'], c['graded'])}</td></tr>" for c in data["checks"])
    mistakes = "".join(f"<tr><td>{e(m['title'])}</td><td>{len(m['students'])}</td>"
                       f"<td>{', '.join(link(s) for s in m['students'])}</td></tr>" for m in data["mistakes"].values())
    pairs = "".join(f"<tr><td>{link(p['students'][0])} and {link(p['students'][1])}</td><td>{len(p['shared'])}</td>"
                    f"<td>{e(', '.join(p['shared']))}</td></tr>" for p in data["pairs"])
    students = "".join(f"<tr><td>{link(s['name'])}</td><td>{_score_text(s)}</td></tr>" for s in data["students"])
    questions = "".join(
        f'<h3 id="question-{e(q["id"])}">{e(q["id"])}</h3>'
        + (f'<p><b>Model answer</b> (solutions/ANSWERS.md):</p><pre>{e(q["model"])}</pre>' if q["model"] else "")
        + "<table><tr><th>student</th><th>answer</th></tr>"
        + "".join(f"<tr><td>{link(name)}</td><td><pre>{e(text)}</pre></td></tr>" for name, text in q["answers"].items())
        + "</table>" for q in data["questions"])
    sections = "".join(f'<section id="{anchor(name)}"><h3>{e(name)}</h3><pre>{e(text)}</pre></section>'
                       for name, text in feedback.items())
    blob = json.dumps(data, sort_keys=True).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; max-width: 70em; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.25em 0.8em; text-align: left; vertical-align: top; }}
pre {{ background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }}
</style></head><body>
<h1>{e(title)}</h1>
<p>{e(summary)}</p>
<h2>Scores</h2>
{_histogram_svg(data)}
<h2>Pass rate of every check</h2>
<table><tr><th>check</th><th>points</th><th>passed</th><th></th></tr>{rows}</table>
<h2>Known mistakes</h2>
{f'<table><tr><th>mistake</th><th>students</th><th>who</th></tr>{mistakes}</table>' if mistakes else '<p>None recognized.</p>'}
<h2>Time-outs, crashes, not graded</h2>
<h3>Time-outs</h3>{_list([f"{link(t['student'])}: {e(t['check'])}" for t in data["timeouts"]], "None.")}
<h3>Crashes</h3>{_list([f"{link(c['student'])}: {e(c['check'])}" for c in data["crashes"]], "None.")}
<h3>Not graded</h3>{_list([f"{link(n['student'])}: {e(n['why'])}" for n in data["not_graded"]], "None.")}
<h2>Pairs to look at</h2>
<p>Submissions that share at least {MIN_SHARED} identical graded functions with {MIN_STATEMENTS} or more
statements of their own (comments and formatting ignored, the stub's given lines left out).</p>
{f'<p>{data["pairs_total"]} pairs; the {len(data["pairs"])} that share the most are listed.</p>' if data["pairs_total"] > len(data["pairs"]) else ''}
{f'<table><tr><th>pair</th><th>functions</th><th>which</th></tr>{pairs}</table>' if pairs else '<p>None.</p>'}
<h2>Inline questions</h2>
{questions or '<p>No notebook was handed in.</p>'}
<h2>Students</h2>
<table><tr><th>student</th><th>score</th></tr>{students}</table>
{sections}
<script type="application/json" id="report-data">{blob}</script>
</body></html>
"""
