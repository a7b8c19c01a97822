#!/usr/bin/env bash
# The drain measurement of issue 10: N rule messages put on the Redis stream with redis-cli in the
# documented body (one `body` field holding the broker message JSON), then drained into prepared
# offers by one `strategy-center worker` on Redis + PostgreSQL. Prints events/s and the load average.
#   bash bench/drain.sh [events=60000] [worker options, e.g. --concurrency 200]
# Uses REDIS_URL (default redis://127.0.0.1:6379) and DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
# everything it writes lives under its own namespace and schema, removed at the end. DRAIN_DIST=<dir>
# runs another build (e.g. of main, to measure before and after on the same machine state).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-60000}
shift || true
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
NS=sc_drain_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
STREAM="{$NS}:behaviors"
cli() { redis-cli -u "$REDIS_URL" "$@"; }

node -e '
const [n, stream] = [Number(process.argv[1]), process.argv[2]];
const items = Array.from({ length: 36 }, (_, i) => `sku-${String(i + 1).padStart(3, "0")}`);
const resp = (args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
const out = [];
for (let i = 0; i < n; i++) {
  const body = JSON.stringify({ channelCode: "browse_3_items", userId: `drain-user-${i}`, eventId: `drain-${i}`,
    payload: { itemIds: [0, 1, 2].map((k) => items[(i * 3 + k) % 36]) } });
  out.push(resp(["XADD", stream, "*", "body", body]));
  if (out.length === 5000) { process.stdout.write(out.join("")); out.length = 0; }
}
process.stdout.write(out.join(""));
' "$EVENTS" "$STREAM" | cli --pipe >/dev/null
echo "put $(cli XLEN "$STREAM") messages on $STREAM; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

LOG=$(mktemp)
NAMESPACE=$NS REDIS_URL=$REDIS_URL BROKER_URL=$REDIS_URL DATABASE_URL=$DATABASE_URL DATABASE_SCHEMA=$NS MIGRATE=true LOG_LEVEL=warn \
  node --require ./bench/support/count-redis-writes.cjs ${NODE_FLAGS:-} ${DRAIN_DIST:-dist}/cli.js worker --no-watch "$@" >"$LOG" 2>&1 &
WORKER=$!
# The worker's CPU time so far (user + system), in clock ticks: what an event costs however busy the machine is.
cpuTicks() { awk '{ print $14 + $15 }' "/proc/$WORKER/stat" 2>/dev/null || echo 0; }
commands() { cli INFO commandstats | awk -F'[=,:]' '/^cmdstat_/ { n += $3 } END { print n }'; }
stopWorker() {
  kill "$WORKER" 2>/dev/null || true
  wait "$WORKER" 2>/dev/null || true
}
cleanup() {
  stopWorker
  cli --scan --pattern "$NS:*" | xargs -r -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null
  cli --scan --pattern "{$NS}*" | xargs -r -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null
  psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $NS CASCADE" >/dev/null 2>&1 || true
  rm -f "$LOG"
}
trap cleanup EXIT
# The clock starts at the first acknowledged event, so the worker's start-up (migrations) is not counted.
while [ "$(cli XLEN "$STREAM")" = "$EVENTS" ]; do
  kill -0 "$WORKER" 2>/dev/null || { echo "worker exited:"; cat "$LOG"; exit 1; }
  sleep 0.05
done
start=$(date +%s.%N)
timed=$(cli XLEN "$STREAM")
ticksBefore=$(cpuTicks)
commandsBefore=$(commands)
# Drained = nothing left on the stream and nothing pending in the group (acked entries are deleted).
while :; do
  left=$(cli XLEN "$STREAM")
  [ "$left" = 0 ] && break
  kill -0 "$WORKER" 2>/dev/null || { echo "worker exited:"; cat "$LOG"; exit 1; }
  sleep 0.2
done
end=$(date +%s.%N)
ticksAfter=$(cpuTicks)
commandsAfter=$(commands)
stopWorker
prepared=$(cli --scan --pattern "$NS:prepared:*" | wc -l)
node -e 'const [s, e, n, p] = process.argv.slice(1).map(Number); const t = e - s;
console.log(`drained ${n} events in ${t.toFixed(1)} s = ${Math.round(n / t).toLocaleString("en-US")} events/s; ${p} prepared offers`)' "$start" "$end" "$timed" "$prepared"
node -e 'const [n, before, after] = process.argv.slice(1).map(Number);
console.log(`Redis commands per event (INFO commandstats, server-wide: other clients count too): ${((after - before) / n).toFixed(1)}`)' "$timed" "$commandsBefore" "$commandsAfter"
grep '^redis-writes' "$LOG" | node -e 'const [w, b] = require("fs").readFileSync(0, "utf8").trim().split(" ").slice(1).map(Number); const n = Number(process.argv[1]);
console.log(`worker writes to Redis per event (round trips, start-up included): ${(w / n).toFixed(2)}, ${Math.round(b / n)} bytes`)' "$EVENTS" || true
node -e 'const [n, before, after, hz] = process.argv.slice(1).map(Number);
console.log(`worker CPU per event (user + system, /proc): ${Math.round(((after - before) / hz) * 1e6 / n)} µs`)' "$timed" "$ticksBefore" "$ticksAfter" "$(getconf CLK_TCK)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
