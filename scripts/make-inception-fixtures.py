#!/usr/bin/python3
"""Makes the PyTorch reference fixtures of the Inception feature extractor
and of its pooling / resizing ops.

Run with Debian's Python and python3-torch:
    /usr/bin/python3 scripts/make-inception-fixtures.py
CI never runs this; it only reads the committed output.

tests/fixtures/pool_ops.gtf: for every pool/resize case, the float32 inputs
x0, the output y, a random cotangent r, the gradient g0 = d sum(y*r) / d x0,
a random s0 and hr = d <g0, s0> / d r (the backward's own derivative, by
torch's double backward).  References in float64 from the float32 inputs.

tests/fixtures/inception_hash.gtf: the 2048-d pool features and 1008 logits
of the FID Inception-v3 (pytorch-fid's fid_inception_v3: FIDInceptionA/C/E_1/
E_2 blocks, BN eps 1e-3, bilinear resize to 299) with synthetic weights that
gantrain generates identically from an integer hash (see hash_uniform and
fill_hash; src/eval/inception.c has the C twin), for a few hash-generated
input batches of different sizes, one grayscale.  No weights are stored.

The model below is written from the architecture of torchvision's
Inception3 and pytorch-fid's FID patches; when python3-torchvision is
installed it is cross-checked against torchvision's own blocks (same
state_dict keys, shapes, order, and the same outputs).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
D = torch.float64

# ---------------------------------------------------------------------------
# the synthetic-weight hash (C twin: gt_inception_hash_uniform)

M32 = 0xFFFFFFFF


def mix32(x):
    """lowbias32 integer hash on uint32 values held in uint64 numpy arrays
    (every constant a np.uint64, so numpy never falls back to float)"""
    u = np.uint64
    x = np.asarray(x, dtype=u) & u(M32)
    x ^= x >> u(16)
    x = (x * u(0x7FEB352D)) & u(M32)
    x ^= x >> u(15)
    x = (x * u(0x846CA68B)) & u(M32)
    x ^= x >> u(16)
    return x


def hash_uniform(t, n, lo, hi):
    """n float32 values in [lo, hi): element i of stream t is
    lo + (hi - lo) * u, u = (mix32(i + mix32(t * 0x9E3779B9 + 0x632BE5AB)) >> 8) / 2^24,
    evaluated in double and rounded to float32."""
    u64 = np.uint64
    seed = mix32((t * 0x9E3779B9 + 0x632BE5AB) & M32)
    x = mix32((np.arange(n, dtype=u64) + seed) & u64(M32))
    u = (x >> u64(8)).astype(np.float64) * (1.0 / 16777216.0)
    return (lo + (hi - lo) * u).astype(np.float32)


def hash_range(name, shape):
    """the range of a synthetic tensor, chosen so activations stay O(1)"""
    if name.endswith("conv.weight"):
        fan_in = int(np.prod(shape[1:]))
        a = np.sqrt(6.0 / fan_in)  # He-uniform: keeps E[x^2] through conv + ReLU
        return -a, a
    if name.endswith("bn.weight"):
        return 0.8, 1.2
    if name.endswith("bn.bias") or name.endswith("running_mean"):
        return -0.2, 0.2
    if name.endswith("running_var"):
        return 0.5, 1.5
    if name == "fc.weight":
        a = np.sqrt(3.0 / shape[1])
        return -a, a
    if name == "fc.bias":
        return -0.5, 0.5
    raise ValueError(name)


IMAGE_STREAM = 1000  # images of case k use stream IMAGE_STREAM + k


def float_keys(model):
    return [k for k, v in model.state_dict().items() if v.is_floating_point()]


def fill_hash(model):
    sd = model.state_dict()
    with torch.no_grad():
        for t, name in enumerate(float_keys(model)):
            lo, hi = hash_range(name, tuple(sd[name].shape))
            v = hash_uniform(t, sd[name].numel(), lo, hi)
            sd[name].copy_(torch.from_numpy(v).reshape(sd[name].shape))


# ---------------------------------------------------------------------------
# the FID Inception-v3


class BasicConv2d(nn.Module):
    def __init__(self, cin, cout, k, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def tf_avg(x):
    # TensorFlow's average pool: padded zeros are not counted
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class MixedA(nn.Module):  # FIDInceptionA
    def __init__(self, cin, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, 1)
        self.branch5x5_1 = BasicConv2d(cin, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, 1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch5x5_2(self.branch5x5_1(x))
        c = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        d = self.branch_pool(tf_avg(x))
        return torch.cat([a, b, c, d], 1)


class MixedB(nn.Module):  # InceptionB (Mixed_6a)
    def __init__(self, cin):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x):
        a = self.branch3x3(x)
        b = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([a, b, F.max_pool2d(x, 3, stride=2)], 1)


class MixedC(nn.Module):  # FIDInceptionC
    def __init__(self, cin, c7):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, 1)
        self.branch7x7_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        c = self.branch7x7dbl_1(x)
        for m in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            c = m(c)
        d = self.branch_pool(tf_avg(x))
        return torch.cat([a, b, c, d], 1)


class MixedD(nn.Module):  # InceptionD (Mixed_7a)
    def __init__(self, cin):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x):
        a = self.branch3x3_2(self.branch3x3_1(x))
        b = self.branch7x7x3_1(x)
        for m in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b = m(b)
        return torch.cat([a, b, F.max_pool2d(x, 3, stride=2)], 1)


class MixedE(nn.Module):  # FIDInceptionE_1 (pool="avg") / FIDInceptionE_2 (pool="max")
    def __init__(self, cin, pool):
        super().__init__()
        self.pool = pool
        self.branch1x1 = BasicConv2d(cin, 320, 1)
        self.branch3x3_1 = BasicConv2d(cin, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch3x3_1(x)
        b = torch.cat([self.branch3x3_2a(b), self.branch3x3_2b(b)], 1)
        c = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        c = torch.cat([self.branch3x3dbl_3a(c), self.branch3x3dbl_3b(c)], 1)
        p = tf_avg(x) if self.pool == "avg" else F.max_pool2d(x, 3, stride=1, padding=1)
        return torch.cat([a, b, c, self.branch_pool(p)], 1)


class FIDInception(nn.Module):
    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = MixedA(192, 32)
        self.Mixed_5c = MixedA(256, 64)
        self.Mixed_5d = MixedA(288, 64)
        self.Mixed_6a = MixedB(288)
        self.Mixed_6b = MixedC(768, 128)
        self.Mixed_6c = MixedC(768, 160)
        self.Mixed_6d = MixedC(768, 160)
        self.Mixed_6e = MixedC(768, 192)
        self.Mixed_7a = MixedD(768)
        self.Mixed_7b = MixedE(1280, "avg")
        self.Mixed_7c = MixedE(2048, "max")
        self.fc = nn.Linear(2048, 1008)

    def trunk(self, x):
        """x: [N, 3, 299, 299] -> [N, 2048, 8, 8]"""
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, 3, stride=2)
        for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
            x = getattr(self, "Mixed_" + name)(x)
        return x

    def forward(self, x):
        """x: [N, 1 or 3, H, W] in [-1, 1] -> pool [N, 2048], logits [N, 1008]"""
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        pool = F.adaptive_avg_pool2d(self.trunk(x), 1).flatten(1)
        return pool, self.fc(pool)


def build_model():
    m = FIDInception().eval()
    fill_hash(m)
    return m


# ---------------------------------------------------------------------------
# cross-check against torchvision's blocks with pytorch-fid's patches


def torchvision_fid_model():
    """torchvision's Inception3 patched as pytorch-fid's fid_inception_v3
    does, or None when torchvision is not installed"""
    try:
        import torchvision.models.inception as tvi
    except ImportError:
        return None

    class A(tvi.InceptionA):
        def forward(self, x):
            o = [self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)),
                 self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                 self.branch_pool(tf_avg(x))]
            return torch.cat(o, 1)

    class C(tvi.InceptionC):
        def forward(self, x):
            b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
            c = self.branch7x7dbl_5(self.branch7x7dbl_4(self.branch7x7dbl_3(
                self.branch7x7dbl_2(self.branch7x7dbl_1(x)))))
            return torch.cat([self.branch1x1(x), b, c, self.branch_pool(tf_avg(x))], 1)

    class E(tvi.InceptionE):
        def __init__(self, cin, use_max):
            super().__init__(cin)
            self.use_max = use_max

        def forward(self, x):
            b = self.branch3x3_1(x)
            b = torch.cat([self.branch3x3_2a(b), self.branch3x3_2b(b)], 1)
            c = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
            c = torch.cat([self.branch3x3dbl_3a(c), self.branch3x3dbl_3b(c)], 1)
            p = F.max_pool2d(x, 3, stride=1, padding=1) if self.use_max else tf_avg(x)
            return torch.cat([self.branch1x1(x), b, c, self.branch_pool(p)], 1)

    m = tvi.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    m.Mixed_5b, m.Mixed_5c, m.Mixed_5d = A(192, 32), A(256, 64), A(288, 64)
    m.Mixed_6b, m.Mixed_6c, m.Mixed_6d, m.Mixed_6e = C(768, 128), C(768, 160), C(768, 160), C(768, 192)
    m.Mixed_7b, m.Mixed_7c = E(1280, False), E(2048, True)
    return m.eval()


def cross_check(ours):
    tv = torchvision_fid_model()
    if tv is None:
        print("torchvision not installed: skipping the cross-check against it")
        return
    a = {k: v for k, v in ours.state_dict().items() if v.is_floating_point()}
    b = {k: v for k, v in tv.state_dict().items() if v.is_floating_point()}
    assert list(a) == list(b), "state_dict keys or order differ from torchvision's"
    for k in a:
        assert a[k].shape == b[k].shape, (k, a[k].shape, b[k].shape)
    tv.load_state_dict(ours.state_dict(), strict=False)
    x = torch.from_numpy(hash_uniform(999, 2 * 3 * 299 * 299, -1, 1)).reshape(2, 3, 299, 299)
    with torch.no_grad():
        p, lg = ours(x)
        seen = []
        hook = tv.avgpool.register_forward_hook(lambda mod, i, o: seen.append(o.flatten(1)))
        lq = tv(x)
        hook.remove()
        q = seen[0]
    ep = (p - q).abs().max().item() / q.abs().max().item()
    el = (lg - lq).abs().max().item() / lq.abs().max().item()
    print("cross-check vs torchvision + FID patches: %d tensors, pool rel err %.2g, logits %.2g"
          % (len(a), ep, el))
    assert ep < 1e-5 and el < 1e-5


# ---------------------------------------------------------------------------
# fixtures

# (name, shape) of the input batches; images are hash streams IMAGE_STREAM + k
INCEPTION_CASES = [
    ("rgb64x2", (2, 3, 64, 64)),      # upsampled, batch of two
    ("gray28", (1, 1, 28, 28)),       # grayscale, repeated to RGB
    ("rgb299", (1, 3, 299, 299)),     # no resize
    ("rgb331x310", (1, 3, 331, 310)), # downsampled, non-square
]


def case_images(k, shape):
    return hash_uniform(IMAGE_STREAM + k, int(np.prod(shape)), -1.0, 1.0).reshape(shape)


def make_inception():
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    m = build_model()
    cross_check(m)
    md = build_model().double()
    out = {}
    keys = float_keys(m)
    sd = m.state_dict()
    # per-tensor sums: tell a C hash or ordering mismatch apart from a forward one
    out["weights.sum"] = np.array([sd[k].double().sum().item() for k in keys])
    for k, (name, shape) in enumerate(INCEPTION_CASES):
        x = case_images(k, shape)
        with torch.no_grad():
            p, lg = md(torch.from_numpy(x).double())
            p32, l32 = m(torch.from_numpy(x))
        out["%s.shape" % name] = np.array(shape, np.float32)
        out["%s.pool" % name] = p.numpy()
        out["%s.logits" % name] = lg.numpy()
        scale = p.abs().max().item()
        print("%-11s pool |max| %.3f mean %.3f, logits |max| %.3f; torch float32 vs float64: "
              "pool %.2g logits %.2g" % (
                  name, scale, p.mean().item(), lg.abs().max().item(),
                  (p32.double() - p).abs().max().item() / scale,
                  (l32.double() - lg).abs().max().item() / lg.abs().max().item()))
    fixture_io.write(os.path.join(OUT, "inception_hash.gtf"), out)
    print("wrote inception_hash.gtf: %d tensors over %d weight tensors" % (len(out), len(keys)))


def rnd(rs, *shape, lo=-1.0, hi=1.0):
    return rs.uniform(lo, hi, size=shape).astype(np.float32)


def distinct(rs, *shape):
    """values at least 0.04 apart, shuffled, so max pooling has no near-ties
    (finite differences stay away from the kinks)"""
    n = int(np.prod(shape))
    v = (rs.permutation(n) - n / 2) * 0.04 + rs.uniform(-0.005, 0.005, size=n)
    return v.reshape(shape).astype(np.float32)


def make_pool_ops():
    rs = np.random.RandomState(4321)
    cases = []

    def case(name, x, fn):
        cases.append((name, x, fn))

    for cip in (1, 0):
        case("avg_k3s1p1_cip%d" % cip, rnd(rs, 2, 3, 7, 6),
             lambda x, c=cip: F.avg_pool2d(x, 3, 1, 1, count_include_pad=bool(c)))
        case("avg_k3x2s2x1p1x0_cip%d" % cip, rnd(rs, 1, 2, 9, 5),
             lambda x, c=cip: F.avg_pool2d(x, (3, 2), (2, 1), (1, 0), count_include_pad=bool(c)))
        case("avg_k5s3p2_cip%d" % cip, rnd(rs, 2, 2, 11, 8),
             lambda x, c=cip: F.avg_pool2d(x, 5, 3, 2, count_include_pad=bool(c)))
    case("avg_k2s2p0", rnd(rs, 2, 3, 4, 6), lambda x: F.avg_pool2d(x, 2))
    case("max_k3s2p0", distinct(rs, 2, 3, 9, 8), lambda x: F.max_pool2d(x, 3, 2))
    case("max_k3s1p1", distinct(rs, 1, 3, 6, 7), lambda x: F.max_pool2d(x, 3, 1, 1))
    case("max_k2x3s1x2p1x1", distinct(rs, 2, 1, 5, 9), lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 1)))
    case("max_k3s3p1_neg", distinct(rs, 1, 2, 7, 7) - 5.0, lambda x: F.max_pool2d(x, 3, 3, 1))
    case("gap", rnd(rs, 3, 4, 5, 6), lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1))
    for (ih, iw, oh, ow) in ((5, 4, 11, 9), (9, 12, 4, 5), (6, 7, 6, 7), (1, 3, 4, 2), (7, 6, 7, 13),
                             (28, 12, 299, 31)):
        case("resize_%dx%d_%dx%d" % (ih, iw, oh, ow), rnd(rs, 2, 2, ih, iw) if ih < 28 else
             rnd(rs, 1, 1, ih, iw),
             lambda x, s=(oh, ow): F.interpolate(x, size=s, mode="bilinear", align_corners=False))

    out = {}
    for name, x, fn in cases:
        xt = torch.tensor(x, dtype=D, requires_grad=True)
        y = fn(xt)
        r = torch.tensor(rnd(rs, *y.shape), dtype=D, requires_grad=True)
        (g,) = torch.autograd.grad(y, xt, r, create_graph=True)
        s = torch.tensor(rnd(rs, *x.shape), dtype=D)
        (hr,) = torch.autograd.grad(g, r, s)
        out[name + ".x0"] = x
        out[name + ".y"] = y.detach().numpy()
        out[name + ".r"] = r.detach().numpy()
        out[name + ".g0"] = g.detach().numpy()
        out[name + ".s0"] = s.numpy()
        out[name + ".hr"] = hr.numpy()
    fixture_io.write(os.path.join(OUT, "pool_ops.gtf"), out)
    print("wrote pool_ops.gtf: %d cases" % len(cases))


if __name__ == "__main__":
    make_pool_ops()
    make_inception()
