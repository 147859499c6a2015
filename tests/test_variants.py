"""Correct code written differently from the reference earns full marks.

Each file of ``tests/variants/`` is one correct submission that differs from
``solutions/``: other numpy idioms (``np.where``, ``einsum``, ``np.var``), other cache
layouts, other random generators for dropout and initialization, updates done in place,
another loop structure for the network. The checks judge behaviour, so every one of them
must pass every check, hidden ones included.

A variant file is made of sections, each introduced by a header line:

``# >>> block: MODULE FUNCTION``
    The lines that follow (written at indentation 0) replace the body of FUNCTION's
    ``# BEGIN SOLUTION`` / ``# END SOLUTION`` block in MODULE, as a student fills in a TODO.
    FUNCTION is ``relu_forward`` or ``FullyConnectedNet.loss``; a function with two blocks
    takes two sections, in order.
``# >>> append: MODULE``
    The lines that follow are appended to MODULE. Functions defined there replace the
    reference's functions of the same name, as when a student rewrites a whole function
    (given code included), for example to change what a cache holds; imports there add
    names the blocks use.

Text before the first header (the docstring) describes the variant. The variant files are
never imported: their sections are pasted into a copy of ``solutions/``, where names such
as ``np`` and ``check_array`` resolve.
"""
import ast
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Union

import pytest

from checks.instructor import assign
from checks.grader import Grader
from checks.reference import Reference

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
VARIANTS_DIR = Path(__file__).resolve().parent / "variants"
VARIANTS = sorted(VARIANTS_DIR.glob("*.py"))
HEADER = re.compile(r"^# >>> (?P<kind>block|append): (?P<module>\w+)(?: (?P<function>[\w.]+))?\s*$")


@dataclass
class Section:
    variant: str  # the variant file's stem
    kind: str  # "block" or "append"
    module: str  # "layers"
    function: Optional[str]  # for blocks: "relu_forward", "FullyConnectedNet.loss"
    line: int  # 1-based line of the header in the variant file
    text: str


def sections(path: Path) -> List[Section]:
    """The sections of a variant file, in order (the text before the first header is left out)."""
    found: List[Section] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = HEADER.match(line)
        if match:
            if (match["kind"] == "block") != (match["function"] is not None):
                raise ValueError(f"{path.name}:{number}: 'block' names MODULE FUNCTION, 'append' only MODULE")
            found.append(Section(path.stem, match["kind"], match["module"], match["function"], number, ""))
        elif line.startswith("# >>>"):
            raise ValueError(f"{path.name}:{number}: malformed section header {line!r}")
        elif found:
            found[-1].text += line + "\n"
    return found


def _fill_blocks(source: str, module: str, blocks: List[Section]) -> str:
    """Replace the body of solution blocks with the sections' text (markers kept)."""
    lines = source.splitlines(keepends=True)
    available = assign.find_blocks(source, module)
    used = {}
    replacements = []
    for section in blocks:
        candidates = [b for b in available if b.function == section.function]
        index = used.get(section.function, 0)
        assert index < len(candidates), (
            f"{section.variant}:{section.line}: {module}.py has {len(candidates)} solution "
            f"block(s) in {section.function}")
        used[section.function] = index + 1
        replacements.append((candidates[index], section))
    for function, count in used.items():
        total = len([b for b in available if b.function == function])
        assert count == total, f"{function} has {total} solution blocks; the variant fills {count}"
    for block, section in sorted(replacements, key=lambda pair: -pair[0].begin):
        indent = re.match(r"[ \t]*", lines[block.begin - 1]).group(0)
        body = [indent + text if text.strip() else "\n" for text in section.text.strip("\n").splitlines(keepends=True)]
        if body and not body[-1].endswith("\n"):
            body[-1] += "\n"
        lines[block.begin : block.end - 1] = body
    return "".join(lines)


def _replaced(section: Section) -> List[str]:
    """The reference functions a section replaces (for a method, its class)."""
    if section.kind == "block":
        return [section.function.split(".")[0]]
    return _defined_names(section.text)


def build(variants: Union[Path, Sequence[Path]], out_dir: Path) -> Path:
    """A submission folder: solutions/ with the sections of one variant, or of several
    variants that replace different functions, applied."""
    variants = [variants] if isinstance(variants, Path) else list(variants)
    parts = [section for variant in variants for section in sections(variant)]
    owner = {}
    for section in parts:
        for name in _replaced(section):
            previous = owner.setdefault((section.module, name), section.variant)
            assert previous == section.variant, (
                f"{previous} and {section.variant} both replace {section.module}.{name}: they cannot be combined")
    out_dir.mkdir(parents=True)
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy(path, out_dir / path.name)
    for module in dict.fromkeys(s.module for s in parts):
        target = out_dir / f"{module}.py"
        source = target.read_text(encoding="utf-8")
        source = _fill_blocks(source, module, [s for s in parts if s.module == module and s.kind == "block"])
        for section in (s for s in parts if s.module == module and s.kind == "append"):
            source += f"\n\n# --- appended by the variant {section.variant} (line {section.line})\n{section.text}"
        target.write_text(source, encoding="utf-8")
    return out_dir


