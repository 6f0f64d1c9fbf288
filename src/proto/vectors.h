// The test vectors published in docs/protocol.md, produced by the codec itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stoq::proto::test {

struct NamedVector {
  std::string name;         // "<!-- vector: NAME -->" marker in docs/protocol.md
  std::string description;  // the inputs, in words
  std::vector<uint8_t> bytes;
};

std::vector<NamedVector> documented_vectors();

}  // namespace stoq::proto::test
