# mp_common.sh — what the data-parallel tests share (tests/cli/mpi.sh,
# tests/multihost/): a tiny MNIST-format dataset, two small configs, and a
# comparison of two training logs (sourced; POSIX sh).

# mp_data DIR: 64 images of fixed pseudo-random pixels (Park-Miller, so a
# failure reproduces) and their labels, as train-*-ubyte files in DIR
mp_data() {
    mkdir -p "$1"
    { printf '\000\000\010\003\000\000\000\100\000\000\000\034\000\000\000\034'
      LC_ALL=C awk 'BEGIN { x = 12345; for (i = 0; i < 64 * 784; i++) { x = (x * 16807) % 2147483647; printf "%c", int(x / 8388608) % 256 } }'; } > "$1/train-images-idx3-ubyte"
    { printf '\000\000\010\001\000\000\000\100'; for i in 0 1 2 3 4 5 6; do printf '\000\001\002\003\004\005\006\007\010\011'; done | head -c 64; } > "$1/train-labels-idx1-ubyte"
}

# mp_configs DATA_DIR: mpd.ini (a small dcgan: batch norm, dropout) and
# mpw.ini (a small wgan_gp: five critic steps, the gradient penalty), 20
# steps of batch 16, a log row every step, in the current directory
mp_configs() {
    base="[data]
dataset = mnist
path = $1
[train]
steps = 20
batch_size = 16
log_every = 1
sample_every = 0
ckpt_every = 0
progress = none"
    printf '[model]\npreset = dcgan\ng_width = 16\nd_width = 8\n%s\n' "$base" > mpd.ini
    printf '[model]\npreset = wgan_gp\ng_hidden = 32,64\nd_hidden = 64,32\n%s\n' "$base" > mpw.ini
}

# close_logs A B: within 1e-5 relative on every number of two logs.  A
# figure that is a mean of terms of both signs (d_real of a critic, say) can
# sit near zero while its terms do not, so each column is measured against
# the larger of the value and a tenth of the column's largest magnitude.
# Prints "logs agree" or the rows that differ (and fails).
close_logs() {
    paste -d, "$1" "$2" | awk -F, 'NR > 1 { n = NF / 2; rows = NR;
        for (i = 2; i <= n; i++) { a[NR, i] = $i; b[NR, i] = $(i + n); m = ($i < 0 ? -$i : $i); if (m > col[i]) col[i] = m } }
        END { for (r = 2; r <= rows; r++) for (i = 2; i <= n; i++) {
            d = a[r, i] - b[r, i]; if (d < 0) d = -d; m = (a[r, i] < 0 ? -a[r, i] : a[r, i]);
            if (m < col[i] / 10) m = col[i] / 10; if (m < 1e-6) m = 1e-6;
            if (d / m > 1e-5) { print "row " r " column " i ": " a[r, i] " vs " b[r, i]; bad = 1 } }
            if (bad) exit 1; print "logs agree" }'
}
