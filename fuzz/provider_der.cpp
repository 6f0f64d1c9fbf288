// libFuzzer target for the provider's strict DER containers (entry in
// src/provider/fuzz_entries.cpp). Seed corpus: fuzz/corpus/provider_der/. The same entry
// runs in provider_test (corpus replay).
#include <cstddef>
#include <cstdint>

#include "provider/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return stoq::provider::fuzz::der(nullptr, data, size);
}
