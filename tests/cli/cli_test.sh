#!/usr/bin/env bash
# End-to-end tests of the stoq command between real processes on loopback, and interop
# with OpenSSL's own QUIC client (a client no one here wrote).
# Usage: cli_test.sh <stoq binary> <openssl binary>
set -u
stoq=$1
openssl=$2
. "$(dirname "$0")/harness.sh"

# A free UDP port (bound by the server itself: port 0 is not used so the clients know it).
port_base=$((20000 + RANDOM % 20000))
# Sets $port to a new port number (no subshell, so the counter advances).
next_port() { port_base=$((port_base + 1)); port=$port_base; }

start_server() {  # mode port [extra args...]; waits until it listens
  local mode=$1 port=$2
  shift 2
  "$stoq" serve --cert "$work/cert.pem" --key "$work/key.pem" -l "127.0.0.1:$port" \
    --mode "$mode" --json --duration 60 "$@" >"$work/serve-$port.out" 2>"$work/serve-$port.err" &
  pids+=($!)
  for _ in $(seq 1 50); do
    grep -q listening "$work/serve-$port.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server on $port did not start: $(cat "$work/serve-$port.err")"
  return 1
}

# --- certificates
if "$stoq" cert -o "$work" --json >"$work/cert.json" && [ -s "$work/cert.pem" ] && [ -s "$work/key.pem" ] &&
  [ "$(stat -c %a "$work/key.pem")" = 600 ]; then
  pass "stoq cert writes a CA, a chain and a private key (mode 600)"
else
  fail "stoq cert"
fi
pin=$(sed -n 's/.*"spki_sha256":"\([0-9a-f]*\)".*/\1/p' "$work/cert.json")

# --- files with secrets are replaced, never rewritten in place: an existing world-readable
# key file ends up mode 600, a symlink at a key path is replaced (the file it pointed to is
# untouched), and no temporary file is left behind.
mode_of() { stat -c %a "$1"; }
mkdir -p "$work/perm" "$work/link"
printf 'victim\n' >"$work/victim" && chmod 644 "$work/victim"
for f in "$work/perm/key.pem" "$work/perm/ca.key" "$work/perm/k.key"; do
  printf 'old\n' >"$f" && chmod 644 "$f"
done
ln -s "$work/victim" "$work/link/key.pem"
ln -s "$work/victim" "$work/link/k.key"
if "$stoq" cert -o "$work/perm" >/dev/null && "$stoq" keygen --alg ecdsa-p256 -o "$work/perm/k" >/dev/null &&
  [ "$(mode_of "$work/perm/key.pem")" = 600 ] && [ "$(mode_of "$work/perm/ca.key")" = 600 ] &&
  [ "$(mode_of "$work/perm/k.key")" = 600 ] && [ "$(mode_of "$work/perm/cert.pem")" = 644 ]; then
  pass "stoq cert / keygen over existing 0644 key files leave them mode 600"
else
  fail "stoq cert / keygen over 0644 files: $(ls -l "$work/perm")"
fi
if "$stoq" cert -o "$work/link" >/dev/null && "$stoq" keygen --alg ecdsa-p256 -o "$work/link/k" >/dev/null &&
  [ ! -L "$work/link/key.pem" ] && [ ! -L "$work/link/k.key" ] &&
  [ "$(mode_of "$work/link/key.pem")" = 600 ] && [ "$(mode_of "$work/link/k.key")" = 600 ] &&
  [ "$(cat "$work/victim")" = victim ] && [ "$(mode_of "$work/victim")" = 644 ] &&
  ! ls -A "$work/perm" "$work/link" | grep -q "\.tmp$"; then
  pass "stoq cert / keygen replace a symlink at the key path; its target is untouched"
else
  fail "stoq cert / keygen over symlinks: $(ls -l "$work/link") victim: $(cat "$work/victim")"
fi

# --- send / sink, verified
next_port; p=$port
start_server sink "$p" || fail "start sink server"
if "$stoq" send "127.0.0.1:$p" --ca "$work/ca.pem" --server-name localhost -n 20MiB --json >"$work/send.json" &&
  grep -q '"verified":true' "$work/send.json" && grep -q '"tls_group":"X25519MLKEM768"' "$work/send.json"; then
  pass "stoq send 20 MiB to stoq serve --mode sink: SHA-256 verified, X25519MLKEM768"
