#!/usr/bin/python3
"""Trains the PyTorch reference of a preset for K iterations and records
everything the run consumes, so that `gantrain lockstep` can feed the same
inputs to gantrain's trainer and compare after every iteration.

    /usr/bin/python3 scripts/lockstep.py gan [--size small|full] [--iters 200]
        [--store 1-20,50,100,150,200] [--flavour gantrain|reference]
        [--out DIR] [--run] [--gantrain ./gantrain]

writes DIR/NAME.ini (the gantrain config of the same model and training) and
DIR/NAME.npz (the members listed in include/gantrain/lockstep.h); with --run
it runs `gantrain lockstep` on them and prints the largest relative
parameter difference at iterations 1, 10, 100, 200 and the first iteration
and tensor beyond --tol.

Flavours: `gantrain` is gantrain's training iteration (src/train/trainer.c)
with the preset's settings.  `pytorch-gan` is PyTorch-GAN's script for the
preset as written there (gan.py, dcgan.py: a sigmoid on D's output and
BCELoss; wgan.py, wgan_gp.py: a critic step on every batch and a generator
step after every n_critic-th, on the same z; the rest as gantrain), with the
gantrain config keys that select the same behaviour.

--size small makes narrow networks on small images with batch 16 (what the
committed test fixtures use); full is the preset itself on Fashion-MNIST
(/usr/share/datasets/fashion-mnist; 64-px presets get it resized and grey
repeated to RGB; began64 at width 32)."""
import argparse
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from torch_models import (BEGAN32Disc, BEGANAE, BEGANDecoder, CGANDisc, DC32Disc,  # noqa: E402
                          DC32Gen, DC64Disc, DC64Gen, MLPDisc, MLPGen)

PRESETS = ["gan", "cgan", "dcgan", "wgan", "wgan_gp", "began", "dcgan64", "began64"]


# ---- recorded draws ------------------------------------------------------
class Recorder:
    """Every draw of the run, in order, per kind (the members of the .npz)."""

    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.np = np.random.RandomState(seed)
        self.out = {}
        self.count = {}

    def put(self, kind, arr):
        j = self.count.get(kind, 0)
        self.count[kind] = j + 1
        self.out["%s.%d" % (kind, j)] = np.array(arr, dtype=np.float32, copy=True)  # not a view: masks are scaled in place

    def z(self, n, dim, uniform):
        z = (torch.rand(n, dim, generator=self.gen) * 2 - 1) if uniform else torch.randn(n, dim, generator=self.gen)
        self.put("z", z.numpy())
        return z

    def labels(self, n, classes):
        y = torch.randint(0, classes, (n,), generator=self.gen)
        self.put("fake_labels", y.numpy())
        return y

    def alpha(self, n):
        a = torch.rand(n, generator=self.gen)
        self.put("alpha", a.numpy())
        return a

    def keep(self, shape, p):
        k = torch.bernoulli(torch.full(shape, 1 - p), generator=self.gen)
        self.put("keep", k.numpy())
        return k


class Replayer:
    """The recorded draws again, in float64: the same run computed with
    about 1e-16 round-off, the yardstick for both float32 programs."""

    def __init__(self, out, dtype=torch.float64):
        self.src, self.count, self.dtype = out, {}, dtype

    def take(self, kind):
        j = self.count.get(kind, 0)
        self.count[kind] = j + 1
        return torch.tensor(self.src["%s.%d" % (kind, j)], dtype=self.dtype)

    def put(self, kind, arr):
        pass

    def z(self, n, dim, uniform):
        return self.take("z")

    def labels(self, n, classes):
        return self.take("fake_labels").long()

    def alpha(self, n):
        return self.take("alpha")

    def keep(self, shape, p):
        return self.take("keep")

    def batch(self, n):
        return self.take("real"), (self.take("real_labels").long() if "real_labels.0" in self.src else None)


class RecordedDropout(nn.Module):
    """nn.Dropout / nn.Dropout2d with the mask drawn by the recorder; the
    same arithmetic as torch's: x * (bernoulli(1 - p) / (1 - p))."""

    def __init__(self, p, channels, rec):
        super().__init__()
        self.p, self.channels, self.rec = p, channels, rec

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        shape = (x.shape[0], x.shape[1], 1, 1) if self.channels else tuple(x.shape)
        return x * self.rec.keep(shape, self.p).div_(1 - self.p)


