"""The first code cell of every notebook (used by build_notebooks.py)."""

# The Colab part of the setup cell: plain Python (no magics), so that a test can run it with a
# stand-in google.colab module.
COLAB = r'''
# On Google Colab: the name of the kit's folder in your Google Drive ("My Drive/dl-assignment",
# the folder of the student release; change it if you renamed the folder).
FOLDERNAME = "dl-assignment"

import os
import subprocess
import sys


def colab_setup(foldername, mount_point="/content/drive"):
    """On Colab: mount Drive, go to the kit's notebooks/ folder, install the kit and the data package."""
    from google.colab import drive

    drive.mount(mount_point)
    kit = os.path.join(mount_point, "MyDrive", foldername)
    if not all(os.path.isdir(os.path.join(kit, sub)) for sub in ("assignment", "checks")):
        raise FileNotFoundError(f"no kit in {kit}: upload the kit's folder to your Google Drive and "
                                "set FOLDERNAME at the top of this cell to its name")
    os.chdir(os.path.join(kit, "notebooks"))
    # The kit and mlxtend only: installing Jupyter or ipykernel over Colab's own can break the runtime.
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", kit, "mlxtend"], check=True)
    return kit


try:
    import google.colab  # noqa: F401
except ImportError:
    pass  # not on Colab: nothing changes
else:
    os.environ["DL_KIT_ROOT"] = colab_setup(FOLDERNAME)
'''

SETUP = COLAB + r'''
# Setup: make the kit's folder importable, so that `assignment` (your code) and `checks`
# (the grader's checks and the gradient checker) are the ones next to this notebook.


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
from checks.notebook import check  # check("affine_backward"): the grader's own checks of one function

plt.rcParams["figure.figsize"] = (10.0, 6.0)
plt.rcParams["image.cmap"] = "gray"
print("Your code is imported from", os.path.dirname(os.path.abspath(assignment.__file__)))
'''
