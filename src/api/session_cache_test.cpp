#include "stoq/session_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "api/session_cache_codec.h"
#include "quic/session_ticket.h"

namespace stoq {
namespace {

std::vector<uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(SessionCache, TicketsAreSingleUseNewestFirst) {
  MemorySessionCache c;
  c.put_ticket("a:1", bytes("old"));
  c.put_ticket("a:1", bytes("new"));
  EXPECT_EQ(c.take_ticket("a:1"), bytes("new"));
  EXPECT_EQ(c.take_ticket("a:1"), bytes("old"));
  EXPECT_FALSE(c.take_ticket("a:1").has_value());
  EXPECT_FALSE(c.take_ticket("other:1").has_value());
}

TEST(SessionCache, BoundedPerServerAndInServers) {
  MemorySessionCache c(2, 2);
  for (int i = 0; i < 5; ++i) c.put_ticket("a:1", bytes("t" + std::to_string(i)));
  EXPECT_EQ(c.ticket_count(), 2u);
  c.put_token("b:1", bytes("x"));
  c.put_token("c:1", bytes("y"));  // evicts the least recently used server ("a:1")
  EXPECT_FALSE(c.take_ticket("a:1").has_value());
  EXPECT_EQ(c.token_count(), 2u);
  c.put_ticket("a:1", std::vector<uint8_t>(MemorySessionCache::kMaxEntryBytes + 1, 1));
  c.put_ticket("", bytes("no name"));
  EXPECT_EQ(c.ticket_count(), 0u);
}

TEST(SessionCache, SerializeParseRoundTrip) {
  MemorySessionCache a;
  a.put_ticket("example.org:443", bytes("ticket-1"));
  a.put_token("example.org:443", bytes("token-1"));
  a.put_ticket("[::1]:4433", std::vector<uint8_t>(5000, 0xab));
  MemorySessionCache b;
  ASSERT_TRUE(b.parse(a.serialize()).ok());
  EXPECT_EQ(b.take_ticket("example.org:443"), bytes("ticket-1"));
  EXPECT_EQ(b.take_token("example.org:443"), bytes("token-1"));
  EXPECT_EQ(b.take_ticket("[::1]:4433")->size(), 5000u);
}

TEST(SessionCache, MalformedFilesAreClearErrorsAndChangeNothing) {
  MemorySessionCache c;
  const std::vector<std::vector<uint8_t>> bad = {
      {},
      bytes("SQSC"),
      bytes("XXXX\x01"),
      {'S', 'Q', 'S', 'C', 2},
      {'S', 'Q', 'S', 'C', 1, 3, 1, 'a', 0, 1, 'x'},     // unknown kind
      {'S', 'Q', 'S', 'C', 1, 1, 0, 0, 1, 'x'},          // empty name
      {'S', 'Q', 'S', 'C', 1, 1, 5, 'a'},                // truncated name
      {'S', 'Q', 'S', 'C', 1, 1, 1, 'a', 0, 0},          // empty data
      {'S', 'Q', 'S', 'C', 1, 1, 1, 'a', 0x40, 1, 'x'},  // data too long
      {'S', 'Q', 'S', 'C', 1, 1, 1, 'a', 0, 5, 'x'},     // truncated data
      {'S', 'Q', 'S', 'C', 1, 1},                        // truncated header
  };
  for (const auto& b : bad) {
    auto st = c.parse(b);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.error(), Errc::kInvalidArgument);
    EXPECT_NE(st.message().find("session cache file"), std::string::npos) << st.message();
  }
  EXPECT_EQ(c.ticket_count() + c.token_count(), 0u);
}

TEST(SessionCache, FileSaveAndLoad) {
  const std::string path = ::testing::TempDir() + "/stoq-session-cache-test";
  MemorySessionCache a;
  a.put_ticket("s:1", bytes("persisted"));
  ASSERT_TRUE(a.save(path).ok());
  MemorySessionCache b;
  ASSERT_TRUE(b.load(path).ok());
  EXPECT_EQ(b.take_ticket("s:1"), bytes("persisted"));
  MemorySessionCache c;
  EXPECT_TRUE(c.load(path + "-missing").ok());  // no file yet: empty cache
  std::remove(path.c_str());
}

// The save goes through a fresh temporary file with an unpredictable name: a symlink
// planted at the old fixed name (path.tmp) is not followed, and the result is mode 0600.
TEST(SessionCache, SaveFollowsNoPlantedTemporaryFile) {
  std::string dir = ::testing::TempDir() + "/stoq-session-save-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/s.bin", victim = dir + "/victim";
  std::ofstream(victim) << "victim";
  ASSERT_EQ(::symlink(victim.c_str(), (path + ".tmp").c_str()), 0);
  std::ofstream(path) << "old";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  MemorySessionCache a;
  a.put_ticket("s:1", bytes("ticket"));
  ASSERT_TRUE(a.save(path).ok());
  std::ifstream v(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(v), {}), "victim");
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  MemorySessionCache b;
  ASSERT_TRUE(b.load(path).ok());
  EXPECT_EQ(b.take_ticket("s:1"), bytes("ticket"));
  for (const auto& f : {path, path + ".tmp", victim}) ::unlink(f.c_str());
  EXPECT_EQ(::rmdir(dir.c_str()), 0) << "files left behind in " << dir;
}

TEST(SessionTicket, StrictDecoding) {
  quic::SessionTicket t{bytes("session"), bytes("params")};
  auto enc = quic::encode_session_ticket(t);
  auto dec = quic::decode_session_ticket(enc);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->tls_session, t.tls_session);
  EXPECT_EQ(dec->transport_params, t.transport_params);
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    EXPECT_FALSE(quic::decode_session_ticket(std::span(enc).first(cut)).ok()) << cut;
  }
  enc.push_back(0);
  EXPECT_FALSE(quic::decode_session_ticket(enc).ok());
}

}  // namespace
}  // namespace stoq
