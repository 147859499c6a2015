"""Grading solutions/ end to end: ``python -m checks grade solutions`` in a subprocess,
wall time from start to exit (interpreter start, workers, every check)."""
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command(tiny):
    cmd = [sys.executable, "-m", "checks", "grade", "solutions"]
    if tiny:
        cmd += ["--only", "relu_forward"]
    return cmd


def run(tiny, repeat):
    """(command line, median seconds, the grader's total line)."""
    cmd = command(tiny)
    timings, total = [], ""
    for _ in range(max(1, min(repeat, 5))):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        timings.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[1:])} exited with {done.returncode}:\n"
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        total = next((line.strip() for line in reversed(done.stdout.splitlines())
                      if line.strip().startswith("Total")), "")
    return "python " + " ".join(cmd[1:]), float(np.median(timings)), total
