// The runtime layer's own pieces (the Context is exercised by every endpoint test).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "stoq/sha256.h"

namespace stoq {
namespace {

TEST(Sha256, KnownVector) {
  Sha256 h;
  std::string abc = "abc";
  h.update({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()});
  EXPECT_EQ(Sha256::hex(h.finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace stoq
