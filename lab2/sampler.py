#!/usr/bin/python3
"""Utilization sampler for one lab2 run (Python standard library only).

Sleeps until --start (Unix time, the start of the measured window), then
measures until --start + --seconds:
  - CPU seconds from /proc/<pid>/stat (utime+stime of a process and all its
    descendants, plus the root's reaped children) of: app (every Node
    instance), balancer (nginx master + worker), db (postmaster + backends),
    redis, stubs, loadgen (JMeter's JVM), and the whole machine from
    /proc/stat; "other" = machine - all of those - this sampler;
  - each Node instance's own counters from GET /__stats at both ends
    (time integrals of pool connections in use, pool waiters, requests in
    flight sampled every 20 ms from pg.Pool's totalCount/idleCount/
    waitingCount; event-loop utilization; answers by endpoint and cause);
  - Redis INFO keyspace hits/misses (a RESP socket, no client library);
  - the stubs' counters (attempts, 429s, errors, peak concurrency);
  - a 1 s time series of cores busy per group and pool in use.
Writes one JSON file.  The window (Unix ms) is what lab2/jtl_window.py cuts
the JTL to, so client and server figures cover the same time.
"""
import argparse
import json
import os
import socket
import time
import urllib.request

p = argparse.ArgumentParser()
p.add_argument("--start", type=float, required=True, help="Unix time of the window start")
p.add_argument("--seconds", type=float, required=True)
p.add_argument("--out", required=True)
p.add_argument("--app-pids", required=True, help="comma-separated, one per instance")
p.add_argument("--app-ports", required=True, help="comma-separated, same order")
p.add_argument("--balancer-pid", type=int, required=True)
p.add_argument("--pg-pid", type=int, required=True)
p.add_argument("--redis-pid", type=int, required=True)
p.add_argument("--redis-port", type=int, required=True)
p.add_argument("--stub-pids", required=True)
p.add_argument("--stub-urls", required=True, help="name=url,...")
p.add_argument("--loadgen-pid", type=int, required=True)
p.add_argument("--meta", default="{}")
a = p.parse_args()

TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()
app_pids = [int(x) for x in a.app_pids.split(",") if x]
app_ports = [int(x) for x in a.app_ports.split(",") if x]
stub_pids = [int(x) for x in a.stub_pids.split(",") if x]
stub_urls = dict(kv.split("=", 1) for kv in a.stub_urls.split(","))


def proc_table():
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
        t[int(d)] = (int(f[1]), (int(f[11]) + int(f[12])) / TCK, (int(f[13]) + int(f[14])) / TCK)
    return t


def group_cpu(t, root, kids):
    if root not in t:
        return 0.0
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
    return (sum(f[:8]) - f[3] - f[4]) / TCK


def self_cpu():
    with open("/proc/self/stat") as fh:
        f = fh.read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TCK


def cpu_snapshot():
    t = proc_table()
    kids = {}
    for pid, (pp, _, _) in t.items():
        kids.setdefault(pp, []).append(pid)
    return {"t": time.time(), "machine": machine(), "sampler": self_cpu(),
            "app": sum(group_cpu(t, x, kids) for x in app_pids),
            "app_each": [group_cpu(t, x, kids) for x in app_pids],
            "balancer": group_cpu(t, a.balancer_pid, kids),
            "db": group_cpu(t, a.pg_pid, kids),
            "redis": group_cpu(t, a.redis_pid, kids),
            "stubs": sum(group_cpu(t, x, kids) for x in stub_pids),
            "loadgen": group_cpu(t, a.loadgen_pid, kids)}


