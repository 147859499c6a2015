"""Benchmarks of the kit: batch normalization near the memory-bandwidth floor, training
epochs against PyTorch, gradient checking, and grading end to end.

``python -m benchmarks`` prints a markdown table (``--tiny`` for a run of a few
seconds on small sizes, as CI does). PyTorch is optional: without it the PyTorch rows
are left out with a note. These are measurements, not tests: nothing here fails on a
slow machine.
"""
