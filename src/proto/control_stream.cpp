#include "proto/control_stream.h"

#include <algorithm>
#include <string>
#include <utility>

#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {

std::vector<uint8_t> control_stream_preface(const Settings& local, uint64_t grease_random) {
  std::vector<uint8_t> out;
  append_varint(out, static_cast<uint64_t>(StreamType::kControl));
  local.encode(out, grease_random);
  if (grease_random != 0) append_grease_frame(out, grease_random * 0x9e3779b97f4a7c15ull);
  return out;
}

std::vector<uint8_t> grease_stream(uint64_t random) {
  std::vector<uint8_t> out;
  append_varint(out, grease_value(random));
  const size_t len = (random >> 8) & 0x0f;
  for (size_t i = 0; i < len; ++i) out.push_back(static_cast<uint8_t>(random >> (8 * (i % 8))));
  return out;
}

ControlStream::ControlStream(const Settings& local, Sha256Algorithm sha256)
    : local_(local), sha256_(std::move(sha256)), decoder_(local.max_frame_size) {}

Status ControlStream::fail(Violation v) {
  error_ = v;
  return v;
}

Status ControlStream::on_data(std::span<const uint8_t> bytes) {
  if (error_) return *error_;
  for (;;) {
    auto ev = decoder_.next(bytes);
    if (!ev) return fail(ev.error());
    const FrameEvent& e = ev.value();
    if (!peer_settings_ && decoder_.skipped_frames() != 0)
      return fail(violation(Error::kSettingsError, "first control frame is not SETTINGS"));
    if (e.kind == FrameEventKind::kNeedMore) return Ok{};
    const auto known = known_frame_type(e.type);
    if (!peer_settings_ && known != FrameType::kSettings)
      return fail(violation(
          Error::kSettingsError,
          "first control frame is " + std::string(frame_type_name(e.type)) + ", not SETTINGS"));
    if (e.kind != FrameEventKind::kFrame)  // DATA on the control stream
      return fail(violation(Error::kFrameUnexpected, "DATA on the control stream"));
    switch (*known) {
      case FrameType::kSettings: {
        if (peer_settings_) return fail(violation(Error::kSettingsError, "second SETTINGS frame"));
        auto s = Settings::decode(e.payload);
        if (!s) return fail(s.error());
        peer_settings_ = s.value();
        events_.push_back(PeerSettingsEvent{s.value()});
        break;
      }
      case FrameType::kFalconKey: {
        if (!(local_.extensions & kExtSignature))
          return fail(violation(Error::kFrameUnexpected, "FALCON_KEY but signatures disabled"));
        if (keys_ >= kMaxAnnouncedKeys)
          return fail(
              violation(Error::kLimitExceeded,
                        "more than " + std::to_string(kMaxAnnouncedKeys) + " FALCON_KEY frames"));
        auto k = FalconKeyFrame::decode(e.payload);
        if (!k) return fail(k.error());
        if (auto st = k.value().check_key_id(sha256_); !st) return fail(st.error());
        ++keys_;
        events_.push_back(PeerKeyEvent{std::move(k).value()});
        break;
      }
      default:
        return fail(violation(Error::kFrameUnexpected,
                              std::string(frame_type_name(e.type)) + " on the control stream"));
    }
  }
}

Status ControlStream::on_closed() {
  if (error_) return *error_;
  return fail(violation(Error::kClosedCriticalStream, "peer closed its control stream"));
}

std::optional<ControlEvent> ControlStream::poll_event() {
  if (events_.empty()) return std::nullopt;
  ControlEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

Status StreamTypeReader::feed(std::span<const uint8_t>& input) {
  if (type_ || input.empty()) return Ok{};
  const size_t need = varint_size_from_first_byte(len_ ? buf_[0] : input[0]);
  const size_t take = std::min(need - len_, input.size());
  std::copy_n(input.begin(), take, buf_ + len_);
  len_ += take;
  input = input.subspan(take);
  if (len_ < need) return Ok{};
  uint64_t t = 0;
  decode_varint(std::span<const uint8_t>(buf_, len_), t);
  if (!is_minimal_varint(t, len_))
    return violation(Error::kFrameEncoding, "stream type not minimally encoded");
  type_ = t;
  return Ok{};
}

}  // namespace stoq::proto