def http_json(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as fh:
            return json.load(fh)
    except Exception as e:  # noqa: BLE001 - recorded, not fatal
        return {"error": str(e)}


def instances():
    return [http_json("http://127.0.0.1:%d/__stats" % port) for port in app_ports]


def redis_info():
    try:
        s = socket.create_connection(("127.0.0.1", a.redis_port), timeout=2)
        s.sendall(b"INFO stats\r\n")
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            if buf.startswith(b"$"):
                n = int(buf[1:buf.index(b"\r\n")])
                if len(buf) >= buf.index(b"\r\n") + 2 + n:
                    break
        s.close()
        kv = dict(line.split(":", 1) for line in buf.decode().splitlines() if ":" in line)
        return {"hits": int(kv["keyspace_hits"]), "misses": int(kv["keyspace_misses"])}
    except Exception as e:  # noqa: BLE001
        return {"error": str(e)}


def stubs():
    return {name: http_json(url) for name, url in stub_urls.items()}


def snapshot():
    return {"cpu": cpu_snapshot(), "inst": instances(), "redis": redis_info(), "stubs": stubs()}


# ---- wait for the window, then sample --------------------------------------
while time.time() < a.start - 0.05:
    time.sleep(min(0.5, a.start - time.time()))
end = a.start + a.seconds
s0 = snapshot()
series, prev = [], s0
while True:
    now = time.time()
    if now >= end:
        break
    time.sleep(min(1.0, end - now))
    if time.time() >= end - 0.02:
        break
    c = cpu_snapshot()
    inst = instances()
    dt = c["t"] - prev["cpu"]["t"]
    row = {"t": round(c["t"] - a.start, 2)}
    for k in ("app", "balancer", "db", "loadgen", "machine"):
        row[k] = round((c[k] - prev["cpu"][k]) / dt, 3) if dt > 0 else None
    row["pool_in_use_now"] = sum(i.get("pool_now", {}).get("total", 0) - i.get("pool_now", {}).get("idle", 0)
                                 for i in inst if "error" not in i)
    row["pool_waiting_now"] = sum(i.get("pool_now", {}).get("waiting", 0) for i in inst if "error" not in i)
    row["inflight_now"] = sum(i.get("inflight", 0) for i in inst if "error" not in i)
    series.append(row)
    prev = {"cpu": c}
s1 = snapshot()

W = s1["cpu"]["t"] - s0["cpu"]["t"]


def cores(k):
    sec = s1["cpu"][k] - s0["cpu"][k]
    return {"seconds": round(sec, 3), "cores_busy": round(sec / W, 4), "share_of_machine": round(sec / W / NCPU, 4)}


cpu = {k: cores(k) for k in ("app", "balancer", "db", "redis", "stubs", "loadgen", "machine", "sampler")}
cpu["app"]["per_instance_cores"] = [round((b - a_) / W, 4) for a_, b in zip(s0["cpu"]["app_each"], s1["cpu"]["app_each"])]
known = sum(s1["cpu"][k] - s0["cpu"][k] for k in ("app", "balancer", "db", "redis", "stubs", "loadgen", "sampler"))
other = (s1["cpu"]["machine"] - s0["cpu"]["machine"]) - known
cpu["other"] = {"seconds": round(other, 3), "cores_busy": round(other / W, 4),
                "share_of_machine": round(other / W / NCPU, 4),
                "what": "machine busy time minus every lab process (other work on the machine)"}

# ---- the instances' own counters ----------------------------------------------
per, answers, errors = [], {}, {}
in_use = waiting = inflight = 0.0
pool_total_size = 0
for i0, i1 in zip(s0["inst"], s1["inst"]):
    if "error" in i0 or "error" in i1:
        per.append({"error": i0.get("error") or i1.get("error")})
        continue
    ss = i1["sample_seconds"] - i0["sample_seconds"]
    d = {k: (i1[k] - i0[k]) / ss if ss > 0 else None for k in ("pool_in_use_s", "pool_waiting_s", "pool_total_s", "inflight_s")}
    elu_a = i1["elu_active_ms"] - i0["elu_active_ms"]
    elu_i = i1["elu_idle_ms"] - i0["elu_idle_ms"]
    cpu_s = (i1["cpu_user_us"] + i1["cpu_system_us"] - i0["cpu_user_us"] - i0["cpu_system_us"]) / 1e6
    ans = {}
    for ep, kv in i1["answers"].items():
        for code, n in kv.items():
            n0 = i0["answers"].get(ep, {}).get(code, 0)
            if n - n0:
                ans.setdefault(ep, {})[code] = n - n0
                answers.setdefault(ep, {})
                answers[ep][code] = answers[ep].get(code, 0) + n - n0
                if code != "200":
                    cause = code.split(" ", 1)[1] if " " in code else code
                    errors[cause] = errors.get(cause, 0) + n - n0
    per.append({"instance": i1["instance"], "port": i1["port"], "pid": i1["pid"], "pool_max": i1["pool_max"],
                "pool_in_use_mean": round(d["pool_in_use_s"], 4), "pool_waiting_mean": round(d["pool_waiting_s"], 4),
                "pool_open_mean": round(d["pool_total_s"], 4), "inflight_mean": round(d["inflight_s"], 4),
                "event_loop_utilization": round(elu_a / (elu_a + elu_i), 4) if elu_a + elu_i > 0 else None,
                "process_cpu_cores": round(cpu_s / W, 4), "samples": i1["samples"] - i0["samples"],
                "answers": ans})
    in_use += d["pool_in_use_s"]
    waiting += d["pool_waiting_s"]
    inflight += d["inflight_s"]
    pool_total_size += i1["pool_max"]
served = sum(sum(v.values()) for v in answers.values())
nerr = sum(errors.values())

r0, r1 = s0["redis"], s1["redis"]
cache = {"error": r0.get("error") or r1.get("error")} if ("error" in r0 or "error" in r1) else None
if cache is None:
    h, m = r1["hits"] - r0["hits"], r1["misses"] - r0["misses"]
    cache = {"hits": h, "misses": m, "hit_ratio": round(h / (h + m), 4) if h + m else None}

services = {}
for name in stub_urls:
    b, e = s0["stubs"].get(name, {}), s1["stubs"].get(name, {})
    if "error" in b or "error" in e:
        services[name] = {"error": b.get("error") or e.get("error")}
        continue
    services[name] = {k: e[k] - b[k] for k in ("attempts", "ok", "rate_limited", "errors")}
    services[name]["attempts_per_s"] = round(services[name]["attempts"] / W, 3)
    services[name]["max_inflight_since_start"] = e.get("max_inflight")

out = json.loads(a.meta)
out.update({
    "window": {"start_unix_ms": int(round(s0["cpu"]["t"] * 1000)), "end_unix_ms": int(round(s1["cpu"]["t"] * 1000)),
               "seconds": round(W, 3)},
    "cores": NCPU,
    "cpu": cpu,
    "server": {"answers": served, "throughput_rps": round(served / W, 3), "errors": nerr,
               "error_rate": round(nerr / served, 5) if served else None,
               "errors_by_cause": errors, "answers_by_endpoint": answers,
               "app_cpu_ms_per_request": round(1000 * cpu["app"]["seconds"] / served, 4) if served else None,
               "db_cpu_ms_per_request": round(1000 * cpu["db"]["seconds"] / served, 4) if served else None,
               "balancer_cpu_ms_per_request": round(1000 * cpu["balancer"]["seconds"] / served, 4) if served else None,
               "loadgen_cpu_ms_per_request": round(1000 * cpu["loadgen"]["seconds"] / served, 4) if served else None},
    "pool": {"total_size": pool_total_size, "in_use_mean": round(in_use, 4), "waiters_mean": round(waiting, 4),
             "utilization": round(in_use / pool_total_size, 4) if pool_total_size else None,
             "how": "time average of pg.Pool totalCount-idleCount and waitingCount, sampled every 20 ms in each instance, summed over instances"},
    "app": {"inflight_mean": round(inflight, 4), "instances": per},
    "cache": cache,
    "services": services,
    "timeseries_1s": series,
})
with open(a.out, "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
