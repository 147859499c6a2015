"""Handing in: `python -m checks collect` grades locally, then writes the zip Gradescope reads."""
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checks.collect import MANIFEST, collect, read_manifest
from checks.grader import UsageError
from checks.suite import PUBLIC_POINTS, all_checks

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "checks", "collect", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _student(tmp_path, source="solutions"):
    """A student's assignment folder, with the clutter a real one has."""
    folder = tmp_path / "assignment"
    shutil.copytree(ROOT / source, folder, ignore=shutil.ignore_patterns("__pycache__", "*.md"))
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"\0compiled")
    (folder / "notes.txt").write_text("my notes")
    (folder / "checkpoint_epoch_1.pkl").write_bytes(b"\0" * 100)
    return folder


def test_collect_grades_and_writes_the_py_files_at_top_level_and_a_manifest(tmp_path):
    folder = _student(tmp_path)
    out = tmp_path / "handin" / "submission.zip"
    run = _cli(str(folder), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert f"Total: {PUBLIC_POINTS} / {PUBLIC_POINTS}" in run.stdout and "Upload" in run.stdout
    py_files = sorted(path.name for path in folder.glob("*.py"))
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(py_files + [MANIFEST])
        for name in py_files:
            assert archive.read(name) == (folder / name).read_bytes()
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest == read_manifest(out)
    assert manifest["files"] == {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in py_files}
    assert manifest["local_score"] == manifest["local_max_score"] == PUBLIC_POINTS
    assert manifest["checks"] == manifest["checks_passed"] == len(all_checks())
    assert manifest["scores"] == {check.name: check.points for check in all_checks()}
    assert manifest["kit_version"] and manifest["python"] and manifest["numpy"] and manifest["created"]


def test_collect_of_the_untouched_assignment_scores_zero_and_still_writes_the_zip(tmp_path):
    """Run as a student runs it: no folder named, from the kit's folder; the zip goes to --out."""
    out = tmp_path / "submission.zip"
    run = _cli("--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "Total: 0 / 100" in run.stdout and "not implemented yet" in run.stdout
    manifest = read_manifest(out)
    assert manifest["local_score"] == 0 and set(manifest["scores"].values()) == {0}
    assert set(manifest["files"]) == {path.name for path in (ROOT / "assignment").glob("*.py")}


def test_collect_function_returns_the_report_and_manifest_that_the_zip_holds(tmp_path):
    """What a test of the autograder reuses: the local report of a zip made as a student makes it."""
    folder = _student(tmp_path)
    (folder / "layers.py").write_text((ROOT / "assignment" / "layers.py").read_text())
    report, manifest = collect(folder, tmp_path / "s.zip")
    assert read_manifest(tmp_path / "s.zip") == manifest
    assert manifest["local_score"] == report.score < PUBLIC_POINTS
    assert manifest["scores"] == {r.name: r.score for r in report.results}
    assert not any(r.hidden for r in report.results)


def test_collect_refuses_politely_without_an_assignment(tmp_path):
    run = _cli(str(tmp_path / "assignment"))
    assert run.returncode == 2
    assert "error:" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "submission.zip").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    run = _cli(str(empty), "--out", str(tmp_path / "s.zip"))
    assert run.returncode == 2 and "none of the assignment's files" in run.stderr
    assert not (tmp_path / "s.zip").exists()
    with pytest.raises(UsageError):
        collect(tmp_path / "missing", tmp_path / "s.zip")


def test_collect_in_a_kit_without_assignment(tmp_path):
    """A student's copy of the kit whose assignment/ was moved away: exit 2, a plain message."""
    kit = tmp_path / "kit"
    shutil.copytree(ROOT / "checks", kit / "checks", ignore=shutil.ignore_patterns("__pycache__"))
    run = _cli(cwd=kit)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "assignment" in run.stderr and "Traceback" not in run.stderr
    assert not list(kit.glob("*.zip"))
