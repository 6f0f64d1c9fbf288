#!/usr/bin/env bash
# stoq bench in single-command mode: every mode runs briefly (with its baselines where
# they apply), prints well-formed JSON and reports verified data. Never asserts on timing.
# Usage: bench_test.sh <stoq binary>
set -u
stoq=$1
. "$(dirname "$0")/harness.sh"

# check NAME FILE PY-EXPR: FILE holds one JSON object for which the Python expression
# (over `j`) is true.
check() {
  local name=$1 file=$2 expr=$3
  if python3 - "$file" "$expr" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    j = json.load(f)
ok = eval(sys.argv[2], {"j": j})
sys.exit(0 if ok else 1)
PY
  then
    pass "$name"
  else
    fail "$name: $(head -c 2000 "$file")"
  fi
}

run() {  # name, then the stoq bench arguments; output in $work/<name>.json
  local name=$1
  shift
  timeout 240 "$stoq" bench "$@" --json >"$work/$name.json" 2>"$work/$name.err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name exited $rc: $(tail -c 1500 "$work/$name.err") $(head -c 1500 "$work/$name.json")"
    return 1
  fi
}

if run tp_up throughput -n 16MiB --baseline; then
  check "throughput up: STOQ, TCP+TLS and raw UDP verified, figures present" "$work/tp_up.json" \
    'j["verified"] and j["mode"] == "throughput" and all(j["systems"][s]["verified"] for s in ("stoq", "tcp_tls", "udp_raw")) and j["systems"]["stoq"]["median"]["gbit_per_s"] > 0 and "server_cpu_s_per_gib" in j["systems"]["stoq"]["median"] and "gbit_per_s" in j["systems"]["tcp_tls"]["stoq_ratio"] and j["systems"]["stoq"]["info"]["tls_group"].lower() == "x25519mlkem768"'
fi
if run tp_down throughput -n 16MiB -c 2 --direction down --repeat 2; then
  check "throughput down, 2 connections, 2 repetitions: verified" "$work/tp_down.json" \
    'j["verified"] and len(j["systems"]["stoq"]["runs"]) == 2 and j["params"]["direction"] == "down"'
fi
if run rr rr --count 500 --baseline; then
  check "rr: p50/p99/p99.9 from the histogram, echoes verified, TCP+TLS baseline" "$work/rr.json" \
    'j["verified"] and all(k in j["systems"]["stoq"]["median"] for k in ("p50_us", "p90_us", "p99_us", "p999_us")) and j["systems"]["stoq"]["median"]["requests"] == 500 and j["systems"]["tcp_tls"]["verified"]'
fi
if run hs handshake --count 40 --kex classical --baseline; then
  check "handshake --kex classical: X25519 on both, every handshake confirmed" "$work/hs.json" \
    'j["verified"] and j["systems"]["stoq"]["info"]["tls_group"].lower() == "x25519" and j["systems"]["tcp_tls"]["info"]["tls_group"].lower() == "x25519" and j["systems"]["stoq"]["median"]["handshakes_per_s"] > 0'
  # Handshake rates are of full handshakes: nothing resumed on either side.
  check "handshake: every connection a full handshake (none resumed) on both systems" "$work/hs.json" \
    'all(r["values"]["resumed"] == 0 for s in j["systems"].values() for r in s["runs"]) and j["systems"]["stoq"]["info"]["session"] == "full handshakes"'
  # Each side's CPU per handshake, for both systems (a full handshake costs both some CPU).
  check "handshake: client and server CPU per handshake on both systems" "$work/hs.json" \
    'all(s["median"]["client_cpu_us_per_hs"] > 0 and s["median"]["server_cpu_us_per_hs"] > 0 for s in j["systems"].values())'
fi
if run hs_resume handshake --count 40 --resume --baseline; then
  check "handshake --resume: later connections resume, on both systems" "$work/hs_resume.json" \
    'j["verified"] and all(s["median"]["resumed"] > 0 for s in j["systems"].values())'
fi
if run hs_pq handshake --count 20; then
  check "handshake (hybrid): X25519MLKEM768" "$work/hs_pq.json" \
    'j["verified"] and j["systems"]["stoq"]["info"]["tls_group"].lower() == "x25519mlkem768"'
fi
# The certificate type is passed through to `stoq cert --type`.
if run hs_falcon handshake --count 10 --cert-type falcon1024 --cert-chain leaf; then
  check "handshake --cert-type falcon1024: the server signs with Falcon-1024" "$work/hs_falcon.json" \
    'j["verified"] and "falcon" in j["systems"]["stoq"]["info"]["server_signature"].lower()'
fi
"$stoq" bench handshake --cert-type no-such-type --count 1 >/dev/null 2>"$work/badtype.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "no-such-type" "$work/badtype.err"; then
  pass "unknown --cert-type: exit 2 naming the type"
else
  fail "unknown --cert-type: rc=$rc $(cat "$work/badtype.err")"
fi
if run scale scale -c 200; then
  check "scale: 200 connections established and all answered, memory per connection reported" "$work/scale.json" \
    'j["verified"] and j["systems"]["stoq"]["median"]["answered"] == 200 and "server_kib_per_conn" in j["systems"]["stoq"]["median"] and j["systems"]["stoq"]["median"]["server_kib_per_used_conn"] > 0'
fi

# Bad input: a clear error and the usage exit code.
"$stoq" bench throughput -n nonsense >/dev/null 2>"$work/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "bad size" "$work/bad.err"; then
  pass "bad --bytes: exit 2 with a message"
else
  fail "bad --bytes: rc=$rc $(cat "$work/bad.err")"
fi
"$stoq" bench client rr 127.0.0.1:1 --insecure >/dev/null 2>"$work/noserver.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "no stoq bench server" "$work/noserver.err"; then
  pass "client without a server: exit 1 with a message"
else
  fail "client without a server: rc=$rc $(cat "$work/noserver.err")"
fi

# Split roles: server and client in separate processes.
"$stoq" cert -o "$work/pki" >/dev/null 2>&1
"$stoq" bench server --cert "$work/pki/cert.pem" --key "$work/pki/key.pem" -l 127.0.0.1:0 --json \
  --duration 120 >"$work/server.out" 2>"$work/server.err" &
spid=$!
for _ in $(seq 1 100); do
  grep -q listening "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
addr=$(sed -n 's/.*"address":"\([^"]*\)".*/\1/p' "$work/server.out")
if [ -n "$addr" ] && timeout 120 "$stoq" bench client throughput "$addr" --ca "$work/pki/ca.pem" \
  --server-name localhost -n 8MiB --json >"$work/split.json" 2>"$work/split.err"; then
  check "bench client against bench server in another process: verified" "$work/split.json" \
    'j["verified"] and j["systems"]["stoq"]["runs"][0]["values"]["bytes"] == 8 * 1024 * 1024'
else
  fail "split roles: $(cat "$work/server.err" "$work/split.err" 2>/dev/null | tail -c 1500)"
fi
# SIGTERM stops the bench server cleanly (its baseline threads must not take the signal).
kill "$spid" 2>/dev/null
status=0
if timeout 5 tail --pid="$spid" -f /dev/null; then
  wait "$spid" || status=$?
  if [ "$status" -eq 0 ]; then
    pass "SIGTERM stops stoq bench server cleanly (exit 0)"
  else
    fail "stoq bench server after SIGTERM: exit $status $(tail -c 500 "$work/server.err")"
  fi
else
  fail "stoq bench server still running 5 s after SIGTERM"
fi

finish
