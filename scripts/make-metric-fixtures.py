#!/usr/bin/python3
"""Makes the reference fixtures of the eval metrics and of the .npz reader/writer.

Run with Debian's Python (numpy, scipy):  /usr/bin/python3 scripts/make-metric-fixtures.py
CI never runs this; tests/test_metrics.c and tests/test_npz.c only read the
committed output in tests/fixtures/:

metrics_ref.gtf -- float32 feature sets and float64 references computed the
    way the reference implementations do (pytorch-fid, torch-fidelity, prdc),
    in float64 from the float32 features.  A .gtf stores float32 only, so
    every float64 reference is stored as a pair [hi, lo] with hi = f32(v),
    lo = f32(v - hi): hi + lo gives v to ~1e-14 relative.
npz_savez.npz, npz_savez_compressed.npz -- the same arrays written by
    np.savez and np.savez_compressed (float64, float32, Fortran order, 0-d,
    empty, plus an int64 and a 3-D member the reader must refuse).
npz_writer_ref.npz -- np.savez of the arrays tests/test_npz.c writes with
    gt_npz_write, for a byte-for-byte comparison.
npz_variants.npz -- members in .npy format versions 2.0 and 3.0 and big-endian
    ones (np.savez writes 1.0, little-endian).
npz_nd.npz -- 4-D arrays in C and Fortran order and a 5-D one.
npz_stream.npz -- np.savez_compressed to an unseekable stream: members with
    data descriptors.
"""
import io
import os
import sys
import zipfile

import numpy as np
import scipy.linalg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")


def hilo(v):
    """float64 array -> [2, ...] float32 pair whose sum is v to ~48 bits"""
    v = np.asarray(v, dtype=np.float64)
    hi = v.astype(np.float32)
    lo = (v - hi.astype(np.float64)).astype(np.float32)
    return np.stack([hi, lo])


# ---- reference metrics ------------------------------------------------------

def stats(x):
    x = x.astype(np.float64)
    return x.mean(axis=0), np.cov(x, rowvar=False)


def fid_eig(mu1, s1, mu2, s2):
    """FID with Tr(sqrt(S1 S2)) = sum of Re sqrt(eigenvalues of S1 S2)"""
    ev = np.linalg.eigvals(s1.dot(s2))
    tr = np.sqrt(ev.astype(np.complex128)).real.sum()
    diff = mu1 - mu2
    return diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * tr, tr, ev