def record_dropout(net, rec):
    for name, mod in list(net.named_modules()):
        for cname, child in list(mod.named_children()):
            if isinstance(child, (nn.Dropout, nn.Dropout2d)):
                setattr(mod, cname, RecordedDropout(child.p, isinstance(child, nn.Dropout2d), rec))


# ---- the presets ---------------------------------------------------------
def dcgan_init(m):
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif name.find("BatchNorm2d") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.constant_(m.bias, 0.0)


def xavier_init(m):
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        nn.init.xavier_uniform_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def preset(name, size):
    """(G, D, shape, settings): settings are the training hyperparameters and
    the gantrain --set lines that build the same model."""
    small = size == "small"
    s = {"z": 100, "uniform": False, "classes": 0, "batch": 16 if small else 64, "n_critic": 1,
         "opt": ("adam", 2e-4, 0.5, 0.999), "sets": []}
    if name in ("gan", "wgan", "wgan_gp"):
        shape = (1, 8, 8) if small else (1, 28, 28)
        gh, dh = ([8, 16, 16, 12], [12, 16]) if small else ([128, 256, 512, 1024], [512, 256])
        s["z"] = 20 if small else 100
        g, d = MLPGen(s["z"], gh, shape), MLPDisc(int(np.prod(shape)), dh)
        s["sets"] = ["model.g_hidden=" + ",".join(map(str, gh)), "model.d_hidden=" + ",".join(map(str, dh))]
        s["obj"] = {"gan": "ns", "wgan": "wgan", "wgan_gp": "wgan-gp"}[name]
        if name == "wgan":
            s.update(n_critic=5, opt=("rmsprop", 5e-5), clip=0.01)
        if name == "wgan_gp":
            s.update(n_critic=5, opt=("adam", 1e-4, 0.0, 0.9), gp=10.0)
    elif name == "cgan":
        shape = (1, 8, 8) if small else (1, 32, 32)
        gh, dh = ([8, 16, 16, 12], [12, 16, 16]) if small else ([128, 256, 512, 1024], [512, 512, 512])
        s.update(z=20 if small else 100, classes=10, obj="ls")
        g = MLPGen(s["z"], gh, shape, cond=10)
        d = CGANDisc(int(np.prod(shape)), 10, dh, 0.4)
        s["sets"] = ["model.g_hidden=" + ",".join(map(str, gh)), "model.d_hidden=" + ",".join(map(str, dh))]
    elif name in ("dcgan", "began"):
        shape = (1, 16, 16) if small else (1, 32, 32)
        gw = 8 if small else 128
        if name == "dcgan":
            s.update(z=16 if small else 100, obj="ns")
            dw = 4 if small else 16
            g, d = DC32Gen(s["z"], 1, shape[1], w=gw), DC32Disc(1, shape[1], d=dw)
            s["sets"] = ["model.g_width=%d" % gw, "model.d_width=%d" % dw]
        else:
            s.update(z=12 if small else 62, obj="began", gamma=0.75, lambda_k=0.001)
            dw, h = (4, 6) if small else (64, 32)
            g, d = DC32Gen(s["z"], 1, shape[1], w=gw), BEGAN32Disc(1, shape[1], d=dw, h=h)
            s["sets"] = ["model.g_width=%d" % gw, "model.d_width=%d" % dw, "model.h_dim=%d" % h]
        g.apply(dcgan_init)
        d.apply(dcgan_init)
    elif name == "dcgan64":
        shape = (3, 64, 64)
        w = 4 if small else 64
        s.update(z=16 if small else 100, obj="ns", batch=8 if small else 128)
        g, d = DC64Gen(s["z"], w, 3), DC64Disc(3, w)
        g.apply(dcgan_init)
        d.apply(dcgan_init)
        s["sets"] = ["model.g_width=%d" % w, "model.d_width=%d" % w]
    elif name == "began64":
        shape = (3, 32, 32) if small else (3, 64, 64)
        n, h = (8, 16) if small else (32, 64)
        rep = int(np.log2(shape[1])) - 2
        s.update(z=16 if small else 64, uniform=True, obj="began", batch=8 if small else 16,
                 opt=("adam", 8e-5, 0.5, 0.999), gamma=0.5, lambda_k=0.001,
                 lr_update_step=3 if small else 100000, lr_decay=0.5, lr_min=2e-5)
        g, d = BEGANDecoder(s["z"], n, 3, rep), BEGANAE(3, h, rep, n)
        g.apply(xavier_init)
        d.apply(xavier_init)
        s["sets"] = ["model.g_width=%d" % n, "model.d_width=%d" % n, "model.h_dim=%d" % h]
        if small:
            s["sets"] += ["train.lr_update_step=3"]
    else:
        raise SystemExit("lockstep.py: unknown preset %s (one of %s)" % (name, ", ".join(PRESETS)))
    s["sets"] += ["model.z_dim=%d" % s["z"], "train.batch_size=%d" % s["batch"]]
    # what the preset's reference script does differently from gantrain's
    # defaults: a sigmoid + BCELoss discriminator (PyTorch-GAN gan.py and
    # dcgan.py, the PyTorch DCGAN example), and the interleaved schedule
    # (PyTorch-GAN wgan.py and wgan_gp.py; the DCGAN example's D-then-G on
    # one batch of noise)
    s["ref_sigmoid"] = name in ("gan", "dcgan", "dcgan64")
    s["ref_interleaved"] = name in ("wgan", "wgan_gp", "dcgan64")
    return g, d, shape, s


