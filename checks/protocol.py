"""How values travel between the student's process and the grading process.

A message is a JSON header followed by raw array buffers::

    8 bytes   big-endian length of the header
    header    UTF-8 JSON: {"tree": <node>, "arrays": [{"dtype": "<f8", "shape": [2, 3]}, ...], ...}
    buffers   the arrays' bytes, C order, one after another

Nothing in a message can run code when it is read: the header is parsed by ``json``, the
buffers become arrays through ``numpy.frombuffer`` with a dtype from a short allow-list, and
every size is checked against limits before anything is read. Pickle is never used.

A *tree* is the value a probe returned, described node by node so that the grading process
sees exactly what student code produced: a list returned where an array was expected, an
``ndarray`` subclass, an object array or an unknown object all arrive as ``Foreign`` values
that name their type, and are rejected by the checks with that name.

The same format stores the reference values and the known mistakes' signatures on disk
(``checks/fixtures/``).
"""
from __future__ import annotations

import json
import math
import struct
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_ARRAY_BYTES = 256 * 1024 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 12
MAX_TEXT = 2_000
_ARRAY_KINDS = "biufc"


class ProtocolError(Exception):
    """A message that breaks the format or its limits (so it was not read)."""


class Foreign:
    """A value of a type the checks do not accept, described by its type's name.

    ``array`` holds the data of an ``ndarray`` subclass, so feedback can still show it; it is a
    plain ``numpy.ndarray`` built by the grading process.
    """

    def __init__(self, type_name: str, array: Optional[np.ndarray] = None, text: str = ""):
        self.type_name = type_name
        self.array = array
        self.text = text

    def __repr__(self) -> str:
        return f"Foreign({self.type_name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Foreign) and other.type_name == self.type_name

    __hash__ = None  # type: ignore[assignment]


def _type_name(value: Any) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__qualname__", None) or getattr(kind, "__name__", "?")
    if not isinstance(name, str) or not isinstance(module, str):
        return "an object of unknown type"
    return name if module in ("builtins", "") else f"{module}.{name}"


# --------------------------------------------------------------------------- encoding
class _Encoder:
    def __init__(self) -> None:
        self.arrays: List[np.ndarray] = []
        self.nodes = 0
        self.total = 0

    def node(self, value: Any, depth: int) -> Dict[str, Any]:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            return {"t": "object", "type": "a structure too large or too deep to send"}
        kind = type(value)
        if value is None:
            return {"t": "none"}
        if kind is bool:
            return {"t": "bool", "v": value}
        if kind is int:
            return {"t": "int", "v": str(value)}
        if kind is float:
            return {"t": "float", "v": _float_text(value)}
        if kind is str:
            return {"t": "str", "v": value[:MAX_TEXT]}
        if kind is tuple or kind is list:
            return {"t": kind.__name__, "items": [self.node(item, depth + 1) for item in value]}
        if kind is dict:
            if not all(type(key) is str for key in value):
                return {"t": "object", "type": "dict with keys that are not strings"}
            return {"t": "dict", "items": {key: self.node(item, depth + 1) for key, item in value.items()}}
        if isinstance(value, np.ndarray):
            return self.array(value, None if kind is np.ndarray else _type_name(value))
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            item = value.item()
            text = _float_text(item) if value.dtype.kind == "f" else str(item)
            return {"t": "npscalar", "dtype": value.dtype.str, "v": text}
        if value is NotImplemented:
            return {"t": "object", "type": "NotImplemented"}
        return {"t": "object", "type": _type_name(value)}

    def array(self, value: np.ndarray, subclass: Optional[str]) -> Dict[str, Any]:
        dtype = value.dtype
        if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            return {"t": "object", "type": f"numpy.ndarray of dtype {dtype}"}
        base = np.asarray(value).view(np.ndarray)
        plain = np.ascontiguousarray(base).reshape(base.shape)  # ascontiguousarray makes 0-d arrays 1-d
        self.total += plain.nbytes
        if self.total > MAX_ARRAY_BYTES:
            return {"t": "object", "type": "an array too large to send"}
        self.arrays.append(plain)
        node = {"t": "array", "i": len(self.arrays) - 1}
        if subclass:
            node["cls"] = subclass
        return node


def _float_text(value: float) -> Any:
    return value if math.isfinite(value) else repr(float(value))


def encode(tree: Any, meta: Optional[Dict[str, Any]] = None) -> bytes:
    """Describe ``tree`` (any Python value) as one message; ``meta`` must be JSON-safe."""
    encoder = _Encoder()
    root = encoder.node(tree, 0)
    header = {
        "tree": root,
        "arrays": [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in encoder.arrays],
        "meta": meta or {},
    }
    head = json.dumps(header, allow_nan=False).encode("utf-8")
    return b"".join([struct.pack(">Q", len(head)), head] + [a.tobytes() for a in encoder.arrays])


