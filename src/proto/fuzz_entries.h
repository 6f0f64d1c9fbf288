// Fuzz entry points, one per decoder. Used by the libFuzzer targets (fuzz/proto_*.cpp)
// and by the corpus-replay unit test, so every entry also runs in the normal test suite.
// Each entry decodes arbitrary bytes and, when they decode, checks that re-encoding and
// decoding again gives the same value; an inconsistency calls std::abort().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace stoq::proto::fuzz {

using EntryFn = int (*)(const uint8_t* data, size_t size);

struct Entry {
  std::string_view name;  // corpus directory: fuzz/corpus/proto_<name>/
  EntryFn run;
};

std::span<const Entry> entries();

int varint(const uint8_t* data, size_t size);
int settings(const uint8_t* data, size_t size);
int token(const uint8_t* data, size_t size);
int shard(const uint8_t* data, size_t size);
int hop(const uint8_t* data, size_t size);
int seed(const uint8_t* data, size_t size);
int falcon_key(const uint8_t* data, size_t size);
int falcon_sig(const uint8_t* data, size_t size);
int frame_decoder(const uint8_t* data, size_t size);
int control_stream(const uint8_t* data, size_t size);
int message_reader(const uint8_t* data, size_t size);
int datagram(const uint8_t* data, size_t size);
int shard_reassembler(const uint8_t* data, size_t size);
int session(const uint8_t* data, size_t size);

}  // namespace stoq::proto::fuzz
