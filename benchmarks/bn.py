"""Batch normalization, train mode, forward + backward: the kit's plain reference and the
fast numpy exhibit (fast_bn.py) against a step-by-step numpy baseline and PyTorch, and
against the memory-bandwidth floor."""
import numpy as np

from solutions import bn_layers

from . import baseline, fast_bn, torch_ref
from .timing import interleaved_medians, passes_floor

FULL_SHAPES = [(1024, 4096), (4096, 4096)]
TINY_SHAPES = [(64, 128)]
DTYPES = [np.float32, np.float64]


def _inputs(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    n, d = shape
    x = (3.0 * rng.standard_normal(shape) + 1.0).astype(dtype)
    dout = rng.standard_normal(shape).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, d).astype(dtype)
    beta = rng.standard_normal(d).astype(dtype)
    return x, gamma, beta, dout


COPIES_ROW = "numpy: only copy x to out and dout to dx"
FAST_ROW = "fast numpy (benchmarks/fast_bn.py)"
# How far the fast exhibit may stray from the reference, relative to max |dx|.
FAST_TOLERANCE = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


def copies_only(x, dout):
    """A callable doing only the data movement every numpy batchnorm pays for: a fresh out
    filled from x and a fresh dx filled from dout, in fast_bn's row blocks on both threads.

    It computes nothing, so it is left out of the agreement check. It does four of the
    floor's eight passes with numpy's cheapest operation: a yardstick for what one numpy
    pass over an (N, D) array costs here, while PyTorch's fused kernel does the arithmetic
    on the way through.
    """
    def fill(source):
        target = np.empty_like(source)
        with fast_bn.row_blocks(source) as over_blocks:
            over_blocks(lambda rows: np.copyto(target[rows], source[rows]))
        return target

    return lambda: (fill(x), fill(dout))


def candidates(x, gamma, beta, dout, torch):
    """{row name: callable running one forward and one backward}."""
    def kit(backward):
        def step():
            _, cache = bn_layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
            return backward(dout, cache)
        return step

    def plain():
        _, cache = baseline.batchnorm_forward(x, gamma, beta)
        return baseline.batchnorm_backward(dout, cache)

    def fast():
        _, cache = fast_bn.batchnorm_forward_train(x, gamma, beta)
        return fast_bn.batchnorm_backward_alt(dout, cache)

    rows = {
        "numpy step by step (baseline)": plain,
        "kit reference: forward + backward": kit(bn_layers.batchnorm_backward),
        "kit reference: forward + backward_alt": kit(bn_layers.batchnorm_backward_alt),
        FAST_ROW: fast,
    }
    if torch is not None:
        rows["PyTorch"] = torch_ref.batchnorm_train_step(torch, x, gamma, beta, dout)
    return rows


def check_fast(x, gamma, beta, dout):
    """Refuse to time the fast exhibit unless it computes what the reference computes:
    out, dx, dgamma and dbeta, each within FAST_TOLERANCE of the reference's."""
    out, cache = bn_layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    want = (out, *bn_layers.batchnorm_backward_alt(dout, cache))
    fast_out, fast_cache = fast_bn.batchnorm_forward_train(x, gamma, beta)
    got = (fast_out, *fast_bn.batchnorm_backward_alt(dout, fast_cache))
    tolerance = FAST_TOLERANCE[x.dtype]
    for name, g, w in zip(("out", "dx", "dgamma", "dbeta"), got, want):
        scale = max(1.0, float(np.abs(w).max()))
        error = float(np.abs(g.astype(np.float64) - w).max()) / scale
        if g.dtype != w.dtype or error > tolerance:
            raise SystemExit(f"benchmarks/fast_bn.py disagrees with the reference on {name} "
                             f"({x.shape[0]}x{x.shape[1]} {x.dtype}): relative error {error:.1e}, "
                             f"dtype {g.dtype}; fix it before timing it")


def agree(x, gamma, beta, dout, torch):
    """Largest relative difference of dx between the reference and every other row (a
    benchmark of wrong code would be worthless)."""
    grads = [fn()[0] for fn in candidates(x, gamma, beta, dout, torch).values()]
    grads = [np.asarray(g.detach().numpy() if hasattr(g, "detach") else g, np.float64)
             for g in grads]
    scale = np.abs(grads[0]).max()
    return max(float(np.abs(g - grads[0]).max() / scale) for g in grads[1:])


def run(tiny, repeat, bandwidth, torch):
    """Rows of the table: (shape, dtype, implementation, ms, ratio to PyTorch, floor
    fraction), plus the largest disagreement seen."""
    rows, worst = [], 0.0
    for shape in TINY_SHAPES if tiny else FULL_SHAPES:
        for dtype in DTYPES:
            x, gamma, beta, dout = _inputs(shape, dtype)
            check_fast(x, gamma, beta, dout)
            worst = max(worst, agree(x, gamma, beta, dout, torch))
            timed = candidates(x, gamma, beta, dout, torch)
            timed[COPIES_ROW] = copies_only(x, dout)
            medians = interleaved_medians(timed, repeat)
            floor = passes_floor(x.nbytes, bandwidth)
            reference = medians.get("PyTorch")
            for name, seconds in medians.items():
                rows.append({
                    "shape": f"{shape[0]}x{shape[1]}",
                    "dtype": np.dtype(dtype).name,
                    "implementation": name,
                    "ms": seconds * 1e3,
                    "vs_torch": seconds / reference if reference else None,
                    # the copies do four of the eight passes: no fraction of the floor
                    "floor_fraction": None if name == COPIES_ROW else floor / seconds,
                })
    return rows, worst
