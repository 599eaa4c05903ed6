#!/usr/bin/python3
"""Coverage of capsim validate's intervals on held-out points.

    lab/coverage.py VALIDATE.json...

For each file (capsim validate --format json with --baseline-from) and over
all of them, per metric: how many held-out measurements fall inside the 95%
simulation CI (what capsim printed before it had prediction intervals) and
inside the 90% prediction interval, the median half-width of each (relative
to the prediction; points for the error rate), and the USL baseline's
median |error| on the same points.
"""
import json
import statistics
import sys

METRICS = ["throughput", "p50", "p95", "p99", "error_rate"]


def rows(path):
    d = json.load(open(path))
    for p in d["points"]:
        if p.get("calibration"):
            continue
        for m in METRICS:
            e = p["metrics"].get(m)
            if not e or e.get("measured") is None:
                continue
            yield m, e


def half(e, lo, hi, m):
    a, b, mid = e.get(lo), e.get(hi), e.get("predicted")
    if a is None or b is None or mid is None:
        return None
    if m == "error_rate":
        return (b - a) / 2
    return (b - a) / 2 / mid if mid > 0 else None


def table(name, paths):
    print(f"## {name}")
    print("| metric | points | 95% CI covers | median CI half-width | 90% PI covers | "
          "median PI half-width | USL median abs error |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in METRICS:
        n = ci = pi = 0
        wci, wpi, usl = [], [], []
        for path in paths:
            for mm, e in rows(path):
                if mm != m:
                    continue
                y = e["measured"]
                n += 1
                if e.get("ci_low") is not None and e["ci_low"] <= y <= e["ci_high"]:
                    ci += 1
                if e.get("pi_low") is not None and e["pi_low"] <= y <= e["pi_high"]:
                    pi += 1
                for lst, lo, hi in ((wci, "ci_low", "ci_high"), (wpi, "pi_low", "pi_high")):
                    h = half(e, lo, hi, m)
                    if h is not None:
                        lst.append(h)
                if e.get("usl_error") is not None:
                    usl.append(abs(e["usl_error"]))
        if not n:
            continue
        unit = "pp" if m == "error_rate" else "%"
        f = lambda xs: f"{100 * statistics.median(xs):.1f}{unit}" if xs else "-"
        print(f"| {m} | {n} | {ci}/{n} | {f(wci)} | {pi}/{n} | {f(wpi)} | {f(usl)} |")
    print()


def main():
    paths = sys.argv[1:]
    for p in paths:
        table(p, [p])
    table("all held-out points", paths)


if __name__ == "__main__":
    main()
