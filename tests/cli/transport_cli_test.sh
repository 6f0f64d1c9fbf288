#!/usr/bin/env bash
# Transport features through the stoq command between real processes on loopback:
# resumption and 0-RTT across runs (--session-file), Retry, qlog, congestion control.
# Usage: transport_cli_test.sh <stoq binary>
set -u
stoq=$1
. "$(dirname "$0")/harness.sh"
port=$((20000 + RANDOM % 20000))

"$stoq" cert -o "$work" >/dev/null || { echo "stoq cert failed"; exit 1; }
mkdir -p "$work/qlog"
"$stoq" serve --cert "$work/cert.pem" --key "$work/key.pem" -l "127.0.0.1:$port" --mode sink \
  --json --duration 60 --retry always --early-data --qlog-dir "$work/qlog" \
  >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 1 50); do
  grep -q listening "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done

send() {  # output file, extra args (-n SIZE: default 2MiB)
  local out=$1
  shift
  local size=()
  [[ " $* " == *" -n "* ]] || size=(-n 2MiB)
  timeout 60 "$stoq" send "127.0.0.1:$port" --ca "$work/ca.pem" --server-name localhost \
    "${size[@]}" --json --session-file "$work/session" "$@" >"$out" 2>"$out.err"
}

if send "$work/first.json" --early-data --cc bbr && grep -q '"verified":true' "$work/first.json" &&
  grep -q '"resumed":false' "$work/first.json" && grep -q '"congestion_control":"bbr"' "$work/first.json" &&
  [ -s "$work/session" ]; then
  pass "first run (behind Retry, BBR): full handshake, ticket saved in the session file"
else
  fail "first run: $(cat "$work/first.json" "$work/first.json.err")"
fi
if send "$work/second.json" --early-data && grep -q '"verified":true' "$work/second.json" &&
  grep -q '"resumed":true' "$work/second.json" && grep -q '"early_data_accepted":true' "$work/second.json"; then
  pass "second run resumes from the session file with 0-RTT accepted"
else
  fail "second run: $(cat "$work/second.json" "$work/second.json.err")"
fi
# 32 MiB: long enough for discovery's four probe round trips even on a fast run.
if send "$work/jumbo.json" --max-udp-payload 9000 -n 32MiB && grep -q '"verified":true' "$work/jumbo.json" &&
  grep -q '"path_max_udp_payload":9000' "$work/jumbo.json"; then
  pass "--max-udp-payload 9000: path MTU discovery reaches 9000-byte packets on loopback"
else
  fail "--max-udp-payload 9000: $(cat "$work/jumbo.json" "$work/jumbo.json.err")"
fi
if ! "$stoq" send "127.0.0.1:$port" --ca "$work/ca.pem" -n 1K --max-udp-payload 70000 \
  >/dev/null 2>"$work/range.err" && grep -q "max-udp-payload" "$work/range.err"; then
  pass "--max-udp-payload out of range is a usage error naming the flag"
else
  fail "--max-udp-payload 70000: $(cat "$work/range.err")"
fi
if "$stoq" send "127.0.0.1:$port" --ca "$work/ca.pem" -n 1K --session-file /nonexistent-dir/x \
  --server-name localhost --json >/dev/null 2>&1; then
  pass "an unwritable session file is reported, the transfer still works"
else
  fail "unwritable session file made the transfer fail"
fi
# The session file is written through a fresh temporary file with a random name: a symlink
# planted at the old fixed name (FILE.tmp) is not followed, the result is mode 600.
printf 'victim\n' >"$work/victim"
ln -s "$work/victim" "$work/s.bin.tmp"
if timeout 60 "$stoq" send "127.0.0.1:$port" --ca "$work/ca.pem" --server-name localhost -n 64K \
  --session-file "$work/s.bin" --json >"$work/s.json" 2>"$work/s.err" &&
  [ -f "$work/s.bin" ] && [ ! -L "$work/s.bin" ] && [ "$(stat -c %a "$work/s.bin")" = 600 ] &&
  [ "$(cat "$work/victim")" = victim ] && [ -z "$(ls -A "$work" | grep '^\.s\.bin')" ]; then
  pass "--session-file: mode 600, a planted FILE.tmp symlink is not followed"
else
  fail "--session-file and a planted tmp symlink: $(ls -la "$work") victim: $(head -c 200 "$work/victim")"
fi
printf 'SQSC\002junk' >"$work/bad-session"
if ! timeout 60 "$stoq" send "127.0.0.1:$port" --ca "$work/ca.pem" --server-name localhost -n 1K \
  --session-file "$work/bad-session" >/dev/null 2>"$work/bad.err" &&
  grep -q "session cache file" "$work/bad.err"; then
  pass "a corrupt session file is a clear error"
else
  fail "corrupt session file: $(cat "$work/bad.err")"
fi
# Resumption never skips the trust checks (the server is Ed25519): a session file written
# by an --insecure run holds no ticket, and a ticket resumes only under the settings the
# server was verified under.
tsend() {  # output file, args
  local out=$1
  shift
  timeout 60 "$stoq" send "127.0.0.1:$port" --server-name localhost -n 1K --json \
    --session-file "$work/trust-session" "$@" >"$out" 2>"$out.err"
}
wrong_pin=$(printf 'a%.0s' $(seq 1 64))
if tsend "$work/t1.json" --insecure && grep -q '"resumed":false' "$work/t1.json" &&
  ! tsend "$work/t2.json" --pin "$wrong_pin" && ! grep -q '"resumed":true' "$work/t2.json" &&
  ! tsend "$work/t3.json" --ca "$work/ca.pem" --auth pq-required &&
  ! grep -q '"resumed":true' "$work/t3.json"; then
  pass "after an --insecure run, --pin <wrong> and --auth pq-required still fail (no resumption)"
else
  fail "trust after --insecure: $(cat "$work"/t[123].json "$work"/t[123].json.err)"
fi
if tsend "$work/t4.json" --ca "$work/ca.pem" && grep -q '"resumed":false' "$work/t4.json" &&
  tsend "$work/t5.json" --ca "$work/ca.pem" && grep -q '"resumed":true' "$work/t5.json" &&
  ! tsend "$work/t6.json" --ca "$work/ca.pem" --auth pq-required &&
  ! grep -q '"resumed":true' "$work/t6.json" &&
  ! tsend "$work/t7.json" --pin "$wrong_pin" && ! grep -q '"resumed":true' "$work/t7.json"; then
  pass "a verified ticket resumes under the same --ca only; a policy or a wrong pin still fails"
else
  fail "verified ticket: $(cat "$work"/t[4567].json "$work"/t[4567].json.err)"
fi
tsend "$work/t8.json" --insecure --pin "$wrong_pin"
rc=$?
if [ "$rc" = 2 ] && grep -q -- "--insecure cannot be combined" "$work/t8.json.err"; then
  pass "--insecure with --pin is a usage error"
else
  fail "--insecure --pin: exit $rc, $(cat "$work/t8.json.err")"
fi
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
n=$(ls "$work/qlog" | grep -c -- '-server.sqlog$')
if [ "$n" -ge 2 ] && head -c 1 "$(ls -d "$work"/qlog/* | head -n 1)" | od -An -tx1 | grep -q 1e; then
  pass "stoq serve --qlog-dir writes one JSON-SEQ qlog per connection ($n files)"
else
  fail "qlog files: $(ls -l "$work/qlog")"
fi

finish
