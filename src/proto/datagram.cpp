#include "proto/datagram.h"

#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"
#include "proto/message_reader.h"

namespace stoq::proto {

Result<DecodedDatagram> decode_datagram(std::span<const uint8_t> datagram,
                                        const MessageLimits& limits) {
  DecodedDatagram d;
  ByteReader r(datagram);
  if (!r.varint(d.tag)) return violation(Error::kFrameEncoding, "datagram without a tag");
  if (!is_minimal_varint(d.tag, r.position()))
    return violation(Error::kFrameEncoding, "datagram tag not minimally encoded");
  if (d.tag == static_cast<uint64_t>(DatagramTag::kApplication)) {
    d.kind = DatagramKind::kApplication;
    d.payload = r.rest();
    return d;
  }
  if (d.tag != static_cast<uint64_t>(DatagramTag::kMessage)) return d;  // ignored
  if (!(limits.extensions & kExtDatagram))
    return violation(Error::kFrameUnexpected, "message datagram but datagram extension disabled");
  d.kind = DatagramKind::kMessage;
  HeaderParser parser;
  bool have_data = false;
  while (!r.empty()) {
    auto f = read_frame(r, limits.max_frame_size);
    if (!f) return f.error();
    if (have_data) return violation(Error::kFrameEncoding, "frame after DATA in a datagram");
    if (f.value().type == to_wire(FrameType::kData)) {
      if (f.value().payload.size() > limits.max_message_size)
        return violation(Error::kLimitExceeded, "datagram message above max_message_size");
      d.payload = f.value().payload;
      have_data = true;
      continue;
    }
    if (f.value().type == to_wire(FrameType::kShard))
      return violation(Error::kFrameUnexpected, "SHARD not allowed in a datagram");
    if (auto s = parser.add(f.value().type, f.value().payload); !s) return s.error();
  }
  if (auto s = validate_header(parser.header(), limits); !s) return s.error();
  d.header = std::move(parser.header());
  return d;
}

}  // namespace stoq::proto