else
  fail "stoq send to sink: $(cat "$work/send.json")"
fi
head -c 3000000 /dev/urandom >"$work/file.bin"
if "$stoq" send "127.0.0.1:$p" --pin "$pin" -f "$work/file.bin" --json >"$work/sendf.json" &&
  grep -q '"verified":true' "$work/sendf.json" &&
  grep -q "$(sha256sum "$work/file.bin" | cut -d' ' -f1)" "$work/sendf.json"; then
  pass "stoq send --file with an SPKI pin: digest equals sha256sum of the file"
else
  fail "stoq send --file: $(cat "$work/sendf.json")"
fi

# --- download from source
next_port; p2=$port
start_server source "$p2" || fail "start source server"
if "$stoq" send "127.0.0.1:$p2" --ca "$work/ca.pem" --server-name localhost --download -n 5MiB --json >"$work/dl.json" &&
  grep -q '"verified":true' "$work/dl.json"; then
  pass "stoq send --download from a source server: verified"
else
  fail "download: $(cat "$work/dl.json")"
fi

# --- policy and trust failures give clear errors and exit codes
"$stoq" send "127.0.0.1:$p" --ca "$work/ca.pem" --server-name localhost --kex classical -n 1K >"$work/cl.out" 2>"$work/cl.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "handshake_failure" "$work/cl.err" &&
  grep -q "hybrid-required" "$work/serve-$p.err"; then
  pass "classical-only client vs hybrid-required server: exit 1, explained on both sides"
else
  fail "classical client (rc=$rc): $(cat "$work/cl.err") / server: $(cat "$work/serve-$p.err")"
fi
"$stoq" send "127.0.0.1:$p" --server-name localhost --ca "$work/cert.pem" --pin 0000000000000000000000000000000000000000000000000000000000000000 -n 1K >/dev/null 2>"$work/pin.err"
if [ $? -eq 1 ] && grep -q "pin" "$work/pin.err"; then
  pass "wrong SPKI pin is refused"
else
  fail "wrong pin: $(cat "$work/pin.err")"
fi
"$stoq" send "127.0.0.1:$p" -n 1K >/dev/null 2>"$work/nosuch.err"
if [ $? -eq 1 ] && grep -q -i "certificate" "$work/nosuch.err"; then
  pass "no trust configured: the system CAs do not know our CA"
else
  fail "untrusted: $(cat "$work/nosuch.err")"
fi
"$stoq" send "not-an-address" -n 1K >/dev/null 2>"$work/usage.err"
if [ $? -eq 2 ]; then pass "bad address is a usage error (exit 2)"; else fail "bad address exit code"; fi
"$stoq" serve --cert /nonexistent --key /nonexistent -l 127.0.0.1:0 >/dev/null 2>"$work/nofile.err"
if [ $? -ne 0 ] && grep -q "/nonexistent" "$work/nofile.err"; then
  pass "missing certificate file is named in the error"
else
  fail "missing cert: $(cat "$work/nofile.err")"
fi

# --- interop: OpenSSL's QUIC client against stoq serve --mode echo
next_port; p3=$port
start_server echo "$p3" || fail "start echo server"
out=$( (echo "hello from openssl s_client"; sleep 1) | timeout 10 "$openssl" s_client -quic -alpn stoq/1 \
  -groups X25519MLKEM768 -connect "127.0.0.1:$p3" -servername localhost -CAfile "$work/ca.pem" \
  -verify_return_error 2>&1)
if echo "$out" | grep -q "^hello from openssl s_client" && echo "$out" | grep -q "Verification: OK" &&
  echo "$out" | grep -q "ALPN protocol: stoq/1"; then
  pass "openssl s_client -quic -alpn stoq/1 (X25519MLKEM768 only) verifies stoq and gets its line echoed"
else
  fail "openssl s_client interop: $out"
fi
sleep 0.5
if grep -q '"group":"X25519MLKEM768"' "$work/serve-$p3.out"; then
  pass "the server reports X25519MLKEM768 for the s_client connection"
