"""Taking in submissions: every layout students hand in, and every bad input, staged without a
crash, with the reason in the notes."""
import io
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from support import student_account

from checks.intake import MODULE_FILES, ZipLimits, fingerprint, given_modules, stage

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
ALL = sorted(p.name for p in SOLUTIONS.glob("*.py"))


def write_zip(path: Path, members) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def solution_members(prefix=""):
    return [(prefix + p.name, p.read_bytes()) for p in sorted(SOLUTIONS.glob("*.py"))]


def staged(intake):
    return sorted(p.name for p in intake.folder.iterdir())


@pytest.mark.parametrize("prefix", ["", "assignment/", "dl-kit/assignment/"])
def test_a_folder_in_any_layout(tmp_path, prefix):
    source = tmp_path / "alice"
    for name, data in solution_members(prefix):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    (source / "notes.txt").write_text("not python")
    intake = stage(source, tmp_path / "out")
    assert staged(intake) == ALL and intake.notes == []
    assert (intake.folder / "layers.py").read_bytes() == (SOLUTIONS / "layers.py").read_bytes()


@pytest.mark.parametrize("prefix", ["", "assignment/", "__MACOSX/x/"])
def test_a_zip_in_any_layout_and_a_folder_holding_one(tmp_path, prefix):
    members = solution_members(prefix) + ([] if prefix.startswith("__MACOSX") else [("__MACOSX/._layers.py", b"\0\1")])
    archive = write_zip(tmp_path / "bob.zip", members)
    intake = stage(archive, tmp_path / "out1")
    if prefix.startswith("__MACOSX"):  # resource forks are not a submission
        assert staged(intake) == [] and "no assignment module" in intake.notes[0]
        return
    assert staged(intake) == ALL and intake.notes == []
    holder = tmp_path / "holder"
    holder.mkdir()
    archive.rename(holder / "submission.zip")
    assert staged(stage(holder, tmp_path / "out2")) == ALL


def test_the_shallowest_folder_wins_and_ambiguity_is_noted(tmp_path):
    members = solution_members("a/") + solution_members("b/") + [("deep/er/layers.py", b"x = 1\n")]
    intake = stage(write_zip(tmp_path / "s.zip", members), tmp_path / "out")
    assert staged(intake) == ALL
    assert any("several folders" in n and "graded a/" in n for n in intake.notes)


def test_missing_and_odd_submissions_are_notes_not_crashes(tmp_path):
    intake = stage(tmp_path / "nobody", tmp_path / "out1")
    assert staged(intake) == [] and "does not exist" in intake.notes[0]
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    assert "symbolic link" in stage(tmp_path / "link", tmp_path / "out2").notes[0]
    os.mkfifo(tmp_path / "pipe.zip")  # reading it would block: it must not be opened
    assert "not a regular file" in stage(tmp_path / "pipe.zip", tmp_path / "out3").notes[0]
    (tmp_path / "garbage.zip").write_bytes(os.urandom(5000))
    intake = stage(tmp_path / "garbage.zip", tmp_path / "out4")
    assert staged(intake) == [] and "not a zip archive" in intake.notes[0]
    (tmp_path / "truncated.zip").write_bytes(write_zip(tmp_path / "t.zip", solution_members()).read_bytes()[:3000])
    intake = stage(tmp_path / "truncated.zip", tmp_path / "out5")
    assert staged(intake) == [] and "not a valid zip archive" in intake.notes[0]
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")
    assert "neither a folder nor a zip" in stage(tmp_path / "report.pdf", tmp_path / "out6").notes[0]
    (tmp_path / "empty").mkdir()
    assert "no assignment module" in stage(tmp_path / "empty", tmp_path / "out7").notes[0]


