"""Write the notebooks of this folder from the cells listed in nb_*.py (outputs stripped).

    python notebooks/build_notebooks.py          # rewrite every notebook
    python notebooks/build_notebooks.py --check  # exit 1 if a notebook differs from its source

The .ipynb files are what students open; the nb_*.py files are their source, easier to
review and to diff. Each nb_*.py defines NAME (the notebook's file name) and CELLS, a list
of ("md" or "code", text) pairs.
"""
import argparse
import glob
import importlib.util
import os
import sys

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))


def build(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    for kind, text in cells:
        text = text.strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell(text)
        cell.pop("id", None)
        nb.cells.append(cell)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def sources():
    for path in sorted(glob.glob(os.path.join(HERE, "nb_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module.NAME, module.CELLS


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in sources():
        text = nbformat.writes(build(cells), version=4) + "\n"
        path = os.path.join(HERE, name)
        if args.check:
            old = open(path).read() if os.path.exists(path) else None
            if old != text:
                stale.append(name)
        else:
            with open(path, "w") as f:
                f.write(text)
            print("wrote", path)
    if stale:
        print("out of date (run python notebooks/build_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
