#!/usr/bin/env bash
# The stoqprov module driven by the openssl program: key generation for every algorithm,
# a Falcon-1024 CA signing Falcon and hybrid leaves (req -x509, req + x509 -req), verify,
# pkey -text, and the refusal of a tampered certificate.
# Usage: openssl_cli_test.sh <openssl program> <directory holding stoqprov.so>
# STOQ_PROVIDER_PRELOAD (sanitizer builds): libraries the uninstrumented openssl program
# needs preloaded to load an instrumented module; only the openssl calls get them.
set -euo pipefail
openssl_bin=$1
modules=$2
openssl() {
  LD_PRELOAD=${STOQ_PROVIDER_PRELOAD:-} ASAN_OPTIONS=${STOQ_PROVIDER_PRELOAD:+detect_leaks=0} \
    "$openssl_bin" "$@"
}
prov=(-provider-path "$modules" -provider stoqprov -provider default)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

[ -f "$modules/stoqprov.so" ] || fail "no $modules/stoqprov.so"
openssl list -signature-algorithms "${prov[@]}" | grep -q "falcon1024 } @ stoqprov" ||
  fail "openssl does not list falcon1024 from stoqprov"
openssl list -tls-signature-algorithms "${prov[@]}" | grep -q falcon1024 ||
  fail "falcon1024 is not a TLS signature algorithm"

for alg in falcon512 p256_falcon512 falcon1024 p521_falcon1024; do
  openssl genpkey -algorithm "$alg" "${prov[@]}" -out "$alg.key"
  grep -q "BEGIN PRIVATE KEY" "$alg.key" || fail "$alg: no PKCS#8 PEM"
  openssl pkey -in "$alg.key" -pubout "${prov[@]}" -out "$alg.pub"
  openssl pkey -in "$alg.key" -outform DER "${prov[@]}" -out "$alg.der"
  openssl pkey -inform DER -in "$alg.der" -pubout "${prov[@]}" | cmp -s - "$alg.pub" ||
    fail "$alg: DER private key round trip changed the public key"
  openssl pkey -pubin -in "$alg.pub" -noout -text "${prov[@]}" | grep -q "$alg public key" ||
    fail "$alg: pkey -text"
  # Sign and verify a file.
  echo "stoq $alg" > msg
  openssl pkeyutl -sign -rawin -inkey "$alg.key" -in msg -out msg.sig "${prov[@]}"
  openssl pkeyutl -verify -rawin -pubin -inkey "$alg.pub" -in msg -sigfile msg.sig \
    "${prov[@]}" | grep -q "Signature Verified Successfully" || fail "$alg: pkeyutl verify"
  echo "tampered" > msg
  if openssl pkeyutl -verify -rawin -pubin -inkey "$alg.pub" -in msg -sigfile msg.sig \
      "${prov[@]}" >/dev/null 2>&1; then
    fail "$alg: a signature over another message verified"
  fi
done

# A Falcon-1024 CA, a falcon1024 and a p521_falcon1024 leaf.
openssl req -x509 -new -key falcon1024.key -subj "/CN=STOQ CLI test CA" -days 2 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
  "${prov[@]}" -out ca.pem
openssl x509 -in ca.pem -noout -text "${prov[@]}" | grep -q "Signature Algorithm: falcon1024" ||
  fail "CA signature algorithm"
for leaf in falcon1024 p521_falcon1024 p256_falcon512; do
  openssl genpkey -algorithm "$leaf" "${prov[@]}" -out "leaf-$leaf.key"
  openssl req -new -key "leaf-$leaf.key" -subj "/CN=localhost" "${prov[@]}" -out leaf.csr
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey falcon1024.key -CAcreateserial -days 1 \
    -extfile <(printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost\n') \
    "${prov[@]}" -out "leaf-$leaf.pem"
  openssl verify -CAfile ca.pem "${prov[@]}" "leaf-$leaf.pem" | grep -q ": OK" ||
    fail "verify $leaf leaf"
done

# Flip one bit of the CA's signature (the last byte of the DER certificate).
openssl x509 -in leaf-falcon1024.pem -outform DER -out leaf.der "${prov[@]}"
size=$(stat -c %s leaf.der)
last=$(od -An -tu1 -j $((size - 1)) -N1 leaf.der | tr -d ' ')
printf "$(printf '\\%03o' $((last ^ 1)))" | dd of=leaf.der bs=1 seek=$((size - 1)) conv=notrunc \
  status=none
if openssl verify -CAfile ca.pem "${prov[@]}" <(openssl x509 -inform DER -in leaf.der \
    "${prov[@]}") >verify.out 2>&1; then
  fail "a certificate with a tampered signature verified"
fi
grep -q "certificate signature failure" verify.out || { cat verify.out; fail "unexpected error"; }

# Without the provider the certificate cannot be verified (the test is not vacuous).
if openssl verify -CAfile ca.pem leaf-falcon1024.pem >/dev/null 2>&1; then
  fail "verified without the provider"
fi
echo "openssl CLI with stoqprov: all checks passed"
