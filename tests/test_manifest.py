"""The hand-in is verified: files that no longer match the manifest that ``collect`` wrote are
noted as "edited after collect", and a local public score that differs from the grader's is
noted neutrally."""
import json
import shutil
import zipfile
from pathlib import Path

from checks.collect import collect
from checks.grader import Grader
from checks.intake import public_score_note, stage

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def collected(tmp_path):
    folder = tmp_path / "assignment"
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__", "*.md", "*.txt"))
    collect(folder, tmp_path / "submission.zip")
    with zipfile.ZipFile(tmp_path / "submission.zip") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(path, items):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in items.items():
            archive.writestr(name, data)
    return path


def test_an_untouched_hand_in_has_no_note_and_keeps_its_manifest(tmp_path):
    intake = stage(zipped(tmp_path / "a.zip", collected(tmp_path)), tmp_path / "staged")
    assert intake.notes == [] and intake.manifest["local_score"] == 100
    assert "manifest.json" not in {p.name for p in intake.folder.iterdir()}  # never graded as a module


def test_files_edited_added_or_removed_after_collect_are_noted(tmp_path):
    items = collected(tmp_path)
    items["layers.py"] = items["layers.py"].replace(b"out = np.maximum(x, 0)", b"out = np.maximum(x, 0.01 * x)")
    items["helpers.py"] = b"X = 1\n"
    del items["updater.py"]
    intake = stage(zipped(tmp_path / "a.zip", items), tmp_path / "staged")
    note = next(n for n in intake.notes if n.startswith("edited after collect"))
    assert "layers.py (changed)" in note and "helpers.py (added)" in note and "updater.py (removed)" in note
    report = Grader().grade(intake.folder)
    public_score_note(intake, report)
    assert f"local score 100, here {report.score:g}" in " ".join(report.notes)


def test_a_manifest_that_is_not_json_is_ignored_with_a_note(tmp_path):
    items = collected(tmp_path)
    items["manifest.json"] = b"{not json"
    intake = stage(zipped(tmp_path / "a.zip", items), tmp_path / "staged")
    assert intake.manifest is None and "manifest.json could not be read: it was ignored" in intake.notes
    items["manifest.json"] = json.dumps({"files": "none"}).encode()
    intake = stage(zipped(tmp_path / "b.zip", items), tmp_path / "staged2")
    assert intake.manifest is None and "manifest.json lists no files: it was ignored" in intake.notes
