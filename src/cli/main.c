/* main.c — entry point: global options, the subcommand table, dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/cli.h"
#include "gantrain/cli_info.h"
#include "gantrain/dist.h"
#include "gantrain/log.h"
#include "gantrain/threads.h"

static const gt_command commands[] = {
    {"train", "CONFIG.ini [--set section.key=value ...] [--out DIR] [--resume] [--seed N] [--steps N]",
     "train a GAN described by an INI config",
     "  --set sec.key=value  override a config key (repeatable)\n"
     "  --out DIR            run directory (default: train.out, or runs/<config name>)\n"
     "  --resume             continue the run in the run directory from ckpt/last\n"
     "  --seed N             train.seed\n"
     "  --steps N            train.steps (generator updates)\n"
     "Writes config.ini, log.csv, samples/step_NNNNNNN.png, ckpt/step_NNNNNNN.gtck and\n"
     "ckpt/last, and TensorBoard events into the run directory.  SIGINT or SIGTERM\n"
     "finishes the step, writes a checkpoint and exits 130/143.\n",
     gt_cmd_train},
    {"sample", "RUN_OR_CKPT [--n 64] [--seed S] [--labels L,...] [--out grid.png | --dir DIR]",
     "draw samples from a checkpoint",
     "  --n N             images (default 64; a conditional model: a row of --nrow per class)\n"
     "  --seed S          noise seed (default 1)\n"
     "  --nrow K          images per grid row (default 8)\n"
     "  --labels L,...    conditional models: class indices, repeated over the images\n"
     "  --out FILE.png    one grid (default samples.png)\n"
     "  --dir DIR         N single PNGs DIR/000000.png ... (for external FID tools)\n"
     "  --interpolate R   R rows, each a linear path in z between two random points\n"
     "  --bn batch|running  batch norm with the generated batch's statistics (default,\n"
     "                    as the training grids) or with the running ones\n"
     "  --batch B         generation batch (default train.batch_size)\n",
     gt_cmd_sample},
    {"eval", "RUN_OR_CKPT [--metrics fid,is,kid,pr,dc] [--n 10000] [--features inception|classifier]\n"
             "       [--weights FILE] [--real SPEC] [--seed S]\n"
             "   or: gantrain eval --fake SPEC --real SPEC [options]",
     "FID, IS, KID, precision/recall, density/coverage of a checkpoint or an image folder",
     "  RUN_OR_CKPT          generate --n images from a run's ckpt/last or a .gtck, and compare\n"
     "                       them with the run's real data ([data] of its config)\n"
     "  --fake SPEC          evaluate existing images instead (PNG/JPEG made by any tool)\n"
     "  --real SPEC          the reference images (default: the run's [data])\n"
     "     SPEC is a folder of PNG/JPEG (searched recursively), a dataset name mnist,\n"
     "     fashion-mnist, cifar10, celeba with an optional :train, :test or :all (keeping\n"
     "     the run's preprocessing), a config .ini (its [data]), a run or checkpoint, or\n"
     "     (--real only) a .npz of FID statistics (mu, sigma) from pytorch-fid or TTUR\n"
     "  --metrics LIST       fid, is, kid, pr (precision, recall, F1), dc (density,\n"
     "                       coverage), all (default: eval.metrics = fid,is,kid,pr)\n"
     "  --n N                images evaluated (default eval.n = 10000); from a set: the\n"
     "                       first N after a shuffle seeded with --seed, all if N >= count\n"
     "  --real-n N           real images (default eval.real_n, else N); the first N after\n"
     "                       a shuffle seeded with 0\n"
     "  --features K         inception (FID Inception-v3, 2048-d; the standard) or\n"
     "                       classifier (gantrain's trained CNN; default eval.features)\n"
     "  --weights FILE       inception: data/pt_inception-2015-12-05-6726825d.pth\n"
     "                       (scripts/fetch-data.sh inception) or an .npz of it; classifier:\n"
     "                       data/classifier_<fashion|mnist|cifar10>.gtck of the real data\n"
     "  --seed S             noise (and --fake subset) seed (default 1)\n"
     "  --bn batch|running   generator batch norm on each generated batch (default, as the\n"
     "                       sample grids) or on the running statistics\n"
     "  --set sec.key=value  override a config key: [data] of the real set, [eval] keys\n"
     "  --save-stats F.npz   also write mu, sigma of the evaluated images (pytorch-fid's\n"
     "                       format); with --fake and no --real, only that\n"
     "  --save-real-stats F.npz   the same for the real images\n"
     "  --no-cache           neither read nor write the real features' cache (data/cache/)\n"
     "  --jsonl FILE|none    where to append the JSON line (default RUN/eval.jsonl when\n"
     "                       evaluating a run; none otherwise)\n"
     "  --json               print the JSON line instead of the table\n"
     "Exit status 1 when a requested metric cannot be computed (the others are still\n"
     "printed and logged), 2 for usage mistakes.  docs/eval.md has the details.\n",
     gt_cmd_eval},
    {"data", "CONFIG.ini [--grid FILE.png] [--set section.key=value ...]",
     "show what the data loader feeds the model",
     "  CONFIG.ini             its [data] section says what to load (docs/data.md)\n"
     "  --grid FILE.png        a grid of the first images after preprocessing\n"
     "                         (toy2d: a scatter plot of the points)\n"
     "  --n N                  images in the grid (default 64; toy2d: up to 20000 points)\n"
     "  --nrow N               images per grid row (default 8)\n"
     "  --by-class             one grid row per class: its first --nrow images\n"
     "  --set sec.key=value    override a config key (repeatable)\n",
     gt_cmd_data},
    {"classifier", "CONFIG.ini [--out FILE.gtck] [--epochs N] [--set section.key=value ...]",
     "train the feature network used by eval",
     "  CONFIG.ini           its [data] section is the labelled dataset (split = train is\n"
     "                       learned, split = test measured); [eval] classifier_* keys\n"
     "                       set epochs, lr, batch size, width, features, dropout, augment\n"
     "  --out FILE.gtck      where to write it (default: eval.classifier_out, or\n"
     "                       data/classifier_<fashion|mnist|cifar10|dataset>.gtck, where\n"
     "                       `gantrain eval --features classifier` looks for it)\n"
     "  --epochs N           eval.classifier_epochs\n"
     "  --set sec.key=value  override a config key (repeatable)\n"
     "Prints the test accuracy overall and per class; the checkpoint stores it.\n",
     gt_cmd_classifier},
    {"bench", "CONFIG.ini [--steps N | --seconds S] [--set section.key=value ...] [--json]",
     "ms/step, img/s, GFLOP/s, % of sgemm peak",
     "  --steps N      time N iterations (default: about --seconds of them)\n"
     "  --seconds S    how long to measure when --steps is not given (default 10)\n"
     "  --set k=v      override a config key (repeatable)\n"
     "  --json         one JSON line instead of the table\n"
     "An iteration is one generator update with all its critic updates, on\n"
     "synthetic batches of the config's shape (data loading is not timed).\n",
     gt_cmd_bench},
    {"lockstep", "CONFIG.ini INPUTS.npz [--iters K] [--tol T] [--set section.key=value ...] [--json] [--dump FILE]",
     "run the trainer on inputs recorded from PyTorch and compare after every iteration",
     "  INPUTS.npz     made by scripts/lockstep.py: initial weights, real batches, noise,\n"
     "                 labels, dropout masks, penalty weights, and PyTorch's losses,\n"
     "                 parameters and optimizer state after each stored iteration\n"
     "  --iters K      stop after K iterations (default: all recorded)\n"
     "  --tol T        relative difference that fails the run (default 1e-4)\n"
     "  --json         one JSON line per iteration\n"
     "  --dump FILE    write gantrain's tensors and optimizer state after the last\n"
     "                 iteration to FILE (.npz, named as PyTorch's in INPUTS.npz)\n"
     "Relative differences are max|gantrain - torch| / max|torch| per tensor; the\n"
     "line shows the largest over parameters/buffers and over optimizer state.\n",
     gt_cmd_lockstep},
    {"info", "CKPT", "header, config, step and tensors of a checkpoint", NULL, gt_cmd_info},
    {"config", "[--list] | CONFIG.ini [--set section.key=value ...]",
     "every config key with type, default and doc; or a config resolved",
     "  --list                 every key: type, default, allowed values, doc\n"
     "  CONFIG.ini             print the resolved config (every key, with its origin)\n"
     "  --set sec.key=value    override a key (repeatable)\n",
     gt_cmd_config},
    {"version", "", "version, BLAS core and threads, compiler", NULL, gt_cmd_version},
};

const gt_command *gt_commands(int *n) {
    *n = (int)(sizeof commands / sizeof commands[0]);
    return commands;
}

void gt_cli_print_help(const gt_command *cmd) {
    printf("usage: gantrain %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->help) printf("\n%s", cmd->help);
    printf("\nglobal options: --threads N (default: all cores), --quiet, --verbose\n");
}

static void usage(FILE *f) {
    int n;
    const gt_command *c = gt_commands(&n);
    fprintf(f, "usage: gantrain [--threads N] [--quiet|--verbose] COMMAND [ARGS]\n\ncommands:\n");
    for (int i = 0; i < n; i++) fprintf(f, "  %-11s %s\n", c[i].name, c[i].summary);
    fprintf(f, "\n`gantrain COMMAND --help` describes a command.\n");
}

/* Removes the global options from argv (they may appear anywhere). */
static int take_globals(int *argc, char **argv) {
    int threads = 0, out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *s = argv[i], *v = NULL;
        if (!strncmp(s, "--threads=", 10))
            v = s + 10;
        else if (!strcmp(s, "--threads")) {
            if (i + 1 >= *argc) return gt_cli_error(GT_EXIT_USAGE, "--threads needs a number");
            v = argv[++i];
        } else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
            gt_log_set_level(GT_LOG_WARN);
            continue;
        } else if (!strcmp(s, "--verbose") || !strcmp(s, "-v")) {
            gt_log_set_level(GT_LOG_DEBUG);
            continue;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        long t;
        if (!gt_parse_int(v, 1, 1024, &t))
            return gt_cli_error(GT_EXIT_USAGE, "--threads: '%s' is not a thread count (1..1024)", v);
        threads = (int)t;
    }
    *argc = out;
    argv[out] = NULL;
    gt_threads_set(threads);
    return 0;
}

