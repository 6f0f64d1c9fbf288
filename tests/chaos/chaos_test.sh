#!/usr/bin/env bash
# Reliability ("chaos") suite: real processes on loopback —
#   stoq send ──► stoq netsim (impairments) ──► stoq serve --mode sink
# — one transfer per condition, each verified end to end by SHA-256 (the sink hashes what
# it received, `stoq send` compares with what it sent: exit 0 only on a match). Goodput is
# what `stoq send` reports (payload bytes over the transfer time, handshake excluded).
#
# Usage: chaos_test.sh --stoq BIN [--size SIZE] [--condition NAME]... [--repeat N]
#                      [--report FILE] [--timeout S] [--list]
#   --size       transfer size (stoq syntax: 32MiB, 256MiB, 1GiB); default $STOQ_CHAOS_SIZE
#                or 32MiB
#   --condition  run only this condition (repeatable); default: all
#   --repeat     transfers per condition (the report gives the median goodput)
#   --report     append one TSV line per condition: name, result, median Mbit/s, runs
# Environment: STOQ_CHAOS_SIZE (default size), STOQ_CHAOS_SERVER_ARGS (extra words for
# `stoq serve`, e.g. -vv to see why a server-side connection closed).
# Exit: 0 all passed (known failures print SKIP), 1 a failure, 77 every selected condition
# was a known failure that was skipped (so ctest shows one condition's test as skipped).
set -u
stoq=""
size=${STOQ_CHAOS_SIZE:-32MiB}
repeat=1
report=""
timeout=240
list=0
selected=()
while [ $# -gt 0 ]; do
  case $1 in
    --stoq) stoq=$2; shift ;;
    --size) size=$2; shift ;;
    --condition) selected+=("$2"); shift ;;
    --repeat) repeat=$2; shift ;;
    --report) report=$2; shift ;;
    --timeout) timeout=$2; shift ;;
    --list) list=1 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

# name | up config | down config | action mid-transfer (control-socket request, or -)
# Loss, duplication and corruption apply in both directions (data and ACKs); the path has
# no added delay unless the condition is about delay, so the loopback RTT (~0.1 ms) is the
# base RTT. The two conditions acted on mid-transfer cap the upload at 100 Mbit/s so the
# transfer is still running when the control request lands. Burst loss: Gilbert-Elliott entering the bad state on 1% of packets and leaving
# it with 50% per packet (mean burst 2 packets, ~2% long-run loss). Bursts are counted in
# packets, so a sender that backs off (PTO) stretches a burst in time: with 25% the rare
# 25+-packet bursts outlast the 30 s idle timeout (seed 17 does it at packet ~1275 of
# 16 MiB) — a property of the model, not of STOQ; see docs/reliability.md.
conditions=(
  "clean|seed=1|seed=2|-"
  "loss_1pct|loss=1%,seed=11|loss=1%,seed=12|-"
  "loss_5pct|loss=5%,seed=13|loss=5%,seed=14|-"
  "loss_10pct|loss=10%,seed=15|loss=10%,seed=16|-"
  "burst_loss|burst_to_bad=1%,burst_to_good=50%,seed=17|burst_to_bad=1%,burst_to_good=50%,seed=18|-"
  "jitter_reorder|delay=20ms,jitter=10ms,jitter_reorder=on,seed=19|delay=20ms,jitter=10ms,jitter_reorder=on,seed=20|-"
  "jitter_fifo_reorder_1pct|delay=20ms,jitter=10ms,reorder=1%,reorder_delay=15ms,seed=31|delay=20ms,jitter=10ms,reorder=1%,reorder_delay=15ms,seed=32|-"
  "dup_1pct|dup=1%,seed=21|dup=1%,seed=22|-"
  "corrupt_0.1pct|corrupt=0.1%,seed=23|corrupt=0.1%,seed=24|-"
  "rate_50mbit_shallow_queue|rate=50mbit,queue=32kb,seed=25|rate=50mbit,queue=32kb,seed=26|-"
  "blackhole_2s|rate=100mbit,queue=1mb,seed=27|seed=28|update both blackhole_at=0s,blackhole_for=2s"
  "nat_rebind|rate=100mbit,queue=1mb,seed=29|seed=30|rebind"
)

# Conditions that fail because of a known STOQ limitation (not a test problem): reported as
# SKIP with the reason. If one starts passing, the run says XPASS so the entry is removed.
# (none at present: the reordering conditions used to end with ngtcp2's glitch limiter
# closing the connection; the sink server here takes uploads over reordering paths, so it
# raises its limiter with --glitch-budget as docs/reliability.md advises such servers)
declare -A known_failure=()

if [ "$list" = 1 ]; then
  for c in "${conditions[@]}"; do echo "${c%%|*}"; done
  exit 0
