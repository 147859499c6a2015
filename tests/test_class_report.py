"""The class report (report.html beside grades.csv): self-contained, its JSON agrees with the
CSV, it names the known mistakes and the pairs to look at, and it renders in a real browser.

The browser test uses Debian's chromium-headless-shell (``.ci/run`` installs it): it skips,
saying why, where the browser is missing, except in CI (``CI`` set), where it fails.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from checks.instructor import class_report
from checks.instructor.mistakes import all_mistakes, build_variant
from checks.suite import all_checks

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
BROWSER = "chromium-headless-shell"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    work = tmp_path_factory.mktemp("class")
    subs = work / "subs"
    ignore = shutil.ignore_patterns("__pycache__", "*.md", "*.txt")
    shutil.copytree(SOLUTIONS, subs / "alice", ignore=ignore)
    shutil.copytree(SOLUTIONS, subs / "bob", ignore=ignore)  # bob handed in alice's files
    shutil.copytree(ROOT / "assignment", subs / "dan", ignore=ignore)  # untouched stubs
    mistake = next(m for m in all_mistakes() if m.id == "relu_backward_inplace")
    build_variant(mistake, SOLUTIONS, subs / "carol")
    done = subprocess.run([sys.executable, "-m", "checks", "batch", str(subs), "--out", str(work / "grades.csv"),
                           "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    page = (work / "report.html").read_text(encoding="utf-8")
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    rows = {row["student"]: row for row in csv.DictReader((work / "grades.csv").open())}
    return work, page, json.loads(blob), rows, mistake


def test_the_page_is_self_contained(graded_class):
    _, page, _, _, _ = graded_class
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page), "nothing may be fetched from elsewhere"
    assert "<script src" not in page and "<link" not in page
    assert page.count("<svg") >= 2  # the histogram and the pass-rate bars, drawn inline


def test_the_numbers_agree_with_the_csv(graded_class):
    _, _, data, rows, _ = graded_class
    assert {s["name"]: s["score"] for s in data["students"]} == {name: float(row["total"]) for name, row in rows.items()}
    assert sum(data["histogram"]["counts"]) == len(rows)
    points = {c.name: c.points for c in all_checks()}
    for entry in data["checks"]:
        passed = sum(1 for row in rows.values() if float(row[entry["check"]]) == points[entry["check"]])
        assert entry["passed"] == passed and entry["graded"] == len(rows), entry


def test_the_known_mistakes_and_the_pairs_to_look_at(graded_class):
    _, page, data, _, mistake = graded_class
    assert data["mistakes"][mistake.id] == {"title": mistake.title, "students": ["carol"]}
    pairs = {tuple(p["students"]): p["shared"] for p in data["pairs"]}
    assert ("alice", "bob") in pairs and len(pairs[("alice", "bob")]) >= class_report.MIN_SHARED
    assert not any("dan" in pair for pair in pairs), "untouched stubs match nothing"
    for name in ("alice", "bob", "carol", "dan"):
        assert f'id="{class_report.anchor(name)}"' in page and f'href="#{class_report.anchor(name)}"' in page


def test_a_one_line_function_or_a_stub_is_no_evidence(tmp_path):
    functions = [("layers", "relu_forward"), ("layers", "affine_backward")]
    mine = class_report.fingerprints(SOLUTIONS, ROOT / "assignment", functions)
    assert "relu_forward" not in mine and "affine_backward" in mine  # one line vs five statements
    assert class_report.fingerprints(ROOT / "assignment", ROOT / "assignment", functions) == {}
    reformatted = tmp_path / "sub"
    reformatted.mkdir()
    text = (SOLUTIONS / "layers.py").read_text().replace("    dw = x_rows.T @ dout\n", "    dw = (x_rows.T @ dout)  # product\n")
    (reformatted / "layers.py").write_text(text)
    assert class_report.fingerprints(reformatted, ROOT / "assignment", functions) == mine


def test_the_report_renders_in_a_real_browser(graded_class, tmp_path):
    work, _, _, _, _ = graded_class
    browser = shutil.which(BROWSER)
    if browser is None:
        message = f"{BROWSER} is not installed (apt-get install -y {BROWSER}; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    shot = tmp_path / "report.png"
    begin = time.monotonic()
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1200,1600", f"--screenshot={shot}", (work / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - begin
    assert done.returncode == 0 and shot.is_file(), done.stderr
    import matplotlib.image

    pixels = matplotlib.image.imread(str(shot))[..., :3]
    assert pixels.shape[:2] == (1600, 1200)
    assert float(np.std(pixels)) > 0.05, "the screenshot is blank"
    blue = np.all(np.abs(pixels - np.array([0x3B, 0x6E, 0xA8]) / 255) < 0.05, axis=-1)
    assert blue.sum() > 1000, "the histogram's bars are not drawn"
    print(f"[chromium] rendered report.html in {seconds:.2f} s")
