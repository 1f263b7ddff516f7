# lib.sh — what the experiment scripts share: their options (--full,
# --out, --jobs, --data), the tools (gantrain, sweep.sh, summarize), a
# sample-grid montage drawn with gnuplot, and a log of every command.
# Sourced by scripts/experiments/[1-4]-*.sh; not run on its own.

X_TREE=$(cd "$(dirname "$0")/../.." && pwd)
G=${GANTRAIN:-$X_TREE/gantrain}
SWEEP=$X_TREE/scripts/sweep.sh
SUMMARIZE=$X_TREE/scripts/summarize
FULL=0
JOBS=2
DATA=fashion-mnist
OUT=""

x_usage() { # NAME WHAT
    cat <<EOF
usage: scripts/experiments/$1 [--full] [--out DIR] [--jobs N] [--data fashion-mnist|mnist]

$2

  --full        the original budget (hours to days on a CPU); default: a small
                budget that finishes in minutes on 2 cores
  --out DIR     where the runs and results go (default runs/experiments/${1%.sh})
  --jobs N      trainings at a time (default 2), each with cores / N threads
  --data NAME   fashion-mnist (default; Debian's dataset-fashion-mnist) or mnist
                (scripts/fetch-data.sh mnist)

Running it again skips finished runs and resumes interrupted ones.  The
tables and plots go to DIR/results/, every command to DIR/commands.log.
EOF
}

x_args() { # NAME WHAT "$@"
    name=$1 what=$2
    shift 2
    OUT=runs/experiments/${name%.sh}
    while [ $# -gt 0 ]; do
        case $1 in
        -h | --help) x_usage "$name" "$what"; exit 0 ;;
        --full) FULL=1 ;;
        --out) OUT=$2; shift ;;
        --jobs) JOBS=$2; shift ;;
        --data) DATA=$2; shift ;;
        *) echo "$name: unknown argument '$1' (see --help)" >&2; exit 2 ;;
        esac
        shift
    done
    case $DATA in fashion-mnist | mnist) ;; *) echo "$name: --data is fashion-mnist or mnist" >&2; exit 2 ;; esac
    [ -x "$G" ] || { echo "$name: $G: no gantrain binary (run make)" >&2; exit 2; }
    command -v gnuplot >/dev/null 2>&1 || { echo "$name: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 2; }
    case $JOBS in '' | *[!0-9]* | 0) echo "$name: --jobs wants a count >= 1" >&2; exit 2 ;; esac
    # every training gets its share of the cores, never more
    X_THREADS=$(($(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) / JOBS))
    [ "$X_THREADS" -ge 1 ] || X_THREADS=1
    RES=$OUT/results
    mkdir -p "$RES" || exit 1
    X_LOG=$OUT/commands.log
    echo "# $(date '+%Y-%m-%d %H:%M:%S') $name $( [ "$FULL" = 1 ] && echo --full) --data $DATA" >>"$X_LOG"
}

# Runs a command, logging it; the experiment goes on when it fails (a
# failed training is reported by sweep.sh and shows as missing in the tables).
x() {
    # the whole line in one write: commands of two chains running side by
    # side (3-objectives.sh) must not run into each other in the log
    xline=$(for a in "$@"; do
        case $a in *[!A-Za-z0-9_./=,:+-]*) printf "'%s' " "$a" ;; *) printf '%s ' "$a" ;; esac
    done | sed 's/ $//')
    printf '%s\n' "$xline" >>"$X_LOG"
    echo "+ $*" >&2
    "$@" || echo "(exit $?: $*)" >&2
}

# The newest sample grid of a run ("-" when it has none).
x_last_sample() {
    f=$(ls "$1"/samples/step_*.png 2>/dev/null | tail -n 1)
    echo "${f:--}"
}

# The grid of a run at a step ("-" when there is none).
x_sample_at() { # RUN STEP
    f=$(printf '%s/samples/step_%07d.png' "$1" "$2")
    [ -f "$f" ] && echo "$f" || echo -
}

# montage OUT.png TITLE COLS FILE LABEL [FILE LABEL ...]: the images in a
# grid of COLS columns, each titled with its label ("-" as FILE leaves the
# cell empty); gnuplot reads the PNGs and lays them out.
x_montage() {
    mout=$1 mtitle=$2 mcols=$3
    shift 3
    mn=$(($# / 2))
    mrows=$(((mn + mcols - 1) / mcols))
    # a cell is X_CELL pixels wide (300: a 242-274 pixel grid is drawn a
    # little enlarged, no pixel row or column dropped) and X_CELL_H high
    # (default: square), 30 above each for its title, 40 for the title of all
    mc=${X_CELL:-300}
    mch=${X_CELL_H:-$mc}
    mh=$((mrows * (mch + 30) + 40))
    {
        # libgd's png (a palette): half the size of pngcairo's for grey grids
        echo "set terminal png size $((mcols * mc)),$mh font 'DejaVu Sans,11' noenhanced"
        echo "set output '$mout'"
        echo "set multiplot layout $mrows,$mcols title '$mtitle' margins 0.01,0.99,0.005,$(awk -v h="$mh" 'BEGIN { printf "%.4f", 1 - 70 / h }') spacing 0.02,$(awk -v h="$mh" 'BEGIN { printf "%.4f", 30 / h }')"
        echo "unset border; unset tics; unset key; set size ratio -1"
        while [ $# -ge 2 ]; do
            if [ "$1" = - ] || [ ! -f "$1" ]; then
                echo "set multiplot next"
            else
                echo "set title '$2'"
                echo "plot '$1' binary filetype=png with rgbimage"
            fi
            shift 2
        done
        echo "unset multiplot"
    } >"$mout.gp"
    gnuplot "$mout.gp" && rm -f "$mout.gp"
}

# results/README.md: what ran and what came out
x_results_header() { # TITLE
    {
        echo "# $1"
        echo
        echo "Budget: $( [ "$FULL" = 1 ] && echo "full (the original's)" || echo "small (minutes on 2 cores)"); data: $DATA."
        echo "Generated by scripts/experiments/$(basename "$0") on $(date '+%Y-%m-%d %H:%M'); the commands are in ../commands.log."
        echo
    } >"$RES/README.md"
}

x_results_table() { # HEADING FILE.md
    { echo "## $1"; echo; cat "$2"; echo; } >>"$RES/README.md"
}
