"""Reads and writes gantrain's test fixture files (.gtf).

Layout (little-endian): magic b"GTFIXT01", uint32 count, then per tensor:
uint16 name length, name (utf-8), uint8 ndim, int32 dims[ndim], float32 data.
"""
import struct

import numpy as np

MAGIC = b"GTFIXT01"


def write(path, tensors):
    """tensors: dict name -> array (stored as float32)."""
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<I", len(tensors)))
        for name, arr in tensors.items():
            a = np.ascontiguousarray(np.asarray(arr, dtype=np.float32))
            nb = name.encode()
            f.write(struct.pack("<H", len(nb)))
            f.write(nb)
            f.write(struct.pack("<B", a.ndim))
            f.write(struct.pack("<%di" % a.ndim, *a.shape))
            f.write(a.astype("<f4").tobytes())


def read(path):
    out = {}
    with open(path, "rb") as f:
        assert f.read(8) == MAGIC
        (n,) = struct.unpack("<I", f.read(4))
        for _ in range(n):
            (ln,) = struct.unpack("<H", f.read(2))
            name = f.read(ln).decode()
            (nd,) = struct.unpack("<B", f.read(1))
            shape = struct.unpack("<%di" % nd, f.read(4 * nd))
            cnt = int(np.prod(shape)) if nd else 1
            out[name] = np.frombuffer(f.read(4 * cnt), "<f4").reshape(shape)
    return out
