#include "quic/byte_queue.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace stoq::quic {
namespace {

TEST(ByteQueue, AppendReadAcrossChunks) {
  ByteQueue q(7);
  std::vector<uint8_t> in(100);
  std::iota(in.begin(), in.end(), uint8_t{0});
  q.append(std::span(in).first(30));
  q.append(std::span(in).subspan(30));
  EXPECT_EQ(q.size(), 100u);
  std::vector<uint8_t> out(100);
  EXPECT_EQ(q.read(std::span(out).first(13)), 13u);
  EXPECT_EQ(q.read(std::span(out).subspan(13)), 87u);
  EXPECT_EQ(out, in);
  EXPECT_TRUE(q.empty());
}

TEST(ByteQueue, PiecesStartAtOffsetAndStayValidUntilDropped) {
  ByteQueue q(8);
  std::vector<uint8_t> in(30);
  std::iota(in.begin(), in.end(), uint8_t{0});
  q.append(in);
  std::vector<uint8_t> seen;
  const uint8_t* first = nullptr;
  q.for_each_piece(5, [&](const uint8_t* p, size_t n) {
    if (first == nullptr) first = p;
    seen.insert(seen.end(), p, p + n);
    return true;
  });
  EXPECT_EQ(seen, std::vector<uint8_t>(in.begin() + 5, in.end()));
  q.append(in);  // appending never moves existing bytes
  EXPECT_EQ(*first, 5);
  q.drop(12);
  EXPECT_EQ(q.size(), 48u);
  uint8_t b;
  q.read({&b, 1});
  EXPECT_EQ(b, 12);
}

TEST(ByteQueue, DropMoreThanSizeEmpties) {
  ByteQueue q(4);
  std::vector<uint8_t> in(10, 1);
  q.append(in);
  q.drop(100);
  EXPECT_TRUE(q.empty());
  q.append(in);
  EXPECT_EQ(q.size(), 10u);
}

}  // namespace
}  // namespace stoq::quic
