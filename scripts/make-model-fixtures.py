#!/usr/bin/python3
"""Makes tests/fixtures/models.gtf: for every architecture, a PyTorch model
written like its reference implementation (PyTorch-GAN's gan/cgan/dcgan/
began, the PyTorch DCGAN example, BEGAN-tensorflow ported to NCHW), with
narrow widths so the fixture stays small, its weights in state_dict order,
inputs, and the outputs of G and D in training mode (batch statistics),
the running statistics after that step, and G in eval mode afterwards.

Run with /usr/bin/python3 (python3-torch).  tests/test_models.c builds the
same architecture in gantrain, copies the weights in the same order, and
compares."""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "models.gtf")


from torch_models import (BEGAN32Disc, BEGANAE, BEGANDecoder, CGANDisc, DC32Disc,  # noqa: E402
                          DC32Gen, DC64Disc, DC64Gen, MLPDisc, MLPGen)


def no_dropout(m):
    for mod in m.modules():
        if isinstance(mod, (nn.Dropout, nn.Dropout2d)):
            mod.p = 0.0


CASES = [
    # name, G, D, data shape, classes, z dim
    ("gan", lambda: MLPGen(20, [8, 16, 16, 12], (1, 28, 28)), lambda: MLPDisc(784, [12, 16]), (1, 28, 28), 0, 20),
    ("cgan", lambda: MLPGen(20, [8, 16, 16, 12], (1, 32, 32), cond=10),
     lambda: CGANDisc(1024, 10, [12, 16, 16], 0.4), (1, 32, 32), 10, 20),
    ("dcgan", lambda: DC32Gen(16, 1, 32, w=8), lambda: DC32Disc(1, 32, d=4), (1, 32, 32), 0, 16),
    ("began", lambda: DC32Gen(12, 1, 32, w=8), lambda: BEGAN32Disc(1, 32, d=4, h=6), (1, 32, 32), 0, 12),
    ("dcgan64", lambda: DC64Gen(16, 4, 3), lambda: DC64Disc(3, 4), (3, 64, 64), 0, 16),
    ("began64", lambda: BEGANDecoder(16, 8, 3, 3), lambda: BEGANAE(3, 16, 3, 8), (3, 32, 32), 0, 16),
]


def main():
    rs = np.random.RandomState(5)
    out = {}
    for name, mk_g, mk_d, shape, classes, zdim in CASES:
        g, d = mk_g(), mk_d()
        no_dropout(d)
        for net, tag in ((g, "g"), (d, "d")):
            # non-trivial batch-norm affine parameters and running statistics
            k = 0
            for key, t in net.state_dict().items():
                if key.endswith("num_batches_tracked"):
                    continue
                with torch.no_grad():
                    if key.endswith("running_var"):
                        t.copy_(torch.tensor(rs.uniform(0.5, 1.5, t.shape)))
                    elif key.endswith("running_mean"):
                        t.copy_(torch.tensor(rs.uniform(-0.2, 0.2, t.shape)))
                out["%s.%s.%d" % (name, tag, k)] = t.detach().numpy().copy()
                k += 1
        n = 2 if shape[1] == 64 else 4
        z = torch.tensor(rs.uniform(-1, 1, (n, zdim)).astype(np.float32))
        x = torch.tensor(rs.uniform(-1, 1, (n,) + shape).astype(np.float32))
        labels = torch.tensor(rs.randint(0, classes, n)) if classes else None
        out[name + ".z"] = z.numpy()
        out[name + ".x"] = x.numpy()
        if classes:
            out[name + ".labels"] = labels.numpy().astype(np.float32)
        g.train()
        d.train()
        with torch.no_grad():
            out[name + ".gz"] = g(z, labels).numpy().copy()
            out[name + ".dx"] = d(x, labels).numpy().copy()
            # running statistics after this step, in state_dict order
            for net, tag in ((g, "g"), (d, "d")):
                k = 0
                for key, t in net.state_dict().items():
                    if key.endswith("num_batches_tracked"):
                        continue
                    if "running" in key:
                        out["%s.%s_after.%d" % (name, tag, k)] = t.numpy().copy()
                    k += 1
            g.eval()
            out[name + ".gz_eval"] = g(z, labels).numpy().copy()
    fixture_io.write(OUT, out)
    print("models.gtf: %d tensors, %d bytes" % (len(out), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
