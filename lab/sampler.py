"""Utilization sampler for one lab run.

Waits for Locust's warm-up reset (MARKS/reset), then measures until
MARKS/stop (or --limit seconds):
  - CPU seconds of each process group from /proc/<pid>/stat (utime+stime,
    plus cutime+cstime of the group's root for reaped children): app
    (gunicorn master+workers), db (postmaster+backends), redis, stubs,
    locust, and the whole machine from /proc/stat;
  - the app's own time integrals per gunicorn process (threads busy, pool
    connections checked out, pool waiters) and answer counts by cause, from
    the files the workers publish every 0.5 s;
  - pg_stat_activity every 0.5 s (capsim-lab connections by state);
  - each gunicorn process's established client connections (with
    --app-port, every 0.5 s): how many Locust users each process holds,
    the shares the pinning draws, measured directly;
  - Redis INFO keyspace hits/misses;
  - the stubs' counters (attempts, 429s, errors, max in flight).
Writes one JSON file.  Every loop is bounded in count and time.
"""
import argparse
import glob
import json
import os
import time
import urllib.request

import psycopg2
import redis

p = argparse.ArgumentParser()
p.add_argument("--marks", required=True)
p.add_argument("--state", required=True)
p.add_argument("--out", required=True)
p.add_argument("--app-pid", type=int, required=True)
p.add_argument("--pg-pid", type=int, required=True)
p.add_argument("--redis-pid", type=int, required=True)
p.add_argument("--stub-pids", required=True, help="comma-separated")
p.add_argument("--locust-pid", type=int, required=True)
p.add_argument("--redis-port", type=int, required=True)
p.add_argument("--pg-dsn", required=True)
p.add_argument("--stub-urls", required=True, help="name=url,...")
p.add_argument("--app-port", type=int, default=0,
               help="count each gunicorn process's client connections on it")
p.add_argument("--limit", type=float, default=300)
p.add_argument("--meta", default="{}", help="JSON merged into the output")
a = p.parse_args()

TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()


def proc_table():
    """pid -> (ppid, utime+stime, cutime+cstime) in seconds."""
    t = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                s = fh.read()
        except OSError:
            continue
        f = s[s.rindex(")") + 2:].split()
        # fields after comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
        t[int(d)] = (int(f[1]), (int(f[11]) + int(f[12])) / TCK, (int(f[13]) + int(f[14])) / TCK)
    return t


def group_cpu(t, root):
    """CPU seconds of root and all its descendants (+ root's reaped children)."""
    if root not in t:
        return None
    kids = {}
    for pid, (pp, _, _) in t.items():
        kids.setdefault(pp, []).append(pid)
    total, stack, n = t[root][1] + t[root][2], [root], 0
    while stack and n < 10000:
        n += 1
        for c in kids.get(stack.pop(), []):
            total += t[c][1]
            stack.append(c)
    return total


def machine():
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    idle = f[3] + f[4]
    return sum(f[:8]) / TCK, (sum(f[:8]) - idle) / TCK


stub_pids = [int(x) for x in a.stub_pids.split(",") if x]
stub_urls = dict(kv.split("=", 1) for kv in a.stub_urls.split(","))


def cpu_snapshot():
    t = proc_table()
    tot, busy = machine()
    with open("/proc/self/stat") as fh:
        f = fh.read().rsplit(")", 1)[1].split()
    return {"t": time.monotonic(), "sampler": (int(f[11]) + int(f[12])) / TCK,
            "app": group_cpu(t, a.app_pid), "db": group_cpu(t, a.pg_pid),
            "redis": group_cpu(t, a.redis_pid),
            "stubs": sum(group_cpu(t, s) or 0 for s in stub_pids),
            "locust": group_cpu(t, a.locust_pid),
            "machine_total": tot, "machine_busy": busy,
            "app_procs": sum(1 for pid, v in t.items() if v[0] == a.app_pid)}


def workers():
    out = {}
    for f in glob.glob(os.path.join(a.state, "worker-*.json")):
        try:
            with open(f) as fh:
                w = json.load(fh)
            out[w["pid"]] = w
        except (OSError, ValueError, KeyError):
            pass
    return out


def connections(pids):
    """pid -> established connections accepted on --app-port that the
    process holds (its fds matched against /proc/net/tcp{,6})."""
    if not a.app_port:
        return {}
    est = set()
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(f) as fh:
                next(fh)
                for line in fh:
                    x = line.split()
                    # local address:port, state 01 = ESTABLISHED, inode
                    if x[3] == "01" and int(x[1].rsplit(":", 1)[1], 16) == a.app_port:
                        est.add(x[9])
        except OSError:
            pass
    out = {}
    for pid in pids:
        n = 0
        try:
            for fd in os.listdir("/proc/%d/fd" % pid)[:100000]:
                try:
                    lk = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                except OSError:
                    continue
                if lk.startswith("socket:[") and lk[8:-1] in est:
                    n += 1
        except OSError:
            continue
        out[pid] = n
    return out


