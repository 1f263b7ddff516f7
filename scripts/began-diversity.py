#!/usr/bin/python3
"""Sample diversity of BEGAN (began32, PyTorch-GAN's began.py) over training
steps, in gantrain and in PyTorch at the same settings, to tell mode collapse
caused by a bug from BEGAN's own early behaviour.

Diversity = the mean over pixels of the per-pixel standard deviation across
64 images G(z) (z fixed; G in training mode, batch statistics, as both
programs draw their sample grids), on the [-1, 1] scale.  0 means every z
gives the same image; real Fashion-MNIST at 32x32 scores about 0.6.

    /usr/bin/python3 scripts/began-diversity.py torch --out DIR [--steps 1000] [--lr 1e-4]
        trains the PyTorch reference, writes DIR/diversity.csv
    /usr/bin/python3 scripts/began-diversity.py gantrain --run RUN --out DIR
        reads every RUN/ckpt/step_*.gtck (train.ckpt_every = 50, keep_ckpts
        large), draws 64 images with `gantrain sample`, writes DIR/diversity.csv
Both take --g-width 32 --d-width 16 --h-dim 32 --batch 32 --every 50 (the
small budget of scripts/experiments/2-began-lr.sh)."""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def diversity(imgs):
    """imgs: (N, H, W) in [-1, 1] -> mean per-pixel std across N"""
    return float(np.asarray(imgs, np.float64).std(axis=0).mean())


def run_torch(a):
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, HERE)
    from torch_models import BEGAN32Disc, DC32Gen

    def dcgan_init(m):
        name = m.__class__.__name__
        if name.find("Conv") != -1:
            torch.nn.init.normal_(m.weight, 0.0, 0.02)
        elif name.find("BatchNorm2d") != -1:
            torch.nn.init.normal_(m.weight, 1.0, 0.02)
            torch.nn.init.constant_(m.bias, 0.0)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with gzip.open(os.path.join(a.data, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    x = torch.tensor(x.astype(np.float32) / 127.5 - 1)
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    print("real data diversity (64 images): %.4f" % diversity(x[:64, 0].numpy()), file=sys.stderr)
    G, D = DC32Gen(62, 1, 32, w=a.g_width), BEGAN32Disc(1, 32, d=a.d_width, h=a.h_dim)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    og = torch.optim.Adam(G.parameters(), lr=a.lr, betas=(0.5, 0.999))
    od = torch.optim.Adam(D.parameters(), lr=a.lr, betas=(0.5, 0.999))
    zfix = torch.randn(64, 62)
    B, k, gamma, lam = a.batch, 0.0, 0.75, 0.001
    perm, pos = torch.randperm(len(x)), 0
    os.makedirs(a.out, exist_ok=True)
    log = open(os.path.join(a.out, "diversity.csv"), "w")
    log.write("step,diversity,l_real,l_fake,k_t,m_global\n")

    def measure(step, lr_, lf, m):
        with torch.no_grad():  # G stays in training mode, as began.py's saved grids
            d = diversity(G(zfix)[:, 0].numpy())
        log.write("%d,%.6f,%.6f,%.6f,%.6f,%.6f\n" % (step, d, lr_, lf, k, m))
        log.flush()
    measure(0, float("nan"), float("nan"), float("nan"))
    for step in range(1, a.steps + 1):
        if pos + B > len(x):
            perm, pos = torch.randperm(len(x)), 0
        real = x[perm[pos:pos + B]]
        pos += B
        # began.py's order: G's update, then D's on the same (detached) batch
        og.zero_grad()
        fake = G(torch.randn(B, 62))
        g_loss = torch.mean(torch.abs(D(fake) - fake))
        g_loss.backward()
        og.step()
        od.zero_grad()
        l_real = torch.mean(torch.abs(D(real) - real))
        fd = fake.detach()
        l_fake = torch.mean(torch.abs(D(fd) - fd))
        (l_real - k * l_fake).backward()
        od.step()
        diff = gamma * l_real.item() - l_fake.item()
        k = min(max(k + lam * diff, 0.0), 1.0)
        m = l_real.item() + abs(diff)
        if step % a.every == 0:
            measure(step, l_real.item(), l_fake.item(), m)


def run_gantrain(a):
    from PIL import Image
    g = a.gantrain or os.path.join(HERE, "..", "gantrain")
    ck = os.path.join(a.run, "ckpt")
    files = sorted(f for f in os.listdir(ck) if f.startswith("step_") and f.endswith(".gtck"))
    logf = os.path.join(a.run, "log.csv")
    rows = {}
    with open(logf) as f:
        head = f.readline().strip().split(",")
        for line in f:
            v = dict(zip(head, line.strip().split(",")))
            rows[int(float(v["step"]))] = v
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "diversity.csv"), "w") as log:
        log.write("step,diversity,l_real,l_fake,k_t,m_global\n")
        for fn in files:
            step = int(fn[5:-5])
            with tempfile.TemporaryDirectory() as td:
                subprocess.run([g, "--threads", "1", "--quiet", "sample", os.path.join(ck, fn), "--n", "64",
                                "--batch", "64", "--dir", td], check=True)
                imgs = [np.asarray(Image.open(os.path.join(td, p)).convert("L"), np.float64) / 127.5 - 1
                        for p in sorted(os.listdir(td)) if p.endswith(".png")]
            r = rows.get(step, {})
            log.write("%d,%.6f,%s,%s,%s,%s\n" % (step, diversity(imgs), r.get("l_real", ""), r.get("l_fake", ""),
                                                 r.get("k_t", ""), r.get("m_global", "")))
            log.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("which", choices=["torch", "gantrain"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--run", help="gantrain: the run directory")
    ap.add_argument("--gantrain", help="gantrain: the binary (default ../gantrain)")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--g-width", type=int, default=32)
    ap.add_argument("--d-width", type=int, default=16)
    ap.add_argument("--h-dim", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    if a.which == "torch":
        run_torch(a)
    else:
        if not a.run:
            ap.error("gantrain needs --run")
        run_gantrain(a)


if __name__ == "__main__":
    main()
