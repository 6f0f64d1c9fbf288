#include "proto/falcon_sig.h"

#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {

Status FalconSigFrame::validate() const {
  if (signature.empty()) return violation(Error::kFrameEncoding, "FALCON_SIG empty signature");
  if (signature.size() > kMaxFalconSignatureSize)
    return violation(
        Error::kLimitExceeded,
        "FALCON_SIG signature of " + std::to_string(signature.size()) + " bytes above 1462");
  return Ok{};
}

void FalconSigFrame::encode(std::vector<uint8_t>& out) const {
  std::vector<uint8_t> p;
  ByteWriter w(p);
  w.bytes(key_id);
  w.varint(signature.size());
  w.bytes(signature);
  append_frame(out, to_wire(FrameType::kFalconSig), p);
}

Result<FalconSigFrame> FalconSigFrame::decode(std::span<const uint8_t> payload) {
  FalconSigFrame s;
  ByteReader r(payload);
  uint64_t len = 0;
  if (!r.array(s.key_id) || !r.varint(len))
    return violation(Error::kFrameEncoding, "FALCON_SIG truncated");
  if (len > kMaxFalconSignatureSize)
    return violation(Error::kLimitExceeded,
                     "FALCON_SIG signature length " + std::to_string(len) + " above 1462");
  std::span<const uint8_t> sig;
  if (!r.bytes(len, sig)) return violation(Error::kFrameEncoding, "FALCON_SIG truncated signature");
  if (!r.empty()) return violation(Error::kFrameEncoding, "FALCON_SIG has trailing bytes");
  s.signature.assign(sig.begin(), sig.end());
  if (auto v = s.validate(); !v) return v.error();
  return s;
}

}  // namespace stoq::proto
