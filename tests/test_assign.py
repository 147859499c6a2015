"""assignment/ is generated from solutions/ and must stay exactly in sync."""
import ast
import re
from pathlib import Path

import pytest

from checks import assign

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