def _defined_names(text: str) -> List[str]:
    return [node.name for node in ast.parse(text).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def test_there_are_enough_variants():
    assert len(VARIANTS) >= 8


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.stem for v in VARIANTS])
def test_variant_is_well_formed_and_replaces_reference_code(variant, tmp_path):
    parts = sections(variant)
    assert parts, f"{variant.name} has no section"
    head = variant.read_text(encoding="utf-8").split("# >>>", 1)[0]
    assert ast.get_docstring(ast.parse(head)), f"{variant.name} should start with a docstring saying how it differs"
    ast.parse(variant.read_text(encoding="utf-8"))  # every section is valid Python
    for section in parts:
        reference = (SOLUTIONS / f"{section.module}.py").read_text(encoding="utf-8")
        if section.kind == "append":
            public = [n for n in _defined_names(section.text) if not n.startswith("_")]
            existing = _defined_names(reference)
            unknown = [n for n in public if n not in existing]
            assert not unknown, f"{variant.name}:{section.line} defines {unknown}, not in {section.module}.py"
    folder = build(variant, tmp_path / "sub")
    changed = [p.name for p in sorted(folder.glob("*.py"))
               if p.read_text(encoding="utf-8") != (SOLUTIONS / p.name).read_text(encoding="utf-8")]
    assert sorted(changed) == sorted({f"{s.module}.py" for s in parts})


@pytest.fixture(scope="module")
def grader():
    return Grader(include_hidden=True)


PUBLIC_ONLY = "Graded on the public checks only"  # a variant's docstring says why, after these words


@pytest.fixture(scope="module")
def public_grader():
    return Grader()


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.stem for v in VARIANTS])
def test_correct_variant_scores_full_marks(variant, tmp_path, grader, public_grader, instructor_inputs):
    folder = build(variant, tmp_path / "sub")
    public_only = PUBLIC_ONLY in variant.read_text(encoding="utf-8").split("# >>>", 1)[0]
    graders = {"the public inputs": public_grader if public_only else grader}
    for seed, fixtures in instructor_inputs.items():  # the autograder's inputs
        graders[f"instructor seed {seed}"] = Grader(include_hidden=not public_only,
                                                    reference=Reference("fixtures", folder=fixtures))
    for inputs, chosen in graders.items():
        report = chosen.grade(folder)
        failed = [f"{r.name} ({r.score:g}/{r.max_score:g}):\n{r.feedback}" for r in report.results if not r.passed]
        assert report.score == report.max_score and not failed, (
            f"{variant.stem} scored {report.score:g} of {report.max_score:g} on {inputs}; a correct implementation "
            "lost points:\n\n" + "\n\n".join(failed))


# Variants that replace different functions, graded together: each module's code then meets
# the other modules' unusual caches, generators and in-place updates (the network through
# dict caches and a cs231n dropout cache, layer norm through a dict-cache batch norm...).
COMBINATIONS = {
    "masks-einsum-dict-caches-tape": [
        "relu_boolean_masks", "affine_einsum", "softmax_logsumexp", "dropout_randomstate",
        "bn_dict_cache_swapped", "layernorm_via_batchnorm", "fc_net_backward_tape", "updaters_in_place"],
    "where-dot-np-var-sandwiches": [
        "relu_where", "affine_dot", "softmax_probabilities", "dropout_global_rand", "norm_np_var",
        "fc_net_dict_caches"],
    "multiply-binomial-bn-param-cache-recursive": [
        "relu_multiply", "affine_transposed_products", "dropout_binomial", "bn_cache_with_bn_param",
        "spatial_batchnorm_direct", "fc_net_recursive"],
}


@pytest.mark.parametrize("names", COMBINATIONS.values(), ids=COMBINATIONS.keys())
def test_correct_variants_combined_score_full_marks(names, tmp_path, grader):
    variants = [VARIANTS_DIR / f"{name}.py" for name in names]
    folder = build(variants, tmp_path / "sub")
    report = grader.grade(folder)
    failed = [f"{r.name} ({r.score:g}/{r.max_score:g}):\n{r.feedback}" for r in report.results if not r.passed]
    assert report.score == report.max_score and not failed, (
        f"{' + '.join(names)} scored {report.score:g} of {report.max_score:g}:\n\n" + "\n\n".join(failed))
