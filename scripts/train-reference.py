#!/usr/bin/python3
"""Trains the PyTorch reference of a preset on Fashion-MNIST and writes
samples for `gantrain eval`, for FID parity runs against gantrain (same
architecture, objective, optimizer, batch and iterations; other random
draws).  The iteration and the models are scripts/lockstep.py's, so they are
the ones `gantrain lockstep` checks gantrain against step for step.

    /usr/bin/python3 scripts/train-reference.py dcgan --iters 1875 --seed 1 \\
        [--flavour reference|gantrain] [--samples 10000] --out DIR

writes DIR/log.csv (iteration, d_loss, g_loss), DIR/samples/NNNNNN.png
(10000 by default, G in training mode on batches of the training batch
size, as `gantrain sample --dir` and `gantrain eval` generate them), and
DIR/grid.png (the first 64).  --flavour reference (default) is the script
the preset follows (PyTorch-GAN's gan.py/dcgan.py with a sigmoid and
BCELoss, wgan.py/wgan_gp.py with their interleaved schedule, ...);
gantrain is gantrain's iteration with the preset's defaults.  Real batches:
Fashion-MNIST's 60000 training images reshuffled every epoch, the last
partial batch of an epoch dropped (gantrain's loader does the same;
PyTorch-GAN's DataLoader keeps it)."""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lockstep as ls  # noqa: E402


class Draws:
    """The run's own random draws (what lockstep.Recorder draws, unrecorded)."""

    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)

    def put(self, kind, arr):
        pass

    def z(self, n, dim, uniform):
        return (torch.rand(n, dim, generator=self.gen) * 2 - 1) if uniform else torch.randn(n, dim, generator=self.gen)

    def labels(self, n, classes):
        return torch.randint(0, classes, (n,), generator=self.gen)

    def alpha(self, n):
        return torch.rand(n, generator=self.gen)

    def keep(self, shape, p):
        return torch.bernoulli(torch.full(shape, 1 - p), generator=self.gen)


def save_png(path, img):
    from PIL import Image  # python3-pil, installed with python3-torch
    Image.fromarray(img).save(path)


def to_u8(x):
    # gantrain's gt_pixel_u8: (v + 1) * 127.5, clamped, rounded to nearest even
    return np.clip(np.rint((x.numpy().astype(np.float32) + 1.0) * np.float32(127.5)), 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("preset")
    ap.add_argument("--iters", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flavour", choices=["reference", "gantrain"], default="reference")
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    G, D, shape, s = ls.preset(a.preset, "full")
    draws = Draws(a.seed)
    ls.record_dropout(D, draws)
    G.train()
    D.train()
    tr = ls.Trainer(G, D, s, a.flavour, draws, ls.RealData(shape, a.seed))
    os.makedirs(os.path.join(a.out, "samples"), exist_ok=True)
    t0 = time.time()
    with open(os.path.join(a.out, "log.csv"), "w") as log:
        log.write("step,d_loss,g_loss\n")
        for it in range(1, a.iters + 1):
            dl, gl = tr.iteration()
            if it % a.log_every == 0 or it == a.iters:
                log.write("%d,%.7g,%.7g\n" % (it, dl, gl))
                log.flush()
            if not np.isfinite(dl) or not np.isfinite(gl):
                sys.exit("train-reference: diverged at iteration %d" % it)
    train_s = time.time() - t0
    gen = torch.Generator().manual_seed(a.seed + 12345)
    B, k = s["batch"], 0
    grid = []
    with torch.no_grad():
        while k < a.samples:
            z = (torch.rand(B, s["z"], generator=gen) * 2 - 1) if s["uniform"] else torch.randn(B, s["z"], generator=gen)
            y = torch.randint(0, s["classes"], (B,), generator=gen) if s["classes"] else None
            imgs = to_u8(G(z, y))
            for img in imgs:
                if k == a.samples:
                    break
                im = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
                save_png(os.path.join(a.out, "samples", "%06d.png" % k), im)
                if k < 64:
                    grid.append(im)
                k += 1
    h, w = grid[0].shape[:2]
    canvas = np.zeros((8 * (h + 2) + 2, 8 * (w + 2) + 2) + grid[0].shape[2:], np.uint8)
    for i, im in enumerate(grid):
        r, q = divmod(i, 8)
        canvas[2 + r * (h + 2):2 + r * (h + 2) + h, 2 + q * (w + 2):2 + q * (w + 2) + w] = im
    save_png(os.path.join(a.out, "grid.png"), canvas)
    with open(os.path.join(a.out, "time.txt"), "w") as f:
        f.write("%.1f\n" % train_s)
    print("%s: %d iterations in %.0f s, %d samples in %s" % (a.preset, a.iters, train_s, k, a.out))


if __name__ == "__main__":
    main()
