// Bounded byte cursor and appender used by every STOQ frame codec.
//
// ByteReader never reads past the span it was given: every accessor returns false (and
// leaves the cursor unspecified) when the input is too short, so decoders turn truncation
// into a frame_encoding error instead of an out-of-bounds read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "proto/varint.h"

namespace stoq::proto {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  [[nodiscard]] size_t remaining() const { return data_.size() - pos_; }
  [[nodiscard]] bool empty() const { return pos_ == data_.size(); }
  [[nodiscard]] size_t position() const { return pos_; }

  [[nodiscard]] bool varint(uint64_t& value) {
    size_t n = decode_varint(data_.subspan(pos_), value);
    pos_ += n;
    return n != 0;
  }
  [[nodiscard]] bool u8(uint8_t& value) {
    if (remaining() < 1) return false;
    value = data_[pos_++];
    return true;
  }
  // Big-endian (network order), as everywhere in QUIC.
  [[nodiscard]] bool u64(uint64_t& value) {
    if (remaining() < 8) return false;
    value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | data_[pos_++];
    return true;
  }
  [[nodiscard]] bool u16(uint16_t& value) {
    if (remaining() < 2) return false;
    value = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  [[nodiscard]] bool bytes(size_t n, std::span<const uint8_t>& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  template <size_t N>
  [[nodiscard]] bool array(std::array<uint8_t, N>& out) {
    if (remaining() < N) return false;
    for (size_t i = 0; i < N; ++i) out[i] = data_[pos_ + i];
    pos_ += N;
    return true;
  }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  // Precondition: value <= kVarintMax (callers validate before encoding).
  void varint(uint64_t value) { append_varint(out_, value); }
  void u8(uint8_t value) { out_.push_back(value); }
  void u16(uint16_t value) {
    out_.push_back(static_cast<uint8_t>(value >> 8));
    out_.push_back(static_cast<uint8_t>(value));
  }
  void u64(uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8)
      out_.push_back(static_cast<uint8_t>(value >> shift));
  }
  void bytes(std::span<const uint8_t> data) {
    if (data.empty()) return;
    const size_t old = out_.size();
    out_.resize(old + data.size());
    std::memcpy(out_.data() + old, data.data(), data.size());
  }

 private:
  std::vector<uint8_t>& out_;
};

}  // namespace stoq::proto
