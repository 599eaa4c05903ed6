#!/usr/bin/python3
"""The held-out table of docs/validation.md from capsim validate's JSON.

    lab/table.py VALIDATE.json [RUN=LABEL...]

One row per held-out point and metric (throughput, p50, p95, error rate):
measured, capsim with its 90% prediction interval (a MISS mark when the
measurement is outside), its error, the straight line and the USL with
theirs.  RUN=LABEL names a run's configuration (default "base").
"""
import json
import sys

METRICS = ["throughput", "p50", "p95", "error_rate"]


def fmt(m, v):
    if v is None:
        return "-"
    if m == "throughput":
        return f"{v:.3g}/s" if v < 10 else f"{v:.1f}/s"
    if m == "error_rate":
        return f"{100 * v:.2f}%"
    return f"{v:.3g}ms" if v < 100 else f"{v:.0f}ms"


def err(m, e):
    if e is None:
        return "-"
    if m == "error_rate":
        return f"{100 * e:+.2f}pp"
    return f"{100 * e:+.1f}%"


def main():
    d = json.load(open(sys.argv[1]))
    labels = dict(a.split("=", 1) for a in sys.argv[2:])
    print("| run | users | config | metric | measured | capsim [90% PI] | err "
          "| line | err | USL | err |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for p in d["points"]:
        if p.get("calibration"):
            continue
        for m in METRICS:
            e = p["metrics"].get(m)
            if not e or e.get("measured") is None:
                continue
            y = e["measured"]
            lo, hi = e.get("pi_low"), e.get("pi_high")
            miss = "" if lo is None or lo <= y <= hi else " MISS"
            pi = f"{fmt(m, e['predicted'])} [{fmt(m, lo)} .. {fmt(m, hi)}]{miss}"
            print(f"| {p['name']} | {p['users']:g} | {labels.get(p['name'], 'base')} "
                  f"| {m} | {fmt(m, y)} | {pi} | {err(m, e.get('error'))} "
                  f"| {fmt(m, e.get('line'))} | {err(m, e.get('line_error'))} "
                  f"| {fmt(m, e.get('usl'))} | {err(m, e.get('usl_error'))} |")


if __name__ == "__main__":
    main()