fi
[ -x "$stoq" ] || { echo "--stoq BIN is required (got '$stoq')" >&2; exit 2; }
command -v jq >/dev/null || { echo "SKIP: the chaos suite needs jq (apt-get install jq)"; exit 77; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Bytes of a stoq size string (K/M/G with or without iB), for the mid-transfer trigger.
to_bytes() {
  local s=${1%B} n mult=1
  s=${s%i}
  case $s in
    *[kK]) mult=1024; n=${s%?} ;;
    *[mM]) mult=$((1024 * 1024)); n=${s%?} ;;
    *[gG]) mult=$((1024 * 1024 * 1024)); n=${s%?} ;;
    *) n=$s ;;
  esac
  echo $((n * mult))
}
bytes=$(to_bytes "$size")

# One request on the relay's UDP control socket, after the secret the relay wrote to
# $ctl_secret_file; prints the JSON reply (empty on timeout or a wrong secret).
control() {  # port request
  local reply
  exec 5<>"/dev/udp/127.0.0.1/$1" || return 1
  printf '%s %s' "$(cat "$ctl_secret_file")" "$2" >&5
  # One read(2) of the whole datagram (bash's read would consume it byte by byte).
  reply=$(timeout 2 dd bs=65536 count=1 <&5 2>/dev/null)
  exec 5>&-
  printf '%s' "$reply"
}

