#!/usr/bin/python3
"""Times one training iteration (one generator update with all its critic
updates) of each preset in PyTorch, on the same architecture, batch,
objective, optimizer and thread count as `gantrain bench`, on synthetic
batches.  Prints one JSON line per preset.

    /usr/bin/python3 scripts/bench-vs-pytorch.py --threads 2 [--seconds 10] [preset ...]

The iteration follows gantrain's scheme (src/train/trainer.c): with one
critic step the generator goes first and the discriminator trains on the
same fakes; with n_critic > 1 the critic takes its steps on fresh batches
and fakes made without a graph, then the generator one step."""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import (BEGAN32Disc, BEGANAE, BEGANDecoder, CGANDisc, DC32Disc,  # noqa: E402
                          DC32Gen, DC64Disc, DC64Gen, MLPDisc, MLPGen)

G_HIDDEN = [128, 256, 512, 1024]


def dcgan_init(m):
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif name.find("BatchNorm2d") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.constant_(m.bias, 0.0)


def preset(name):
    """(G, D, data shape, z dim, classes, objective, n_critic, batch, optimizers)"""
    adam = lambda lr, b1, b2: (lambda p: torch.optim.Adam(p, lr=lr, betas=(b1, b2)))
    if name == "gan":
        return MLPGen(100, G_HIDDEN, (1, 28, 28)), MLPDisc(784, [512, 256]), (1, 28, 28), 100, 0, "ns", 1, 64, adam(2e-4, .5, .999)
    if name == "cgan":
        return (MLPGen(100, G_HIDDEN, (1, 32, 32), cond=10), CGANDisc(1024, 10, [512, 512, 512], 0.4),
                (1, 32, 32), 100, 10, "ls", 1, 64, adam(2e-4, .5, .999))
    if name == "wgan":
        return (MLPGen(100, G_HIDDEN, (1, 28, 28)), MLPDisc(784, [512, 256]), (1, 28, 28), 100, 0, "wgan", 5, 64,
                lambda p: torch.optim.RMSprop(p, lr=5e-5))
    if name == "wgan_gp":
        return (MLPGen(100, G_HIDDEN, (1, 28, 28)), MLPDisc(784, [512, 256]), (1, 28, 28), 100, 0, "wgan-gp", 5, 64,
                adam(1e-4, 0.0, 0.9))
    if name == "dcgan":
        g, d = DC32Gen(100, 1, 32), DC32Disc(1, 32)
        g.apply(dcgan_init)
        d.apply(dcgan_init)
        return g, d, (1, 32, 32), 100, 0, "ns", 1, 64, adam(2e-4, .5, .999)
    if name == "began":
        g, d = DC32Gen(62, 1, 32), BEGAN32Disc(1, 32)
        g.apply(dcgan_init)
        d.apply(dcgan_init)
        return g, d, (1, 32, 32), 62, 0, "began", 1, 64, adam(2e-4, .5, .999)
    if name == "dcgan64":
        g, d = DC64Gen(100, 64, 3), DC64Disc(3, 64)
        g.apply(dcgan_init)
        d.apply(dcgan_init)
        return g, d, (3, 64, 64), 100, 0, "ns", 1, 64, adam(2e-4, .5, .999)
    if name == "began64":
        return (BEGANDecoder(64, 128, 3, 4), BEGANAE(3, 64, 4, 128), (3, 64, 64), 64, 0, "began", 1, 16,
                adam(8e-5, .5, .999))
    raise SystemExit("unknown preset " + name)


