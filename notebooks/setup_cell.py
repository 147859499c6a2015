"""The first code cell of every notebook (used by build_notebooks.py)."""

SETUP = r'''
# Setup: make the kit's folder importable, so that `assignment` (your code) and `checks`
# (the gradient checker) are the ones next to this notebook.
import os
import sys


def find_kit_root(start):
    """The nearest folder, from start upwards, that holds assignment/ and checks/."""
    folder = os.path.abspath(start)
    while True:
        if all(os.path.isdir(os.path.join(folder, sub)) for sub in ("assignment", "checks")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            raise RuntimeError(
                "cannot find the kit's folder (with assignment/ and checks/) above "
                f"{os.path.abspath(start)}: open this notebook from the kit's notebooks/ folder")
        folder = parent


KIT_ROOT = os.environ.get("DL_KIT_ROOT") or find_kit_root(os.getcwd())
for path in (os.path.join(KIT_ROOT, "notebooks"), KIT_ROOT):
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)

# Reload your modules automatically when you edit them.
%load_ext autoreload
%autoreload 2
%matplotlib inline

import time

import numpy as np
import matplotlib.pyplot as plt

import assignment
from checks.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

plt.rcParams["figure.figsize"] = (10.0, 6.0)
plt.rcParams["image.cmap"] = "gray"
print("Your code is imported from", os.path.dirname(os.path.abspath(assignment.__file__)))
'''