# ---- real data -----------------------------------------------------------
class RealData:
    """Fashion-MNIST training images in random order, resized to the model's
    shape (bilinear; grey repeated for RGB), in [-1, 1]; or, with
    noise=True, smooth random images."""

    def __init__(self, shape, seed, noise=False):
        self.rs = np.random.RandomState(seed + 1000)
        self.shape, self.x = shape, None
        if noise:
            return
        root = "/usr/share/datasets/fashion-mnist"
        with gzip.open(os.path.join(root, "train-images-idx3-ubyte.gz")) as f:
            self.x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
        with gzip.open(os.path.join(root, "train-labels-idx1-ubyte.gz")) as f:
            self.y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        self.perm, self.pos = self.rs.permutation(len(self.x)), 0

    def batch(self, n):
        C, H, W = self.shape
        if self.x is None:
            x = np.tanh(self.rs.normal(0, 1, (n, C, H, W)) * 1.5).astype(np.float32)
            return torch.tensor(x), torch.tensor(self.rs.randint(0, 10, n))
        if self.pos + n > len(self.x):
            self.perm, self.pos = self.rs.permutation(len(self.x)), 0
        idx = self.perm[self.pos:self.pos + n]
        self.pos += n
        x = torch.tensor(self.x[idx].astype(np.float32) / 127.5 - 1)
        if H != 28:
            x = F.interpolate(x, size=(H, W), mode="bilinear", align_corners=False, antialias=H < 28)
        if C == 3:
            x = x.repeat(1, 3, 1, 1)
        return x.contiguous(), torch.tensor(self.y[idx])


