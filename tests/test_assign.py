"""assignment/ is generated from solutions/ and must stay exactly in sync."""
import ast
import re
from pathlib import Path

import pytest

from checks.instructor import assign

ROOT = Path(__file__).resolve().parent.parent


def test_committed_assignment_is_exactly_what_assign_writes(tmp_path):
    out = tmp_path / "assignment"
    written = assign.write_assignment(out)
    committed = sorted(p.name for p in (ROOT / "assignment").glob("*.py"))
    assert written == committed, "file lists differ: run `python -m checks assign`"
    for name in written:
        assert (out / name).read_bytes() == (ROOT / "assignment" / name).read_bytes(), (
            f"assignment/{name} is out of date: run `python -m checks assign`"
        )
    assert assign.differences() == []


def test_every_solution_block_becomes_the_exact_stub():
    graded = assign.graded_functions()
    for module, functions in graded.items():
        text = (ROOT / "assignment" / f"{module}.py").read_text()
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        for function in functions:
            stub = f'raise NotImplementedError("{function} is not implemented yet (assignment/{module}.py)")'
            assert stub in text, f"no stub for {function} in assignment/{module}.py"


def test_graded_functions_are_the_ones_spec_names():
    graded = assign.graded_functions()
    assert set(graded) == {"layers", "dropout_layers", "bn_layers", "fc_net", "updater"}
    assert graded["fc_net"] == ["FullyConnectedNet.__init__", "FullyConnectedNet.loss"]
    assert set(graded["updater"]) == {"sgd_momentum", "rmsprop", "adam"}
    assert set(graded["layers"]) == {
        "affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss",
        "affine_relu_forward", "affine_relu_backward",
    }
    assert set(graded["dropout_layers"]) == {
        "dropout_forward", "dropout_backward", "affine_relu_dropout_forward", "affine_relu_dropout_backward",
    }
    assert set(graded["bn_layers"]) == {
        "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt", "spatial_batchnorm_forward",
        "spatial_batchnorm_backward", "layernorm_forward", "layernorm_backward",
        "affine_bn_relu_forward", "affine_bn_relu_backward",
    }


def test_given_code_keeps_no_answers_and_compiles():
    for path in sorted((ROOT / "assignment").glob("*.py")):
        ast.parse(path.read_text(), filename=str(path))


def test_stub_keeps_docstring_todo_and_indentation():
    source = '''def f(x):
    """Doc."""
    # TODO: do it.
    if x:
        # BEGIN SOLUTION
        y = 1
        # END SOLUTION
        return y


class Net:
    def loss(self):
        # BEGIN SOLUTION
        return 2
        # END SOLUTION
'''
    out = assign.strip_solutions(source, "mod")
    assert '    # TODO: do it.\n' in out and '"""Doc."""' in out
    assert '        raise NotImplementedError("f is not implemented yet (assignment/mod.py)")\n' in out
    assert 'raise NotImplementedError("Net.loss is not implemented yet (assignment/mod.py)")' in out
    assert "y = 1" not in out and "return 2" not in out


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    # BEGIN SOLUTION\n    x = 1\n", "never closed"),
    ("def f():\n    x = 1\n    # END SOLUTION\n", "without a BEGIN"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "inside a function"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", "inside the block"),
    ("def f():\n    # BEGIN SOLUTION\n    x = 1\n  # END SOLUTION\n", "not indented like"),
])
def test_malformed_markers_are_reported_with_file_and_line(source, problem):
    with pytest.raises(assign.AssignError, match=re.escape(problem)):
        assign.strip_solutions(source, "mod")


