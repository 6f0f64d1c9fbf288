#!/usr/bin/env bash
# bench/handshake-instructions end to end: both sides under callgrind, handshakes found
# and counted on each side, per-handshake figures and the Falcon components present.
# Usage: handshake_instructions_test.sh <stoq binary> <repository root>
set -u
stoq=$1
root=$2
. "$(dirname "$0")/harness.sh"
if ! command -v valgrind >/dev/null; then
  echo "SKIP: valgrind is not installed"
  exit 77
fi
if ! STOQ_BIN=$stoq timeout 600 "$root/bench/handshake-instructions" --count 4 --top 3 \
    >"$work/out.txt" 2>"$work/err.txt"; then
  fail "script failed: $(cat "$work/err.txt")"
  finish
  exit
fi
out=$(cat "$work/out.txt")
# The client adds warm-up handshakes to the four asked for; both sides see the same ones.
server_n=$(sed -n 's/^== server: \([0-9]*\) full handshakes, [0-9.]* M instructions.*/\1/p' <<<"$out")
client_n=$(sed -n 's/^== client: \([0-9]*\) full handshakes, [0-9.]* M instructions.*/\1/p' <<<"$out")
if [ -n "$server_n" ] && [ "$server_n" -ge 4 ] && [ "$server_n" = "$client_n" ]; then
  pass "handshakes counted on both sides ($server_n)"
else
  fail "handshake counts: server '$server_n' client '$client_n': $out"
fi
grep -q "Falcon signing (stoq::falcon::sign)" <<<"$out" && pass "server signs with Falcon" ||
  fail "no Falcon signing on the server: $out"
grep -q "Falcon verification (stoq::falcon::verify)" <<<"$out" &&
  pass "client verifies Falcon" || fail "no Falcon verification on the client: $out"
# The client's first connect creates its TLS context and socket: counted apart, not as a
# handshake's cost.
grep -q "one-time set-up left out: [0-9.]* M instructions in stoq::tls::TlsContext::create" \
  <<<"$out" && pass "client's one-time set-up left out" ||
  fail "client's one-time set-up not found: $out"
per_hs=$(sed -n 's/^== server: [0-9]* full handshakes, \([0-9.]*\) M.*/\1/p' <<<"$out")
if awk -v v="$per_hs" 'BEGIN { exit !(v > 1 && v < 100) }'; then
  pass "server instructions per handshake plausible ($per_hs M)"
else
  fail "server instructions per handshake '$per_hs'"
fi
finish
