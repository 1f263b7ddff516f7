#!/usr/bin/python3
"""Runs scripts/lockstep.py and `gantrain lockstep` for presets at full size
and prints the report: per preset, the largest relative parameter
difference from PyTorch's float32 run at iterations 1, 10, 100 and 200
(and, where the float64 replay was made, the distances of gantrain and of
PyTorch's float32 run from it), and the first iteration at which a loss or
parameter parts from PyTorch's by more than 1e-4.

    /usr/bin/python3 scripts/lockstep-report.py [presets ...] [--flavour F]
        [--iters 200] [--out runs/lockstep] [--no-yardstick P,P]

Inputs already recorded in --out are reused.  Output: a markdown table on
stdout and OUT/report-FLAVOUR.md."""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ALL = ["gan", "cgan", "wgan", "wgan_gp", "dcgan", "began", "dcgan64", "began64"]


def fmt(v):
    return "—" if v is None else "%.1e" % v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("presets", nargs="*", default=ALL)
    ap.add_argument("--flavour", default="gantrain", choices=["gantrain", "reference"])
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--out", default="runs/lockstep")
    ap.add_argument("--gantrain", default=os.path.join(HERE, "..", "gantrain"))
    ap.add_argument("--no-yardstick", default="dcgan64,began64",
                    help="presets recorded without the float64 replay (it is slow for them)")
    a = ap.parse_args()
    skip64 = set(a.no_yardstick.split(","))
    rows = []
    for p in a.presets:
        base = os.path.join(a.out, p + ("-ref" if a.flavour == "reference" else ""))
        if not os.path.exists(base + ".npz"):
            store = "1,10,100,200" if p in ("dcgan64",) else "1,2,5,10,20,50,100,150,200"
            cmd = [sys.executable, os.path.join(HERE, "lockstep.py"), p, "--size", "full", "--iters", str(a.iters),
                   "--store", store, "--flavour", a.flavour, "--out", a.out]
            if p in skip64:
                cmd.append("--no-yardstick")
            subprocess.run(cmd, check=True)
        res = subprocess.run([a.gantrain, "--threads", "1", "lockstep", base + ".ini", base + ".npz", "--json"],
                             capture_output=True, text=True)
        with open(base + ".jsonl", "w") as f:
            f.write(res.stdout)
        it = {}
        first = None
        for line in res.stdout.splitlines():
            r = json.loads(line)
            it[r["iter"]] = r
            if first is None:
                dl = abs(r["d_loss"] - r["ref_d_loss"]) / max(abs(r["ref_d_loss"]), 1e-3)
                gl = abs(r["g_loss"] - r["ref_g_loss"]) / max(abs(r["ref_g_loss"]), 1e-3)
                worst, what = max((dl, "d_loss"), (gl, "g_loss"))
                if "param_rel" in r and r["param_rel"] > worst:
                    worst, what = r["param_rel"], r["param"]
                if worst > 1e-4:
                    first = (r["iter"], what, worst)
        cells = []
        for k in (1, 10, 100, 200):
            r = it.get(k, {})
            c = fmt(r.get("param_rel"))
            if "param_rel64" in r:
                c += " (f64: %s / %s)" % (fmt(r["param_rel64"]), fmt(r["yard_param"]))
            cells.append(c)
        part = "iteration %d, %s (%.1e)" % first if first else "none in %d" % len(it)
        if res.returncode == 0:
            tail = "agrees (each figure within 1e-4, or as close to float64 as PyTorch's float32)"
        else:
            tail = res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "exit %d" % res.returncode
        rows.append("| %s | %s | %s | %s |" % (p, " | ".join(cells), part, tail.replace("gantrain: ", "")))
        print(rows[-1], flush=True)
    head = ["| preset | iter 1 | iter 10 | iter 100 | iter 200 | first parting > 1e-4 | gantrain lockstep's verdict |",
            "|---|---|---|---|---|---|---|"]
    text = "\n".join(head + rows) + "\n"
    with open(os.path.join(a.out, "report-%s.md" % a.flavour), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