static int run(int argc, char **argv);

int main(int argc, char **argv) {
    gt_dist_init(&argc, &argv);
    int rc = run(argc, argv);
    gt_dist_finalize();
    return rc;
}

static int run(int argc, char **argv) {
    int rc = take_globals(&argc, argv);
    if (rc) return rc;
    if (argc < 2) {
        usage(stderr);
        return GT_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        if (argc > 2) {
            int n;
            const gt_command *c = gt_commands(&n);
            for (int i = 0; i < n; i++)
                if (!strcmp(c[i].name, argv[2])) {
                    gt_cli_print_help(&c[i]);
                    return GT_EXIT_OK;
                }
            return gt_cli_error(GT_EXIT_USAGE, "no command '%s' (see gantrain --help)", argv[2]);
        }
        usage(stdout);
        return GT_EXIT_OK;
    }
    if (!strcmp(name, "--version")) return gt_cmd_version(argc - 1, argv + 1);
    int n;
    const gt_command *c = gt_commands(&n);
    for (int i = 0; i < n; i++) {
        if (strcmp(c[i].name, name)) continue;
        for (int k = 2; k < argc; k++)
            if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
                gt_cli_print_help(&c[i]);
                return GT_EXIT_OK;
            }
        return c[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "gantrain: unknown command '%s'\n", name);
    fprintf(stderr, "usage: gantrain [--threads N] COMMAND [ARGS]  (gantrain --help lists commands)\n");
    return GT_EXIT_USAGE;
}
