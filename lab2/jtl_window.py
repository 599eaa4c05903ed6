#!/usr/bin/python3
"""Cut a JMeter CSV JTL to the measured window: keep the header and every
sample that STARTED in [start_ms, end_ms) (timeStamp is the start time: the
plan is run with sampleresult.timestamp.start=true).  The warm-up (ramp-up
included) before start_ms and the samples after end_ms are dropped.

  jtl_window.py RAW.jtl OUT.jtl START_MS END_MS

Prints a one-line summary; fails if the load did not cover the window
(first sample later than START_MS - 5 s or last sample earlier than END_MS).
"""
import csv
import sys

raw, out, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
n_all = n_in = n_before = n_after = 0
first = last = None
with open(raw, newline="") as fi, open(out, "w", newline="") as fo:
    r = csv.reader(fi)
    w = csv.writer(fo, lineterminator="\n")
    head = next(r)
    w.writerow(head)
    ts = [h.lower() for h in head].index("timestamp")
    for row in r:
        if not row:
            continue
        n_all += 1
        t = int(row[ts])
        first = t if first is None else min(first, t)
        last = t if last is None else max(last, t)
        if t < t0:
            n_before += 1
        elif t >= t1:
            n_after += 1
        else:
            n_in += 1
            w.writerow(row)
print("jtl_window: %d samples, %d in the window, %d before (warm-up), %d after" % (n_all, n_in, n_before, n_after))
if first is None or first > t0 - 5000 or last < t1:
    sys.exit("jtl_window: the samples (%s .. %s) do not cover the window %d .. %d" % (first, last, t0, t1))
