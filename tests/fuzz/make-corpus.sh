#!/bin/sh
# Regenerate the seed corpora that come from capsim's own output (sweep and
# run JSON, shards, a journal) and the hand-written --slo and --vary seeds.
# The other seeds are the repository's scenarios, test inputs and imported
# files, read in place by smoke.sh.
#
#   tests/fuzz/make-corpus.sh BUILD/cli/capsim
set -eu
capsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$out/sweepio" "$out/report" "$out/import" "$out/slo" "$out/vary" "$out/scenario"
# relative scenario names: nothing of this machine's paths in the seeds
cp "$here/../cli/good/closed.yaml" "$tmp/closed.yaml"
cd "$tmp"
"$capsim" sweep closed.yaml --vary load.users=10,20 --set run.duration=5s \
    --replications 2 --format json -o sweep.json
"$capsim" sweep closed.yaml --vary load.users=10,20 --vary db.pool.size=2,4 \
    --set run.duration=5s --replications 2 --format json --shard 1/2 -o shard1.json
"$capsim" run closed.yaml --set run.duration=5s --replications 2 \
    --format json -o run.json
# compact: smaller inputs mutate faster; a journal of the sweep the
# sweepio harness checks against (fuzz-sweepio.c fixed_doc)
/usr/bin/env python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
for name in ('sweep', 'shard1', 'run'):
    with open(name + '.json') as f:
        d = json.load(f)
    with open('%s/sweepio/%s.json' % (out, name), 'w') as f:
        json.dump(d, f, separators=(',', ':'))
    if name == 'sweep':
        res = [p['result'] for p in d['points']]
head = {'scenario': 'fuzz.yaml', 'grid': 'load.users=10,20', 'sets': '',
        'seed': 1, 'replications': 2, 'points_total': 2,
        'vary': ['load.users'], 'journal': 'capsim sweep',
        'scenario_fnv1a64': 'cbf29ce484222325'}
with open(out + '/sweepio/journal', 'w') as f:
    f.write(json.dumps(head, separators=(',', ':')) + '\n')
    for i, r in enumerate(res):
        f.write(json.dumps({'index': i, 'result': r}, separators=(',', ':')) + '\n')
# the shard as a report reads it, one point that varies nothing
with open(out + '/report/point.json', 'w') as f:
    json.dump({'run': res[0]['run'], 'overall': res[0]['overall']}, f,
              separators=(',', ':'))
PY
cd "$here"
i=0
for s in 'p95<400ms' 'p95<400ms,error_rate<1%' 'ok_p99<=1.5s,throughput>100' \
    'error_rate<0.01' 'resources.db_pool.utilization<0.8' 'mean>=2ms,max<1m' \
    'p50<450ms,p90<2s,p99<1m' 'overall.latency_ms.p95<300'; do
	i=$((i + 1)); printf '%s' "$s" > "$out/slo/seed$i"
done
i=0
for s in 'db.pool.size=10:60:10' 'load.users=100,300,500' \
    'run.duration=100ms:1s:100ms' 'app.workers=1,2
load.users=10:50:20' 'cache.hit_ratio=50%:90%:10%' 'db.pool.size=5'; do
	i=$((i + 1)); printf '%s' "$s" > "$out/vary/seed$i"
done
# a scenario with --set lines (fuzz-scenario.c)
{ cat "$here/../cli/good/closed.yaml"; printf '#--set\ndb.pool.size=25\nload.users=300\napp.workers=2\n'; } \
    > "$out/scenario/closed-sets.yaml"
# a Locust run as three files in one input (fuzz-import.c)
data=$here/../data/import
{ cat "$data/jiangbm__XFJ__example_stats.csv"; echo '--8<--'
  head -40 "$data/jiangbm__XFJ__example_stats_history.csv"; echo '--8<--'
  cat "$data/jiangbm__XFJ__example_failures.csv"; } > "$out/import/locust-siblings"
