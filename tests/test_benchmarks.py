"""Smoke test of the benchmark command: it runs on tiny sizes and prints its tables.

No timing is asserted (the numbers depend on the machine and its load). PyTorch is left
out: it is not a dependency of the kit, and the command must work without it.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_benchmark_command_runs_on_tiny_sizes_and_prints_tables():
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--tiny", "--no-torch"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout
    for heading in ("### Batch normalization", "### FullyConnectedNet",
                    "### Gradient check", "### Grading end to end"):
        assert heading in text, text
    assert "| N x D | dtype | implementation | ms | x PyTorch | of the floor |" in text
    assert "kit reference: forward + backward_alt" in text and "numpy step by step" in text
    assert "fast numpy (benchmarks/fast_bn.py)" in text
    assert "PyTorch: not importable" in text
    # The grader's checker catches the single wrong entry and points at it.
    assert "one entry off | fails, points at x[" in text, text
    assert "Total: 2 / 2" in text, text


def test_the_fast_batchnorm_is_refused_before_timing_when_it_disagrees(monkeypatch):
    import numpy as np
    import pytest

    from benchmarks import bn, fast_bn

    x, gamma, beta, dout = bn._inputs((16, 8), np.float64)
    bn.check_fast(x, gamma, beta, dout)  # the real one agrees
    right = fast_bn.batchnorm_backward_alt

    def off_by_one_entry(dout, cache):
        dx, dgamma, dbeta = right(dout, cache)
        dx[3, 2] += 1e-6 * np.abs(dx).max()
        return dx, dgamma, dbeta

    monkeypatch.setattr(fast_bn, "batchnorm_backward_alt", off_by_one_entry)
    with pytest.raises(SystemExit, match="disagrees with the reference on dx"):
        bn.check_fast(x, gamma, beta, dout)
