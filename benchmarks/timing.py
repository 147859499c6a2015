"""Timing helpers: medians of interleaved repetitions, and the memory bandwidth.

The machine this runs on is usually shared, so a single timing means little. Every
measurement here runs the candidates of one comparison in turns (A, B, C, A, B, C, ...)
so that a burst of load from elsewhere hits all of them alike, and reports the median.
Ratios are taken between medians measured in the same turns.
"""
import gc
import time

import numpy as np


def interleaved_medians(candidates, repeat, warmup=3):
    """Run each callable of ``candidates`` (a dict name -> callable) ``repeat`` times,
    in turns, after ``warmup`` untimed rounds; return {name: median seconds}.

    The garbage collector is paused while a call is timed (and run between calls), so
    that no candidate pays for another's garbage.
    """
    for _ in range(warmup):
        for func in candidates.values():
            func()
    samples = {name: [] for name in candidates}
    was_enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            for name, func in candidates.items():
                gc.collect()
                gc.disable()
                start = time.perf_counter()
                func()
                samples[name].append(time.perf_counter() - start)
                gc.enable()
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
    return {name: float(np.median(times)) for name, times in samples.items()}


def copy_bandwidth(nbytes, repeat):
    """Bytes per second moved by ``np.copyto`` between two preallocated arrays of
    ``nbytes`` each (one read and one write per byte: 2 * nbytes per copy).

    The destination is written once before timing, so page faults are not counted:
    this is the speed of memory itself, which no implementation can beat.
    """
    count = max(1, nbytes // 8)
    src = np.ones(count, dtype=np.float64)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    seconds = interleaved_medians({"copy": lambda: np.copyto(dst, src)}, repeat)["copy"]
    return 2 * src.nbytes / seconds


def passes_floor(nbytes, bandwidth, passes=8):
    """Seconds that ``passes`` passes over an array of ``nbytes`` take at ``bandwidth``.

    Batch normalization, forward and backward, cannot do with fewer than eight passes
    over an (N, D) array: the forward reads x for the statistics, then reads it again
    and writes out; the backward reads dout and x for the column sums, then reads both
    again and writes dx.
    """
    return passes * nbytes / bandwidth
