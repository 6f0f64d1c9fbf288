#include "crypto/falcon/bigint.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace stoq::falcon::detail {

using u128 = unsigned __int128;

BigInt::BigInt(std::int64_t v) {
  if (v != 0) {
    neg_ = v < 0;
    mag_.push_back(neg_ ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v));
  }
}

BigInt::~BigInt() {
  volatile std::uint64_t* p = mag_.data();
  for (std::size_t i = 0; i < mag_.size(); ++i) p[i] = 0;
}

void BigInt::trim() {
  while (!mag_.empty() && mag_.back() == 0) mag_.pop_back();
  if (mag_.empty()) neg_ = false;
}

std::size_t BigInt::bit_length() const {
  if (mag_.empty()) return 0;
  return 64 * (mag_.size() - 1) + (64 - static_cast<std::size_t>(std::countl_zero(mag_.back())));
}

double BigInt::scaled_to_double(int shift) const {
  if (mag_.empty()) return 0.0;
  const std::size_t len = bit_length();
  double v;
  int exp;
  if (len <= 64) {
    v = static_cast<double>(mag_[0]);
    exp = -shift;
  } else {
    // Top 64 bits of |x|.
    const std::size_t drop = len - 64;
    const std::size_t limb = drop / 64;
    const unsigned bit = static_cast<unsigned>(drop % 64);
    std::uint64_t top = mag_[limb] >> bit;
    if (bit != 0 && limb + 1 < mag_.size()) top |= mag_[limb + 1] << (64 - bit);
    v = static_cast<double>(top);
    exp = static_cast<int>(drop) - shift;
  }
  v = std::ldexp(v, exp);
  return neg_ ? -v : v;
}

bool BigInt::fits_int64() const {
  if (mag_.empty()) return true;
  if (mag_.size() > 1) return false;
  return neg_ ? mag_[0] <= (std::uint64_t{1} << 63) : mag_[0] < (std::uint64_t{1} << 63);
}

std::int64_t BigInt::to_int64() const {
  if (mag_.empty()) return 0;
  return neg_ ? static_cast<std::int64_t>(0 - mag_[0]) : static_cast<std::int64_t>(mag_[0]);
}

BigInt BigInt::operator-() const {
  BigInt r = *this;
  if (!r.mag_.empty()) r.neg_ = !r.neg_;
  return r;
}

int BigInt::compare_mag(const Limbs& a, const Limbs& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

void BigInt::add_mag(Limbs& a, const Limbs& b) {
  if (a.size() < b.size()) a.resize(b.size(), 0);
  std::uint64_t carry = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const u128 s = static_cast<u128>(a[i]) + (i < b.size() ? b[i] : 0) + carry;
    a[i] = static_cast<std::uint64_t>(s);
    carry = static_cast<std::uint64_t>(s >> 64);
    if (carry == 0 && i >= b.size()) break;
  }
  if (carry != 0) a.push_back(carry);
}

void BigInt::sub_mag(Limbs& a, const Limbs& b) {
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::uint64_t bi = i < b.size() ? b[i] : 0;
    const u128 d = static_cast<u128>(a[i]) - bi - borrow;
    a[i] = static_cast<std::uint64_t>(d);
    borrow = static_cast<std::uint64_t>(d >> 64) & 1;
    if (borrow == 0 && i >= b.size()) break;
  }
}

void BigInt::add_signed(const BigInt& b, bool negate_b) {
  if (b.mag_.empty()) return;
  const bool bneg = b.neg_ != negate_b;
  if (mag_.empty()) {
    mag_ = b.mag_;
    neg_ = bneg;
    return;
  }
  if (neg_ == bneg) {
    add_mag(mag_, b.mag_);
  } else if (compare_mag(mag_, b.mag_) >= 0) {
    sub_mag(mag_, b.mag_);
  } else {
    Limbs t = b.mag_;
    sub_mag(t, mag_);
    mag_.swap(t);
    neg_ = bneg;
  }
  trim();
}

BigInt& BigInt::operator+=(const BigInt& b) {
  add_signed(b, false);
  return *this;
}

BigInt& BigInt::operator-=(const BigInt& b) {
  add_signed(b, true);
  return *this;
}

BigInt operator*(const BigInt& a, const BigInt& b) {
  BigInt r;
  if (a.mag_.empty() || b.mag_.empty()) return r;
  r.mag_.assign(a.mag_.size() + b.mag_.size(), 0);
  for (std::size_t i = 0; i < a.mag_.size(); ++i) {
    std::uint64_t carry = 0;
    for (std::size_t j = 0; j < b.mag_.size(); ++j) {
      const u128 t = static_cast<u128>(a.mag_[i]) * b.mag_[j] + r.mag_[i + j] + carry;
      r.mag_[i + j] = static_cast<std::uint64_t>(t);
      carry = static_cast<std::uint64_t>(t >> 64);
    }
    r.mag_[i + b.mag_.size()] = carry;
  }
  r.neg_ = a.neg_ != b.neg_;
  r.trim();
  return r;
}

