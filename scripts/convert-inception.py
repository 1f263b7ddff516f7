#!/usr/bin/python3
"""Converts pytorch-fid's Inception weights to a .npz that gantrain loads.

(gantrain now reads pt_inception-2015-12-05-6726825d.pth itself, as
`scripts/fetch-data.sh inception` downloads it; this converter stays for
the .npz route and for --reference, the real weights' features.)

    /usr/bin/python3 scripts/convert-inception.py pt_inception-2015-12-05-6726825d.pth OUT.npz
        [--reference OUT.gtf]

Input: the state_dict that pytorch-fid downloads as FID_WEIGHTS_URL
(pt_inception-2015-12-05-6726825d.pth, the TF 2015-12-05 Inception graph
ported to torchvision's Inception3 layout with 1008 classes).  It is read
with torch.load on the CPU; nothing is downloaded.

Output: np.savez of float32 arrays keyed by state_dict name
("Conv2d_1a_3x3.conv.weight", "Mixed_5b.branch1x1.bn.running_mean", ...,
"fc.bias"): the 472 tensors that gt_inception_new declares, in the same
order; BN's integer num_batches_tracked counters are dropped.  gantrain reads
it with its npz reader through gt_inception_load's callback.

Every key, shape and value is checked against the architecture of
make-inception-fixtures.py (which mirrors pytorch-fid's fid_inception_v3):
missing or unexpected keys, wrong shapes, non-finite values and negative
running variances are errors.  The written file is read back and compared.

--reference OUT.gtf also writes the pool features and logits that the real
weights give for the fixture script's hash images (a .gtf as in tests/), so
gantrain's output with the converted weights can be checked against torch.
"""
import argparse
import hashlib
import importlib.util
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def load_fixture_module():
    spec = importlib.util.spec_from_file_location(
        "make_inception_fixtures", os.path.join(HERE, "make-inception-fixtures.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fail(msg):
    sys.exit("convert-inception: " + msg)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pth", help="pt_inception-2015-12-05-6726825d.pth")
    ap.add_argument("out", help="output .npz")
    ap.add_argument("--reference", help="also write reference features of the hash images (.gtf)")
    args = ap.parse_args()

    fx = load_fixture_module()
    model = fx.FIDInception().eval()
    want = {k: tuple(v.shape) for k, v in model.state_dict().items() if v.is_floating_point()}

    try:
        sd = torch.load(args.pth, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unreadable file is one error line
        fail("%s: cannot read a PyTorch state_dict (%s)" % (args.pth, e))
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        fail("%s: holds a %s, not a state_dict" % (args.pth, type(sd).__name__))

    have = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    missing = [k for k in want if k not in have]
    extra = [k for k in have if k not in want]
    if missing:
        fail("%s: missing %d tensors, first %s; is this pytorch-fid's FID Inception checkpoint?"
             % (args.pth, len(missing), missing[0]))
    if extra:
        fail("%s: %d unexpected tensors, first %s (AuxLogits? a torchvision checkpoint?)"
             % (args.pth, len(extra), extra[0]))

    arrays = {}
    for k, shape in want.items():  # the order of the network's declaration
        a = have[k].detach().cpu().numpy()
        if tuple(a.shape) != shape:
            fail("%s: %s has shape %s, expected %s" % (args.pth, k, list(a.shape), list(shape)))
        a = np.ascontiguousarray(a, dtype=np.float32)
        if not np.all(np.isfinite(a)):
            fail("%s: %s holds non-finite values" % (args.pth, k))
        if k.endswith("running_var") and (a < 0).any():
            fail("%s: %s has negative variances" % (args.pth, k))
        arrays[k] = a

    # write to a temporary name in the same directory, then rename: never half a file
    out_dir = os.path.dirname(os.path.abspath(args.out))
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        back = np.load(tmp)
        assert list(back.keys()) == list(arrays), "read-back key order differs"
        for k, a in arrays.items():
            assert back[k].dtype == np.float32 and np.array_equal(back[k], a), k
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it 0600
        os.replace(tmp, args.out)
    except BaseException:
        os.unlink(tmp)
        raise
    n = sum(a.size for a in arrays.values())
    with open(args.pth, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print("convert-inception: %s (sha256 %s...) -> %s: %d tensors, %d values"
          % (args.pth, digest[:8], args.out, len(arrays), n))

    if args.reference:
        import fixture_io  # noqa: E402  (scripts/ is on sys.path via fx)
        model.load_state_dict({k: torch.from_numpy(a) for k, a in arrays.items()}, strict=False)
        md = model.double()
        out = {}
        for k, (name, shape) in enumerate(fx.INCEPTION_CASES):
            x = torch.from_numpy(fx.case_images(k, shape)).double()
            with torch.no_grad():
                p, lg = md(x)
            out["%s.shape" % name] = np.array(shape, np.float32)
            out["%s.pool" % name] = p.numpy()
            out["%s.logits" % name] = lg.numpy()
        fixture_io.write(args.reference, out)
        print("convert-inception: reference features of %d cases -> %s"
              % (len(fx.INCEPTION_CASES), args.reference))


if __name__ == "__main__":
    main()