def fid_sqrtm(mu1, s1, mu2, s2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance"""
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        off = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + off).dot(s2 + off))
    if np.iscomplexobj(covmean):
        assert np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3)
        covmean = covmean.real
    diff = mu1 - mu2
    return diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


def mmd2_unbiased(x, y):
    """torch-fidelity's polynomial_mmd (degree 3, gamma 1/d, coef0 1), in float64"""
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    gamma = 1.0 / x.shape[1]
    kxx = (x @ x.T * gamma + 1) ** 3
    kyy = (y @ y.T * gamma + 1) ** 3
    kxy = (x @ y.T * gamma + 1) ** 3
    m = x.shape[0]
    sxx = kxx.sum() - np.trace(kxx)
    syy = kyy.sum() - np.trace(kyy)
    return (sxx + syy) / (m * (m - 1)) - 2 * kxy.sum() / (m * m)


def inception_score(p, splits):
    """the original IS (contiguous splits, no shuffling), 0 log 0 = 0"""
    p = p.astype(np.float64)
    n = p.shape[0]
    scores = []
    for i in range(splits):
        part = p[i * n // splits:(i + 1) * n // splits]
        q = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(part > 0, part * (np.log(part) - np.log(q)), 0.0)
        scores.append(np.exp(t.sum(axis=1).mean()))
    return np.mean(scores), np.std(scores)


def cdist(a, b):
    """Euclidean distances as sklearn / torch.cdist compute them"""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(d2, 0))


def kth_radius(x, k):
    """distance to the k-th nearest neighbour, the point itself excluded"""
    d = cdist(x, x)
    np.fill_diagonal(d, np.inf)
    return np.sort(d, axis=1)[:, k - 1]


def prdc(real, fake, k_pr, k_dc):
    """precision/recall as torch-fidelity (<=, k_pr), density/coverage as prdc (<, k_dc)"""
    d = cdist(real, fake)  # [real, fake]
    r_pr, f_pr = kth_radius(real, k_pr), kth_radius(fake, k_pr)
    r_dc = kth_radius(real, k_dc)
    precision = (d <= r_pr[:, None]).any(axis=0).mean()
    recall = (d <= f_pr[None, :]).any(axis=1).mean()
    f1 = 2 * precision * recall / (precision + recall)
    density = (d < r_dc[:, None]).sum(axis=0).mean() / k_dc
    coverage = (d.min(axis=1) < r_dc).mean()
    # no comparison may sit so close to its radius that rounding could flip it
    for r, dd in ((r_pr[:, None], d), (f_pr[None, :], d), (r_dc[:, None], d)):
        assert (np.abs(dd - r) > 1e-9 * r).all(), "near-tie in the prdc fixture: change the seed"
    return precision, recall, f1, density, coverage


def make_metrics():
    rs = np.random.RandomState(20240517)
    fx = {}

    def fid_case(name, x1, x2, keep_stats):
        x1 = x1.astype(np.float32)
        x2 = x2.astype(np.float32)
        mu1, s1 = stats(x1)
        mu2, s2 = stats(x2)
        fid, tr, ev = fid_eig(mu1, s1, mu2, s2)
        fs = fid_sqrtm(mu1, s1, mu2, s2)
        assert abs(fid - fs) <= 1e-8 * abs(fid), (fid, fs)
        fx[name + ".x1"] = x1
        fx[name + ".x2"] = x2
        fx[name + ".fid"] = hilo(fid)
        fx[name + ".fid_sqrtm"] = hilo(fs)
        fx[name + ".tr_covmean"] = hilo(tr)
        fx[name + ".n_complex"] = np.array([(ev.imag != 0).sum()], np.float32)
        if keep_stats:
            fx[name + ".mu1"] = hilo(mu1)
            fx[name + ".sigma1"] = hilo(s1)
            fx[name + ".mu2"] = hilo(mu2)
            fx[name + ".sigma2"] = hilo(s2)
        print("%s: fid %.10g (sqrtm %.10g), %d complex eigenvalues"
              % (name, fid, fs, (ev.imag != 0).sum()))

    # a: d=16, correlated Gaussians with different means and covariances
    d = 16
    a1 = rs.randn(d, d) / np.sqrt(d)
    a2 = a1 + 0.3 * rs.randn(d, d) / np.sqrt(d)
    xa1 = rs.randn(200, d) @ a1 + 0.5
    xa2 = rs.randn(250, d) @ a2 + 0.5 + 0.2 * rs.randn(d)
    fid_case("fid_a", xa1, xa2, True)

    # b: d=64, ReLU-like non-negative features as Inception's pool3 gives
    d = 64
    b1 = rs.randn(d, d) / np.sqrt(d)
    xb1 = np.maximum(rs.randn(150, d) @ b1 + 0.3, 0) * 0.8
    xb2 = np.maximum(rs.randn(170, d) @ (b1 + 0.2 * rs.randn(d, d) / np.sqrt(d)) + 0.25, 0) * 0.8
    fid_case("fid_b", xb1, xb2, False)

    # c: features of rank 20 (+ 1e-3 noise) in d=32 with n just above d: the
    # numerical S1 S2 has complex-conjugate pairs among its tiny eigenvalues
    crs = np.random.RandomState(0)
    d, r = 32, 20
    w1, w2 = crs.randn(r, d), crs.randn(r, d)
    xc1 = crs.randn(40, r) @ w1 + 1e-3 * crs.randn(40, d)
    xc2 = crs.randn(44, r) @ w2 * 0.8 + 0.3 + 1e-3 * crs.randn(44, d)
    fid_case("fid_c", xc1, xc2, True)
    assert fx["fid_c.n_complex"][0] > 0

    # KID on given subsets (the C sampler's RNG differs from numpy's)
    def kid_case(name, x, y, subsets, m):
        ix = np.stack([rs.choice(len(x), m, replace=False) for _ in range(subsets)])
        iy = np.stack([rs.choice(len(y), m, replace=False) for _ in range(subsets)])
        mmds = np.array([mmd2_unbiased(x[ix[s]], y[iy[s]]) for s in range(subsets)])
        fx[name + ".ix"] = ix.astype(np.float32)
        fx[name + ".iy"] = iy.astype(np.float32)
        fx[name + ".mmd"] = hilo(mmds)
        fx[name + ".mean"] = hilo(mmds.mean())
        fx[name + ".std"] = hilo(mmds.std())
        print("%s: mmd2 %s, mean %.10g std %.10g" % (name, mmds, mmds.mean(), mmds.std()))

    kid_case("kid_a", fx["fid_a.x1"], fx["fid_a.x2"], 3, 100)
    kid_case("kid_b", fx["fid_b.x1"], fx["fid_b.x2"], 2, 150)

    # IS: softmax of random logits, some probabilities exactly zero; n = 505
    # so that the 10 contiguous splits have unequal sizes
    logits = rs.randn(505, 10) * 2.0 + rs.randn(10) * 0.5
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p[rs.rand(*p.shape) < 0.05] = 0.0
    p[:, 9] = np.where(np.arange(505) < 300, 0.0, p[:, 9])  # a class unseen in early splits
    p = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
    fx["is.p"] = p
    for splits in (10, 3):
        mean, std = inception_score(p, splits)
        fx["is.mean%d" % splits] = hilo(mean)
        fx["is.std%d" % splits] = hilo(std)
        print("is (%d splits): %.10g +- %.10g" % (splits, mean, std))

    # precision/recall/density/coverage: overlapping but different clouds
    d = 16
    real = (rs.randn(300, d) @ (np.eye(d) + 0.2 * rs.randn(d, d))).astype(np.float32)
    fake = (rs.randn(250, d) * 0.9 + 0.35).astype(np.float32)
    vals = prdc(real, fake, 3, 5)
    fx["prdc.real"] = real
    fx["prdc.fake"] = fake
    fx["prdc.values"] = hilo(np.array(vals))  # precision, recall, f1, density, coverage
    print("prdc: precision %.6g recall %.6g f1 %.6g density %.6g coverage %.6g" % vals)
    assert all(0.05 < v < 0.95 for v in (vals[0], vals[1], vals[4])), vals

    fixture_io.write(os.path.join(OUT, "metrics_ref.gtf"), fx)


# ---- npz files ---------------------------------------------------------------

def writer_arrays():
    """the arrays tests/test_npz.c rebuilds by the same formulas"""
    mu = np.array([0.5, -1.25, 3.0, 1e-300, -0.0], np.float64)
    sigma = np.array([[i * 5 + j + 0.125 * (i - j) for j in range(5)] for i in range(5)], np.float64)
    scalar = np.array(2.5, np.float64)
    wide = np.array([[1.0 / (1 + i + 2 * j) for j in range(11)] for i in range(2)])
    return dict(mu=mu, sigma=sigma, scalar=scalar, empty=np.zeros(0), wide=wide)


def reader_arrays():
    """values tests/test_npz.c recomputes: ratios of small integers, which
    Python and C round identically"""
    return dict(
        mu=np.array([(i - 2.5) / 7.0 for i in range(6)]),
        sigma=np.array([[(i * 6 + j - 17) / 13.0 for j in range(6)] for i in range(6)]),
        f32=np.array([[(i * 4 + j - 5) / 3.0 for j in range(4)] for i in range(3)], np.float32),
        fortran=np.asfortranarray([[(i - 2 * j) / 9.0 for j in range(5)] for i in range(3)]),
        scalar=np.array(-4.75),
        empty=np.zeros((0, 3)),
        ints=np.arange(4, dtype=np.int64),
        cube=np.zeros((2, 2, 2)),
    )


def make_npz():
    arrays = reader_arrays()
    assert arrays["fortran"].flags.f_contiguous and not arrays["fortran"].flags.c_contiguous
    np.savez(os.path.join(OUT, "npz_savez.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "npz_savez_compressed.npz"), **arrays)
    np.savez(os.path.join(OUT, "npz_writer_ref.npz"), **writer_arrays())

    # what np.savez never writes but other writers do: .npy 2.0 and 3.0
    # headers, big-endian data
    with zipfile.ZipFile(os.path.join(OUT, "npz_variants.npz"), "w", zipfile.ZIP_STORED) as z:
        for name, arr, version in (("v2", np.array([[1.5, -2.0], [0.25, 8.0]]), (2, 0)),
                                   ("v3", np.array([3.0, -0.5]), (3, 0)),
                                   ("big", np.array([[1.5, -2.0], [0.25, 8.0]], ">f8"), None),
                                   ("big32", np.array([0.5, -3.0, 1e-3], ">f4"), None)):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, version=version)
            # a fixed timestamp keeps the file identical from run to run
            z.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())

    # np.savez_compressed to a stream that cannot seek: zipfile then puts the
    # sizes and CRC in data descriptors after each member (flag bit 3)
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.data += b
            return len(b)

    stream = Unseekable()
    np.savez_compressed(stream, mu=reader_arrays()["mu"], sigma=reader_arrays()["sigma"])
    with open(os.path.join(OUT, "npz_stream.npz"), "wb") as f:
        f.write(bytes(stream.data))
    with zipfile.ZipFile(os.path.join(OUT, "npz_stream.npz")) as z:
        assert all(i.flag_bits & 8 for i in z.infolist()), "expected data descriptors"
    # arrays of 3 to 5 dimensions (convolution kernels, as
    # scripts/convert-inception.py writes them), C and Fortran order
    kern = np.array([[[[(a * 27 + b * 9 + c * 3 + d - 20) / 11.0 for d in range(3)] for c in range(3)]
                      for b in range(3)] for a in range(2)])
    np.savez(os.path.join(OUT, "npz_nd.npz"), kernel=kern, kernel_f=np.asfortranarray(kern),
             kernel32=kern.astype(np.float32), five=np.zeros((1, 2, 1, 2, 1)))
    print("npz files written")


if __name__ == "__main__":
    make_metrics()
    make_npz()
