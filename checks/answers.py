"""The notebooks' inline answers: read from a notebook's JSON, never by running it.

An answer is a markdown cell of its own whose first line starts with ``**Your answer (<id>):**``
(ids such as ``bn-q3``; SPEC.md, "Instructors"). What follows the marker, on that line and the
next ones, is the answer. A cell that still reads ``*write it here*`` is unanswered.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List

MARKER = re.compile(r"^\*\*Your answer \(([A-Za-z0-9_-]+)\):\*\*[ \t]*")
PLACEHOLDER = "*write it here*"
MAX_NOTEBOOK_BYTES = 5 * 1024 * 1024
NOTEBOOKS = ("BatchNormalization.ipynb", "Dropout.ipynb", "FullyConnectedNets.ipynb")


def from_notebook(data: bytes) -> Dict[str, str]:
    """{id: answer} of the answer cells in a notebook's bytes; {} for what is not a notebook."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return {}
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    found: Dict[str, str] = {}
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        match = MARKER.match(text)
        if match:
            found[match.group(1)] = text[match.end():].strip()
    return found


def answered(text: str) -> bool:
    """Whether an answer is more than the placeholder (or nothing)."""
    return bool(text) and text != PLACEHOLDER


def unanswered(answers: Dict[str, str]) -> List[str]:
    """The ids whose answer is still the placeholder (or empty)."""
    return [key for key, text in answers.items() if not answered(text)]


def from_folder(folder: Path) -> Dict[str, str]:
    """{id: answer} over the kit's notebooks in ``folder`` (missing ones are skipped)."""
    found: Dict[str, str] = {}
    for name in NOTEBOOKS:
        path = Path(folder) / name
        if path.is_file():
            found.update(from_notebook(path.read_bytes()))
    return found


def model_answers(path: Path) -> Dict[str, str]:
    """{id: model answer} from ``solutions/ANSWERS.md`` (each answer opens with ``**<id>. ``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return {}
    found: Dict[str, str] = {}
    current = None
    for line in text.split("\n"):
        match = re.match(r"^\*\*([a-z]+-q\d+)\. ", line)
        if match:
            current = match.group(1)
            found[current] = line
        elif line.startswith("## "):
            current = None
        elif current is not None:
            found[current] += "\n" + line
    return {key: value.strip() for key, value in found.items()}