else
  fail "server did not report the hybrid group: $(cat "$work/serve-$p3.out")"
fi
out=$( (echo x; sleep 1) | timeout 10 "$openssl" s_client -quic -alpn h3 -connect "127.0.0.1:$p3" \
  -servername localhost -CAfile "$work/ca.pem" 2>&1)
sleep 0.3
if ! echo "$out" | grep -q "^x" && grep -q "ALPN stoq/1" "$work/serve-$p3.err"; then
  pass "a client without ALPN stoq/1 is refused (and the server says why)"
else
  fail "ALPN refusal: $out / $(cat "$work/serve-$p3.err")"
fi

# --- interop with post-quantum authentication: s_client loads STOQ's provider module
# (stoqprov.so) and verifies a Falcon-1024 chain made by `stoq cert`.
provdir=${STOQ_PROVIDER_DIR:-}
if [ -n "$provdir" ] && [ -f "$provdir/stoqprov.so" ]; then
  mkdir -p "$work/falcon"
  if "$stoq" cert -t falcon1024 -o "$work/falcon" >/dev/null; then
    next_port; pf=$port
    "$stoq" serve --cert "$work/falcon/cert.pem" --key "$work/falcon/key.pem" -l "127.0.0.1:$pf" \
      --mode echo --json --duration 60 >"$work/serve-$pf.out" 2>"$work/serve-$pf.err" &
    pids+=($!)
    for _ in $(seq 1 50); do grep -q listening "$work/serve-$pf.out" 2>/dev/null && break; sleep 0.1; done
    # In sanitizer builds the (uninstrumented) openssl program needs the runtimes preloaded.
    out=$( (echo "hello over falcon1024"; sleep 1) | LD_PRELOAD=${STOQ_PROVIDER_PRELOAD:-} \
      ASAN_OPTIONS=detect_leaks=0 timeout 10 "$openssl" s_client -quic -alpn stoq/1 \
      -provider-path "$provdir" -provider stoqprov -provider default \
      -groups X25519MLKEM768 -connect "127.0.0.1:$pf" -servername localhost \
      -CAfile "$work/falcon/ca.pem" -verify_return_error 2>&1)
    if echo "$out" | grep -q "^hello over falcon1024" && echo "$out" | grep -q "Verification: OK" &&
      echo "$out" | grep -q "Peer signature type: falcon1024"; then
      pass "openssl s_client -quic with the stoqprov module verifies a falcon1024 chain and exchanges data"
    else
      fail "falcon1024 s_client interop: $out"
    fi
    # Without the provider OpenSSL cannot verify (or even negotiate) Falcon: not vacuous.
    out=$( (echo x; sleep 1) | timeout 10 "$openssl" s_client -quic -alpn stoq/1 \
      -connect "127.0.0.1:$pf" -servername localhost -CAfile "$work/falcon/ca.pem" \
      -verify_return_error 2>&1)
    if ! echo "$out" | grep -q "^x"; then
      pass "without the provider s_client cannot complete a falcon1024 handshake"
    else
      fail "falcon1024 handshake succeeded without the provider: $out"
    fi
  else
    fail "stoq cert -t falcon1024"
  fi
else
  fail "no stoqprov.so (STOQ_PROVIDER_DIR=$provdir): the Falcon interop test cannot run"
fi

# --- pq-required refuses an Ed25519 server by name (stoq demo with a classical chain)
if ! "$stoq" demo -n 64KiB --cert-type ed25519 --auth pq-required >"$work/pq.out" 2>&1; then
  if grep -q "pq-required" "$work/pq.out" && grep -q "ED25519" "$work/pq.out"; then
    pass "authentication policy pq-required refuses an Ed25519 server and names the algorithm"
  else
    fail "pq-required error: $(cat "$work/pq.out")"
  fi
else
  fail "pq-required accepted an Ed25519 server"
fi
if "$stoq" demo -n 1MiB --json >"$work/demo-falcon.json" &&
  grep -q '"peer_signature_algorithm":"falcon1024"' "$work/demo-falcon.json"; then
  pass "stoq demo authenticates with a Falcon-1024 chain by default"
else
  fail "demo default chain: $(cat "$work/demo-falcon.json")"
fi