# ---- the training iteration ----------------------------------------------
class Trainer:
    def __init__(self, G, D, s, flavour, rec, data):
        self.G, self.D, self.s, self.flavour, self.rec, self.data = G, D, s, flavour, rec, data
        self.obj = s["obj"]
        # PyTorch-GAN's gan.py and dcgan.py end D with a sigmoid and use BCELoss
        self.sigmoid = flavour == "reference" and s["ref_sigmoid"]
        self.interleaved = flavour == "reference" and s["ref_interleaved"]
        kind = s["opt"][0]
        if kind == "adam":
            mk = lambda p: torch.optim.Adam(p, lr=s["opt"][1], betas=(s["opt"][2], s["opt"][3]))  # noqa: E731
        else:
            mk = lambda p: torch.optim.RMSprop(p, lr=s["opt"][1])  # noqa: E731
        self.og, self.od = mk(G.parameters()), mk(D.parameters())
        self.kt = 0.0
        self.step = 0
        self.B = s["batch"]

    def d_out(self, x, y):
        out = self.D(x, y)
        return torch.sigmoid(out) if self.sigmoid else out

    def bce(self, out, target):
        t = torch.full_like(out, float(target))
        return F.binary_cross_entropy(out, t) if self.sigmoid else F.binary_cross_entropy_with_logits(out, t)

    def g_loss(self, out, fake):
        o = self.obj
        if o == "ns":
            return self.bce(out, 1)
        if o == "mm":
            return -self.bce(out, 0)
        if o == "ls":
            return F.mse_loss(out, torch.ones_like(out))
        if o in ("wgan", "wgan-gp"):
            return -out.mean()
        return torch.mean(torch.abs(out - fake))

    def noise(self):
        z = self.rec.z(self.B, self.s["z"], self.s["uniform"])
        y = self.rec.labels(self.B, self.s["classes"]) if self.s["classes"] else None
        return z, y

    def real(self):
        x, y = self.data.batch(self.B)
        self.rec.put("real", x.numpy())
        if self.s["classes"]:
            self.rec.put("real_labels", y.numpy())
        return x, (y if self.s["classes"] else None)

    def d_step(self, x, y, fake, yf):
        o, s = self.obj, self.s
        self.od.zero_grad()
        dr, df = self.d_out(x, y), self.d_out(fake, yf)
        if o in ("ns", "mm"):
            loss = 0.5 * (self.bce(dr, 1) + self.bce(df, 0))
        elif o == "ls":
            loss = 0.5 * (F.mse_loss(dr, torch.ones_like(dr)) + F.mse_loss(df, torch.zeros_like(df)))
        elif o in ("wgan", "wgan-gp"):
            loss = df.mean() - dr.mean()
            if o == "wgan-gp":
                a = self.rec.alpha(self.B).view(-1, *([1] * (x.dim() - 1)))
                xh = (a * x + (1 - a) * fake).detach().requires_grad_(True)
                g, = torch.autograd.grad(self.d_out(xh, y).sum(), xh, create_graph=True)
                norm = g.reshape(g.shape[0], -1).square().sum(1).sqrt()
                loss = loss + ((norm - 1) ** 2).mean() * s["gp"]
        else:
            lx = torch.mean(torch.abs(dr - x))
            lg = torch.mean(torch.abs(df - fake))
            loss = lx - self.kt * lg
            diff = s["gamma"] * lx.item() - lg.item()
            self.kt = min(max(self.kt + s["lambda_k"] * diff, 0.0), 1.0)
        loss.backward()
        self.od.step()
        if o == "wgan":
            with torch.no_grad():
                for p in self.D.parameters():
                    p.clamp_(-s["clip"], s["clip"])
        return loss.item()

    def g_step(self, z, yf):
        self.og.zero_grad()
        fake = self.G(z, yf)
        for p in self.D.parameters():
            p.requires_grad_(False)
        loss = self.g_loss(self.d_out(fake, yf), fake)
        loss.backward()
        for p in self.D.parameters():
            p.requires_grad_(True)
        self.og.step()
        return loss.item(), fake.detach()

    def set_lrs(self):
        s = self.s
        every = s.get("lr_update_step", 0)
        f = s.get("lr_decay", 0.5) ** (self.step // every) if every else 1.0
        lr0 = s["opt"][1]
        lr = max(lr0 * f, min(s.get("lr_min", 0.0), lr0))
        for o in (self.og, self.od):
            for pg in o.param_groups:
                pg["lr"] = lr

    def iteration(self):
        """One generator update with its critic updates -> (d_loss, g_loss)."""
        self.set_lrs()
        nc = self.s["n_critic"]
        if self.interleaved:
            # PyTorch-GAN wgan(_gp).py: a critic step on every batch; after
            # every n_critic-th the generator steps on the critic's z (the
            # DCGAN example, n_critic = 1: D's step, then G's on its noise)
            for k in range(nc):
                x, y = self.real()
                z, yf = self.noise()
                with torch.no_grad():
                    fake = self.G(z, yf)
                dl = self.d_step(x, y, fake, yf)
                if k == 0:
                    gl, _ = self.g_step(z, yf)
        elif nc == 1:
            z, yf = self.noise()
            gl, fake = self.g_step(z, yf)
            x, y = self.real()
            dl = self.d_step(x, y, fake, yf)
        else:
            for _ in range(nc):
                x, y = self.real()
                z, yf = self.noise()
                with torch.no_grad():
                    fake = self.G(z, yf)
                dl = self.d_step(x, y, fake, yf)
            z, yf = self.noise()
            gl, _ = self.g_step(z, yf)
        self.step += 1
        return dl, gl


# ---- the file ------------------------------------------------------------
def tensors(net):
    """(name, tensor) in gantrain's order: state_dict without num_batches_tracked."""
    return [(k, t) for k, t in net.state_dict(keep_vars=True).items() if not k.endswith("num_batches_tracked")]


def put_state(out, prefix, net, opt):
    params = {id(p) for p in net.parameters()}
    for k, (name, t) in enumerate(tensors(net)):
        out["%s.%s.%d" % (prefix[0], prefix[1], k)] = t.detach().numpy().copy()
        if id(t) in params:
            st = opt.state.get(t, {})
            keys = ["exp_avg", "exp_avg_sq"] if isinstance(opt, torch.optim.Adam) else ["square_avg"]
            for i, key in enumerate(keys):
                if key in st:
                    out["%s.opt_%s.%d.%d" % (prefix[0], prefix[1], k, i + 1)] = st[key].numpy().copy()


def free_tensors(net, run):
    """Indices (gantrain's order) of the tensors the network's output in
    training mode does not depend on: a bias right before batch norm, whose
    gradient is zero in exact arithmetic (Adam turns the round-off of that
    zero into steps of up to lr in either program), and the running means
    that such a bias shifts.  Found by perturbing each tensor of a float64
    copy and watching the output and the buffers."""
    import copy
    base = copy.deepcopy(net).double().train()
    torch.manual_seed(123)
    with torch.no_grad():
        ref = run(base)
        buffers0 = [t.clone() for _, t in tensors(base)]
    free = set()
    names = [n for n, _ in tensors(net)]
    params = {n for n, _ in net.named_parameters()}
    for k, name in enumerate(names):
        if name not in params:
            continue
        m = copy.deepcopy(net).double().train()
        t = dict(tensors(m))[name]
        with torch.no_grad():
            t.add_(torch.randn_like(t) * 0.1)
            torch.manual_seed(123)
            out = run(m)
        if (out - ref).abs().max().item() < 1e-9 * max(1.0, ref.abs().max().item()):
            free.add(k)
            for j, (n2, t2) in enumerate(tensors(m)):
                if n2 not in params and n2.endswith("running_mean") and not torch.equal(t2, buffers0[j]):
                    free.add(j)
    return sorted(free)


def parse_store(spec, iters):
    if spec == "all":
        return set(range(1, iters + 1))
    out = set()
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.update(range(int(a), int(b) + 1))
        elif part:
            out.add(int(part))
    return out


def config_text(name, s, flavour):
    lines = ["# made by scripts/lockstep.py %s (%s flavour)" % (name, flavour), "[model]", "preset = %s" % name]
    sets = list(s["sets"])
    if flavour == "reference":
        if s["ref_sigmoid"]:
            sets.append("model.d_sigmoid=true")
        if s["ref_interleaved"]:
            sets.append("train.schedule=interleaved")
    if s["classes"]:
        sets.append("model.n_classes=%d" % s["classes"])
    by_sec = {}
    for kv in sets:
        k, v = kv.split("=", 1)
        sec, key = k.split(".", 1)
        by_sec.setdefault(sec, []).append("%s = %s" % (key, v))
    for sec in ("model", "train", "optim"):
        if sec in by_sec:
            if sec != "model":
                lines.append("[%s]" % sec)
            lines += by_sec[sec]
    return "\n".join(lines) + "\n"


def rel(a, b):
    d, m = (a - b).abs().max().item(), b.abs().max().item()
    return d / m if m > 0 else d


def replay(G, D, s, flavour, out, store, iters):
    """Runs the recorded inputs through float64 copies of the networks and
    stores, for every stored iteration, the float64 tensors (ref64.I.*) and
    how far PyTorch's float32 run is from them (yard.I.param, yard.I.state,
    over the tensors that are not free)."""
    rp = Replayer(out)
    G, D = G.double().train(), D.double().train()
    record_dropout(D, rp)
    tr = Trainer(G, D, s, flavour, rp, rp)
    free = {tag: set(out.get("meta.free." + tag, np.zeros(0)).astype(int).tolist()) for tag in "gd"}
    for it in range(1, iters + 1):
        dl, gl = tr.iteration()
        out["ref64.%d.d_loss" % it] = np.array([dl])
        out["ref64.%d.g_loss" % it] = np.array([gl])
        if it not in store:
            continue
        yp = ys = 0.0
        for tag, net, opt in (("g", G, tr.og), ("d", D, tr.od)):
            ref = {}
            put_state(ref, ("ref64.%d" % it, tag, it), net, opt)
            for k, v in ref.items():
                out[k] = v.astype(np.float32)  # float32 keeps 6e-8 of it: far below the yardstick
            for k, (_, t) in enumerate(tensors(net)):
                if k in free[tag]:
                    continue
                yp = max(yp, rel(torch.tensor(out["it.%d.%s.%d" % (it, tag, k)]).double(), t.detach()))
                for i in (1, 2):
                    key = "opt_%s.%d.%d" % (tag, k, i)
                    if "it.%d.%s" % (it, key) in out:
                        ys = max(ys, rel(torch.tensor(out["it.%d.%s" % (it, key)]).double(),
                                         torch.tensor(ref["ref64.%d.%s" % (it, key)])))
        out["yard.%d.param" % it] = np.array([yp])
        out["yard.%d.state" % it] = np.array([ys])


def record(name, size, iters, store, flavour, seed, out_dir, threads, yardstick=True, noise=False):
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    G, D, shape, s = preset(name, size)
    rec = Recorder(seed)
    out = rec.out
    out["meta.shape"] = np.array(shape, np.float32)
    out["meta.n_classes"] = np.array([s["classes"]], np.float32)
    out["meta.iters"] = np.array([iters], np.float32)
    for tag, net in (("g", G), ("d", D)):
        for k, (_, t) in enumerate(tensors(net)):
            out["init.%s.%d" % (tag, k)] = t.detach().numpy().astype(np.float32).copy()
    # tensors without effect on the outputs, compared apart
    zz = torch.randn(max(s["batch"], 4), s["z"], dtype=torch.float64)
    yy = torch.randint(0, max(s["classes"], 1), (zz.shape[0],)) if s["classes"] else None
    xx = torch.rand((zz.shape[0],) + tuple(shape), dtype=torch.float64) * 2 - 1
    for tag, net, run in (("g", G, lambda m: m(zz, yy)), ("d", D, lambda m: m(xx, yy))):
        free = free_tensors(net, run)
        if free:
            out["meta.free.%s" % tag] = np.array(free, np.float32)
    import copy
    G0, D0 = copy.deepcopy(G), copy.deepcopy(D)
    record_dropout(D, rec)
    G.train()
    D.train()
    tr = Trainer(G, D, s, flavour, rec, RealData(shape, seed, noise))
    for it in range(1, iters + 1):
        dl, gl = tr.iteration()
        out["it.%d.d_loss" % it] = np.array([dl], np.float32)
        out["it.%d.g_loss" % it] = np.array([gl], np.float32)
        if s["obj"] == "began":
            out["it.%d.kt" % it] = np.array([tr.kt], np.float64)
        if it in store:
            put_state(out, ("it.%d" % it, "g", it), G, tr.og)
            put_state(out, ("it.%d" % it, "d", it), D, tr.od)
    if yardstick:
        replay(G0, D0, s, flavour, out, store, iters)
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.join(out_dir, name + ("-small" if size == "small" else "") +
                        ("-ref" if flavour == "reference" else ""))
    with open(base + ".ini", "w") as f:
        f.write(config_text(name, s, flavour))
    np.savez_compressed(base + ".npz", **out)
    return base


def report(base, gantrain, threads, tol):
    cmd = [gantrain, "--threads", str(threads), "lockstep", base + ".ini", base + ".npz", "--json",
           "--tol", str(tol)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    for r in rows:
        if "param_rel" in r:
            print("  iter %4d  d_loss %.7g / %.7g  g_loss %.7g / %.7g  params %.2e (%s)  optim %.2e (%s)%s" % (
                r["iter"], r["d_loss"], r["ref_d_loss"], r["g_loss"], r["ref_g_loss"], r["param_rel"], r["param"],
                r["state_rel"], r["state"],
                "  [no effect on outputs: %.2e (%s)]" % (r["free_rel"], r["free"]) if r["free"] else ""))
    sys.stdout.write(p.stderr)
    return p.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("presets", nargs="+")
    ap.add_argument("--size", choices=["small", "full"], default="full")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--store", default="1-10,20,50,100,150,200")
    ap.add_argument("--flavour", choices=["gantrain", "reference"], default="gantrain")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/lockstep")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--run", action="store_true")
    ap.add_argument("--gantrain", default=os.path.join(HERE, "..", "gantrain"))
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--noise", action="store_true", help="smooth random images instead of Fashion-MNIST")
    ap.add_argument("--no-yardstick", action="store_true", help="skip the float64 replay")
    a = ap.parse_args()
    rc = 0
    for name in (PRESETS if a.presets == ["all"] else a.presets):
        base = record(name, a.size, a.iters, parse_store(a.store, a.iters), a.flavour, a.seed, a.out, a.threads,
                      not a.no_yardstick, a.noise)
        print("%s: %s.ini, %s.npz" % (name, base, base), flush=True)
        if a.run:
            rc |= report(base, a.gantrain, a.threads, a.tol)
    sys.exit(1 if rc else 0)


if __name__ == "__main__":
    main()
