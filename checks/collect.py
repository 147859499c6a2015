"""Hand in: grade the student's ``assignment/`` with the public checks, then write the zip to upload.

    python -m checks collect [FOLDER] [--out submission.zip]

The zip holds the ``.py`` files of the folder at its top level (the layout the Gradescope
autograder reads) and ``manifest.json``: the kit's version, when and with which Python and
numpy it was made, the SHA-256 of every file, and the local public score (total and per check). The autograder
grades the files again on its own; the manifest lets a student, a TA or a test compare the
two scores and see that the files are the ones that were graded.

``collect(folder, out)`` is the same thing as a function (it returns the local report and the
manifest), for tests that want a student's zip made exactly as a student would make it.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import platform
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .files import write_bytes
from .intake import MANIFEST
from . import answers
from .grader import MODULE_FILES, Grader, UsageError
from .worker import GraderFailure
from .report import VERSION, GradeReport

DEFAULT_OUT = "submission.zip"
MAX_FILE_BYTES = 1 << 20  # a .py file of the assignment is a few KB; anything past 1 MB is a mistake


def _assignment_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "assignment"


def submission_files(folder: Path) -> List[Path]:
    """The ``.py`` files handed in: those at the top of ``folder`` (caches and other files are not)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(
            f"{folder} is not a folder: run `python -m checks collect` from the assignment's folder "
            "(the one that holds assignment/), or name the folder to hand in"
        )
    if not any((folder / f"{module}.py").is_file() for module in MODULE_FILES):
        raise UsageError(f"{folder} holds none of the assignment's files ({', '.join(m + '.py' for m in MODULE_FILES)})")
    files = sorted(path for path in folder.glob("*.py") if path.is_file())
    big = [path.name for path in files if path.stat().st_size > MAX_FILE_BYTES]
    if big:
        raise UsageError(f"{', '.join(big)} is larger than {MAX_FILE_BYTES >> 20} MB: is that really your code?")
    return files


def manifest_for(files: List[Path], report: GradeReport) -> Dict[str, Any]:
    numpy_version = ""
    try:
        import numpy

        numpy_version = numpy.__version__
    except ImportError:  # pragma: no cover - the grader needs numpy anyway
        pass
    return {
        "kit_version": VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "python": platform.python_version(),
        "numpy": numpy_version,
        "files": {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files},
        "local_score": report.score,
        "local_max_score": report.max_score,
        "checks_passed": sum(1 for r in report.results if r.passed),
        "checks": len(report.results),
        "scores": {r.name: r.score for r in report.results},
    }


def write_zip(files: List[Path], manifest: Dict[str, Any], out: Path, notebooks: Sequence[Path] = ()) -> Path:
    """Write the submission zip atomically: the files at the top level, the notebooks in
    ``notebooks/``, then the manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.writestr(_entry(path.name), path.read_bytes())
        for path in notebooks:
            archive.writestr(_entry(f"notebooks/{path.name}"), path.read_bytes())
        archive.writestr(_entry(MANIFEST), json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return write_bytes(out, buffer.getvalue())


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.datetime.now().timetuple()[:6])
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def notebook_files(folder: Path) -> List[Path]:
    """The kit's notebooks beside the handed-in folder (``notebooks/`` next to ``assignment/``)."""
    notebooks = Path(folder).resolve().parent / "notebooks"
    return [notebooks / name for name in answers.NOTEBOOKS if (notebooks / name).is_file()]


def collect(folder: Path, out: Path, grader: Optional[Grader] = None) -> Tuple[GradeReport, Dict[str, Any]]:
    """Grade ``folder`` with the public checks and write ``out`` (the .py files, the notebooks
    beside the folder, and the manifest); returns (report, manifest)."""
    files = submission_files(Path(folder))
    report = (grader or Grader()).grade(Path(folder))
    manifest = manifest_for(files, report)
    notebooks = notebook_files(Path(folder))
    given: Dict[str, str] = {}
    for path in notebooks:
        given.update(answers.from_notebook(path.read_bytes()))
    manifest["notebooks"] = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in notebooks}
    manifest["unanswered"] = answers.unanswered(given)
    write_zip(files, manifest, Path(out), notebooks)
    return report, manifest


def read_manifest(path: Path) -> Dict[str, Any]:
    """The manifest of a submission zip written by ``collect``."""
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(MANIFEST).decode("utf-8"))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m checks collect",
        description="Grade your assignment/ with the public checks and write the zip to upload to Gradescope.",
    )
    parser.add_argument("folder", nargs="?", default=str(_assignment_dir()),
                        help="the folder to hand in (default: the kit's assignment/)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"the zip to write (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        report, manifest = collect(Path(args.folder), Path(args.out))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except GraderFailure as failure:  # the grader's own failure: no zip with a made-up local score
        print(f"not graded, nothing written: {failure}", file=sys.stderr)
        return 1
    print(report.text())
    print()
    held = f", {len(manifest['notebooks'])} notebooks" if manifest["notebooks"] else ""
    print(f"Wrote {Path(args.out).resolve()}: {len(manifest['files'])} files of {args.folder}{held} and {MANIFEST} "
          f"(local score {manifest['local_score']:g} / {manifest['local_max_score']:g}).")
    if manifest["unanswered"]:
        print(f"Warning: inline questions not answered yet (their cells still read {answers.PLACEHOLDER}): "
              f"{', '.join(manifest['unanswered'])}")
    print("Upload this zip to Gradescope. Gradescope grades it again, with a few more checks whose "
          "results appear once grades are published.")
    return 0
