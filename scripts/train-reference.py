#!/usr/bin/python3
"""Trains a preset in PyTorch on Fashion-MNIST with the iteration of
bench-vs-pytorch.py, to compare learning curves and samples with gantrain's
(same architecture, objective, optimizer and batch; other random draws).

    /usr/bin/python3 scripts/train-reference.py dcgan --steps 1000 --out ref/
writes ref/log.csv (step,d_loss,g_loss) and ref/samples.png (G in training mode, as
PyTorch-GAN saves its samples)."""
import argparse
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location(
    "bvp", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-vs-pytorch.py"))
bvp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bvp)


def load_fashion(path="/usr/share/datasets/fashion-mnist"):
    with gzip.open(os.path.join(path, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(path, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.tensor(x.astype(np.float32) / 127.5 - 1), torch.tensor(y.astype(np.int64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("preset")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--out", default="ref")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x, y = load_fashion()
    size = bvp.preset(a.preset)[2][-1]
    if size != 28:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    perm, pos = torch.randperm(len(x)), [0]

    def source(B):
        if pos[0] + B > len(x):
            perm[:] = torch.randperm(len(x))
            pos[0] = 0
        idx = perm[pos[0]:pos[0] + B]
        pos[0] += B
        return x[idx], y[idx]

    it, B, nc = bvp.make_iteration(a.preset, source)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "log.csv"), "w") as log:
        log.write("step,d_loss,g_loss\n")
        for step in range(1, a.steps + 1):
            dl, gl = it()
            if step % a.log_every == 0:
                log.write("%d,%.6f,%.6f\n" % (step, dl, gl))
                log.flush()
    with torch.no_grad():
        imgs = it.G(torch.randn(64, it.zd), None)
    g = ((imgs.clamp(-1, 1) + 1) * 127.5).round().byte().numpy()
    n, c, h, w = g.shape
    grid = np.zeros((8 * (h + 2) + 2, 8 * (w + 2) + 2), np.uint8)
    for i in range(n):
        r, q = divmod(i, 8)
        grid[2 + r * (h + 2):2 + r * (h + 2) + h, 2 + q * (w + 2):2 + q * (w + 2) + w] = g[i, 0]
    from PIL import Image  # python3-pil, next to python3-torch
    Image.fromarray(grid).save(os.path.join(a.out, "samples.png"))


if __name__ == "__main__":
    main()