# --------------------------------------------------------------------------- decoding
def _read_exact(read, count: int) -> bytes:
    chunks = []
    while count:
        chunk = read(count)
        if not chunk:
            raise EOFError("the channel closed in the middle of a message")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _checked_dtype(text: Any) -> np.dtype:
    if not isinstance(text, str) or len(text) > 8:
        raise ProtocolError("an array with a malformed dtype")
    try:
        dtype = np.dtype(text)
    except TypeError as error:
        raise ProtocolError(f"an array with an unknown dtype {text!r}") from error
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize > 16:
        raise ProtocolError(f"an array with a dtype that is not allowed: {text!r}")
    return dtype


def read_message(read) -> Tuple[Any, Dict[str, Any]]:
    """Read one message with ``read(n) -> bytes``; returns (tree, meta).

    Raises EOFError when the channel closed before a complete message, ProtocolError when
    the message breaks the format or its limits.
    """
    (length,) = struct.unpack(">Q", _read_exact(read, 8))
    if length > MAX_HEADER_BYTES:
        raise ProtocolError(f"a message header of {length} bytes (the limit is {MAX_HEADER_BYTES})")
    try:
        header = json.loads(_read_exact(read, length).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError("a message header that is not valid JSON") from error
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), list):
        raise ProtocolError("a message header without its array list")
    specs = []
    total = 0
    for spec in header["arrays"]:
        if not isinstance(spec, dict) or not isinstance(spec.get("shape"), list):
            raise ProtocolError("a malformed array description")
        dtype = _checked_dtype(spec.get("dtype"))
        shape = spec["shape"]
        if len(shape) > 32 or not all(type(n) is int and 0 <= n < 2**40 for n in shape):
            raise ProtocolError("an array with a malformed shape")
        size = dtype.itemsize * math.prod(shape)
        total += size
        if total > MAX_ARRAY_BYTES:
            raise ProtocolError(f"arrays larger than {MAX_ARRAY_BYTES // 2**20} MiB in all")
        specs.append((dtype, tuple(shape), size))
    arrays = []
    for dtype, shape, size in specs:
        buffer = bytearray(_read_exact(read, size)) if size else bytearray()
        arrays.append(np.frombuffer(buffer, dtype=dtype).reshape(shape))
    meta = header.get("meta", {})
    return _decode(header.get("tree"), arrays, 0), meta if isinstance(meta, dict) else {}


def decode(data: bytes) -> Tuple[Any, Dict[str, Any]]:
    """``read_message`` over a bytes object (fixtures on disk)."""
    view = memoryview(data)
    position = 0

    def read(n: int) -> bytes:
        nonlocal position
        chunk = bytes(view[position : position + n])
        position += len(chunk)
        return chunk

    return read_message(read)


def _decode(node: Any, arrays: List[np.ndarray], depth: int) -> Any:
    if depth > MAX_DEPTH + 1 or not isinstance(node, dict):
        raise ProtocolError("a malformed value description")
    kind = node.get("t")
    if kind == "none":
        return None
    if kind == "bool":
        return bool(node.get("v"))
    if kind == "int":
        text = str(node.get("v"))
        if len(text) > 400:
            return Foreign("int (too large)")
        return int(text)
    if kind == "float":
        return _number(node.get("v"))
    if kind == "npscalar":
        dtype = _checked_dtype(node.get("dtype"))
        try:
            if dtype.kind == "f":
                return dtype.type(_number(node.get("v")))
            if dtype.kind == "b":
                return dtype.type(node.get("v") == "True")
            return dtype.type(int(str(node.get("v"))[:400]))
        except (TypeError, ValueError):
            return Foreign(f"numpy scalar of dtype {dtype}")
    if kind == "str":
        return str(node.get("v"))[:MAX_TEXT]
    if kind in ("tuple", "list"):
        items = [_decode(item, arrays, depth + 1) for item in node.get("items", [])]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        items = node.get("items", {})
        if not isinstance(items, dict):
            raise ProtocolError("a malformed dict description")
        return {str(key): _decode(item, arrays, depth + 1) for key, item in items.items()}
    if kind == "array":
        index = node.get("i")
        if type(index) is not int or not 0 <= index < len(arrays):
            raise ProtocolError("a reference to an array that was not sent")
        if "cls" in node:
            return Foreign(f"{str(node['cls'])[:200]} (a subclass of numpy.ndarray)", arrays[index])
        return arrays[index]
    if kind == "object":
        return Foreign(str(node.get("type", "?"))[:200])
    raise ProtocolError(f"an unknown value kind {kind!r}")


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if value in ("nan", "inf", "-inf"):
        return float(value)
    raise ProtocolError("a malformed number")
