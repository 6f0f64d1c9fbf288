// libFuzzer target for the STOQ proto decoder "session" (entry in src/proto/fuzz_entries.cpp).
// Seed corpus: fuzz/corpus/proto_session/. The same entry runs in proto_test (corpus replay).
#include <cstddef>
#include <cstdint>

#include "proto/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return stoq::proto::fuzz::session(data, size);
}
