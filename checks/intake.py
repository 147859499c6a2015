"""Take in a submission safely: a folder or a zip, in any of the layouts students hand in.

``stage(source, dest)`` copies the submission's Python files into ``dest`` (a fresh folder the
grader then grades) and says, in plain words, whatever it could not take in. It never runs,
imports or compiles student code, and it never crashes on bad input: a missing or unreadable
submission, a file that is not a zip, a zip bomb, a path that climbs out (``../``), a symlink, a
module that is binary garbage or a submission with only some of the files all come back as a
staged folder (possibly empty) plus notes; the grader then grades what is there.

Layouts: the modules at the top (``layers.py``, ...), or in one folder at any depth up to
``MAX_DEPTH`` (``assignment/``, ``dl-kit/assignment/``, the collect zip's layout), or a folder
holding a single zip with any of those inside. The shallowest folder that holds assignment
modules wins; only its regular ``.py`` files are copied (never through a symlink).

Limits (``ZipLimits``): members, total extracted bytes, bytes of one member, and the ratio of a
member's size to its compressed size. The sizes are counted while extracting, not read from the
archive's headers, which a bomb can fake.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Dict, List, Optional, Tuple

from .answers import MAX_NOTEBOOK_BYTES, NOTEBOOKS
from .answers import from_notebook as answers_from_notebook
from .layout import MODULE_FILES

MAX_DEPTH = 3  # folders between the submission's root and its modules
MAX_PY_BYTES = 2 * 1024 * 1024  # one Python file
MAX_WALK = 5000  # entries looked at in a folder submission
SKIPPED_DIRS = ("__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv")


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 2000
    max_total_bytes: int = 64 * 1024 * 1024
    max_member_bytes: int = 16 * 1024 * 1024
    max_ratio: float = 100.0  # uncompressed / compressed, for members above ratio_floor bytes
    ratio_floor: int = 256 * 1024


@dataclass
class Intake:
    folder: Path  # the staged copy to grade (may be empty)
    notes: List[str] = field(default_factory=list)  # what could not be taken in, for the feedback
    files: List[str] = field(default_factory=list)  # the .py files staged
    manifest: Optional[Dict[str, Any]] = None  # the manifest.json that `collect` wrote, if handed in
    answers: Dict[str, str] = field(default_factory=dict)  # inline answers read from its notebooks


class Refused(Exception):
    """The archive as a whole cannot be taken in (the message says why, for the student)."""


# --------------------------------------------------------------------------- listing entries
# An entry is (relative posix path, size or None, opener) where opener() returns the bytes.
Entry = Tuple[str, Optional[int], Callable[[], bytes]]


def _regular_file_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, never through a symlink, at most ``limit`` + 1 bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    handle = os.open(str(path), flags)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(handle, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def _folder_entries(root: Path, notes: List[str]) -> List[Entry]:
    """Regular files under ``root`` (depth-limited, symlinks skipped, never followed)."""
    entries: List[Entry] = []
    seen = 0
    frontier = [(root, ())]
    while frontier:
        folder, parts = frontier.pop(0)
        try:
            names = sorted(os.listdir(folder))
        except OSError as error:
            notes.append(f"the folder {'/'.join(parts) or root.name} could not be read ({error.strerror or error})")
            continue
        for name in names:
            seen += 1
            if seen > MAX_WALK:
                notes.append(f"the submission holds more than {MAX_WALK} files: only the first ones were looked at")
                return entries
            path = folder / name
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if len(parts) < MAX_DEPTH and name not in SKIPPED_DIRS and not name.startswith("."):
                    frontier.append((path, parts + (name,)))
            elif stat.S_ISREG(info.st_mode):
                entries.append(("/".join(parts + (name,)), info.st_size,
                                lambda p=path: _regular_file_bytes(p, MAX_PY_BYTES)))
            elif stat.S_ISLNK(info.st_mode) and name.endswith(".py"):
                notes.append(f"{'/'.join(parts + (name,))} is a symbolic link: it was not followed")
    return entries


def _member_path(name: str) -> Optional[str]:
    """The member's path if it stays inside the archive's folder, else None (``../``, absolute)."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _zip_entries(archive: zipfile.ZipFile, limits: ZipLimits, notes: List[str]) -> List[Entry]:
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise Refused(f"it holds {len(members)} files (the limit is {limits.max_members})")
    declared = sum(m.file_size for m in members)
    if declared > limits.max_total_bytes:
        raise Refused(f"it would extract to {declared} bytes (the limit is {limits.max_total_bytes})")
    entries: List[Entry] = []
    for member in members:
        if member.is_dir():
            continue
        path = _member_path(member.filename)
        if path is None:
            notes.append(f"the zip member {member.filename!r} points outside the submission: it was skipped")
            continue
        if stat.S_ISLNK(member.external_attr >> 16):
            notes.append(f"the zip member {path} is a symbolic link: it was skipped")
            continue
        if member.file_size > limits.max_member_bytes:
            raise Refused(f"{path} would extract to {member.file_size} bytes (the limit is {limits.max_member_bytes})")
        if member.file_size > limits.ratio_floor and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise Refused(f"{path} is compressed more than {limits.max_ratio:g} times (a zip bomb?)")
        parts = path.split("/")
        if len(parts) - 1 > MAX_DEPTH or any(p in SKIPPED_DIRS for p in parts[:-1]):
            continue
        entries.append((path, member.file_size, lambda m=member: _read_member(archive, m, limits)))
    return entries


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: ZipLimits) -> bytes:
    """A member's bytes, counted while inflating: never more than declared or than the limits."""
    cap = min(member.file_size, limits.max_member_bytes, MAX_PY_BYTES)
    chunks, total = [], 0
    with archive.open(member) as stream:
        while True:
            chunk = stream.read(1 << 16)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                raise Refused(f"{member.filename} extracts to more than {cap} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------- choosing the modules
def _package_prefix(paths: List[str], notes: List[str]) -> Optional[str]:
    """The folder ('' for the top) holding the assignment's modules: the shallowest, then the fullest."""
    folders: Dict[str, int] = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        if name.endswith(".py") and name[:-3] in MODULE_FILES:
            folders[folder] = folders.get(folder, 0) + 1
    if not folders:
        return None
    ranked = sorted(folders, key=lambda f: (f.count("/") + (f != ""), -folders[f], f))
    best = ranked[0]
    others = [f for f in ranked[1:] if (f.count("/") + (f != "")) == (best.count("/") + (best != ""))]
    if others:
        notes.append(f"several folders hold assignment modules; graded {best or 'the top folder'}/, "
                     f"not {', '.join(o + '/' for o in others)}")
    return best


def _not_python(data: bytes) -> Optional[str]:
    if b"\x00" in data:
        return "it holds NUL bytes (binary, not Python source)"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"it is not UTF-8 text (byte {error.start}): not Python source"
    return None


MANIFEST = "manifest.json"  # what `python -m checks collect` puts beside the modules
MAX_MANIFEST_BYTES = 64 * 1024


def _stage_entries(entries: List[Entry], dest: Path, notes: List[str],
                   found: Optional[Dict[str, bytes]] = None) -> List[str]:
    """Copy the .py files at the package's level into ``dest``; a manifest.json there goes to ``found``."""
    prefix = _package_prefix([e[0] for e in entries], notes)
    if prefix is None:
        return []
    staged = []
    for path, size, read in entries:
        folder, _, name = path.rpartition("/")
        if name in NOTEBOOKS and found is not None and name not in found and (size or 0) <= MAX_NOTEBOOK_BYTES:
            try:  # a notebook anywhere in the hand-in: its answers are read as JSON, it is never run
                found[name] = read()
            except Exception:
                pass
            continue
        if folder == prefix and name == MANIFEST and found is not None and (size or 0) <= MAX_MANIFEST_BYTES:
            try:
                data = read()
            except Exception:  # an unreadable manifest is as good as none
                continue
            if len(data) <= MAX_MANIFEST_BYTES:
                found[MANIFEST] = data
            continue
        if folder != prefix or not name.endswith(".py") or not name.isascii() or name.startswith("."):
            continue
        if size is not None and size > MAX_PY_BYTES:
            notes.append(f"{name} is larger than {MAX_PY_BYTES // (1024 * 1024)} MiB: it was left out")
            continue
        try:
            data = read()
        except Refused:
            raise
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as error:
            notes.append(f"{name} could not be read ({getattr(error, 'strerror', None) or error}): it was left out")
            continue
        if len(data) > MAX_PY_BYTES:
            notes.append(f"{name} is larger than {MAX_PY_BYTES // (1024 * 1024)} MiB: it was left out")
            continue
        problem = _not_python(data)
        if problem and name[:-3] in MODULE_FILES:
            notes.append(f"{name}: {problem}; its checks fail at import")
        (dest / name).write_bytes(data)
        os.chmod(dest / name, 0o644)
        staged.append(name)
    return staged


# --------------------------------------------------------------------------- the entry point
def _is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError:
        return False


def stage(source: Path, dest: Path, given: Optional[Path] = None, limits: ZipLimits = ZipLimits()) -> Intake:
    """Copy the submission at ``source`` (folder, zip or single .py file) into the new folder ``dest``.

    ``given``: a folder with the kit's given modules (``validation.py``, ...): those the
    submission lacks are copied from there, with a note, so that the rest can be graded.
    """
    source, dest = Path(source), Path(dest)
    dest.mkdir(parents=True, exist_ok=False)
    os.chmod(dest, 0o755)
    intake = Intake(dest)
    notes = intake.notes
    label = source.name
    found: Dict[str, bytes] = {}  # the manifest.json handed in beside the modules, if any
    try:
        info = os.lstat(source)
    except FileNotFoundError:
        notes.append(f"the submission {label} does not exist: nothing could be graded")
        return intake
    except OSError as error:
        notes.append(f"the submission {label} could not be read ({error.strerror or error}): nothing could be graded")
        return intake
    try:
        if stat.S_ISLNK(info.st_mode):
            notes.append(f"the submission {label} is a symbolic link: it was not followed, nothing could be graded")
        elif stat.S_ISDIR(info.st_mode):
            entries = _folder_entries(source, notes)
            if _package_prefix([e[0] for e in entries], []) is None:
                zips = [e for e in entries if "/" not in e[0] and e[0].lower().endswith(".zip")]
                if len(zips) == 1:
                    intake.files = _stage_zip(source / zips[0][0], dest, limits, notes, found)
                    return _finish(intake, given, found)
            intake.files = _stage_entries(entries, dest, notes, found)
        elif not stat.S_ISREG(info.st_mode):
            notes.append(f"the submission {label} is not a regular file or folder: nothing could be graded")
        elif _is_zip(source):
            intake.files = _stage_zip(source, dest, limits, notes, found)
        elif label.endswith(".py"):
            data = _regular_file_bytes(source, MAX_PY_BYTES)
            intake.files = _stage_entries([(label, len(data), lambda: data)], dest, notes)
        else:
            kind = "a .zip file that is not a zip archive" if label.lower().endswith(".zip") else "neither a folder nor a zip"
            notes.append(f"the submission {label} is {kind}: nothing could be graded")
    except Refused as refused:
        _empty(dest)
        intake.files = []
        notes.append(f"the submission {label} was refused: {refused}; nothing could be graded")
    except OSError as error:
        notes.append(f"the submission {label} could not be read ({error.strerror or error})")
    return _finish(intake, given, found)


def _stage_zip(path: Path, dest: Path, limits: ZipLimits, notes: List[str],
               found: Optional[Dict[str, bytes]] = None) -> List[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return _stage_entries(_zip_entries(archive, limits, notes), dest, notes, found)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as error:
        _empty(dest)
        notes.append(f"{path.name} is not a valid zip archive ({error}): nothing could be graded")
        return []


def _empty(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink()


def _check_manifest(intake: Intake, data: Optional[bytes]) -> None:
    """Read the handed-in manifest and note the files changed since ``collect`` wrote it."""
    if data is None:
        return
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        intake.notes.append(f"{MANIFEST} could not be read: it was ignored")
        return
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        intake.notes.append(f"{MANIFEST} lists no files: it was ignored")
        return
    intake.manifest = manifest
    changed = []
    for name in intake.files:
        digest = hashlib.sha256((intake.folder / name).read_bytes()).hexdigest()
        if name not in files:
            changed.append(f"{name} (added)")
        elif files[name] != digest:
            changed.append(f"{name} (changed)")
    changed += [f"{name} (removed)" for name in sorted(files) if name not in intake.files]
    if changed:
        intake.notes.append(f"edited after collect: {', '.join(changed)}; the files differ from the {MANIFEST} "
                            "that `python -m checks collect` wrote")


def public_score_note(intake: Intake, report: Any) -> None:
    """Note, neutrally, when the local public score in the manifest differs from this grade's."""
    manifest = intake.manifest or {}
    local = manifest.get("local_score")
    if isinstance(local, bool) or not isinstance(local, (int, float)):
        return
    here = round(sum(r.score for r in report.results if not r.hidden), 6)
    if abs(float(local) - here) > 1e-9:
        report.add_note(f"local score {float(local):g}, here {here:g} (the public checks; a bug can show on "
                        "some inputs and not on others)")


def _finish(intake: Intake, given: Optional[Path], found: Optional[Dict[str, bytes]] = None) -> Intake:
    _check_manifest(intake, (found or {}).get(MANIFEST))
    for name in NOTEBOOKS:
        if name in (found or {}):
            intake.answers.update(answers_from_notebook(found[name]))
    present = set(intake.files)
    missing = [f"{m}.py" for m in MODULE_FILES if f"{m}.py" not in present]
    if present and missing:
        intake.notes.append(f"missing from the submission: {', '.join(missing)} (their checks score 0)")
    if not present and not intake.notes:
        intake.notes.append("no assignment module (layers.py, ...) was found in the submission: nothing could be graded")
    if given is not None and present:
        supplied = []
        for path in sorted(Path(given).glob("*.py")):
            if path.name not in present:
                shutil.copyfile(path, intake.folder / path.name)
                os.chmod(intake.folder / path.name, 0o644)
                supplied.append(path.name)
        shown = [name for name in supplied if name != "__init__.py"]
        if shown:
            intake.notes.append(f"the kit's given {', '.join(shown)} (not in the submission) were used")
    return intake


def given_modules(assignment: Path) -> List[Path]:
    """The kit's given modules: files of the student copy with nothing for students to write."""
    return [p for p in sorted(Path(assignment).glob("*.py"))
            if "is not implemented yet" not in p.read_text(encoding="utf-8")]


def given_folder(assignment: Path, folder: Path) -> Path:
    """``folder``, made to hold copies of the given modules of ``assignment`` (``stage``'s ``given``)."""
    folder = Path(folder)
    folder.mkdir()
    for path in given_modules(assignment) if Path(assignment).is_dir() else []:
        shutil.copyfile(path, folder / path.name)
    return folder


def fingerprint(source: Path) -> str:
    """A hash of a submission's content (a zip's bytes; a folder's file names and bytes)."""
    digest = hashlib.sha256()
    source = Path(source)
    try:
        if source.is_dir() and not source.is_symlink():
            for path, _, read in _folder_entries(source, []):
                digest.update(path.encode() + b"\0")
                try:
                    data = read()
                except OSError as error:
                    data = f"unreadable: {error}".encode()
                digest.update(hashlib.sha256(data).digest())
        else:
            with open(source, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
    except OSError as error:
        digest.update(f"unreadable: {error}".encode())
    return digest.hexdigest()
