"""The assignment's modules: layers, dropout, batch/layer normalization, a fully-connected
network and update rules, written in numpy.

The same files make two packages. In ``assignment/``, the student's copy, each answer is a
TODO block to fill in (``python -m checks`` grades it); ``solutions/``, the instructor's copy
from which ``python -m checks assign`` writes the student's, holds the reference answers and
is not part of the student release.

The modules are imported on demand (``from solutions import layers``); nothing is
imported here so that the package stays cheap to load and the same files work as
``solutions``, ``assignment`` or a student's submission.
"""
