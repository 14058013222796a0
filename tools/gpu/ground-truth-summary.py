#!/usr/bin/env python3
"""Per ground-truth counts file (lpe ground-truth, format lpe-ground-truth/2): model, distribution, engine and
precision, samples counted, the shards and sample ranges they cover, the tokens seen, and the smallest probability p
with at least 25 expected hits (p = 25 / samples), under which a token's ground truth is too noisy to score against.

    python3 tools/gpu/ground-truth-summary.py FILE.json ...
"""
import json
import math
import sys


def main(paths):
    print(f"{'model':10} {'dist':8} {'engine':6} {'prec':5} {'samples':>16} {'log2':>5} {'shards':>7}"
          f" {'sample ranges of seed':28} {'tokens':>6} {'p (25 hits)':>11}")
    for path in paths:
        with open(path) as f:
            c = json.load(f)
        if c.get("format") != "lpe-ground-truth/2":
            sys.exit(f"{path}: not a ground-truth counts file of format lpe-ground-truth/2")
        n = c["samples"]
        parts = sorted(c["shards"], key=lambda p: p["first"])
        ranges = []
        for p in parts:
            lo, hi = p["first"], p["first"] + p["counted"]
            if ranges and ranges[-1][1] == lo:
                ranges[-1][1] = hi
            else:
                ranges.append([lo, hi])
        covered = ",".join(f"[{lo},{hi})" for lo, hi in ranges) + f" of {c['seed']}"
        model = c["model"].rstrip("/").split("/")[-1]
        seen = sum(1 for x in c["counts"] if x > 0)
        log2 = f"{math.log2(n):.1f}" if n else "-"
        pmin = f"{25 / n:.2e}" if n else "-"
        print(f"{model:10} {c['dist']:8} {c['engine']:6} {c['precision']:5} {n:16,} {log2:>5} {len(parts):7}"
              f" {covered:28} {seen:6} {pmin:>11}")


if __name__ == "__main__":
    main(sys.argv[1:])