# --- demo
if "$stoq" demo -n 8MiB --json >"$work/demo.json" && grep -q '"verified":true' "$work/demo.json" &&
  grep -q '"tls_group":"X25519MLKEM768"' "$work/demo.json"; then
  pass "stoq demo: hybrid handshake and a verified transfer"
else
  fail "stoq demo: $(cat "$work/demo.json")"
fi
"$stoq" --help >/dev/null && "$stoq" send --help >/dev/null && "$stoq" serve --help >/dev/null &&
  pass "--help works" || fail "--help"

# --- STOQ messages (issue 7): send --message/--shards/--sign, serve --messages
next_port; pm=$port
start_server sink "$pm" --messages || fail "start messages server"
if "$stoq" send "127.0.0.1:$pm" --ca "$work/ca.pem" --server-name localhost -n 8MiB --shards 4 --json \
    >"$work/msg.json" && grep -q '"verified":true' "$work/msg.json" &&
  grep -q '"event":"message".*"bytes":8388608.*"token":true,"sequence":1,.*"shards":4,.*"streams":4' "$work/serve-$pm.out" &&
  grep -q "$(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' "$work/msg.json")" "$work/serve-$pm.out"; then
  pass "stoq send --shards 4: one message over 4 streams, serve --messages prints its verified metadata"
else
  fail "sharded message: $(cat "$work/msg.json") / $(cat "$work/serve-$pm.out")"
fi
if "$stoq" send "127.0.0.1:$pm" --ca "$work/ca.pem" --server-name localhost -n 300 --datagram --json \
    >"$work/dg.json" && grep -q '"verified":true' "$work/dg.json" &&
  grep -q '"bytes":300,.*"datagram":true' "$work/serve-$pm.out"; then
  pass "stoq send --datagram: a small message as a QUIC DATAGRAM"
else
  fail "datagram message: $(cat "$work/dg.json") / $(cat "$work/serve-$pm.out")"
fi
if "$stoq" send "127.0.0.1:$pm" --ca "$work/ca.pem" --server-name localhost -n 2MiB --json >"$work/raw.json" &&
  grep -q '"verified":true' "$work/raw.json"; then
  pass "a plain stream transfer still works against serve --messages"
else
  fail "raw send to a messages server: $(cat "$work/raw.json")"
fi
"$stoq" send "127.0.0.1:$pm" --ca "$work/ca.pem" --server-name localhost -n 1K --sign >/dev/null 2>"$work/sign.err"
if [ $? -eq 2 ] && grep -q "signing-key" "$work/sign.err"; then
  pass "--sign without a key is a usage error"
else
  fail "--sign without key: $(cat "$work/sign.err")"
fi
if "$stoq" keygen --help >/dev/null 2>&1 && "$stoq" keygen -o "$work/alice" >/dev/null 2>&1 &&
  "$stoq" keygen -o "$work/bob" >/dev/null 2>&1; then
  next_port; ps=$port
  start_server sink "$ps" --messages --trust-key "$work/alice.pk" || fail "start signed-messages server"
  if "$stoq" send "127.0.0.1:$ps" --ca "$work/ca.pem" --server-name localhost -n 64KiB --shards 2 --sign \
      --signing-key "$work/alice.sk" --public-key "$work/alice.pk" --json >"$work/signed.json" &&
    grep -q '"verified":true' "$work/signed.json" && grep -q '"signer":"[0-9a-f]\{64\}"' "$work/serve-$ps.out"; then
    pass "stoq send --sign (Falcon): the server prints the verified signer"
  else
    fail "signed message: $(cat "$work/signed.json") / $(cat "$work/serve-$ps.out")"
  fi
  "$stoq" send "127.0.0.1:$ps" --ca "$work/ca.pem" --server-name localhost -n 1K --sign --timeout 3 \
    --signing-key "$work/bob.sk" --public-key "$work/bob.pk" --json >"$work/untrusted.json"
  if [ $? -ne 0 ] && grep -q '"code":"untrusted_key"' "$work/serve-$ps.out"; then
    pass "a message signed by an untrusted key is rejected"
  else
    fail "untrusted signer: $(cat "$work/untrusted.json") / $(cat "$work/serve-$ps.out")"
  fi
