"""Batch normalization, train mode, forward + backward: the kit against a step-by-step
numpy baseline and PyTorch, and against the memory-bandwidth floor."""
import numpy as np

from solutions import bn_layers
from solutions.bn_layers import _row_blocks

from . import baseline, torch_ref
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


def copies_only(x, dout):
    """A callable doing only the data movement every numpy batchnorm pays for: a fresh out
    filled from x and a fresh dx filled from dout, in the kit's row blocks on both threads.

    It computes nothing, so it is left out of the agreement check. It does four of the
    floor's eight passes with numpy's cheapest operation: a yardstick for what one numpy
    pass over an (N, D) array costs here, while PyTorch's fused kernel does the arithmetic
    on the way through.
    """
    def fill(source):
        target = np.empty_like(source)
        with _row_blocks(source) as over_blocks:
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

    rows = {
        "numpy step by step (baseline)": plain,
        "kit: forward + backward (step by step)": kit(bn_layers.batchnorm_backward),
        "kit: forward + backward_alt": kit(bn_layers.batchnorm_backward_alt),
    }
    if torch is not None:
        rows["PyTorch"] = torch_ref.batchnorm_train_step(torch, x, gamma, beta, dout)
    return rows


def agree(x, gamma, beta, dout, torch):
    """Largest relative difference of dx between the kit, the baseline and PyTorch (a
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
