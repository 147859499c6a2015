"""The instructor's tools: what builds, packages and grades the assignment for a class.

    assign.py      write assignment/ from solutions/      (python -m checks assign)
    fixtures.py    store the expected values               (python -m checks fixtures)
    release.py     build the student release               (python -m checks release)
    gradescope.py  build and run the Gradescope autograder (python -m checks gradescope)
    batch.py       grade a class                           (python -m checks batch)
    hidden/        the hidden checks (graded on Gradescope and with --hidden)
    mistakes/      the known mistakes, whose signatures fixtures.py stores

Everything a student uses (grade, collect, the gradient helpers of the notebooks) is in the
package above, ``checks``, and never imports from here except to load the hidden checks when
they are asked for. The student release leaves this folder out; there, an instructor's
command says so in one line and exits with status 2.
"""
