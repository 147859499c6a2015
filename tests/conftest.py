"""Fixtures shared by test modules."""
import pytest

# Two instructor seeds: the autograder's inputs must behave like the public ones for every seed,
# not for one that happened to work.
INSTRUCTOR_SEEDS = (20261203, 4093)


@pytest.fixture(scope="session")
def instructor_inputs(tmp_path_factory):
    """{seed: a fixtures folder computed for that instructor seed}, as an autograder holds one."""
    from checks.instructor.fixtures import write_fixtures

    folders = {}
    for seed in INSTRUCTOR_SEEDS:
        folders[seed] = tmp_path_factory.mktemp(f"instructor-{seed}")
        write_fixtures(folders[seed], input_seed=seed)
    return folders
