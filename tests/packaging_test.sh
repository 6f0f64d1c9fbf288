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
cmake -S "$src/examples/consumer" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_PREFIX_PATH=$work/prefix;$deps" "-DCMAKE_BUILD_RPATH=$(echo "$deps" | sed 's#;#/lib;#g')/lib" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/stoq_consumer"
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$(echo "$deps" | sed 's#;#/lib/pkgconfig:#g')/lib/pkgconfig" \
  pkg-config --cflags --libs stoq | grep -q -- "-lstoq"
echo "packaging OK"
