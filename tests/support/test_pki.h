// A throw-away PKI in a temporary directory for tests: CA, server chain and key, plus an
// expired leaf and a second, unrelated CA.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "stoq/cert.h"
#include "stoq/context.h"

namespace stoq::testing {

struct TestPki {
  std::string dir;
  std::string ca_file;     // trusted CA
  std::string chain_file;  // leaf (localhost, 127.0.0.1, ::1) + CA
  std::string key_file;
  std::string expired_chain_file;
  std::string expired_key_file;
  std::string other_ca_file;  // a CA that did not sign anything we use
  std::string leaf_pin;       // SPKI sha256 of the leaf
  ~TestPki();
};

// Creates the files; aborts the test run (ADD_FAILURE + nullptr) on failure.
std::unique_ptr<TestPki> make_test_pki(const Context& ctx, KeyType type = KeyType::kEd25519);

std::shared_ptr<Context> test_context();

// Base fixture: a Context and a fresh test PKI per test. Derived fixtures that override
// SetUp call PkiTest::SetUp() first and return if it failed (HasFatalFailure()).
class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = test_context();
    ASSERT_TRUE(ctx_);
    pki_ = make_test_pki(*ctx_);
    ASSERT_TRUE(pki_);
  }
  std::shared_ptr<Context> ctx_;
  std::unique_ptr<TestPki> pki_;
};

}  // namespace stoq::testing