else
  echo "SKIP signed messages over the CLI: this build has no 'stoq keygen' (Falcon)"
fi

# --- mutual authentication and the authentication policy from the command line
if "$stoq" cert -o "$work/mfal" -t falcon1024 >/dev/null && "$stoq" cert -o "$work/mdsa" -t mldsa65 >/dev/null; then
  next_port; p=$port
  "$stoq" serve --cert "$work/mfal/cert.pem" --key "$work/mfal/key.pem" -l "127.0.0.1:$p" --mode sink \
    --json --duration 60 --require-client-cert --client-ca "$work/mdsa/ca.pem" \
    >"$work/serve-$p.out" 2>"$work/serve-$p.err" &
  pids+=($!)
  for _ in $(seq 1 50); do grep -q listening "$work/serve-$p.out" 2>/dev/null && break; sleep 0.1; done
  if "$stoq" send "127.0.0.1:$p" --ca "$work/mfal/ca.pem" --server-name localhost -n 1MiB --json \
    --cert "$work/mdsa/cert.pem" --key "$work/mdsa/key.pem" --auth pq-required >"$work/mtls.json" &&
    grep -q '"verified":true' "$work/mtls.json" && grep -q '"peer_signature_algorithm":"falcon1024"' "$work/mtls.json"; then
    pass "mutual authentication: ML-DSA-65 client certificate, Falcon-1024 server, --auth pq-required"
  else
    fail "mutual authentication: $(cat "$work/mtls.json")"
  fi
  if ! "$stoq" send "127.0.0.1:$p" --ca "$work/mfal/ca.pem" --server-name localhost -n 1K >/dev/null 2>"$work/nocert.err" &&
    grep -q "certificate_required" "$work/nocert.err"; then
    pass "a client without a certificate is refused (certificate_required)"
  else
    fail "client without certificate: $(cat "$work/nocert.err")"
  fi
  if ! "$stoq" send "127.0.0.1:$p" --ca "$work/mfal/ca.pem" --server-name localhost -n 1K \
    --cert "$work/mfal/cert.pem" --key "$work/mfal/key.pem" >/dev/null 2>"$work/untrusted.err" &&
    grep -q "unknown_ca" "$work/untrusted.err"; then
    pass "a client certificate from an untrusted CA is refused (unknown_ca)"
  else
    fail "untrusted client certificate: $(cat "$work/untrusted.err")"
  fi
  next_port; q=$port
  start_server sink "$q" || fail "start ed25519 server"
  if ! "$stoq" send "127.0.0.1:$q" --ca "$work/ca.pem" --server-name localhost -n 1K --auth pq-required \
    >/dev/null 2>"$work/pqreq.err" && grep -q "pq-required" "$work/pqreq.err"; then
    pass "--auth pq-required refuses an Ed25519 server and names the policy"
  else
    fail "--auth pq-required against Ed25519: $(cat "$work/pqreq.err")"
  fi
else
  fail "stoq cert -t falcon1024 / mldsa65"
fi

# --- SIGTERM / SIGINT stop a server cleanly: exit status 0 and the closing summary, with one
# worker (the loop polls for the signal) and with two (the main thread waits for it).
stops_cleanly() {  # signal port [extra args...]
  local sig=$1 port=$2
  shift 2
  start_server echo "$port" "$@" || return 1
  local pid=${pids[${#pids[@]}-1]}
  kill -s "$sig" "$pid"
  local status=0
  timeout 5 tail --pid="$pid" -f /dev/null || return 1
  wait "$pid" || status=$?
  [ "$status" -eq 0 ] && grep -q "stoq serve: .* connections" "$work/serve-$port.err"
}
next_port
if stops_cleanly TERM "$port"; then
  pass "SIGTERM stops stoq serve cleanly (exit 0, summary printed)"
else
  fail "SIGTERM to stoq serve: $(cat "$work/serve-$port.err")"
fi
next_port
if stops_cleanly INT "$port" --workers 2; then
  pass "SIGINT stops stoq serve --workers 2 cleanly (exit 0, summary printed)"
else
  fail "SIGINT to stoq serve --workers 2: $(cat "$work/serve-$port.err")"
fi

finish
