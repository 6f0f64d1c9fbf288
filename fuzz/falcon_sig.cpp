// libFuzzer target: Falcon sig (entry point stoq::falcon::fuzz::signature in
// src/crypto/falcon/fuzz_entries.cpp). The same entry runs in falcon_test (corpus replay).
#include <cstddef>
#include <cstdint>

#include "crypto/falcon/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return stoq::falcon::fuzz::signature(data, size);
}
