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

TEST(ByteQueue, DrainedQueueReusesItsChunkAndStaysCorrect) {
  ByteQueue q;
  std::vector<uint8_t> in(1000);
  std::iota(in.begin(), in.end(), uint8_t{9});
  std::vector<uint8_t> out(1000);
  const uint8_t* first = nullptr;
  for (int round = 0; round < 3; ++round) {
    q.append(in);
    const uint8_t* p = nullptr;
    q.for_each_piece(0, [&](const uint8_t* d, size_t) {
      p = d;
      return false;
    });
    if (first == nullptr) first = p;
    EXPECT_EQ(p, first) << "round " << round << ": a drained queue allocates again";
    EXPECT_EQ(q.read(out), in.size());
    EXPECT_EQ(out, in);
    EXPECT_TRUE(q.empty());
  }
  // Growing past the small first chunk still keeps every byte in order.
  std::vector<uint8_t> big(200'000);
  std::iota(big.begin(), big.end(), uint8_t{1});
  q.append(std::span(big).first(3000));
  q.append(std::span(big).subspan(3000));
  std::vector<uint8_t> back(big.size());
  EXPECT_EQ(q.read(back), big.size());
  EXPECT_EQ(back, big);
}

TEST(ByteQueueTest, SharedChunksAreReadInPlaceAndReleasedWhenDropped) {
  ByteQueue q;
  auto block = std::make_shared<std::vector<uint8_t>>(5000);
  std::iota(block->begin(), block->end(), uint8_t{3});
  q.append(std::vector<uint8_t>{1, 2, 3});
  q.append_shared(std::span(*block).first(3000), block);
  q.append_shared(std::span(*block).subspan(3000), block);
  q.append(std::vector<uint8_t>{4, 5});  // after a shared chunk: a new owned chunk
  EXPECT_EQ(q.size(), 3u + 5000u + 2u);
  EXPECT_EQ(block.use_count(), 3);
  // The pieces point into the caller's block: nothing was copied.
  std::vector<const uint8_t*> starts;
  q.for_each_piece(0, [&](const uint8_t* p, size_t) {
    starts.push_back(p);
    return true;
  });
  ASSERT_EQ(starts.size(), 4u);
  EXPECT_EQ(starts[1], block->data());
  EXPECT_EQ(starts[2], block->data() + 3000);
  // Order is kept across owned and shared chunks.
  std::vector<uint8_t> out(q.size());
  EXPECT_EQ(q.read(out), out.size());
  EXPECT_EQ(out[0], 1);
  EXPECT_TRUE(std::equal(block->begin(), block->end(), out.begin() + 3));
  EXPECT_EQ(out[5003], 4);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(block.use_count(), 1);  // every reference went with its bytes
  // A queue that drains on a shared chunk does not keep it for reuse.
  q.append_shared(std::span(*block).first(10), block);
  q.drop(10);
  EXPECT_EQ(block.use_count(), 1);
}

}  // namespace
}  // namespace stoq::quic
