// MessageWriter: serialises messages for a peer, respecting the limits the peer announced
// in its SETTINGS.
//
// A message stream is: stream type 0x4d | header frames | DATA frames | FIN. The writer
// produces the bytes; the caller writes them to a new unidirectional stream and ends it.
// For large payloads use begin() + append_data_header() and send the payload bytes
// themselves from the caller's buffer (no copy). Stateless apart from the peer limits;
// safe to share between threads if not modified.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "proto/message.h"

namespace stoq::proto {

class MessageWriter {
 public:
  // `peer`: the peer's SETTINGS (defaults until they arrive). `local_extensions`: what we
  // support; frames are only sent for extensions both sides enabled.
  explicit MessageWriter(const Settings& peer, uint64_t local_extensions = kAllExtensions);

  // Checks `header` and a payload of `payload_size` bytes against the peer's limits.
  // Errors: kFrameUnexpected (extension not negotiated, FALCON_SIG without TOKEN),
  // kLimitExceeded (payload, shard count, hop count), kFrameEncoding (malformed frame).
  // The caller must not send the message on error.
  Status check(const MessageHeader& header, uint64_t payload_size) const;

  // Stream type + header frames (+ a grease frame when grease_random != 0).
  Result<std::vector<uint8_t>> begin(const MessageHeader& header, uint64_t payload_size,
                                     uint64_t grease_random = 0) const;

  // Appends DATA frame headers and payload, split at the peer's max_frame_size.
  void append_data(std::vector<uint8_t>& out, std::span<const uint8_t> payload) const;
  // Appends just the header of one DATA frame of `length` bytes (<= max_data_frame()).
  static void append_data_header(std::vector<uint8_t>& out, uint64_t length);
  uint64_t max_data_frame() const { return peer_.max_frame_size; }

  // Whole stream contents for a small message: begin() + append_data().
  Result<std::vector<uint8_t>> encode_stream(const MessageHeader& header,
                                             std::span<const uint8_t> payload,
                                             uint64_t grease_random = 0) const;

  // A QUIC DATAGRAM payload carrying the message (tag 0x4d, header frames, one DATA
  // frame). Errors as check(), plus kFrameUnexpected for a SHARD header or when the
  // datagram extension is not negotiated, and kLimitExceeded when the result would exceed
  // `max_datagram_payload` (the caller then sends on a stream instead).
  Result<std::vector<uint8_t>> encode_datagram(const MessageHeader& header,
                                               std::span<const uint8_t> payload,
                                               size_t max_datagram_payload) const;

 private:
  Settings peer_;
  uint64_t extensions_;
};

}  // namespace stoq::proto
