#!/usr/bin/env python3
"""Writes configs/*.ini: a ready config for every preset on Fashion-MNIST and
MNIST, DCGAN on CIFAR-10 and on one CIFAR-10 class, dcgan64 and began64 on
CelebA, and toy2d runs.  Every key gets the schema's one-line doc (read from
`./gantrain config --list`) plus, where useful, why this value.

    make gantrain && python3 scripts/make-configs.py
"""
import os
import subprocess
import textwrap

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def schema_docs():
    out = subprocess.run([os.path.join(ROOT, "gantrain"), "config", "--list"], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    docs = {}
    for head, doc in zip(out[0::2], out[1::2]):
        docs[head.split()[0]] = doc.strip()
    return docs


DOCS = schema_docs()

REF = {
    "gan": "PyTorch-GAN's gan.py (Goodfellow et al. 2014): MLPs, non-saturating BCE, Adam 2e-4 (0.5, 0.999)",
    "cgan": "PyTorch-GAN's cgan.py (Mirza & Osindero 2014): label embeddings, least-squares loss",
    "dcgan": "PyTorch-GAN's dcgan.py: upsample+conv generator, strided-conv discriminator, 32x32",
    "wgan": "PyTorch-GAN's wgan.py (Arjovsky et al. 2017): RMSprop 5e-5, clip 0.01, 5 critic steps",
    "wgan_gp": "WGAN-GP (Gulrajani et al. 2017): gradient penalty 10, Adam 1e-4 (0, 0.9), 5 critic steps",
    "began": "PyTorch-GAN's began.py (Berthelot et al. 2017): autoencoder discriminator, gamma 0.75",
    "dcgan64": "DCGAN (Radford et al. 2015) as the PyTorch DCGAN example: transposed convs, 64x64, batch 128",
    "began64": "BEGAN (Berthelot et al. 2017) as BEGAN-tensorflow: 128 channels, ELU, 64x64, batch 16",
}

WHY = {
    "bn_eps": "The reference passes 0.8 where BatchNorm's eps goes (BatchNorm1d(n, 0.8)), which makes "
              "its batch norm much softer than textbook; the preset keeps 0.8 so runs match the "
              "reference.  1e-5 gives textbook batch norm.",
}


def write(name, title, sections, note=None):
    lines = ["# %s — %s" % (name, title), "#", "#   gantrain train configs/%s" % name,
             "#", "# The preset supplies every key not written here;",
             "# `gantrain config configs/%s` prints the resolved config" % name,
             "# with the origin of each value, `gantrain config --list` documents every key."]
    if note:
        lines += ["#"] + ["# " + l if l else "#" for l in note.split("\n")]
    for sec, kvs in sections:
        lines += ["", "[%s]" % sec]
        for key, value, *why in kvs:
            doc = DOCS["%s.%s" % (sec, key)]
            lines += textwrap.wrap(doc, 78, initial_indent="# ", subsequent_indent="# ")
            extra = why[0] if why else WHY.get(key)
            if extra:
                lines += textwrap.wrap(extra, 78, initial_indent="# ", subsequent_indent="# ")
            lines.append("%s = %s" % (key, value))
    with open(os.path.join(ROOT, "configs", name), "w") as f:
        f.write("\n".join(lines) + "\n")


DATASETS = {"fashion": ("fashion-mnist", "Fashion-MNIST (Debian's dataset-fashion-mnist)"),
            "mnist": ("mnist", "MNIST (scripts/fetch-data.sh mnist puts it in data/mnist)")}

TRAIN = {  # epochs, sample_every, ckpt_every (in generator steps)
    "gan": ("50", "1000", "5000"), "cgan": ("50", "1000", "5000"), "dcgan": ("10", "500", "1000"),
    "wgan": ("100", "500", "2000"), "wgan_gp": ("100", "500", "2000"), "began": ("10", "500", "1000"),
}


def main():
    for preset in ["gan", "cgan", "dcgan", "wgan", "wgan_gp", "began"]:
        for short, (ds, ds_title) in DATASETS.items():
            model = [("preset", preset, REF[preset])]
            if preset in ("gan", "cgan", "dcgan", "wgan", "wgan_gp", "began"):
                model.append(("bn_eps", "0.8"))
            epochs, sample_every, ckpt_every = TRAIN[preset]
            write("%s_%s.ini" % (preset, short), "%s on %s" % (preset.upper().replace("_", "-"), ds_title), [
                ("model", model),
                ("data", [("dataset", ds), ("split", "train")]),
                ("train", [("epochs", epochs, "The reference runs 200 epochs; this many already gives "
                                              "clear samples on a CPU."),
                           ("log_every", "100"), ("sample_every", sample_every),
                           ("ckpt_every", ckpt_every), ("keep_ckpts", "3"), ("seed", "1")]),
            ])
    write("dcgan_cifar10.ini", "DCGAN on CIFAR-10 (scripts/fetch-data.sh cifar10)", [
        ("model", [("preset", "dcgan", REF["dcgan"]), ("bn_eps", "0.8")]),
        ("data", [("dataset", "cifar10"), ("split", "train"), ("channels", "3")]),
        ("train", [("epochs", "30"), ("log_every", "100"), ("sample_every", "500"),
                   ("ckpt_every", "2000"), ("seed", "1")]),
    ])
    write("dcgan_cifar10_dog.ini", "DCGAN on one CIFAR-10 class (dogs)", [
        ("model", [("preset", "dcgan", REF["dcgan"]), ("bn_eps", "0.8")]),
        ("data", [("dataset", "cifar10"), ("split", "train"), ("classes", "dog",
                   "5000 training images: a single class is the classic small DCGAN experiment.")]),
        ("train", [("epochs", "200"), ("log_every", "50"), ("sample_every", "500"),
                   ("ckpt_every", "2000"), ("seed", "1")]),
    ])
    write("dcgan64_celeba.ini", "DCGAN 64x64 on CelebA", [
        ("model", [("preset", "dcgan64", REF["dcgan64"])]),
        ("data", [("dataset", "celeba"), ("split", "train"), ("image_size", "64"),
                  ("center_crop", "108", "108 px around the face, as DCGAN-tensorflow and BEGAN "
                                         "crop CelebA; 178 frames it as the PyTorch DCGAN tutorial.")]),
        ("train", [("epochs", "5"), ("log_every", "100"), ("sample_every", "500"),
                   ("ckpt_every", "2000"), ("seed", "1")]),
    ], note="CelebA must be downloaded by hand or with scripts/fetch-data.sh celeba (see README).")
    write("began64_celeba.ini", "BEGAN 64x64 on CelebA (the paper's model)", [
        ("model", [("preset", "began64", REF["began64"])]),
        ("data", [("dataset", "celeba"), ("split", "train"), ("image_size", "64"),
                  ("center_crop", "108")]),
        ("train", [("steps", "500000", "BEGAN-tensorflow's max_step; the lr halves every "
                                       "train.lr_update_step = 100000 steps down to 2e-5."),
                   ("log_every", "100"), ("sample_every", "1000"), ("ckpt_every", "5000"),
                   ("seed", "1")]),
    ], note="CelebA must be downloaded by hand or with scripts/fetch-data.sh celeba (see README).")
    for toy, preset in [("8gaussians", "gan"), ("25gaussians", "wgan_gp"), ("swissroll", "wgan_gp"),
                        ("sine", "gan"), ("circle", "gan"), ("wing", "gan")]:
        write("%s_toy2d_%s.ini" % (preset, toy), "%s on the 2-D '%s' distribution" % (preset.upper().replace("_", "-"), toy), [
            ("model", [("preset", preset, REF[preset]), ("z_dim", "2", "2-D noise for 2-D data."),
                       ("g_hidden", "256,256,256"), ("d_hidden", "256,256,256"),
                       ("g_batchnorm", "false", "Plain MLPs, as in the usual toy experiments.")]),
            ("data", [("dataset", "toy2d"), ("toy", toy), ("toy_n", "100000")]),
            ("train", [("steps", "10000"), ("batch_size", "256"), ("log_every", "100"),
                       ("sample_every", "500"), ("ckpt_every", "5000"), ("seed", "1")]),
        ])


if __name__ == "__main__":
    main()
