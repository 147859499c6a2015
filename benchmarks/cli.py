"""``python -m benchmarks [--tiny] [--repeat N] [--skip ...]``: run the benchmarks and
print the markdown tables."""
import argparse
import os
import platform

import numpy as np

from . import bn, fc, gradients, grading, torch_ref
from .timing import copy_bandwidth

SECTIONS = ("bn", "fc", "gradcheck", "grade")


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas():
    """The BLAS numpy uses and, with threadpoolctl, the kernel it picked."""
    text = "unknown BLAS"
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        text = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        pass
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                text += f", {info.get('architecture')} kernels, {info.get('num_threads')} threads"
                break
    except Exception:
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"):
        if os.environ.get(var):
            text += f", {var}={os.environ[var]}"
    return text


def _load():
    try:
        return "%.1f" % os.getloadavg()[0]
    except (AttributeError, OSError):
        return "?"


def _fmt(value, spec, empty="–"):
    return empty if value is None else format(value, spec)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--tiny", action="store_true",
                        help="small sizes and few repetitions (a smoke run of seconds)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed repetitions per measurement (default 9, 2 with --tiny)")
    parser.add_argument("--skip", action="append", default=[], choices=SECTIONS,
                        help="leave a section out (may be given several times)")
    parser.add_argument("--no-torch", action="store_true",
                        help="leave PyTorch out even when it is importable")
    args = parser.parse_args(argv)
    repeat = args.repeat or (2 if args.tiny else 9)
    if repeat < 1:
        parser.error("--repeat must be at least 1")

    torch = None if args.no_torch else torch_ref.load_torch()
    out = []
    say = out.append
    copy_bytes = (8 if args.tiny else 512) << 20
    bandwidth = copy_bandwidth(copy_bytes, repeat)

    say("## Benchmarks" + (" (--tiny: smoke sizes, numbers mean nothing)" if args.tiny else ""))
    say("")
    say(f"- machine: {_cpu_name()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__} ({_blas()})")
    if torch is not None:
        say(f"- PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        say("- PyTorch: not importable, its rows are left out "
            "(`pip install torch==2.13.0` installs the CPU build)")
    say(f"- memory bandwidth: a {copy_bytes >> 20} MiB copy moves "
        f"{bandwidth / 1e9:.1f} GB/s (read + write)")
    say(f"- medians of {repeat} interleaved repetitions; load average at the start: "
        f"{_load()}")
    say("")

    if "bn" not in args.skip:
        rows, worst = bn.run(args.tiny, repeat, bandwidth, torch)
        say("### Batch normalization, train mode, forward + backward")
        say("")
        say(table(["N x D", "dtype", "implementation", "ms", "x PyTorch",
                   "of the floor"],
                  [[r["shape"], r["dtype"], r["implementation"], f"{r['ms']:.1f}",
                    _fmt(r["vs_torch"], ".2f"), _fmt(r["floor_fraction"], ".0%")]
                   for r in rows]))
        say("")
        say("The floor is eight passes over one (N, D) array at the copy's bandwidth; "
            "'of the floor' is floor / time (100% would be as fast as memory allows). "
            f"All implementations agree on dx to {worst:.0e} (relative to max |dx|). "
            f"'{bn.COPIES_ROW}' computes nothing: it writes out and dx from x and dout "
            "with numpy's cheapest operation, four of the floor's eight passes.")
        say("")

    if "fc" not in args.skip:
        rows = fc.run(args.tiny, repeat, torch)
        say("### FullyConnectedNet, one training epoch")
        say("")
        say(table(["network", "update", "kit ms", "PyTorch ms", "x PyTorch"],
                  [[r["network"], r["rule"], f"{r['kit_ms']:.1f}",
                    _fmt(r["torch_ms"], ".1f"), _fmt(r["vs_torch"], ".2f")]
                   for r in rows]))
        say("")
        say(f"{fc.describe(fc.TINY if args.tiny else fc.FULL)}; the kit's loop is "
            "Trainer's: model.loss, then the update rule on every parameter; PyTorch's is "
            "zero_grad, forward, backward, optimizer.step.")
        say("")

    if "gradcheck" not in args.skip:
        rows, shape = gradients.run(args.tiny, repeat, torch)
        say(f"### Gradient check of batchnorm backward, x of shape {shape[0]}x{shape[1]}")
        say("")
        say(table(["checker", "backward", "verdict", "ms", "evaluations"],
                  [[r["checker"], r["backward"], r["verdict"], f"{r['ms']:.1f}",
                    r["evaluations"]] for r in rows]))
        say("")
        i, j = gradients.wrong_entry(shape)
        say(f"Float64 inputs. 'one entry off': dx[{i}, {j}] takes {gradients.BUG:.0%} too "
            "much of dout's direct term. cs231n's check computes every entry of dx, dgamma "
            "and dbeta by central differences and leaves the verdict to the reader (its "
            "notebook expects rel_error below about 1e-7 for a right backward); the "
            "grader's check decides, and names the wrong entry.")
        say("")

    if "grade" not in args.skip:
        cmd, seconds, total = grading.run(args.tiny, repeat)
        say("### Grading end to end")
        say("")
        say(table(["command", "wall time", "result"],
                  [[f"`{cmd}`", f"{seconds:.2f} s", total]]))
        say("")

    say(f"Load average at the end: {_load()}.")
    print("\n".join(out))
    return 0