r = redis.Redis(host="127.0.0.1", port=a.redis_port)


def redis_snapshot():
    i = r.info("stats")
    return {"hits": i["keyspace_hits"], "misses": i["keyspace_misses"]}


def stubs_snapshot():
    out = {}
    for name, url in stub_urls.items():
        try:
            with urllib.request.urlopen(url, timeout=2) as fh:
                out[name] = json.load(fh)
        except Exception as e:  # noqa: BLE001 - recorded, not fatal
            out[name] = {"error": str(e)}
    return out


def snapshot():
    return {"wall": time.time(), "cpu": cpu_snapshot(), "workers": workers(),
            "redis": redis_snapshot(), "stubs": stubs_snapshot()}


deadline = time.monotonic() + a.limit
reset = os.path.join(a.marks, "reset")
stop = os.path.join(a.marks, "stop")
for _ in range(int(a.limit * 10) + 1):
    if os.path.exists(reset) or os.path.exists(stop) or time.monotonic() > deadline:
        break
    time.sleep(0.1)
if not os.path.exists(reset):
    raise SystemExit("sampler: no warm-up reset mark within %gs" % a.limit)

pg = psycopg2.connect(a.pg_dsn, application_name="capsim-lab-sampler")
pg.autocommit = True
cur = pg.cursor()

