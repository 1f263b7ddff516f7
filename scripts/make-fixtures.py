#!/usr/bin/python3
"""Makes gantrain's PyTorch reference fixtures (tests/fixtures/*.gtf).

Run with Debian's Python and python3-torch:  /usr/bin/python3 scripts/make-fixtures.py
CI never runs this; it only reads the committed output.

ops.gtf: for every op case, the float32 inputs x<i>, the output y, a random
cotangent r, the gradients g<i> = d sum(y*r) / d x<i>, and, for cases that
must differentiate twice, a random s<i> per input and h<i> = d sum_j <g_j, s_j>
/ d x<i> (torch.autograd.grad with create_graph=True).  References are
computed in float64 from the float32 inputs.

gp.gtf: the WGAN-GP penalty lambda * mean((||grad_x D(x_hat)||_2 - 1)^2) of an
MLP critic and of a conv critic, with its gradient for every parameter.

optim.gtf: ten steps of each optimizer configuration on a fixed problem.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
D = torch.float64


def rnd(rs, *shape, lo=-1.0, hi=1.0):
    return rs.uniform(lo, hi, size=shape).astype(np.float32)


def away(rs, *shape, gap=0.1, lo=-1.0, hi=1.0, at=0.0):
    """uniform values kept at least gap away from the kink at `at`"""
    x = rs.uniform(lo, hi, size=shape)
    x = np.where(np.abs(x - at) < gap, at + np.sign(x - at + 1e-9) * gap * 1.5, x)
    return x.astype(np.float32)


CASES = []


def case(name, inputs, fn, diff=None, second=True, extra=None):
    CASES.append(dict(name=name, inputs=inputs, fn=fn,
                      diff=diff if diff is not None else [True] * len(inputs),
                      second=second, extra=extra))


def build_cases():
    rs = np.random.RandomState(1234)
    # elementwise, broadcasting
    case("add_same", [rnd(rs, 3, 4), rnd(rs, 3, 4)], lambda a, b: a + b)
    case("add_bcast", [rnd(rs, 2, 3, 4, 5), rnd(rs, 3, 1, 5)], lambda a, b: a + b)
    case("sub_bcast", [rnd(rs, 4, 5), rnd(rs, 5)], lambda a, b: a - b)
    case("mul_bcast", [rnd(rs, 2, 3, 4), rnd(rs, 2, 1, 4)], lambda a, b: a * b)
    case("mul_scalar", [rnd(rs, 3, 4), rnd(rs)], lambda a, b: a * b)
    case("div_bcast", [rnd(rs, 3, 4), rnd(rs, 4, lo=0.5, hi=2.0)], lambda a, b: a / b)
    case("affine", [rnd(rs, 3, 5)], lambda x: 1.7 * x - 0.3)
    case("pow3", [rnd(rs, 4, 5, lo=0.2, hi=1.5)], lambda x: x ** 3)
    case("pow_1_5", [rnd(rs, 4, 5, lo=0.2, hi=1.5)], lambda x: x ** 1.5)
    case("square", [rnd(rs, 4, 5)], lambda x: x * x)
    case("sqrt", [rnd(rs, 4, 5, lo=0.2, hi=2.0)], torch.sqrt)
    case("abs", [away(rs, 4, 5)], torch.abs)
    case("exp", [rnd(rs, 4, 5)], torch.exp)
    case("log", [rnd(rs, 4, 5, lo=0.2, hi=2.0)], torch.log)
    case("clamp_min", [away(rs, 4, 5, at=0.25)], lambda x: torch.clamp(x, min=0.25))
    # activations
    case("relu", [away(rs, 3, 7)], F.relu)
    case("leaky_relu", [away(rs, 3, 7)], lambda x: F.leaky_relu(x, 0.2))
    case("elu", [away(rs, 3, 7, lo=-2, hi=2)], lambda x: F.elu(x, 1.0))
    case("elu_a05", [away(rs, 3, 7, lo=-2, hi=2)], lambda x: F.elu(x, 0.5))
    case("tanh", [rnd(rs, 3, 7, lo=-2, hi=2)], torch.tanh)
    case("sigmoid", [rnd(rs, 3, 7, lo=-3, hi=3)], torch.sigmoid)
    # reductions and shape
    case("sum_all", [rnd(rs, 2, 3, 4)], lambda x: x.sum())
    case("sum_dim1", [rnd(rs, 2, 3, 4)], lambda x: x.sum(dim=1))
    case("mean_all", [rnd(rs, 2, 3, 4, 5)], lambda x: x.mean())
    case("mean_last_keep", [rnd(rs, 2, 3, 4)], lambda x: x.mean(dim=-1, keepdim=True))
    case("sum_chan", [rnd(rs, 3, 4, 2, 5)], lambda x: x.sum(dim=(0, 2, 3), keepdim=True))
    case("flatten", [rnd(rs, 2, 3, 4, 5)], lambda x: x.reshape(2, -1) * torch.arange(60, dtype=D))
    case("concat1", [rnd(rs, 2, 3, 4), rnd(rs, 2, 5, 4)], lambda a, b: torch.cat([a, b], 1))
    case("concat0", [rnd(rs, 2, 3), rnd(rs, 4, 3), rnd(rs, 1, 3)], lambda a, b, c: torch.cat([a, b, c], 0))
    case("slice", [rnd(rs, 3, 6, 2)], lambda x: x[:, 1:4, :])
    # matmul / linear
    for ta in (0, 1):
        for tb in (0, 1):
            a = rnd(rs, *((4, 3) if ta else (3, 4)))
            b = rnd(rs, *((5, 4) if tb else (4, 5)))
            case("matmul_%d%d" % (ta, tb), [a, b],
                 lambda a, b, ta=ta, tb=tb: (a.t() if ta else a) @ (b.t() if tb else b))
    case("linear", [rnd(rs, 5, 7), rnd(rs, 3, 7), rnd(rs, 3)], F.linear)
    case("linear_nobias", [rnd(rs, 5, 7), rnd(rs, 3, 7)], F.linear)
    # convolutions: odd, non-square shapes
    case("conv_s1p1", [rnd(rs, 2, 3, 7, 6), rnd(rs, 4, 3, 3, 3), rnd(rs, 4)],
         lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1))
    case("conv_s2p0", [rnd(rs, 1, 3, 9, 8), rnd(rs, 5, 3, 3, 2), rnd(rs, 5)],
         lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=0))
    case("conv_s2p2", [rnd(rs, 3, 2, 7, 9), rnd(rs, 4, 2, 4, 3)],
         lambda x, w: F.conv2d(x, w, None, stride=2, padding=2))
    case("conv_1x1", [rnd(rs, 2, 5, 4, 3), rnd(rs, 3, 5, 1, 1), rnd(rs, 3)],
         lambda x, w, b: F.conv2d(x, w, b))
    case("convt_s2p1op1", [rnd(rs, 2, 4, 5, 4), rnd(rs, 4, 3, 3, 3), rnd(rs, 3)],
         lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1))
    case("convt_s1p0", [rnd(rs, 1, 3, 4, 5), rnd(rs, 3, 2, 3, 2)],
         lambda x, w: F.conv_transpose2d(x, w, None, stride=1, padding=0))
    case("convt_s2p0_k4", [rnd(rs, 3, 2, 3, 3), rnd(rs, 2, 3, 4, 4), rnd(rs, 3)],
         lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1))
    # resampling
    case("upsample2", [rnd(rs, 2, 3, 4, 5)], lambda x: F.interpolate(x, scale_factor=2, mode="nearest"))
    case("upsample3", [rnd(rs, 1, 2, 3, 2)], lambda x: F.interpolate(x, scale_factor=3, mode="nearest"))
    case("avgpool2", [rnd(rs, 2, 3, 4, 6)], lambda x: F.avg_pool2d(x, 2))
    # normalisation
    def bn_train(x, g, b, rm, rv):
        rm, rv = rm.clone(), rv.clone()
        y = F.batch_norm(x, rm, rv, g, b, training=True, momentum=0.1, eps=1e-5)
        return y, {"rm": rm, "rv": rv}
    case("bn2d_train", [rnd(rs, 4, 3, 5, 5), rnd(rs, 3, lo=0.5, hi=1.5), rnd(rs, 3),
                        rnd(rs, 3), rnd(rs, 3, lo=0.5, hi=1.5)], bn_train,
         diff=[True, True, True, False, False], second=False)
    case("bn1d_train", [rnd(rs, 6, 5) * 3 + 1, rnd(rs, 5, lo=0.5, hi=1.5), rnd(rs, 5),
                        rnd(rs, 5), rnd(rs, 5, lo=0.5, hi=1.5)], bn_train,
         diff=[True, True, True, False, False], second=False)
    def bn_eval(x, g, b, rm, rv):
        return F.batch_norm(x, rm, rv, g, b, training=False, eps=0.8)
    case("bn2d_eval", [rnd(rs, 3, 4, 3, 2), rnd(rs, 4, lo=0.5, hi=1.5), rnd(rs, 4),
                       rnd(rs, 4), rnd(rs, 4, lo=0.5, hi=1.5)], bn_eval,
         diff=[True, True, True, False, False])
    case("layer_norm", [rnd(rs, 3, 4, 5) * 2, rnd(rs, 4, 5, lo=0.5, hi=1.5), rnd(rs, 4, 5)],
         lambda x, w, b: F.layer_norm(x, (4, 5), w, b, eps=1e-5))
    case("layer_norm4d", [rnd(rs, 2, 3, 2, 2), rnd(rs, 3, 2, 2), rnd(rs, 3, 2, 2)],
         lambda x, w, b: F.layer_norm(x, (3, 2, 2), w, b, eps=1e-5))
    # lookup
    idx = np.array([3, 0, 9, 3, 5, 1], dtype=np.float32)
    case("embedding", [idx, rnd(rs, 10, 4)], lambda i, w: F.embedding(i.long(), w), diff=[False, True])
    # losses
    case("bce", [rnd(rs, 6, 1, lo=0.05, hi=0.95), (rs.rand(6, 1) > 0.5).astype(np.float32)],
         F.binary_cross_entropy, diff=[True, False])
    case("bce_soft", [rnd(rs, 4, 3, lo=0.05, hi=0.95), rnd(rs, 4, 3, lo=0, hi=1)],
         F.binary_cross_entropy, diff=[True, False])
    case("bce_logits", [rnd(rs, 6, 1, lo=-4, hi=4), (rs.rand(6, 1) > 0.5).astype(np.float32)],
         F.binary_cross_entropy_with_logits, diff=[True, False])
    case("mse", [rnd(rs, 5, 3), rnd(rs, 5, 3)], F.mse_loss)
    case("l1", [rnd(rs, 5, 3), rnd(rs, 5, 3)], F.l1_loss)
    case("softmax", [rnd(rs, 4, 6, lo=-3, hi=3)], lambda x: F.softmax(x, dim=1))
    case("log_softmax", [rnd(rs, 4, 6, lo=-3, hi=3)], lambda x: F.log_softmax(x, dim=1))
    case("cross_entropy", [rnd(rs, 5, 4, lo=-3, hi=3), np.array([0, 3, 1, 1, 2], np.float32)],
         lambda x, t: F.cross_entropy(x, t.long()), diff=[True, False])
    # l1 loss with a kink check: keep x - t away from 0
    CASES[-4]["inputs"][1] = (CASES[-4]["inputs"][0] + away(rs, 5, 3, gap=0.1)).astype(np.float32)


def arr(t):
    """A tensor's values as a new array.  torch 1.13 returns some zero
    gradients as storage-less "efficient zero tensors" whose .numpy() shows
    whatever memory lies there, so those are materialised explicitly."""
    t = t.detach()
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape))
    return t.numpy().copy()


def run_case(c, rs):
    name = c["name"]
    xs = [torch.tensor(x, dtype=D, requires_grad=d) for x, d in zip(c["inputs"], c["diff"])]
    res = c["fn"](*xs)
    extra = {}
    if isinstance(res, tuple):
        res, extra = res
    out = {}
    for i, x in enumerate(c["inputs"]):
        out["%s.x%d" % (name, i)] = x
    out[name + ".y"] = arr(res)
    for k, v in extra.items():
        out["%s.%s" % (name, k)] = arr(v)
    r = rs.uniform(-1, 1, size=res.shape).astype(np.float32)
    out[name + ".r"] = r
    dx = [x for x, d in zip(xs, c["diff"]) if d]
    gs = torch.autograd.grad((res * torch.tensor(r, dtype=D)).sum(), dx, create_graph=c["second"])
    k = 0
    for i, d in enumerate(c["diff"]):
        if d:
            out["%s.g%d" % (name, i)] = arr(gs[k])
            k += 1
    if c["second"]:
        ss = [rs.uniform(-1, 1, size=g.shape).astype(np.float32) for g in gs]
        z = sum((g * torch.tensor(s, dtype=D)).sum() for g, s in zip(gs, ss))
        hs = (torch.autograd.grad(z, dx, allow_unused=True) if z.requires_grad
              else [None] * len(dx))
        k = 0
        for i, d in enumerate(c["diff"]):
            if d:
                out["%s.s%d" % (name, i)] = ss[k]
                h = hs[k]
                out["%s.h%d" % (name, i)] = (arr(h) if h is not None
                                             else np.zeros(dx[k].shape, np.float32))
                k += 1
    return out


def make_ops():
    build_cases()
    rs = np.random.RandomState(99)
    allt = {}
    for c in CASES:
        allt.update(run_case(c, rs))
    fixture_io.write(os.path.join(OUT, "ops.gtf"), allt)
    print("ops.gtf: %d cases, %d tensors" % (len(CASES), len(allt)))


# ---- WGAN-GP penalty through an MLP and a conv critic ---------------------

def gp_penalty(critic, real, fake, alpha, lam=10.0):
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d = critic(x_hat)
    g, = torch.autograd.grad(d.sum(), x_hat, create_graph=True)
    norm = g.reshape(g.shape[0], -1).norm(2, dim=1)
    return lam * ((norm - 1) ** 2).mean()


def make_gp():
    rs = np.random.RandomState(7)
    out = {}

    def emit(prefix, params, inputs, critic):
        tp = {k: torch.tensor(v, dtype=D, requires_grad=True) for k, v in params.items()}
        ti = {k: torch.tensor(v, dtype=D) for k, v in inputs.items()}
        pen = gp_penalty(lambda x: critic(tp, x), ti["real"], ti["fake"], ti["alpha"])
        grads = torch.autograd.grad(pen, list(tp.values()), allow_unused=True)
        grads = [torch.zeros_like(t) if g is None else g for t, g in zip(tp.values(), grads)]
        for k, v in params.items():
            out["%s.%s" % (prefix, k)] = v
        for k, v in inputs.items():
            out["%s.%s" % (prefix, k)] = v
        out[prefix + ".penalty"] = np.array(pen.item(), np.float32)
        for k, g in zip(tp.keys(), grads):
            out["%s.grad.%s" % (prefix, k)] = arr(g)

    # (a) 3-layer MLP critic with LeakyReLU(0.2), drawn away from kinks as (b)
    n, din, h = 8, 12, 16

    def mlp(p, x):
        x = F.leaky_relu(F.linear(x, p["w1"], p["b1"]), 0.2)
        x = F.leaky_relu(F.linear(x, p["w2"], p["b2"]), 0.2)
        return F.linear(x, p["w3"], p["b3"])

    while True:
        params = {"w1": rnd(rs, h, din) * 0.5, "b1": rnd(rs, h) * 0.1,
                  "w2": rnd(rs, h, h) * 0.4, "b2": rnd(rs, h) * 0.1,
                  "w3": rnd(rs, 1, h) * 0.5, "b3": rnd(rs, 1) * 0.1}
        inputs = {"real": rnd(rs, n, din), "fake": rnd(rs, n, din),
                  "alpha": rs.uniform(0, 1, size=(n, 1)).astype(np.float32)}
        t = {k: torch.tensor(v, dtype=D) for k, v in params.items()}
        xh = torch.tensor(inputs["alpha"] * inputs["real"] + (1 - inputs["alpha"]) * inputs["fake"], dtype=D)
        a1 = F.linear(xh, t["w1"], t["b1"])
        a2 = F.linear(F.leaky_relu(a1, 0.2), t["w2"], t["b2"])
        if min(a1.abs().min().item(), a2.abs().min().item()) > 0.005:
            break
    emit("mlp", params, inputs, mlp)

    # (b) conv critic: conv s2 -> lrelu -> conv s2 -> layer norm -> lrelu -> linear.
    # The penalty jumps where a LeakyReLU input crosses zero, so draw until no
    # input lies near a kink: finite differences in C then see a smooth function.
    def conv_parts(p, x):
        a = F.conv2d(x, p["c1w"], p["c1b"], stride=2, padding=1)
        h = F.conv2d(F.leaky_relu(a, 0.2), p["c2w"], p["c2b"], stride=2, padding=1)
        return a, F.layer_norm(h, (8, 2, 2), p["lnw"], p["lnb"])

    def conv(p, x):
        _, l = conv_parts(p, x)
        x = F.leaky_relu(l, 0.2)
        return F.linear(x.reshape(x.shape[0], -1), p["fw"], p["fb"])

    n = 4
    while True:
        params = {"c1w": rnd(rs, 4, 2, 3, 3) * 0.5, "c1b": rnd(rs, 4) * 0.1,
                  "c2w": rnd(rs, 8, 4, 3, 3) * 0.3, "c2b": rnd(rs, 8) * 0.1,
                  "lnw": rnd(rs, 8, 2, 2, lo=0.5, hi=1.5), "lnb": rnd(rs, 8, 2, 2) * 0.1,
                  "fw": rnd(rs, 1, 32) * 0.3, "fb": rnd(rs, 1) * 0.1}
        inputs = {"real": rnd(rs, n, 2, 7, 7), "fake": rnd(rs, n, 2, 7, 7),
                  "alpha": rs.uniform(0, 1, size=(n, 1, 1, 1)).astype(np.float32)}
        t = {k: torch.tensor(v, dtype=D) for k, v in params.items()}
        xh = torch.tensor(inputs["alpha"] * inputs["real"] + (1 - inputs["alpha"]) * inputs["fake"], dtype=D)
        a, l = conv_parts(t, xh)
        if min(a.abs().min().item(), l.abs().min().item()) > 0.005:
            break
    emit("conv", params, inputs, conv)

    # (c) conv critic with ELU, tanh-free BEGAN-style blocks and upsampling
    n = 3
    params = {"c1w": rnd(rs, 3, 1, 3, 3) * 0.6, "c1b": rnd(rs, 3) * 0.1,
              "c2w": rnd(rs, 2, 3, 3, 3) * 0.4, "c2b": rnd(rs, 2) * 0.1,
              "fw": rnd(rs, 1, 2 * 6 * 6) * 0.3, "fb": rnd(rs, 1) * 0.1}
    inputs = {"real": rnd(rs, n, 1, 6, 6), "fake": rnd(rs, n, 1, 6, 6),
              "alpha": rs.uniform(0, 1, size=(n, 1, 1, 1)).astype(np.float32)}

    def conv_elu(p, x):
        x = F.elu(F.conv2d(x, p["c1w"], p["c1b"], stride=2, padding=1))
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = torch.sigmoid(F.conv2d(x, p["c2w"], p["c2b"], padding=1))
        return F.linear(x.reshape(x.shape[0], -1), p["fw"], p["fb"])
    emit("convelu", params, inputs, conv_elu)

    fixture_io.write(os.path.join(OUT, "gp.gtf"), out)
    print("gp.gtf: %d tensors" % len(out))


# ---- optimizers: ten steps on a fixed problem -----------------------------

OPTIMS = [
    ("adam", lambda p: torch.optim.Adam(p, lr=1e-2)),
    ("adam_gan", lambda p: torch.optim.Adam(p, lr=2e-4, betas=(0.5, 0.999))),
    ("adam_wgangp", lambda p: torch.optim.Adam(p, lr=1e-4, betas=(0.0, 0.9))),
    ("adam_wd", lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=0.1)),
    ("adam_ams", lambda p: torch.optim.Adam(p, lr=1e-2, amsgrad=True)),
    ("rmsprop", lambda p: torch.optim.RMSprop(p, lr=1e-2)),
    ("rmsprop_wgan", lambda p: torch.optim.RMSprop(p, lr=5e-5)),
    ("rmsprop_mom", lambda p: torch.optim.RMSprop(p, lr=1e-2, momentum=0.9, weight_decay=0.01)),
    ("rmsprop_centered", lambda p: torch.optim.RMSprop(p, lr=1e-2, centered=True)),
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd_mom", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1)),
    ("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                               weight_decay=0.01)),
]


def make_optim():
    rs = np.random.RandomState(3)
    w0, b0 = rnd(rs, 5, 4), rnd(rs, 5)
    x, y = rnd(rs, 8, 4), rnd(rs, 8, 5) * 0.5
    out = {"w0": w0, "b0": b0, "x": x, "y": y}
    for name, make in OPTIMS:
        # float32 here: the optimizer's own arithmetic is what is compared
        w = torch.tensor(w0, requires_grad=True)
        b = torch.tensor(b0, requires_grad=True)
        opt = make([w, b])
        tx, ty = torch.tensor(x), torch.tensor(y)
        for _ in range(10):
            opt.zero_grad()
            loss = F.mse_loss(torch.tanh(F.linear(tx, w, b)), ty)
            loss.backward()
            opt.step()
        out[name + ".w"] = arr(w)
        out[name + ".b"] = arr(b)
    fixture_io.write(os.path.join(OUT, "optim.gtf"), out)
    print("optim.gtf: %d configurations" % len(OPTIMS))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_ops()
    make_gp()
    make_optim()
