"""Reads safetensors files on its own, as a reader outside Java would, and prints what it sees.

Usage: python3 safetensors_reader.py FILE...  ->  one JSON object on stdout:
  {"reader": "numpy" | "struct",
   "files": {FILE: {"metadata": {...}, "data_start": int,
                    "tensors": {NAME: {"shape": [...], "sum": float, "head": [up to 4 values],
                                       "last_row": value at index (shape[0]-1, 0, ..., 0)}}}}}
It follows the format's description, not the Java code: numpy when it is importable, else struct.
"""
import json
import math
import struct
import sys

try:
    import numpy as np
except ImportError:
    np = None


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    buffer = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    end_of_last = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        assert begin == end_of_last, (name, "not contiguous")
        end_of_last = end
        shape = info["shape"]
        count = math.prod(shape)
        assert end - begin == 4 * count, (name, "size does not match shape")
        tensors[name] = {"shape": shape, **summary(buffer[begin:end], shape, count)}
    assert end_of_last == len(buffer), "bytes after the last tensor"
    return {"metadata": metadata, "data_start": 8 + n, "tensors": tensors}


def summary(chunk, shape, count):
    corner = (shape[0] - 1,) + (0,) * (len(shape) - 1) if shape else ()
    if np is not None:
        a = np.frombuffer(chunk, dtype="<f4").reshape(shape)
        return {"sum": float(a.astype(np.float64).sum()),
                "head": [float(x) for x in a.reshape(-1)[:4]],
                "last_row": float(a[corner]) if count else None}
    values = struct.unpack("<%df" % count, chunk)
    # Row-major: index (shape[0]-1, 0, ...) is that many rows of prod(shape[1:]) values in.
    row = math.prod(shape[1:]) if shape else 1
    return {"sum": math.fsum(values),
            "head": list(values[:4]),
            "last_row": values[(shape[0] - 1) * row if shape else 0] if count else None}


if __name__ == "__main__":
    out = {"reader": "numpy" if np is not None else "struct",
           "files": {p: read(p) for p in sys.argv[1:]}}
    json.dump(out, sys.stdout)
