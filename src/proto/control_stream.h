// The control stream (unidirectional, stream type 0x53): one per endpoint per connection,
// opened first, never closed while the connection lives.
//
// Sending: write control_stream_preface() to a new unidirectional stream right after the
// handshake, then any FALCON_KEY frames (FalconKeyFrame::encode).
//
// Receiving: ControlStream is fed the bytes of the peer's control stream after the stream
// type varint. Its first frame must be SETTINGS; SETTINGS appears once; FALCON_KEY may
// follow (at most kMaxAnnouncedKeys, only if the signature extension is enabled); unknown
// and grease frames are skipped; message header frames and DATA are frame_unexpected.
// Any violation must close the connection with the returned code and reason.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "core/fifo.h"
#include "proto/falcon_key.h"
#include "proto/frame_decoder.h"
#include "proto/settings.h"

namespace stoq::proto {

// Stream type + SETTINGS (+ grease setting and a grease frame when grease_random != 0).
// Precondition: local.validate() passed.
std::vector<uint8_t> control_stream_preface(const Settings& local, uint64_t grease_random = 0);

// Contents for an occasional grease unidirectional stream: a reserved stream type followed
// by 0..15 arbitrary bytes; write them, then end the stream. Receivers ignore such streams.
std::vector<uint8_t> grease_stream(uint64_t random);

struct PeerSettingsEvent {
  Settings settings;
};
struct PeerKeyEvent {
  FalconKeyFrame key;
};
using ControlEvent = std::variant<PeerSettingsEvent, PeerKeyEvent>;

class ControlStream {
 public:
  // `local`: the settings we announced (bounds frame sizes and enables FALCON_KEY);
  // `sha256` checks the key ids of raw FALCON_KEY frames.
  ControlStream(const Settings& local, Sha256Algorithm sha256);

  // Feeds bytes that follow the stream type. Errors (sticky): kSettingsError (first frame
  // not SETTINGS, bad value, second SETTINGS), kFrameUnexpected, kFrameEncoding,
  // kLimitExceeded (too many keys, frame too long) and frame decode errors.
  [[nodiscard]] Status on_data(std::span<const uint8_t> bytes);
  // The peer ended or reset its control stream: always kClosedCriticalStream.
  [[nodiscard]] Status on_closed();

  // Events in arrival order; at most 1 + kMaxAnnouncedKeys are ever queued.
  std::optional<ControlEvent> poll_event();

  const std::optional<Settings>& peer_settings() const { return peer_settings_; }
  uint64_t skipped_frames() const { return decoder_.skipped_frames(); }

 private:
  Status fail(Violation v);

  Settings local_;
  Sha256Algorithm sha256_;
  FrameDecoder decoder_;
  std::optional<Settings> peer_settings_;
  size_t keys_ = 0;
  Fifo<ControlEvent> events_;
  std::optional<Violation> error_;
};

// Reads the stream type varint at the start of a peer-initiated unidirectional stream.
// Feed bytes until type() is set; `input` is advanced past the type bytes consumed.
class StreamTypeReader {
 public:
  // Errors: kFrameEncoding for a non-minimal type encoding.
  Status feed(std::span<const uint8_t>& input);
  const std::optional<uint64_t>& type() const { return type_; }

 private:
  uint8_t buf_[8] = {};
  size_t len_ = 0;
  std::optional<uint64_t> type_;
};

}  // namespace stoq::proto
