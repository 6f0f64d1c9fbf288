// Signed arbitrary-precision integers for the NTRU equation solver (key generation only).
//
// Sign-magnitude with 64-bit limbs. Simple schoolbook algorithms: the solver's numbers
// stay below ~6,500 bits, and only its deepest level (a single pair of integers) needs
// division. Limbs are wiped on destruction since they derive from the private key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace stoq::falcon::detail {

class BigInt {
 public:
  BigInt() = default;
  explicit BigInt(std::int64_t v);
  BigInt(const BigInt&) = default;
  BigInt(BigInt&&) noexcept = default;
  BigInt& operator=(const BigInt&) = default;
  BigInt& operator=(BigInt&&) noexcept = default;
  ~BigInt();

  bool is_zero() const { return mag_.empty(); }
  bool is_negative() const { return neg_; }
  // Number of bits of |x| (0 for zero).
  std::size_t bit_length() const;
  // x / 2^shift rounded to a double (approximately; used for Babai estimates).
  double scaled_to_double(int shift) const;
  bool fits_int64() const;
  std::int64_t to_int64() const;  // requires fits_int64()

  BigInt operator-() const;
  BigInt& operator+=(const BigInt& b);
  BigInt& operator-=(const BigInt& b);
  friend BigInt operator+(BigInt a, const BigInt& b) { return a += b; }
  friend BigInt operator-(BigInt a, const BigInt& b) { return a -= b; }
  friend BigInt operator*(const BigInt& a, const BigInt& b);
  BigInt shifted_left(unsigned bits) const;
  // this -= b * 2^bits, without allocating when capacity allows (uses a per-thread scratch).
  void sub_shifted(const BigInt& b, unsigned bits);
  // floor(x / 2^bits).
  BigInt shifted_right_floor(unsigned bits) const;
  // Same into `out`, reusing its storage.
  void shifted_right_floor_into(BigInt& out, unsigned bits) const;
  // Bits [pos, pos + count) of |x| (count <= 32).
  std::uint32_t magnitude_bits(std::size_t pos, unsigned count) const;
  // True when -2^(bits-1) <= x < 2^(bits-1).
  bool fits_twos_complement(std::size_t bits) const;

  // Signed comparison: negative, zero or positive as a < b, a == b, a > b.
  static int compare(const BigInt& a, const BigInt& b);
  void reserve_limbs(std::size_t limbs) { mag_.reserve(limbs); }
  // x = x * m + a, for x >= 0.
  void mul_small_add(std::uint32_t m, std::uint32_t a);
  // Little-endian limbs of |x|.
  const std::vector<std::uint64_t>& magnitude() const { return mag_; }

  // Truncating division of non-negative a by positive b.
  static void divmod(const BigInt& a, const BigInt& b, BigInt& quot, BigInt& rem);

  friend bool operator==(const BigInt& a, const BigInt& b) {
    return a.neg_ == b.neg_ && a.mag_ == b.mag_;
  }

 private:
  using Limbs = std::vector<std::uint64_t>;
  static int compare_mag(const Limbs& a, const Limbs& b);
  static void add_mag(Limbs& a, const Limbs& b);
  static void sub_mag(Limbs& a, const Limbs& b);  // requires |a| >= |b|
  void add_signed(const BigInt& b, bool negate_b);
  void assign_shifted_left(const BigInt& b, unsigned bits);
  void trim();

  bool neg_ = false;
  Limbs mag_;  // little-endian, no high zero limbs
};

}  // namespace stoq::falcon::detail
