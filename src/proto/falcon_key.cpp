#include "proto/falcon_key.h"

#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {

KeyId falcon_key_id(const Sha256Algorithm& sha256, std::span<const uint8_t> public_key) {
  return sha256.digest(public_key);
}

size_t falcon_public_key_size(FalconAlgorithm alg) {
  switch (alg) {
    case FalconAlgorithm::kFalcon512:
      return kFalcon512PublicKeySize;
    case FalconAlgorithm::kFalcon1024:
      return kFalcon1024PublicKeySize;
  }
  return 0;
}

FalconKeyFrame FalconKeyFrame::raw(const Sha256Algorithm& sha256, FalconAlgorithm alg,
                                   std::span<const uint8_t> public_key) {
  return {alg, falcon_key_id(sha256, public_key), KeyEncoding::kRawPublicKey,
          std::vector<uint8_t>(public_key.begin(), public_key.end())};
}

Status FalconKeyFrame::validate() const {
  const size_t want = falcon_public_key_size(algorithm);
  if (want == 0) return violation(Error::kFrameEncoding, "FALCON_KEY unknown algorithm");
  switch (encoding) {
    case KeyEncoding::kRawPublicKey:
      if (data.size() != want)
        return violation(Error::kFrameEncoding, "FALCON_KEY raw key of " +
                                                    std::to_string(data.size()) + " bytes, want " +
                                                    std::to_string(want));
      return Ok{};
    case KeyEncoding::kCertificateChain:
      if (data.empty()) return violation(Error::kFrameEncoding, "FALCON_KEY empty chain");
      if (data.size() > kMaxCertificateChainSize)
        return violation(
            Error::kLimitExceeded,
            "FALCON_KEY chain of " + std::to_string(data.size()) + " bytes above 16384");
      return Ok{};
  }
  return violation(Error::kFrameEncoding, "FALCON_KEY unknown key encoding");
}

void FalconKeyFrame::encode(std::vector<uint8_t>& out) const {
  std::vector<uint8_t> p;
  ByteWriter w(p);
  w.u8(static_cast<uint8_t>(algorithm));
  w.bytes(key_id);
  w.u8(static_cast<uint8_t>(encoding));
  w.varint(data.size());
  w.bytes(data);
  append_frame(out, to_wire(FrameType::kFalconKey), p);
}

Status FalconKeyFrame::check_key_id(const Sha256Algorithm& sha256) const {
  if (encoding == KeyEncoding::kRawPublicKey && falcon_key_id(sha256, data) != key_id)
    return violation(Error::kFrameEncoding, "FALCON_KEY key id does not match the key");
  return Ok{};
}

Result<FalconKeyFrame> FalconKeyFrame::decode(std::span<const uint8_t> payload) {
  FalconKeyFrame k;
  ByteReader r(payload);
  uint8_t alg = 0, enc = 0;
  uint64_t len = 0;
  if (!r.u8(alg) || !r.array(k.key_id) || !r.u8(enc) || !r.varint(len))
    return violation(Error::kFrameEncoding, "FALCON_KEY truncated");
  if (len > kMaxCertificateChainSize)
    return violation(Error::kLimitExceeded,
                     "FALCON_KEY data length " + std::to_string(len) + " above 16384");
  std::span<const uint8_t> data;
  if (!r.bytes(len, data)) return violation(Error::kFrameEncoding, "FALCON_KEY truncated data");
  if (!r.empty()) return violation(Error::kFrameEncoding, "FALCON_KEY has trailing bytes");
  k.algorithm = static_cast<FalconAlgorithm>(alg);
  k.encoding = static_cast<KeyEncoding>(enc);
  k.data.assign(data.begin(), data.end());
  if (auto v = k.validate(); !v) return v.error();
  return k;
}

}  // namespace stoq::proto
