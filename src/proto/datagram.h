// Receiving QUIC DATAGRAM payloads on a stoq/1 connection.
//
// Layout: tag (varint) | rest. Tag 0x00: an opaque application datagram. Tag 0x4d: one
// STOQ message: header frames (as on a message stream, SHARD excluded) then at most one
// DATA frame, which must be the last frame. Unknown and grease tags: the datagram is
// ignored. Frames inside are whole; nothing is buffered across datagrams.
#pragma once

#include <cstdint>
#include <span>

#include "proto/message.h"

namespace stoq::proto {

enum class DatagramKind { kApplication, kMessage, kIgnored };

struct DecodedDatagram {
  DatagramKind kind = DatagramKind::kIgnored;
  uint64_t tag = 0;
  MessageHeader header;              // kMessage
  std::span<const uint8_t> payload;  // kApplication: after the tag; kMessage: DATA payload
};

// Errors (the peer's fault; close the connection with the code): kFrameEncoding (bad
// tag, truncated frame, frame after DATA), kFrameUnexpected (SHARD, control frames,
// datagram extension not enabled in `limits`), kLimitExceeded and the header frames' own
// decode errors. An empty datagram is kFrameEncoding.
Result<DecodedDatagram> decode_datagram(std::span<const uint8_t> datagram,
                                        const MessageLimits& limits);

}  // namespace stoq::proto
