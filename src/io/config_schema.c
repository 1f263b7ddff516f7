/* config_schema.c — every config key gantrain knows: section, name, type,
 * default, range or allowed values, and the one-line doc shown by
 * `gantrain config --list` and written into each run's config.ini. */
#include "gantrain/config.h"

#define BIG 1e15

#define I(sec, name, def, lo, hi, doc) {sec, name, GT_CFG_INT, def, lo, hi, NULL, doc}
#define F(sec, name, def, lo, hi, doc) {sec, name, GT_CFG_FLOAT, def, lo, hi, NULL, doc}
#define B(sec, name, def, doc) {sec, name, GT_CFG_BOOL, def, 0, 1, NULL, doc}
#define S(sec, name, def, doc) {sec, name, GT_CFG_STRING, def, 0, 0, NULL, doc}
#define E(sec, name, def, choices, doc) {sec, name, GT_CFG_ENUM, def, 0, 0, choices, doc}

static const gt_cfg_key schema[] = {
    /* ---- [model]: what is trained ------------------------------------ */
    E("model", "preset", "none", "none|gan|cgan|dcgan|wgan|wgan_gp|began|dcgan64|began64",
      "named defaults for every other key (architecture, objective, optimizer, sizes); "
      "keys set in the config override them"),
    E("model", "arch", "mlp", "mlp|cgan-mlp|dcgan32|dcgan64|began32|began64",
      "network architecture of G and D"),
    E("model", "objective", "ns", "ns|mm|ls|wgan|wgan-gp|began",
      "how G and D are trained: non-saturating, minimax, least squares, Wasserstein "
      "(weight clipping), Wasserstein with gradient penalty, BEGAN"),
    I("model", "z_dim", "100", 1, 65536, "size of the noise vector z"),
    E("model", "z_dist", "normal", "normal|uniform", "noise distribution: N(0,1) or U(-1,1)"),
    S("model", "g_hidden", "128,256,512,1024", "mlp: widths of G's hidden layers"),
    S("model", "d_hidden", "512,256", "mlp: widths of D's hidden layers"),
    B("model", "g_batchnorm", "true", "mlp: batch norm on G's hidden layers after the first"),
    I("model", "g_width", "0", 0, 65536,
      "conv archs: G's channel width (0: the architecture's default)"),
    I("model", "d_width", "0", 0, 65536,
      "conv archs: D's channel width (0: the architecture's default)"),
    I("model", "h_dim", "0", 0, 65536, "began: size of the autoencoder's bottleneck (0: default)"),
    F("model", "leaky_slope", "0.2", 0, 1, "negative slope of LeakyReLU"),
    F("model", "d_dropout", "0", 0, 0.99, "dropout probability in D (cgan: dropout, dcgan: dropout2d)"),
    F("model", "bn_eps", "1e-5", 1e-12, 10, "batch norm epsilon"),
    F("model", "bn_momentum", "0.1", 0, 1, "batch norm running-statistics momentum (torch convention)"),
    B("model", "bn_sync", "true",
      "data-parallel runs (mpirun): batch norm statistics over the whole batch, as one process "
      "would compute them; false keeps each rank's own"),
    E("model", "d_norm", "batch", "batch|layer|none",
      "normalisation in D's conv blocks (WGAN-GP critics need layer or none)"),
    B("model", "d_sigmoid", "false",
      "ns, mm: D ends with a sigmoid and the losses are BCELoss on its output, log clamped at "
      "-100 (PyTorch-GAN's gan.py and dcgan.py, the PyTorch DCGAN example: no gradient once "
      "D's sigmoid saturates); false: BCE with logits on the raw score"),
    I("model", "embed_dim", "10", 1, 65536, "cgan: size of the label embedding"),
    I("model", "n_classes", "0", 0, 1000000, "cgan: number of classes (0: from the dataset)"),
    E("model", "init", "torch", "torch|dcgan|xavier",
      "weight init: torch's defaults; dcgan: N(0, 0.02) conv weights and N(1, 0.02) "
      "batch-norm weights; xavier: Glorot-uniform weights and zero biases (TensorFlow's default)"),

    /* ---- [data]: what the model sees (docs/data.md) ----------------- */
    E("data", "dataset", "fashion-mnist", "mnist|fashion-mnist|cifar10|celeba|folder|toy2d",
      "the dataset"),
    S("data", "path", "",
      "directory of the dataset (default: /usr/share/datasets/fashion-mnist for "
      "fashion-mnist, data/<dataset>/ otherwise; scripts/fetch-data.sh fills data/)"),
    E("data", "split", "train", "train|test|all",
      "which part of the dataset (celeba: from list_eval_partition.txt; folder: train and "
      "all are every image)"),
    I("data", "image_size", "0", 0, 4096,
      "resize images to image_size x image_size (0: native size; celeba: 64)"),
    E("data", "channels", "0", "0|1|3",
      "1 (grey) or 3 (RGB), converting when the source differs (0: native; folder, celeba: 3)"),
    I("data", "center_crop", "0", 0, 4096,
      "crop a centred square of this size before resizing (0: none; celeba: 108)"),
    S("data", "classes", "",
      "keep only these classes, by index or name (e.g. 'dog, airplane'); kept classes are "
      "renumbered 0..k-1 in index order"),
    I("data", "limit", "0", 0, 1e12, "use only the first N samples after data.classes (0: all)"),
    B("data", "shuffle", "true", "reshuffle every epoch (from the run's seed)"),
    B("data", "folder_classes", "false", "folder: each subfolder of data.path is a class"),
    S("data", "cache", "data/cache",
      "folder, celeba: directory of the decoded-image cache (none: decode every time)"),
    E("data", "toy", "8gaussians", "sine|circle|wing|8gaussians|25gaussians|swissroll",
      "toy2d: which 2-D distribution"),
    I("data", "toy_n", "50000", 1, 1e9, "toy2d: points in one epoch (drawn once from train.seed)"),
    F("data", "sine_amplitude", "0.5", 0, 100, "toy2d sine: a in (x, a sin(w pi x) + y/4)"),
    F("data", "sine_freq", "2", 0, 100, "toy2d sine: w in (x, a sin(w pi x) + y/4); 2 gives two crests"),

    /* ---- [train]: the run -------------------------------------------- */
    I("train", "steps", "0", 0, BIG, "generator updates to run (0: use train.epochs)"),
    F("train", "epochs", "1", 0, 1e9, "passes over the data, when train.steps is 0"),
    I("train", "batch_size", "64", 1, 1e7, "images per batch"),
    I("train", "seed", "1", 0, 9.2e18, "seed of every random draw of the run"),
    I("train", "n_critic", "1", 1, 10000, "D updates per G update"),
    E("train", "schedule", "auto", "auto|g-first|critic-first|interleaved",
      "order of the updates in an iteration: g-first (G on fresh z, then the critic steps, the "
      "first on those fakes); critic-first (n_critic critic steps on fresh batches, then G on "
      "fresh z: the WGAN paper); interleaved (one critic step, G on that step's z, then the other "
      "n_critic - 1: PyTorch-GAN's wgan.py and wgan_gp.py, the PyTorch DCGAN example); auto: "
      "g-first when n_critic = 1, critic-first otherwise"),
    F("train", "clip", "0.01", 0, 1e6, "wgan: critic weights are clipped to [-clip, clip]"),
    F("train", "gp_lambda", "10", 0, 1e9, "wgan-gp: weight of the gradient penalty"),
    F("train", "began_gamma", "0.75", 0, 1, "began: diversity ratio gamma = E[L(G(z))] / E[L(x)]"),
    F("train", "began_lambda_k", "0.001", 0, 1, "began: learning rate of k_t"),
    F("train", "began_k0", "0", 0, 1, "began: initial k_t"),
    I("train", "lr_update_step", "0", 0, BIG,
      "multiply the learning rates by train.lr_decay every N steps (0: constant)"),
    F("train", "lr_decay", "0.5", 0, 1, "factor of each learning-rate update"),
    F("train", "lr_min", "0", 0, 10, "learning rates never go below this"),
    I("train", "log_every", "100", 1, BIG, "write a log.csv row every N steps"),
    I("train", "sample_every", "500", 0, BIG, "write a sample grid every N steps (0: only at the end)"),
    I("train", "ckpt_every", "1000", 0, BIG, "write a checkpoint every N steps (0: only at the end)"),
    I("train", "keep_ckpts", "3", 1, 1000000, "keep the newest K checkpoints"),
    I("train", "toyviz_every", "0", -1, BIG,
      "toy2d: a four-panel picture (losses, points, D over z, D over the plane) every N steps "
      "into toyviz/ (0: as train.sample_every, -1: never)"),
    I("train", "sample_n", "64", 1, 100000, "images in each sample grid"),
    I("train", "sample_nrow", "8", 1, 10000, "images per row of a sample grid"),
    B("train", "tensorboard", "true", "also write TensorBoard event files"),
    E("train", "progress", "auto", "auto|bar|lines|none",
      "progress display (auto: a bar on a terminal, periodic lines otherwise)"),
    S("train", "out", "", "run directory (default: runs/<config file name>)"),
    E("train", "on_nan", "stop", "stop|rollback",
      "when a loss is NaN or Inf: stop, or reload the last checkpoint with lower learning rates"),
    F("train", "rollback_lr_factor", "0.5", 0, 1, "learning-rate factor of each rollback"),
    I("train", "max_rollbacks", "3", 0, 1000, "stop after this many rollbacks"),
    I("train", "bucket_kb", "1024", 0, 1 << 21,
      "data-parallel runs (mpirun): each network's gradient is summed over the ranks in buckets "
      "of about this many KiB, each sent as soon as the backward pass has finished it, so that "
      "communication overlaps computation (as PyTorch DDP); 0: one blocking all-reduce of the "
      "whole gradient after the backward pass"),
    F("train", "peer_timeout", "30", 0, 1e6,
      "data-parallel runs (mpirun): a rank not heard from for this many seconds, while the others "
      "wait for it, counts as lost (host down, link cut, process killed): every rank stops with a "
      "message naming it, to go on from the last checkpoint with --resume; 0 waits for ever"),
    I("train", "arena_mb", "16384", 16, 1 << 30, "memory limit for one step's activations, MiB"),

    /* ---- [optim]: the optimizers -------------------------------------- */
    E("optim", "optimizer", "adam", "adam|rmsprop|sgd", "optimizer of both networks"),
    F("optim", "lr", "2e-4", 0, 100, "learning rate of both networks"),
    F("optim", "g_lr", "0", 0, 100, "G's learning rate (0: optim.lr)"),
    F("optim", "d_lr", "0", 0, 100, "D's learning rate (0: optim.lr)"),
    F("optim", "beta1", "0.9", 0, 0.999999, "adam: first-moment decay"),
    F("optim", "beta2", "0.999", 0, 0.999999999, "adam: second-moment decay"),
    F("optim", "eps", "1e-8", 0, 1, "adam/rmsprop: denominator epsilon"),
    F("optim", "alpha", "0.99", 0, 0.999999, "rmsprop: smoothing constant"),
    F("optim", "momentum", "0", 0, 0.999999, "rmsprop/sgd: momentum"),
    F("optim", "weight_decay", "0", 0, 100, "L2 penalty added to the gradient"),

    /* ---- [eval]: metrics and the classifier -------------------------- */
    E("eval", "features", "inception", "inception|classifier",
      "feature network: the FID Inception-v3 or gantrain's trained classifier"),
    S("eval", "weights", "", "weights of the feature network (default: under data/)"),
    I("eval", "n", "10000", 2, 1e9, "samples generated and compared"),
    S("eval", "metrics", "fid,is,kid,pr", "metrics to compute: fid, is, kid, pr, dc"),
    I("eval", "batch_size", "100", 1, 100000, "images per feature-extraction batch"),
    I("eval", "kid_subsets", "100", 1, 100000, "KID: number of subsets"),
    I("eval", "kid_subset_size", "1000", 2, 1e9, "KID: samples per subset"),
    I("eval", "is_splits", "10", 1, 1000, "IS: number of splits"),
    I("eval", "pr_k", "3", 1, 1000, "precision/recall: k nearest neighbours"),
    I("eval", "dc_k", "5", 1, 1000, "density/coverage: k nearest neighbours"),
    I("eval", "real_n", "0", 0, 1e9,
      "real images compared (0: eval.n); fewer than the dataset holds: the first real_n "
      "after a shuffle seeded with 0"),
    I("eval", "classifier_epochs", "10", 1, 100000, "gantrain classifier: training epochs"),
    F("eval", "classifier_lr", "1e-3", 0, 10,
      "gantrain classifier: Adam learning rate (decayed to 0 along a cosine)"),
    I("eval", "classifier_batch_size", "128", 2, 100000, "gantrain classifier: images per batch"),
    I("eval", "classifier_width", "32", 1, 4096,
      "gantrain classifier: channels of the first two convolutions (the last two have twice as many)"),
    I("eval", "classifier_fc", "128", 2, 65536,
      "gantrain classifier: size of the penultimate layer, the features of eval"),
    F("eval", "classifier_dropout", "0.3", 0, 0.95, "gantrain classifier: dropout before each linear layer"),
    E("eval", "classifier_augment", "none", "none|shift|shift-flip",
      "gantrain classifier: random shifts of up to 2 pixels, and horizontal flips"),
    S("eval", "classifier_out", "",
      "gantrain classifier: checkpoint to write (default: data/classifier_<name>.gtck with name "
      "fashion, mnist, cifar10 or the dataset's, where eval --features classifier looks)"),
};

const gt_cfg_key *gt_cfg_schema(int *n) {
    *n = (int)(sizeof schema / sizeof schema[0]);
    return schema;
}
