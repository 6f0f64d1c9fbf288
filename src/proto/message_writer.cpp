#include "proto/message_writer.h"

#include <algorithm>
#include <string>

#include "proto/frame.h"

namespace stoq::proto {

MessageWriter::MessageWriter(const Settings& peer, uint64_t local_extensions)
    : peer_(peer), extensions_(local_extensions & peer.extensions) {}

Status MessageWriter::check(const MessageHeader& header, uint64_t payload_size) const {
  MessageLimits limits = MessageLimits::from(peer_);
  limits.extensions = extensions_;
  if (auto s = validate_header(header, limits); !s) return s;
  const uint64_t bound = header.shard ? header.shard->length : peer_.max_message_size;
  if (payload_size > bound)
    return violation(
        header.shard ? Error::kShardIntegrity : Error::kLimitExceeded,
        "payload of " + std::to_string(payload_size) + " bytes above " + std::to_string(bound));
  if (header.shard && payload_size != header.shard->length)
    return violation(Error::kShardIntegrity, "payload size differs from SHARD length");
  return Ok{};
}

Result<std::vector<uint8_t>> MessageWriter::begin(const MessageHeader& header,
                                                  uint64_t payload_size,
                                                  uint64_t grease_random) const {
  if (auto s = check(header, payload_size); !s) return s.error();
  std::vector<uint8_t> out;
  append_varint(out, static_cast<uint64_t>(StreamType::kMessage));
  if (grease_random != 0) append_grease_frame(out, grease_random);
  header.encode(out);
  return out;
}

void MessageWriter::append_data_header(std::vector<uint8_t>& out, uint64_t length) {
  append_frame_header(out, to_wire(FrameType::kData), length);
}

void MessageWriter::append_data(std::vector<uint8_t>& out, std::span<const uint8_t> payload) const {
  while (!payload.empty()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(payload.size(), peer_.max_frame_size));
    append_data_header(out, n);
    out.insert(out.end(), payload.begin(), payload.begin() + n);
    payload = payload.subspan(n);
  }
}

Result<std::vector<uint8_t>> MessageWriter::encode_stream(const MessageHeader& header,
                                                          std::span<const uint8_t> payload,
                                                          uint64_t grease_random) const {
  auto out = begin(header, payload.size(), grease_random);
  if (!out) return out;
  append_data(out.value(), payload);
  return out;
}

Result<std::vector<uint8_t>> MessageWriter::encode_datagram(const MessageHeader& header,
                                                            std::span<const uint8_t> payload,
                                                            size_t max_datagram_payload) const {
  if (!(extensions_ & kExtDatagram))
    return violation(Error::kFrameUnexpected, "datagram extension not negotiated");
  if (header.shard) return violation(Error::kFrameUnexpected, "SHARD not allowed in a datagram");
  if (auto s = check(header, payload.size()); !s) return s.error();
  if (payload.size() > peer_.max_frame_size)
    return violation(Error::kLimitExceeded, "datagram payload above max_frame_size");
  std::vector<uint8_t> out;
  append_varint(out, static_cast<uint64_t>(DatagramTag::kMessage));
  header.encode(out);
  append_frame(out, to_wire(FrameType::kData), payload);
  if (out.size() > max_datagram_payload)
    return violation(Error::kLimitExceeded, "message needs " + std::to_string(out.size()) +
                                                " bytes, datagram allows " +
                                                std::to_string(max_datagram_payload));
  return out;
}

}  // namespace stoq::proto
