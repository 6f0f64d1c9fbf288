// The Falcon adapter behind stoq/falcon_signer.h. Compiled with STOQ_HAVE_FALCON when the
// stoq_falcon target exists (src/api/CMakeLists.txt); otherwise only the stubs.
#include "stoq/falcon_signer.h"

#if STOQ_HAVE_FALCON
#include "crypto/falcon/falcon.h"
#endif

namespace stoq {

#if STOQ_HAVE_FALCON
namespace {

MessageSignatureAlgorithm algorithm_of(falcon::Level l) {
  return l == falcon::Level::k512 ? MessageSignatureAlgorithm::kFalcon512
                                  : MessageSignatureAlgorithm::kFalcon1024;
}

class FalconSigner final : public MessageSigner {
 public:
  FalconSigner(falcon::PublicKey pk, falcon::SecretKey sk)
      : pk_(std::move(pk)), sk_(std::move(sk)) {}
  MessageSignatureAlgorithm algorithm() const override { return algorithm_of(pk_.level()); }
  std::span<const uint8_t> public_key() const override { return pk_.bytes(); }
  std::optional<std::vector<uint8_t>> sign(std::span<const uint8_t> message) override {
    auto sig = falcon::sign(sk_, message);
    if (!sig) return std::nullopt;
    auto b = sig->bytes();
    return std::vector<uint8_t>(b.begin(), b.end());
  }

 private:
  falcon::PublicKey pk_;
  falcon::SecretKey sk_;
};

}  // namespace

bool falcon_available() noexcept {
  return true;
}

Result<std::shared_ptr<MessageSigner>> make_falcon_signer(std::span<const uint8_t> public_key,
                                                          std::span<const uint8_t> secret_key) {
  auto pk = falcon::PublicKey::decode(public_key);
  if (!pk) return {Errc::kInvalidArgument, "Falcon public key: " + pk.error().message()};
  auto sk = falcon::SecretKey::decode(secret_key);
  if (!sk) return {Errc::kInvalidArgument, "Falcon secret key: " + sk.error().message()};
  if (pk->level() != sk->level()) {
    return {Errc::kInvalidArgument, "Falcon public and secret keys are of different levels"};
  }
  return std::shared_ptr<MessageSigner>(
      std::make_shared<FalconSigner>(std::move(pk).value(), std::move(sk).value()));
}

MessageVerifier falcon_message_verifier() {
  return [](MessageSignatureAlgorithm alg, std::span<const uint8_t> public_key,
            std::span<const uint8_t> message, std::span<const uint8_t> signature) {
    auto pk = falcon::PublicKey::decode(public_key);
    if (!pk || algorithm_of(pk->level()) != alg) return false;
    return !falcon::verify(pk.value(), message, signature);
  };
}

#else

bool falcon_available() noexcept {
  return false;
}

Result<std::shared_ptr<MessageSigner>> make_falcon_signer(std::span<const uint8_t>,
                                                          std::span<const uint8_t>) {
  return {Errc::kUnsupported,
          "this build has no Falcon library (src/crypto/falcon is not part of the build)"};
}

MessageVerifier falcon_message_verifier() {
  return [](MessageSignatureAlgorithm, std::span<const uint8_t>, std::span<const uint8_t>,
            std::span<const uint8_t>) { return false; };
}

#endif

}  // namespace stoq
