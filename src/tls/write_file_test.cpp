// stoq::write_file (core/atomic_file.h underneath): the mode is always the requested one,
// a symlink at the target is replaced rather than followed, nothing is left behind.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "stoq/cert.h"

namespace stoq {
namespace {

// A fresh directory per test, removed with its files afterwards.
class WriteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/stoq-write-file-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::chmod(dir_.c_str(), 0700);
    for (const auto& name : names()) ::unlink((dir_ + "/" + name).c_str());
    ::rmdir((dir_ + "/sub").c_str());
    ::rmdir(dir_.c_str());
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::set<std::string> names() const {
    std::set<std::string> out;
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return out;
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.insert(n);
    }
    ::closedir(d);
    return out;
  }
  static std::string contents(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }
  static void plant(const std::string& p, const std::string& text, mode_t mode) {
    std::ofstream(p, std::ios::binary) << text;
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
  }
  static mode_t mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode;
  }

  std::string dir_;
};

TEST_F(WriteFileTest, SecretReplacesAWorldReadableFileWithMode0600) {
  plant(path("key.pem"), "old key", 0644);
  ASSERT_TRUE(write_file(path("key.pem"), "new key", true).ok());
  EXPECT_EQ(mode_of(path("key.pem")) & 07777, 0600u);
  EXPECT_EQ(contents(path("key.pem")), "new key");
}

TEST_F(WriteFileTest, PublicFileIsMode0644) {
  plant(path("cert.pem"), "old", 0600);
  ASSERT_TRUE(write_file(path("cert.pem"), "cert", false).ok());
  EXPECT_EQ(mode_of(path("cert.pem")) & 07777, 0644u);
  EXPECT_EQ(contents(path("cert.pem")), "cert");
}

TEST_F(WriteFileTest, SymlinkAtTheTargetIsReplacedAndItsPointeeUntouched) {
  plant(path("victim"), "do not touch", 0644);
  ASSERT_EQ(::symlink(path("victim").c_str(), path("key.pem").c_str()), 0);
  ASSERT_TRUE(write_file(path("key.pem"), "secret", true).ok());
  const mode_t m = mode_of(path("key.pem"));
  EXPECT_TRUE(S_ISREG(m)) << "the symlink was followed instead of replaced";
  EXPECT_EQ(m & 07777, 0600u);
  EXPECT_EQ(contents(path("key.pem")), "secret");
  EXPECT_EQ(contents(path("victim")), "do not touch");
  EXPECT_EQ(mode_of(path("victim")) & 07777, 0644u);
}

TEST_F(WriteFileTest, LeavesNoTemporaryFiles) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(write_file(path("a"), std::to_string(i), true).ok());
  ASSERT_EQ(::mkdir(path("sub").c_str(), 0700), 0);
  EXPECT_FALSE(write_file(path("sub"), "x", true).ok());  // a directory: the rename fails
  EXPECT_EQ(names(), (std::set<std::string>{"a", "sub"}));
}

TEST_F(WriteFileTest, FailuresAreClearErrorsNamingThePath) {
  const std::string missing = path("no-such-dir/key.pem");
  const Status st = write_file(missing, "x", true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error(), Errc::kIoError);
  EXPECT_NE(st.reason().find(missing), std::string::npos) << st.reason();

  // An unwritable directory (root writes anyway, so only checked for other users).
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(dir_.c_str(), 0500), 0);
    const Status denied = write_file(path("key.pem"), "x", true);
    ASSERT_FALSE(denied.ok());
    EXPECT_NE(denied.reason().find(path("key.pem")), std::string::npos) << denied.reason();
    EXPECT_NE(denied.reason().find("Permission denied"), std::string::npos) << denied.reason();
  }
  EXPECT_TRUE(names().empty());
}

}  // namespace
}  // namespace stoq
