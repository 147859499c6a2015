"""The layout table (checks/layout.py) agrees with the solutions, the suite and the mistakes."""
from pathlib import Path

from checks import layout
from checks.instructor.assign import graded_functions
from checks.instructor.mistakes import all_mistakes
from checks.suite import all_checks

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def test_the_graded_modules_are_the_ones_with_answer_blocks():
    assert set(graded_functions(SOLUTIONS)) == set(layout.MODULE_FILES)


def test_every_answer_block_has_a_check_and_every_check_grades_a_block():
    blocks = {(module, function) for module, functions in graded_functions(SOLUTIONS).items()
              for function in functions}
    checked = {(check.module, check.function) for check in all_checks(include_hidden=True)}
    assert blocks - checked == set(), "functions with an answer block but no check"
    assert checked - blocks == set(), "checks of a function that holds no answer block"


def test_the_report_lists_the_modules_in_layout_order():
    order = [check.module for check in all_checks()]
    first_seen = list(dict.fromkeys(order))
    assert first_seen == list(layout.MODULE_FILES)


def test_every_mistake_patches_a_graded_function():
    graded = {(module, function) for module, functions in graded_functions(SOLUTIONS).items()
              for function in functions}
    for mistake in all_mistakes():
        assert (mistake.module, mistake.target) in graded, mistake.id
