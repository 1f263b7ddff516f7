#!/usr/bin/python3
"""Makes the PyTorch weight files that test gantrain's .pth reader
(src/io/pth.c), in both of torch.save's formats.

    /usr/bin/python3 scripts/make-pth-fixtures.py
        writes the small committed fixtures (tests/fixtures/pth_*), below.
    /usr/bin/python3 scripts/make-pth-fixtures.py --inception DIR [PNG ...]
        at test time (tests/test_pth.c runs it when python3-torch and
        python3-pil are installed; CI has neither and skips): the FID
        Inception-v3 with make-inception-fixtures.py's hash weights saved as
        DIR/inception_zip.pth and DIR/inception_legacy.pth, DIR/manifest.txt
        (one line per state_dict tensor: name, dtype, shape, CRC-32 of its
        little-endian bytes in row-major order) and DIR/features.gtf: the
        pool features ("I.pool") and logits ("I.logits") of PNG I by the
        model as pytorch-fid runs it (float32, eval mode), one image at a
        time (the PNGs may differ in size).
        Pixels map to [-1, 1] as v / 127.5 - 1, gantrain's rule.

Committed fixtures (a few KB; CI reads them without torch):
  pth_small_zip.pth     a small state_dict, zip format (torch >= 1.6 default)
  pth_small_legacy.pth  the same, _use_new_zipfile_serialization=False
  pth_small_p4.pth      the same, zip format with pickle protocol 4
                        (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL)
  pth_small.gtf         its non-empty float32 tensors by name (row-major, flat)
  pth_bad_opcode.pth    a state_dict holding a set: opcode EMPTY_SET
  pth_bad_module.pth    torch.save of a whole nn.Linear: a class global
  pth_inc_shape.pth     one Inception key with the wrong shape
  pth_inc_dtype.pth     one Inception key as float64
  pth_inc_partial.pth   one Inception key, right shape: the others missing
The small state_dict has mixed shapes, a transposed view, a view at an
offset into a storage another tensor shares, a stride-0 expanded tensor,
a 0-d tensor, an empty tensor, a 5-d tensor and an int64 counter (as
BatchNorm's num_batches_tracked).
"""
import argparse
import collections
import importlib.util
import os
import sys
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixture_io  # noqa: E402

OUT = os.path.join(HERE, "..", "tests", "fixtures")


def small_state_dict():
    g = torch.Generator().manual_seed(1234)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    sd["conv.bias"] = torch.randn(4, generator=g)
    base = torch.randn(5, 7, generator=g)
    sd["fc.weight_t"] = base.t()  # strides (1, 7)
    shared = torch.randn(6, 5, generator=g)
    sd["shared.whole"] = shared
    sd["shared.window"] = shared[2:5, 1:4]  # offset 11 into the same storage, strides (5, 1)
    sd["expanded"] = torch.randn(3, generator=g).expand(4, 3)  # strides (0, 1)
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["five_d"] = torch.randn(2, 1, 3, 1, 2, generator=g)
    sd["steps"] = torch.tensor(7, dtype=torch.int64)
    return sd


def save_small():
    sd = small_state_dict()
    torch.save(sd, os.path.join(OUT, "pth_small_zip.pth"))
    torch.save(sd, os.path.join(OUT, "pth_small_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(OUT, "pth_small_p4.pth"), pickle_protocol=4)
    # flattened (.gtf holds up to 4 dims), the empty tensor left out
    fixture_io.write(os.path.join(OUT, "pth_small.gtf"),
                     {k: v.contiguous().numpy().reshape(-1) for k, v in sd.items()
                      if v.dtype == torch.float32 and v.numel()})
    for name in ("pth_small_zip.pth", "pth_small_legacy.pth", "pth_small_p4.pth"):
        back = torch.load(os.path.join(OUT, name))
        assert list(back) == list(sd) and all(torch.equal(back[k], sd[k]) for k in sd), name

    bad = collections.OrderedDict(w=torch.ones(2), tags={"a", "b"})
    torch.save(bad, os.path.join(OUT, "pth_bad_opcode.pth"), pickle_protocol=4)
    torch.manual_seed(0)
    torch.save(torch.nn.Linear(2, 2), os.path.join(OUT, "pth_bad_module.pth"))

    key = "Conv2d_1a_3x3.conv.weight"
    torch.save({key: torch.zeros(32, 27)}, os.path.join(OUT, "pth_inc_shape.pth"))
    torch.save({key: torch.zeros(32, 3, 3, 3, dtype=torch.float64)}, os.path.join(OUT, "pth_inc_dtype.pth"))
    torch.save({key: torch.zeros(32, 3, 3, 3)}, os.path.join(OUT, "pth_inc_partial.pth"),
               _use_new_zipfile_serialization=False)
    for f in sorted(os.listdir(OUT)):
        if f.startswith("pth_"):
            print("%-22s %6d bytes" % (f, os.path.getsize(os.path.join(OUT, f))))


def load_inception_module():
    spec = importlib.util.spec_from_file_location(
        "make_inception_fixtures", os.path.join(HERE, "make-inception-fixtures.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}


def save_inception(out, pngs):
    from PIL import Image

    torch.set_num_threads(1)
    fx = load_inception_module()
    model = fx.build_model()
    sd = model.state_dict()
    torch.save(sd, os.path.join(out, "inception_zip.pth"))
    torch.save(sd, os.path.join(out, "inception_legacy.pth"), _use_new_zipfile_serialization=False)
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        for k, v in sd.items():
            b = v.contiguous().numpy().astype(v.numpy().dtype.newbyteorder("<")).tobytes()
            f.write("%s %s %s %08x\n" % (k, DTYPES[v.dtype], ",".join(map(str, v.shape)) or "-",
                                         zlib.crc32(b) & 0xFFFFFFFF))
    feats = {}
    for i, path in enumerate(pngs):
        img = Image.open(path)
        a = np.asarray(img, dtype=np.float64)
        a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)  # [C, H, W]
        x = torch.from_numpy(a / 127.5 - 1.0)[None]
        with torch.no_grad():
            pool, logits = model(x.float())
        feats["%d.pool" % i] = pool.numpy()
        feats["%d.logits" % i] = logits.numpy()
    fixture_io.write(os.path.join(out, "features.gtf"), feats)
    print("make-pth-fixtures: %d tensors, %d images -> %s" % (len(sd), len(pngs), out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inception", metavar="DIR", help="write the hash-weights Inception files there")
    ap.add_argument("pngs", nargs="*", help="images whose features to compute (with --inception)")
    args = ap.parse_args()
    if args.inception:
        save_inception(args.inception, args.pngs)
    else:
        save_small()


if __name__ == "__main__":
    main()
