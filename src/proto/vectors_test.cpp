// Checks every hex vector in docs/protocol.md against the codec, so the document and the
// code cannot drift apart. Each vector in the document is a "<!-- vector: NAME -->" line
// followed by a fenced block of hex.
#include "vectors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "proto/control_stream.h"
#include "proto/datagram.h"
#include "proto/frame.h"
#include "proto/settings.h"
#include "test_util.h"

namespace stoq::proto::test {
namespace {

std::map<std::string, std::vector<uint8_t>> vectors_in_doc() {
  std::ifstream in(STOQ_PROTO_DOC);
  std::map<std::string, std::vector<uint8_t>> out;
  std::string line, name, block;
  bool in_block = false;
  const std::string marker = "<!-- vector: ";
  while (std::getline(in, line)) {
    if (!in_block && line.rfind(marker, 0) == 0) {
      name = line.substr(marker.size(), line.find(" -->") - marker.size());
    } else if (!name.empty() && line.rfind("```", 0) == 0) {
      if (in_block) {
        out[name] = unhex(block);
        name.clear();
        block.clear();
      }
      in_block = !in_block;
    } else if (in_block) {
      block += line + "\n";
    }
  }
  return out;
}

TEST(Vectors, DocumentMatchesCodec) {
  const auto doc = vectors_in_doc();
  const auto mine = documented_vectors();
  ASSERT_FALSE(doc.empty()) << "no vectors found in " << STOQ_PROTO_DOC;
  for (const auto& v : mine) {
    auto it = doc.find(v.name);
    ASSERT_NE(it, doc.end()) << "vector " << v.name << " missing from docs/protocol.md";
    EXPECT_EQ(hex(it->second), hex(v.bytes)) << "vector " << v.name;
  }
  EXPECT_EQ(doc.size(), mine.size()) << "docs/protocol.md has vectors the codec does not produce";
}

TEST(Vectors, EveryVectorDecodes) {
  for (const auto& v : documented_vectors()) {
    SCOPED_TRACE(v.name);
    std::span<const uint8_t> in = v.bytes;
    if (v.name == "control_preface") {
      StreamTypeReader t;
      ASSERT_TRUE(t.feed(in).ok());
      ASSERT_EQ(t.type(), 0x53u);
      ControlStream cs{Settings{}, test_sha256()};
      ASSERT_TRUE(cs.on_data(in).ok());
      ASSERT_TRUE(cs.peer_settings().has_value());
      EXPECT_EQ(cs.peer_settings()->max_shard_count, 16u);
      continue;
    }
    if (v.name == "signed_portion" || v.name == "message_stream") continue;  // tested elsewhere
    if (v.name == "message_datagram") {
      auto d = decode_datagram(in, MessageLimits{});
      ASSERT_TRUE(d.ok());
      EXPECT_TRUE(d.value().header.token.has_value());
      continue;
    }
    ByteReader r(in);
    auto f = read_frame(r, kMaxMaxFrameSize);
    ASSERT_TRUE(f.ok()) << f.error().reason;
    EXPECT_TRUE(r.empty());
  }
}

// Prints the vectors as Markdown for docs/protocol.md:
//   proto_test --gtest_also_run_disabled_tests --gtest_filter=Vectors.DISABLED_Print
TEST(Vectors, DISABLED_Print) {
  for (const auto& v : documented_vectors()) {
    std::ostringstream os;
    const std::string h = hex(v.bytes);
    for (size_t i = 0; i < h.size(); i += 2) {
      os << h.substr(i, 2);
      if (i + 2 < h.size()) os << ((i / 2 + 1) % 16 == 0 ? "\n" : " ");
    }
    std::printf("%s (%zu bytes):\n\n<!-- vector: %s -->\n```\n%s\n```\n\n", v.description.c_str(),
                v.bytes.size(), v.name.c_str(), os.str().c_str());
  }
}

}  // namespace
}  // namespace stoq::proto::test
