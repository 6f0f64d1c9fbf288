# Shared by the CLI test scripts (sourced): a scratch directory removed on exit, background
# processes killed on exit, and PASS/FAIL bookkeeping. The script ends with `finish`.
work=$(mktemp -d)
pids=()
failures=0
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; failures=$((failures + 1)); }
finish() {
  echo "$failures failure(s)"
  [ "$failures" -eq 0 ]
}
