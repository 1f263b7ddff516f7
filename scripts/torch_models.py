"""PyTorch versions of gantrain's architectures, written like the reference
implementations they follow (PyTorch-GAN's gan/cgan/dcgan/began scripts, the
PyTorch DCGAN example, BEGAN-tensorflow ported to NCHW).  Used by
make-model-fixtures.py (equivalence tests) and bench-vs-pytorch.py (speed).
Run with /usr/bin/python3 (python3-torch)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- PyTorch-GAN gan.py / wgan.py (widths as arguments) -------------------
class MLPGen(nn.Module):
    def __init__(self, z, widths, out_shape, eps=0.8, cond=0, tanh=True):
        super().__init__()
        self.out_shape = out_shape
        if cond:
            self.label_emb = nn.Embedding(cond, cond)

        def block(i, o, normalize=True):
            layers = [nn.Linear(i, o)]
            if normalize:
                layers.append(nn.BatchNorm1d(o, eps))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers
        layers = block(z + cond, widths[0], normalize=False)
        for a, b in zip(widths[:-1], widths[1:]):
            layers += block(a, b)
        layers += [nn.Linear(widths[-1], int(np.prod(out_shape)))]
        if tanh:
            layers.append(nn.Tanh())
        self.model = nn.Sequential(*layers)
        self.cond = cond

    def forward(self, z, labels=None):
        if self.cond:
            z = torch.cat((self.label_emb(labels), z), -1)
        return self.model(z).view(z.size(0), *self.out_shape)


class MLPDisc(nn.Module):
    def __init__(self, in_dim, widths):
        super().__init__()
        layers, prev = [], in_dim
        for w in widths:
            layers += [nn.Linear(prev, w), nn.LeakyReLU(0.2, inplace=True)]
            prev = w
        layers.append(nn.Linear(prev, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        return self.model(x.view(x.size(0), -1))


# ---- PyTorch-GAN cgan.py discriminator -----------------------------------
class CGANDisc(nn.Module):
    def __init__(self, in_dim, n_classes, widths, p):
        super().__init__()
        self.label_embedding = nn.Embedding(n_classes, n_classes)
        layers = [nn.Linear(in_dim + n_classes, widths[0]), nn.LeakyReLU(0.2, inplace=True)]
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(a, b), nn.Dropout(p), nn.LeakyReLU(0.2, inplace=True)]
        layers.append(nn.Linear(widths[-1], 1))
        self.model = nn.Sequential(*layers)

    def forward(self, img, labels):
        d_in = torch.cat((img.view(img.size(0), -1), self.label_embedding(labels)), -1)
        return self.model(d_in)


# ---- PyTorch-GAN dcgan.py / began.py generator ----------------------------
class DC32Gen(nn.Module):
    def __init__(self, z, c, size, w=128):
        super().__init__()
        self.init_size, self.w = size // 4, w
        self.l1 = nn.Sequential(nn.Linear(z, w * self.init_size ** 2))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(w),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(w, w, 3, stride=1, padding=1),
            nn.BatchNorm2d(w, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(w, w // 2, 3, stride=1, padding=1),
            nn.BatchNorm2d(w // 2, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(w // 2, c, 3, stride=1, padding=1),
            nn.Tanh())

    def forward(self, z, labels=None):
        out = self.l1(z).view(z.shape[0], self.w, self.init_size, self.init_size)
        return self.conv_blocks(out)


class DC32Disc(nn.Module):
    def __init__(self, c, size, d=16, p=0.25):
        super().__init__()

        def block(i, o, bn=True):
            b = [nn.Conv2d(i, o, 3, 2, 1), nn.LeakyReLU(0.2, inplace=True), nn.Dropout2d(p)]
            if bn:
                b.append(nn.BatchNorm2d(o, 0.8))
            return b
        self.model = nn.Sequential(*block(c, d, bn=False), *block(d, 2 * d), *block(2 * d, 4 * d),
                                   *block(4 * d, 8 * d))
        ds = size // 2 ** 4
        self.adv_layer = nn.Sequential(nn.Linear(8 * d * ds ** 2, 1))

    def forward(self, img, labels=None):
        out = self.model(img)
        return self.adv_layer(out.view(out.shape[0], -1))


class BEGAN32Disc(nn.Module):
    def __init__(self, c, size, d=64, h=32):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(c, d, 3, 2, 1), nn.ReLU())
        self.down_size, self.d = size // 2, d
        down_dim = d * (size // 2) ** 2
        self.fc = nn.Sequential(nn.Linear(down_dim, h), nn.BatchNorm1d(h, 0.8), nn.ReLU(inplace=True),
                                nn.Linear(h, down_dim), nn.BatchNorm1d(down_dim), nn.ReLU(inplace=True))
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(d, c, 3, 1, 1))

    def forward(self, img, labels=None):
        out = self.down(img)
        out = self.fc(out.view(out.size(0), -1))
        return self.up(out.view(out.size(0), self.d, self.down_size, self.down_size))


# ---- the PyTorch DCGAN example (64x64) -----------------------------------
class DC64Gen(nn.Module):
    def __init__(self, nz, ngf, nc):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z, labels=None):
        return self.main(z.view(z.shape[0], -1, 1, 1))


class DC64Disc(nn.Module):
    def __init__(self, nc, ndf):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False))

    def forward(self, x, labels=None):
        return self.main(x).view(-1, 1)


# ---- BEGAN-tensorflow's GeneratorCNN / DiscriminatorCNN in NCHW ----------
class BEGANDecoder(nn.Module):
    def __init__(self, z, n, out_c, repeat):
        super().__init__()
        self.n, self.repeat = n, repeat
        self.fc = nn.Linear(z, 8 * 8 * n)
        self.convs = nn.ModuleList([nn.Conv2d(n, n, 3, 1, 1) for _ in range(2 * repeat)])
        self.out = nn.Conv2d(n, out_c, 3, 1, 1)

    def forward(self, z, labels=None):
        x = self.fc(z).view(-1, self.n, 8, 8)
        for i in range(self.repeat):
            x = F.elu(self.convs[2 * i](x))
            x = F.elu(self.convs[2 * i + 1](x))
            if i < self.repeat - 1:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        return self.out(x)


class BEGANAE(nn.Module):
    def __init__(self, c, h, repeat, n):
        super().__init__()
        self.repeat = repeat
        self.enc_in = nn.Conv2d(c, n, 3, 1, 1)
        convs, prev = [], n
        for i in range(repeat):
            ch = n * (i + 1)
            convs += [nn.Conv2d(prev, ch, 3, 1, 1), nn.Conv2d(ch, ch, 3, 1, 1)]
            if i < repeat - 1:
                convs.append(nn.Conv2d(ch, ch, 3, 2, 1))
            prev = ch
        self.enc = nn.ModuleList(convs)
        self.enc_fc = nn.Linear(8 * 8 * prev, h)
        self.dec = BEGANDecoder(h, n, c, repeat)

    def forward(self, x, labels=None):
        x = F.elu(self.enc_in(x))
        for conv in self.enc:
            x = F.elu(conv(x))
        return self.dec(self.enc_fc(x.view(x.shape[0], -1)))