def make_iteration(name, real_source=None):
    """One training iteration of preset `name` as a function returning
    (d_loss, g_loss); real_source(B) -> (x, labels) gives real batches
    (default: uniform noise, for timing)."""
    G, D, shape, zd, classes, obj, n_critic, B, opt = preset(name)
    og, od = opt(G.parameters()), opt(D.parameters())
    state = {"k": 0.0}

    def z():
        return torch.rand(B, zd) * 2 - 1 if name == "began64" else torch.randn(B, zd)

    def real():
        if real_source:
            return real_source(B)
        x = torch.rand((B,) + shape) * 2 - 1
        y = torch.randint(0, classes, (B,)) if classes else None
        return x, y

    def d_out(x, y):
        return D(x, y)

    def g_loss_of(fake, y):
        out = d_out(fake, y)
        if obj == "ns":
            return F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        if obj == "ls":
            return F.mse_loss(out, torch.ones_like(out))
        if obj in ("wgan", "wgan-gp"):
            return -out.mean()
        return torch.mean(torch.abs(out - fake))

    def d_step(x, y, fake, yf):
        od.zero_grad()
        if obj == "began":
            lr_ = torch.mean(torch.abs(d_out(x, y) - x))
            lf = torch.mean(torch.abs(d_out(fake, yf) - fake))
            loss = lr_ - state["k"] * lf
            diff = (0.5 if name == "began64" else 0.75) * lr_.item() - lf.item()
            state["k"] = min(max(state["k"] + 0.001 * diff, 0), 1)
        else:
            dr, df = d_out(x, y), d_out(fake, yf)
            if obj == "ns":
                loss = 0.5 * (F.binary_cross_entropy_with_logits(dr, torch.ones_like(dr)) +
                              F.binary_cross_entropy_with_logits(df, torch.zeros_like(df)))
            elif obj == "ls":
                loss = 0.5 * (F.mse_loss(dr, torch.ones_like(dr)) + F.mse_loss(df, torch.zeros_like(df)))
            else:
                loss = df.mean() - dr.mean()
                if obj == "wgan-gp":
                    a = torch.rand((B,) + (1,) * len(shape))
                    xh = (a * x + (1 - a) * fake).requires_grad_(True)
                    g, = torch.autograd.grad(d_out(xh, y).sum(), xh, create_graph=True)
                    loss = loss + 10 * ((g.reshape(B, -1).norm(2, dim=1) - 1) ** 2).mean()
        loss.backward()
        od.step()
        if obj == "wgan":
            for p in D.parameters():
                p.data.clamp_(-0.01, 0.01)
        return loss.item()

    def iteration():
        if n_critic == 1:
            yf = torch.randint(0, classes, (B,)) if classes else None
            og.zero_grad()
            fake = G(z(), yf)
            gl = g_loss_of(fake, yf)
            gl.backward()
            og.step()
            x, y = real()
            dl = d_step(x, y, fake.detach(), yf)
        else:
            for _ in range(n_critic):
                x, y = real()
                yf = torch.randint(0, classes, (B,)) if classes else None
                with torch.no_grad():
                    fake = G(z(), yf)
                dl = d_step(x, y, fake, yf)
            yf = torch.randint(0, classes, (B,)) if classes else None
            og.zero_grad()
            gl = g_loss_of(G(z(), yf), yf)
            gl.backward()
            og.step()
        return dl, gl.item()
    iteration.G = G
    iteration.zd = zd
    return iteration, B, n_critic


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("presets", nargs="*", default=["gan", "cgan", "wgan", "wgan_gp", "dcgan", "began",
                                                   "dcgan64", "began64"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for name in a.presets:
        it, B, nc = make_iteration(name)
        for _ in range(2):
            it()
        times, t_end = [], time.time() + a.seconds
        while time.time() < t_end or len(times) < 3:
            t0 = time.time()
            it()
            times.append((time.time() - t0) * 1e3)
        times.sort()
        try:
            import resource
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        except ImportError:
            rss = float("nan")
        print(json.dumps({"preset": name, "threads": a.threads, "batch": B, "n_critic": nc,
                          "iters": len(times), "ms_median": round(times[len(times) // 2], 3),
                          "ms_min": round(times[0], 3), "peak_rss_mb": round(rss, 1),
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
