"""Reference solutions of the kit: layers, dropout, batch/layer normalization,
a fully-connected network and update rules, written in numpy.

The modules are imported on demand (``from solutions import layers``); nothing is
imported here so that the package stays cheap to load and the same files work as
``solutions``, ``assignment`` or a student's submission.
"""
