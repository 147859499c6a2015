"""``python -m checks fixtures``: store the expected values that the grader reads without solutions/.

It writes, in ``checks/fixtures/``:

    reference.bin   the reference solutions' probe outputs for the public checks
    mistakes.bin    the known mistakes' signatures on the public checks
    hidden.bin      both, for the hidden checks (the student release leaves this file out)
    MANIFEST.txt    one line per stored value (file, check, arrays, hash), for diffs

The values are computed by ``checks.reference`` (the one rule for expected values, which also
makes the run deterministic) and by the mistake library in ``mistakes/``.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from .. import protocol
from ..files import write_bytes, write_text
from ..reference import (FIXTURES, HIDDEN_FILE, INPUTS_FILE, MANIFEST_FILE, MISTAKES_FILE, REFERENCE_FILE,
                         compute_reference)
from ..suite import all_checks


def write_fixtures(folder: Path = FIXTURES, input_seed: Optional[int] = None) -> List[Path]:
    """Write the stored reference values and mistake signatures; returns the files written.

    Public checks go to reference.bin and mistakes.bin, hidden checks to hidden.bin (removed
    when there are no hidden checks). With the public inputs (``input_seed=None``: the kit's
    own fixtures, which the release ships) MANIFEST.txt lists them; with an instructor seed (an
    autograder's fixtures) inputs.json names the seed instead.
    """
    from .mistakes import compute_signatures

    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    hidden = {check.name for check in all_checks(include_hidden=True) if check.hidden}
    reference = compute_reference(input_seed=input_seed)
    signatures = compute_signatures(input_seed)

    def split(values: Dict[str, Any], keep_hidden: bool) -> Dict[str, Any]:
        return {name: value for name, value in values.items() if (name in hidden) == keep_hidden}

    written = [folder / REFERENCE_FILE.name, folder / MISTAKES_FILE.name]
    write_bytes(written[0], protocol.encode(split(reference, False)))
    write_bytes(written[1], protocol.encode(split(signatures, False)))
    if hidden:
        written.append(folder / HIDDEN_FILE.name)
        write_bytes(written[-1], protocol.encode({"reference": split(reference, True),
                                                  "mistakes": split(signatures, True)}))
    elif (folder / HIDDEN_FILE.name).exists():
        (folder / HIDDEN_FILE.name).unlink()
    if input_seed is None:
        written.append(folder / MANIFEST_FILE.name)
        write_text(written[-1], manifest(reference, signatures, hidden))
    else:
        written.append(folder / INPUTS_FILE.name)
        write_text(written[-1], json.dumps({"input_seed": input_seed}) + "\n")
    return written


def _summary(entry: Dict[str, Any]) -> str:
    """What a stored entry holds: its error, or the arrays of its tree as dtype(shape) in
    order, with repeats counted."""
    if "tree" not in entry:
        return f"error {entry['error']}"
    found: List[str] = []

    def walk(node):
        if isinstance(node, np.ndarray):
            found.append(f"{node.dtype}{node.shape}".replace(" ", ""))
        elif isinstance(node, dict):
            for key in node:
                walk(node[key])
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)

    walk(entry["tree"])
    counted = [f"{n} x {a}" if n > 1 else a for a, n in
               ((a, len(list(g))) for a, g in itertools.groupby(found))]
    text = ", ".join(counted) or "no arrays"
    return text if len(text) <= 120 else text[:117] + "..."


def _digest(value: Any) -> str:
    return hashlib.sha256(protocol.encode(value)).hexdigest()[:16]


def manifest(reference: Dict[str, Any], signatures: Dict[str, List[Dict[str, Any]]], hidden) -> str:
    """The text of MANIFEST.txt: one line per stored value (file, check, arrays, hash)."""
    lines = ["# Written by `python -m checks fixtures`: one line per stored value.",
             "# file | check | what is stored (arrays as dtype(shape)) | sha256 of its encoding, 16 digits"]
    for name, value in reference.items():
        where = HIDDEN_FILE.name if name in hidden else REFERENCE_FILE.name
        lines.append(f"{where} | {name} | {_summary(value)} | {_digest(value)}")
    for name, entries in signatures.items():
        where = HIDDEN_FILE.name if name in hidden else MISTAKES_FILE.name
        for entry in entries:
            lines.append(f"{where} | {name} | mistake {entry['id']}: {_summary(entry)} | {_digest(entry)}")
    return "\n".join(lines) + "\n"
