# Shared by scripts/demo and scripts/test: bootstrap the dependencies, then configure a
# CMake preset once and build it incrementally.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bootstrap() {
  "$repo/scripts/bootstrap" >/dev/null || exit 1
}

# configure_and_build <preset> [targets...]
configure_and_build() {
  local preset=$1
  shift
  local dir=$repo/build/$preset
  if [ ! -f "$dir/build.ninja" ] || [ "${STOQ_DEPS_DIR:-$repo/.deps}/prefix-path" -nt "$dir/CMakeCache.txt" ]; then
    cmake --preset "$preset" -S "$repo" >/dev/null || { echo "configure ($preset) failed" >&2; exit 1; }
  fi
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  if [ $# -gt 0 ]; then
    cmake --build "$dir" -j "$jobs" --target "$@" || { echo "build ($preset) failed" >&2; exit 1; }
  else
    cmake --build "$dir" -j "$jobs" || { echo "build ($preset) failed" >&2; exit 1; }
  fi
}
