#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds + runs examples/consumer against it
# with find_package(stoq), then checks the pkg-config file.
# Usage: packaging_test.sh <build dir> <source dir> <dependency prefixes (;-separated)>
set -eu
build=$1
src=$2
deps=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/stoq/stoq.h"
test -f "$work/prefix/lib/cmake/stoq/stoqConfig.cmake"
test -f "$work/prefix/lib/pkgconfig/stoq.pc"
# Users get the public headers only: nothing from src/ is installed, the installed headers
# include nothing outside stoq/, and every exported target's include directory is the
# installed include/ (the build tree's src/ stays out of the package).
(cd "$work/prefix/include" && find . -type f ! -path './stoq/*') | grep . &&
  { echo "installed headers outside include/stoq (above)"; exit 1; }
grep -h '#include "' "$work/prefix/include/stoq"/*.h | grep -v '#include "stoq/' &&
  { echo "public headers include internal ones (above)"; exit 1; }
grep -h 'INTERFACE_INCLUDE_DIRECTORIES' "$work/prefix/lib/cmake/stoq"/stoqTargets*.cmake |
  grep -v '"${_IMPORT_PREFIX}/include"$' &&
  { echo "an exported target has an include directory other than <prefix>/include"; exit 1; }
# The project's warning flags (-Werror) stay inside the build: no exported target passes
# stoq::stoq_options on to users' compilations (link-only mentions carry no flags).
grep -hE 'INTERFACE_LINK_LIBRARIES "(.*;)?stoq::stoq_options' "$work/prefix/lib/cmake/stoq"/stoqTargets*.cmake &&
  { echo "an exported target passes the project's compile options to its users"; exit 1; }
cmake -S "$src/examples/consumer" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_PREFIX_PATH=$work/prefix;$deps" "-DCMAKE_BUILD_RPATH=$(echo "$deps" | sed 's#;#/lib;#g')/lib" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/stoq_consumer"
# The pkg-config file's flags build and link the same program (the order of its -l flags
# must satisfy the static libraries' dependencies).
# The file names the configured prefix: a copy names the temporary one.
mkdir "$work/pc"
sed "s#^prefix=.*#prefix=$work/prefix#" "$work/prefix/lib/pkgconfig/stoq.pc" >"$work/pc/stoq.pc"
flags=$(PKG_CONFIG_PATH="$work/pc:$(echo "$deps" | sed 's#;#/lib/pkgconfig:#g')/lib/pkgconfig" \
  pkg-config --cflags --libs stoq)
echo "$flags" | grep -q -- "-lstoq"
rpath=$(echo "$deps" | sed 's#;#/lib,-rpath,#g')/lib
c++ -O1 -o "$work/pc_consumer" "$src/examples/consumer/main.cpp" $flags "-Wl,-rpath,$rpath"
"$work/pc_consumer"
echo "packaging OK"