def test_cli_check_reports_drift(tmp_path, capsys):
    from checks.cli import main

    out = tmp_path / "a"
    assert main(["assign", "--out", str(out)]) == 0
    assert main(["assign", "--check", "--out", str(out)]) == 0
    (out / "layers.py").write_text("# edited by hand\n")
    (out / "extra.py").write_text("")
    assert main(["assign", "--check", "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "differs: layers.py" in printed and "not generated from solutions/: extra.py" in printed


def _stubs(source):
    """{function: [names, ...] per block} of ``assign.stub_names``, for short asserts."""
    found = {}
    for block, names in assign.stub_names(source, "mod").items():
        found.setdefault(block.function, []).append(names)
    return found


def test_a_stub_binds_what_the_given_code_after_it_reads_and_only_the_block_assigns():
    source = '''def forward(x, w):
    n = x.shape[0]
    # BEGIN SOLUTION
    n = n + 1
    out = x @ w
    helper = out * 2
    cache = (x, w)
    # END SOLUTION
    return out, cache, n, x
'''
    assert _stubs(source) == {"forward": [["out", "cache"]]}
    out = assign.strip_solutions(source, "mod")
    assert ('    out, cache = None, None\n'
            '    raise NotImplementedError("forward is not implemented yet (assignment/mod.py)")\n') in out
    one = "def f(x):\n    # BEGIN SOLUTION\n    dx = x\n    # END SOLUTION\n    return dx\n"
    assert "    dx = None\n    raise NotImplementedError" in assign.strip_solutions(one, "mod")
    none = "def f(x):\n    y = 0\n    # BEGIN SOLUTION\n    y = x\n    # END SOLUTION\n    return y\n"
    assert "= None" not in assign.strip_solutions(none, "mod")


def test_stub_names_in_methods_loops_closures_and_several_blocks():
    source = '''class Net:
    def loss(self, X):
        scores = None
        # BEGIN SOLUTION
        self.cache = X
        scores = X
        h = X
        # END SOLUTION
        if self.cache is None:
            return scores
        # BEGIN SOLUTION
        h = h + 1
        grads = {}
        # END SOLUTION
        return (lambda: h)(), sorted(g for g in grads)


def train(steps):
    total = 0
    for step in range(steps):
        total += delta
        # BEGIN SOLUTION
        delta = step
        seen = [k for k in range(step)]
        # END SOLUTION
    return total


def nested(x):
    # BEGIN SOLUTION
    def inner():
        return x
    y = 1
    # END SOLUTION
    def later(y):
        return y
    return inner(), later(2)
'''
    assert _stubs(source) == {
        "Net.loss": [["h"], ["grads"]],  # self.cache is an attribute; scores is bound before
        "train": [["delta"]],  # read by the next turn of the loop; the comprehension's k is its own
        "nested": [["inner"]],  # a def binds its name; later's y is its parameter
    }
    out = assign.strip_solutions(source, "mod")
    assert "        h = None\n        raise NotImplementedError(\"Net.loss" in out
    assert "        grads = None\n        raise NotImplementedError(\"Net.loss" in out


def test_imports_only_the_answers_use_stay_imported_and_in_use():
    source = '''import numpy as np
from .layers import affine_forward, relu_forward


def f(x):
    # BEGIN SOLUTION
    out = np.maximum(relu_forward(x), 0)
    # END SOLUTION
    return out, relu_forward
'''
    out = assign.strip_solutions(source, "mod")
    assert "import numpy as np\nfrom .layers import affine_forward, relu_forward\n" in out
    assert "\n_ANSWER_IMPORTS = (np, affine_forward)\n" in out
    plain = "import numpy as np\n\n\ndef f(x):\n    return np.zeros(x)\n"
    assert assign.strip_solutions(plain, "mod") == plain


def _solution_blocks(source, module):
    """[(function, text of the block between its markers)] in file order."""
    lines = source.splitlines(keepends=True)
    return [(b.function, "".join(lines[b.begin:b.end - 1])) for b in assign.find_blocks(source, module)]


def test_the_student_copy_filled_with_the_solution_blocks_grades_full_marks(tmp_path):
    """A student who writes each block as in solutions/ (replacing each stub, binding line
    included) gets a working module: the copy imports everything the answers use."""
    from checks.grader import Grader

    folder = tmp_path / "filled"
    folder.mkdir()
    for path in assign.module_files(ROOT / "solutions"):
        solution = path.read_text(encoding="utf-8")
        student = (ROOT / "assignment" / path.name).read_text(encoding="utf-8")
        names = list(assign.stub_names(solution, path.stem).values())
        for (function, text), bound in zip(_solution_blocks(solution, path.stem), names):
            raise_line = f'raise NotImplementedError("{assign.stub_message(function, path.stem)}")\n'
            indent = text[: len(text) - len(text.lstrip(" "))]
            stub = "".join(assign._stub_lines(indent, bound, assign.stub_message(function, path.stem)))
            assert stub.endswith(raise_line) and stub in student, f"no stub for {function} in {path.name}"
            student = student.replace(stub, text, 1)
        assert "not implemented yet" not in student
        (folder / path.name).write_text(student, encoding="utf-8")
    report = Grader().grade(folder)
    failed = [r.name for r in report.results if not r.passed]
    assert not failed and report.score == report.max_score == 100, failed