s0 = snapshot()
series, pgs = [], []
conn_sum, conn_n = {}, 0   # per gunicorn process: connections summed over samples
prev = last = s0["cpu"]
next_row = time.monotonic() + 1.0
next_pg = time.monotonic()
for _ in range(int(a.limit * 10) + 1):
    if os.path.exists(stop) or time.monotonic() > deadline:
        break
    now = time.monotonic()
    if now >= next_pg:
        cur.execute("SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                    "WHERE application_name = 'capsim-lab' GROUP BY 1")
        st = dict(cur.fetchall())
        pgs.append(st)
        if a.app_port:
            for pid, n in connections(list(s0["workers"])).items():
                conn_sum[pid] = conn_sum.get(pid, 0) + n
            conn_n += 1
        next_pg += 0.5
    if now >= next_row:
        c = cpu_snapshot()
        if all(c[k] is not None for k in ("app", "db", "locust")):
            last = c
            dt = c["t"] - prev["t"]
            series.append({
                "t_s": round(c["t"] - s0["cpu"]["t"], 2),
                "app_cpu_cores": round((c["app"] - prev["app"]) / dt, 3),
                "db_cpu_cores": round((c["db"] - prev["db"]) / dt, 3),
                "locust_cpu_cores": round((c["locust"] - prev["locust"]) / dt, 3),
                "machine_busy_cores": round((c["machine_busy"] - prev["machine_busy"]) / dt, 3),
                "pg_in_use": st.get("active", 0) + st.get("idle in transaction", 0),
            })
            prev = c
        next_row += 1.0
    time.sleep(0.1)
s1 = snapshot()
# a process that exited at the stop (Locust) keeps its last sampled value
late = []
for k in ("app", "db", "redis", "stubs", "locust"):
    if s1["cpu"][k] is None:
        s1["cpu"][k] = last[k]
        late.append(k)

win = s1["cpu"]["t"] - s0["cpu"]["t"]
cpu = {}
for k in ("app", "db", "redis", "stubs", "locust"):
    secs = s1["cpu"][k] - s0["cpu"][k]
    cpu[k] = {"cpu_seconds": round(secs, 3), "cores_busy": round(secs / win, 4),
              "utilization_of_machine": round(secs / win / NCPU, 4)}
mb = s1["cpu"]["machine_busy"] - s0["cpu"]["machine_busy"]
mt = s1["cpu"]["machine_total"] - s0["cpu"]["machine_total"]
cpu["machine"] = {"cores_busy": round(mb / win, 4), "utilization": round(mb / mt, 4) if mt else None}
ours = sum(cpu[k]["cpu_seconds"] for k in ("app", "db", "redis", "stubs", "locust"))
ours += s1["cpu"]["sampler"] - s0["cpu"]["sampler"]
# CPU used by processes that are not the lab's (other work on the machine)
cpu["other"] = {"cores_busy": round(max(0.0, mb - ours) / win, 4)}
with open("/proc/loadavg") as fh:
    cpu["loadavg_at_end"] = fh.read().split()[:3]

# app-side integrals, per gunicorn process, over each process's own window
procs, agg = [], {"busy_mean": 0.0, "in_use_mean": 0.0, "waiters_mean": 0.0,
                  "busy_max": 0, "in_use_max": 0, "waiters_max": 0}
counts = {}
for pid, w1 in s1["workers"].items():
    w0 = s0["workers"].get(pid)
    if not w0:
        continue
    dt = w1["t"] - w0["t"]
    if dt <= 0:
        continue
    row = {"pid": pid, "window_s": round(dt, 3), "pool_size": w1["pool_size"]}
    for k in ("busy", "in_use", "waiters"):
        m = (w1[k]["area"] - w0[k]["area"]) / dt
        row[k + "_mean"] = round(m, 4)
        row[k + "_max_ever"] = w1[k]["max"]
        agg[k + "_mean"] += m
        agg[k + "_max"] += w1[k]["max"]
    mine = 0
    for k, n in w1["counts"].items():
        d = n - w0["counts"].get(k, 0)
        if d:
            counts[k] = counts.get(k, 0) + d
            mine += d
    row["answers"] = mine
    if conn_n:
        row["client_connections_mean"] = round(conn_sum.get(pid, 0) / conn_n, 3)
    procs.append(row)
answers = sum(counts.values())
ok = sum(n for k, n in counts.items() if k.endswith(" 200"))
causes = {}
for k, n in counts.items():
    if not k.endswith(" 200"):
        c = k.rsplit(" ", 1)[1]
        causes[c] = causes.get(c, 0) + n
hits = s1["redis"]["hits"] - s0["redis"]["hits"]
misses = s1["redis"]["misses"] - s0["redis"]["misses"]
pool_total = sum(p_["pool_size"] for p_ in procs)
pg_in_use = [s.get("active", 0) + s.get("idle in transaction", 0) for s in pgs]
stubs = {}
for name in stub_urls:
    b, e = s0["stubs"].get(name, {}), s1["stubs"].get(name, {})
    if "error" in b or "error" in e:
        stubs[name] = {"error": b.get("error") or e.get("error")}
        continue
    stubs[name] = {k: e[k] - b[k] for k in ("attempts", "ok", "rate_limited", "errors")}
    stubs[name]["attempts_rps"] = round(stubs[name]["attempts"] / win, 3)
    stubs[name]["max_inflight_ever"] = e["max_inflight"]

out = json.loads(a.meta)
out.update({
    "window": {"start_unix": s0["wall"], "end_unix": s1["wall"], "seconds": round(win, 3)},
    "cores": NCPU,
    "cpu": cpu,
    "cpu_note": ("CPU of %s: last 1 s sample before it exited" % ", ".join(late)) if late else None,
    "server": {
        "answers": answers, "ok": ok, "throughput_rps": round(answers / win, 3),
        "errors_by_cause": causes, "counts": counts,
        "app_cpu_ms_per_request": round(1000 * cpu["app"]["cpu_seconds"] / answers, 3) if answers else None,
        "db_cpu_ms_per_request": round(1000 * cpu["db"]["cpu_seconds"] / answers, 3) if answers else None,
        "locust_cpu_ms_per_request": round(1000 * cpu["locust"]["cpu_seconds"] / answers, 3) if answers else None,
    },
    "app": {"processes": len(procs), "threads_busy_mean": round(agg["busy_mean"], 4),
            "threads_busy_max_sum": agg["busy_max"], "per_process": procs},
    "pool": {"total_size": pool_total,
             "in_use_mean": round(agg["in_use_mean"], 4),
             "utilization": round(agg["in_use_mean"] / pool_total, 4) if pool_total else None,
             "waiters_mean": round(agg["waiters_mean"], 4),
             "in_use_max_sum_of_process_max": agg["in_use_max"],
             "waiters_max_sum_of_process_max": agg["waiters_max"],
             "pg_stat_activity_in_use_mean": round(sum(pg_in_use) / len(pg_in_use), 4) if pg_in_use else None,
             "pg_stat_activity_in_use_max": max(pg_in_use) if pg_in_use else None,
             "pg_stat_activity_samples": len(pg_in_use)},
    "cache": {"hits": hits, "misses": misses,
              "hit_ratio": round(hits / (hits + misses), 4) if hits + misses else None},
    "services": stubs,
    "timeseries_1s": series,
})
tmp = a.out + ".tmp"
with open(tmp, "w") as fh:
    json.dump(out, fh, indent=1)
os.replace(tmp, a.out)