# Waits (bounded) until the relay has delivered `target` client->server bytes.
wait_delivered() {  # control_port target seconds
  local deadline=$((SECONDS + $3)) got
  while [ $SECONDS -lt $deadline ]; do
    got=$(control "$1" stats | jq -r '.counters.up.bytes_delivered // 0' 2>/dev/null)
    [ -n "$got" ] && [ "$got" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

"$stoq" cert -o "$work" --json >"$work/cert.json" || { echo "stoq cert failed"; exit 1; }

start_and_wait() {  # name file pattern cmd...; waits for `pattern` in file (bounded)
  local name=$1 file=$2 pattern=$3
  shift 3
  "$@" >"$file" 2>"$file.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "$name did not start: $(cat "$file.err")"
  return 1
}

run_one() {  # name up down action run -> sets $mbit, returns 0 on verified transfer
  local name=$1 up=$2 down=$3 action=$4 run=$5
  local sp cp ctl dir="$work/$name.$run" rc
  mkdir -p "$dir"
  mbit=""
  # Every socket binds port 0 and the bound ports are read back: no collisions.
  start_and_wait server "$dir/serve.out" listening "$stoq" serve --cert "$work/cert.pem" \
    --key "$work/key.pem" -l "127.0.0.1:0" --mode sink --json --glitch-budget 200000 ${STOQ_CHAOS_SERVER_ARGS:-} --duration $((timeout + 30)) ||
    return 1
  local spid=${pids[-1]}
  sp=$(jq -r 'select(.event == "listening") | .address' "$dir/serve.out" | head -1)
  ctl_secret_file="$dir/control.secret"  # created by netsim (mode 600)
  start_and_wait netsim "$dir/netsim.out" '"start"' "$stoq" netsim --listen "127.0.0.1:0" \
    --upstream "$sp" --up "$up" --down "$down" --control "127.0.0.1:0" \
    --control-secret-file "$ctl_secret_file" --json ||
    return 1
  local npid=${pids[-1]}
  cp=$(jq -r 'select(.event == "start") | .listen' "$dir/netsim.out" | head -1)
  ctl=$(jq -r 'select(.event == "start") | .control' "$dir/netsim.out" | head -1)
  ctl=${ctl##*:}
  "$stoq" send "$cp" --ca "$work/ca.pem" --server-name localhost -n "$size" \
    --timeout "$timeout" --json >"$dir/send.json" 2>"$dir/send.err" &
  local send_pid=$! late=0 at=""
  pids+=($send_pid)
  if [ "$action" != "-" ]; then
    # Act once a quarter of the data has crossed the relay.
    if wait_delivered "$ctl" $((bytes / 4)) "$timeout"; then
      control "$ctl" "$action" >"$dir/action.json"
      at=$(control "$ctl" stats | jq -r '.counters.up.bytes_delivered' 2>/dev/null)
      echo "  [$name] '$action' at ${at:-?} bytes delivered: $(cat "$dir/action.json")"
    else
      echo "  [$name] transfer never reached a quarter; '$action' not applied"
    fi
  fi
  wait "$send_pid"
  rc=$?
  control "$ctl" stats >"$dir/stats.json"
  if [ "$action" != "-" ]; then
    # Proof that the action hit a live transfer: at least a tenth of the data crossed the
    # relay after it (the counter includes QUIC overhead, so compare differences).
    local after
    after=$(jq -r '.counters.up.bytes_delivered' "$dir/stats.json" 2>/dev/null)
    if [ -z "$at" ] || [ -z "$after" ] || [ $((after - at)) -lt $((bytes / 10)) ]; then
      echo "  [$name] the transfer was nearly over when '$action' landed (${at:-?} -> ${after:-?})"
      late=1
    fi
  fi
  kill "$npid" "$spid" 2>/dev/null
  wait "$npid" "$spid" 2>/dev/null
  local verified
  verified=$(jq -r '.verified' "$dir/send.json" 2>/dev/null)
  mbit=$(jq -r '.throughput_bps / 1e6 | . * 10 | round / 10' "$dir/send.json" 2>/dev/null)
  local counters
  counters=$(jq -c '.counters | {up: (.up | {received, dropped_loss, dropped_burst, dropped_queue,
    dropped_blackhole, duplicated, corrupted, reordered}), down: (.down | {received, dropped_loss,
    dropped_burst, dropped_queue, dropped_blackhole, duplicated, corrupted, reordered}), rebinds}' \
    "$dir/stats.json" 2>/dev/null)
  echo "  [$name] run $run: exit $rc, verified=$verified, goodput ${mbit:-?} Mbit/s, relay $counters"
  if [ "$rc" -ne 0 ] || [ "$verified" != true ] || [ "$late" = 1 ]; then
    echo "  [$name] send: $(cat "$dir/send.json") $(tail -c 600 "$dir/send.err")"
    echo "  [$name] server: $(tail -c 600 "$dir/serve.out.err")"
    return 1
  fi
  # The impairment must actually have happened, or the condition proved nothing.
  local check=""
  case $name in
    loss_*) check='.counters.up.dropped_loss > 0' ;;
    burst_loss) check='.counters.up.dropped_burst > 0' ;;
    jitter_*) check='.counters.up.reordered > 0' ;;
    dup_*) check='.counters.up.duplicated > 0' ;;
    corrupt_*) check='(.counters.up.corrupted + .counters.down.corrupted) > 0' ;;
    blackhole_*) check='(.counters.up.dropped_blackhole + .counters.down.dropped_blackhole) > 0' ;;
    nat_rebind) check='.counters.rebinds > 0' ;;
  esac
  if [ -n "$check" ] && [ "$(jq -r "$check" "$dir/stats.json" 2>/dev/null)" != true ]; then
    echo "  [$name] the relay did not apply the impairment ($check): $(cat "$dir/stats.json")"
    return 1
  fi
  return 0
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "?"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "chaos: size $size ($bytes bytes), $repeat run(s) per condition"
failures=0 skipped=0 ran=0
# The mid-transfer actions are applied by this script once a quarter of the data crossed
# the relay; they must land well before the end. At 100 Mbit/s a small transfer (4 MiB
# under the sanitizers) lasts 0.3 s, less than this script's polling lag on a loaded
# machine (once 240 ms: the blackhole landed at 97 %), so small transfers are capped at
# 20 Mbit/s instead.
action_rate=100mbit
[ "$bytes" -le $((8 * 1024 * 1024)) ] && action_rate=20mbit
for c in "${conditions[@]}"; do
  IFS='|' read -r name up down action <<<"$c"
  [ "$action" != "-" ] && up=${up//rate=100mbit/rate=$action_rate}
  if [ ${#selected[@]} -gt 0 ]; then
    found=0
    for s in "${selected[@]}"; do [ "$s" = "$name" ] && found=1; done
    [ $found = 1 ] || continue
  fi
  ran=$((ran + 1))
  ok=1
  rates=()
  for run in $(seq 1 "$repeat"); do
    if run_one "$name" "$up" "$down" "$action" "$run"; then
      rates+=("$mbit")
    else
      ok=0
      break
    fi
  done
  med=$(printf '%s\n' "${rates[@]}" | grep -v '^$' | median)
  reason=${known_failure[$name]:-}
  if [ $ok = 1 ]; then
    result=PASS
    [ -n "$reason" ] && result=XPASS
    printf '%s %s: SHA-256 verified, median goodput %s Mbit/s over %s run(s)\n' "$result" "$name" "$med" "$repeat"
  elif [ -n "$reason" ]; then
    result=SKIP
    skipped=$((skipped + 1))
    printf 'SKIP %s: known STOQ failure: %s\n' "$name" "$reason"
  else
    result=FAIL
    failures=$((failures + 1))
    printf 'FAIL %s\n' "$name"
  fi
  [ -n "$report" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$result" "$med" "$repeat" "$size" >>"$report"
done
[ $ran -gt 0 ] || { echo "no condition selected"; exit 2; }
echo "chaos: $ran condition(s), $failures failure(s), $skipped known failure(s) skipped"
[ $failures -gt 0 ] && exit 1
[ $skipped -gt 0 ] && [ $skipped -eq $ran ] && exit 77
exit 0