void BigInt::assign_shifted_left(const BigInt& b, unsigned bits) {
  mag_.clear();
  neg_ = false;
  if (b.mag_.empty()) return;
  const std::size_t limbs = bits / 64;
  const unsigned rem = bits % 64;
  mag_.assign(b.mag_.size() + limbs + 1, 0);
  for (std::size_t i = 0; i < b.mag_.size(); ++i) {
    mag_[i + limbs] |= b.mag_[i] << rem;
    if (rem != 0) mag_[i + limbs + 1] |= b.mag_[i] >> (64 - rem);
  }
  neg_ = b.neg_;
  trim();
}

BigInt BigInt::shifted_left(unsigned bits) const {
  BigInt r;
  r.assign_shifted_left(*this, bits);
  return r;
}

void BigInt::sub_shifted(const BigInt& b, unsigned bits) {
  thread_local BigInt scratch;
  scratch.assign_shifted_left(b, bits);
  add_signed(scratch, true);
}

int BigInt::compare(const BigInt& a, const BigInt& b) {
  if (a.neg_ != b.neg_) return a.neg_ ? -1 : 1;
  const int m = compare_mag(a.mag_, b.mag_);
  return a.neg_ ? -m : m;
}

void BigInt::mul_small_add(std::uint32_t m, std::uint32_t a) {
  std::uint64_t carry = a;
  for (auto& limb : mag_) {
    const u128 t = static_cast<u128>(limb) * m + carry;
    limb = static_cast<std::uint64_t>(t);
    carry = static_cast<std::uint64_t>(t >> 64);
  }
  if (carry != 0) mag_.push_back(carry);
  trim();
}

BigInt BigInt::shifted_right_floor(unsigned bits) const {
  BigInt r;
  shifted_right_floor_into(r, bits);
  return r;
}

void BigInt::shifted_right_floor_into(BigInt& r, unsigned bits) const {
  r.mag_.clear();
  r.neg_ = false;
  const std::size_t limbs = bits / 64;
  const unsigned rem = bits % 64;
  bool lost = false;  // any non-zero bit shifted out
  for (std::size_t i = 0; i < std::min(limbs, mag_.size()); ++i) lost = lost || mag_[i] != 0;
  if (limbs < mag_.size()) {
    if (rem != 0) lost = lost || (mag_[limbs] & ((std::uint64_t{1} << rem) - 1)) != 0;
    r.mag_.resize(mag_.size() - limbs);
    for (std::size_t i = limbs; i < mag_.size(); ++i) {
      std::uint64_t w = mag_[i] >> rem;
      if (rem != 0 && i + 1 < mag_.size()) w |= mag_[i + 1] << (64 - rem);
      r.mag_[i - limbs] = w;
    }
  }
  r.neg_ = neg_;
  r.trim();
  if (neg_ && lost) {  // floor toward -infinity: |r| + 1
    if (r.mag_.empty()) {
      r.mag_.push_back(1);
      r.neg_ = true;
    } else {
      std::size_t i = 0;
      while (i < r.mag_.size() && ++r.mag_[i] == 0) ++i;
      if (i == r.mag_.size()) r.mag_.push_back(1);
    }
  }
  if (r.mag_.empty()) r.neg_ = false;
}

std::uint32_t BigInt::magnitude_bits(std::size_t pos, unsigned count) const {
  std::uint64_t v = 0;
  const std::size_t limb = pos / 64;
  const unsigned bit = static_cast<unsigned>(pos % 64);
  if (limb < mag_.size()) {
    v = mag_[limb] >> bit;
    if (bit != 0 && limb + 1 < mag_.size()) v |= mag_[limb + 1] << (64 - bit);
  }
  return static_cast<std::uint32_t>(v & ((std::uint64_t{1} << count) - 1));
}

bool BigInt::fits_twos_complement(std::size_t bits) const {
  if (mag_.empty()) return true;
  const std::size_t len = bit_length();
  if (len < bits) return true;
  if (!neg_ || len > bits) return false;
  // |x| has exactly `bits` bits: fits only when x = -2^(bits-1)... (len == bits means
  // |x| >= 2^(bits-1)); accept exactly -2^(bits-1).
  BigInt p = BigInt(1).shifted_left(static_cast<unsigned>(bits - 1));
  return compare_mag(mag_, p.mag_) == 0;
}

void BigInt::divmod(const BigInt& a, const BigInt& b, BigInt& quot, BigInt& rem) {
  // Shift-and-subtract long division: one step per quotient bit, which is cheap for the
  // extended Euclid it serves (quotients are short on average).
  quot = BigInt();
  rem = a;
  rem.neg_ = false;
  const std::size_t lb = b.bit_length();
  if (rem.bit_length() < lb) return;
  std::size_t shift = rem.bit_length() - lb;
  BigInt bs = b.shifted_left(static_cast<unsigned>(shift));
  bs.neg_ = false;
  quot.mag_.assign(shift / 64 + 1, 0);
  for (;;) {
    if (compare_mag(rem.mag_, bs.mag_) >= 0) {
      sub_mag(rem.mag_, bs.mag_);
      rem.trim();
      quot.mag_[shift / 64] |= std::uint64_t{1} << (shift % 64);
    }
    if (shift == 0) break;
    --shift;
    // bs >>= 1
    for (std::size_t i = 0; i < bs.mag_.size(); ++i) {
      bs.mag_[i] = (bs.mag_[i] >> 1) | (i + 1 < bs.mag_.size() ? bs.mag_[i + 1] << 63 : 0);
    }
    bs.trim();
  }
  quot.trim();
}

}  // namespace stoq::falcon::detail