def test_an_unreadable_submission_is_a_note(tmp_path):
    """As an unprivileged user (root reads everything), a folder of mode 0700 cannot be read."""
    work = Path(tempfile.mkdtemp(prefix="kit-intake-"))  # pytest's own tmp folders are root's alone
    try:
        with student_account("the unreadable-submission test") as user:
            (work / "carol").mkdir()
            (work / "carol" / "layers.py").write_text("x = 1\n")
            os.chmod(work, 0o777)
            os.chmod(work / "carol", 0o700)
            code = ("import sys; from pathlib import Path; from checks.intake import stage; "
                    "print(stage(Path(sys.argv[1]), Path(sys.argv[2])).notes)")
            done = subprocess.run([sys.executable, "-c", code, str(work / "carol"), str(work / "out")], cwd=ROOT,
                                  user=user, group=pwd.getpwnam(user).pw_gid, extra_groups=[],
                                  capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert "could not be read" in done.stdout and "Permission denied" in done.stdout


def test_zip_bombs_are_refused(tmp_path):
    bomb = write_zip(tmp_path / "bomb.zip", [("layers.py", b"\0" * (10 * 1024 * 1024))])
    assert bomb.stat().st_size < 100_000
    intake = stage(bomb, tmp_path / "out1")
    assert staged(intake) == [] and "refused" in intake.notes[0] and "zip bomb" in intake.notes[0]
    many = write_zip(tmp_path / "many.zip", [(f"f{i}.txt", b"") for i in range(30)] + solution_members())
    intake = stage(many, tmp_path / "out2", limits=ZipLimits(max_members=20))
    assert staged(intake) == [] and "holds 39 files" in intake.notes[0]
    big = write_zip(tmp_path / "big.zip", solution_members())
    intake = stage(big, tmp_path / "out3", limits=ZipLimits(max_total_bytes=100_000))
    assert staged(intake) == [] and "would extract to" in intake.notes[0]


def test_a_zip_whose_headers_lie_about_sizes_is_cut_while_extracting(tmp_path):
    data = b"x = 1\n" * 200_000  # 1.2 MB of text
    archive = write_zip(tmp_path / "liar.zip", [("layers.py", data)])
    raw = bytearray(archive.read_bytes())
    # declare 100 bytes in the central directory: the limit must count what is inflated
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = (100).to_bytes(4, "little")
    (tmp_path / "liar.zip").write_bytes(bytes(raw))
    intake = stage(tmp_path / "liar.zip", tmp_path / "out")
    assert not (intake.folder / "layers.py").exists() or (intake.folder / "layers.py").stat().st_size <= 100
    assert intake.notes


def test_paths_that_climb_out_and_symlinks_are_skipped(tmp_path):
    info = zipfile.ZipInfo("layers_link.py")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in solution_members():
            archive.writestr(name, data)
        archive.writestr("../evil.py", b"print('out')")
        archive.writestr("/abs.py", b"print('abs')")
        archive.writestr("..\\win.py", b"print('win')")
        archive.writestr(info, "/etc/passwd")
    (tmp_path / "z.zip").write_bytes(buffer.getvalue())
    (tmp_path / "inner").mkdir()
    intake = stage(tmp_path / "z.zip", tmp_path / "inner" / "out")
    assert staged(intake) == ALL
    assert not (tmp_path / "inner" / "evil.py").exists() and not (tmp_path / "evil.py").exists()
    notes = " ".join(intake.notes)
    assert "'../evil.py' points outside" in notes and "'/abs.py' points outside" in notes
    assert "win.py' points outside" in notes and "layers_link.py is a symbolic link" in notes
    # a folder submission whose module is a symlink to a secret: never followed
    folder = tmp_path / "dan"
    folder.mkdir()
    (tmp_path / "secret").write_text("SECRET")
    (folder / "layers.py").symlink_to(tmp_path / "secret")
    (folder / "updater.py").write_bytes((SOLUTIONS / "updater.py").read_bytes())
    intake = stage(folder, tmp_path / "out2")
    assert staged(intake) == ["updater.py"]
    assert any("layers.py is a symbolic link" in n for n in intake.notes)


def test_binary_modules_and_partial_submissions_are_noted(tmp_path):
    folder = tmp_path / "erin"
    folder.mkdir()
    (folder / "layers.py").write_bytes(bytes(range(256)))
    (folder / "bn_layers.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (folder / "updater.py").write_bytes((SOLUTIONS / "updater.py").read_bytes())
    given = tmp_path / "given"
    given.mkdir()
    for path in given_modules(ROOT / "assignment"):
        shutil.copy(path, given / path.name)
    intake = stage(folder, tmp_path / "out", given=given)
    notes = " ".join(intake.notes)
    assert "layers.py: it holds NUL bytes" in notes and "bn_layers.py: it is not UTF-8" in notes
    assert "missing from the submission: dropout_layers.py, fc_net.py" in notes
    assert "validation.py" in notes and (intake.folder / "validation.py").is_file()
    assert not (intake.folder / "fc_net.py").exists()  # only given modules are supplied


def test_the_fingerprint_follows_the_content(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "layers.py").write_text("a = 1\n")
    first = fingerprint(folder)
    assert fingerprint(folder) == first
    (folder / "layers.py").write_text("a = 2\n")
    assert fingerprint(folder) != first
    assert fingerprint(tmp_path / "missing") == fingerprint(tmp_path / "missing")
    assert set(MODULE_FILES) <= {p.stem for p in SOLUTIONS.glob("*.py")}
