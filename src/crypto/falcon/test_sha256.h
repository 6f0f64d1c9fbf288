// Small SHA-256 (FIPS 180-4) for hashing regenerated KAT files in tests.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace stoq::falcon::test {

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::string to_hex(const std::uint8_t* p, std::size_t len, bool upper);

}  // namespace stoq::falcon::test
