#include "provider/der.h"

namespace stoq::provider::der {
namespace {

constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kBitString = 0x03;
constexpr std::uint8_t kOctetString = 0x04;
constexpr std::uint8_t kOid = 0x06;
constexpr std::uint8_t kSequence = 0x30;

// Reads one TLV with the expected tag from the front of `in`; advances `in`.
bool read_tlv(std::span<const std::uint8_t>& in, std::uint8_t tag,
              std::span<const std::uint8_t>& content, std::string& why) {
  if (in.size() < 2) {
    why = "truncated";
    return false;
  }
  if (in[0] != tag) {
    why = "unexpected tag";
    return false;
  }
  std::size_t len = in[1];
  std::size_t header = 2;
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    // Lengths above 2^24 never occur in keys; 0x80 (indefinite) is not DER.
    if (n == 0 || n > 3) {
      why = "unsupported length encoding";
      return false;
    }
    if (in.size() < 2 + n) {
      why = "truncated";
      return false;
    }
    if (in[2] == 0) {
      why = "non-minimal length";
      return false;
    }
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
    if (len < 0x80) {
      why = "non-minimal length";
      return false;
    }
    header += n;
  }
  if (in.size() - header < len) {
    why = "truncated";
    return false;
  }
  content = in.subspan(header, len);
  in = in.subspan(header + len);
  return true;
}

bool read_algorithm_id(std::span<const std::uint8_t>& in, std::span<const std::uint8_t>& oid,
                       std::string& why) {
  std::span<const std::uint8_t> alg;
  if (!read_tlv(in, kSequence, alg, why)) return false;
  if (!read_tlv(alg, kOid, oid, why)) return false;
  if (oid.empty()) {
    why = "empty OID";
    return false;
  }
  if (!alg.empty()) {
    why = "AlgorithmIdentifier has parameters";
    return false;
  }
  return true;
}

void put_length(std::vector<std::uint8_t>& out, std::size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<std::uint8_t>(len));
    return;
  }
  std::uint8_t bytes[sizeof(std::size_t)];
  std::size_t n = 0;
  for (std::size_t v = len; v != 0; v >>= 8) bytes[n++] = static_cast<std::uint8_t>(v & 0xff);
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  while (n > 0) out.push_back(bytes[--n]);
}

void put_tlv(std::vector<std::uint8_t>& out, std::uint8_t tag,
             std::span<const std::uint8_t> content) {
  out.push_back(tag);
  put_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
}

}  // namespace

std::optional<KeyContainer> decode_spki(std::span<const std::uint8_t> in, std::string& why) {
  std::span<const std::uint8_t> seq;
  if (!read_tlv(in, kSequence, seq, why)) return std::nullopt;
  if (!in.empty()) {
    why = "trailing bytes after SubjectPublicKeyInfo";
    return std::nullopt;
  }
  KeyContainer out;
  if (!read_algorithm_id(seq, out.oid, why)) return std::nullopt;
  std::span<const std::uint8_t> bits;
  if (!read_tlv(seq, kBitString, bits, why)) return std::nullopt;
  if (!seq.empty()) {
    why = "trailing fields in SubjectPublicKeyInfo";
    return std::nullopt;
  }
  if (bits.empty() || bits[0] != 0) {
    why = "public key BIT STRING with unused bits";
    return std::nullopt;
  }
  out.key = bits.subspan(1);
  return out;
}

std::optional<KeyContainer> decode_pkcs8(std::span<const std::uint8_t> in, std::string& why) {
  std::span<const std::uint8_t> seq;
  if (!read_tlv(in, kSequence, seq, why)) return std::nullopt;
  if (!in.empty()) {
    why = "trailing bytes after PrivateKeyInfo";
    return std::nullopt;
  }
  std::span<const std::uint8_t> version;
  if (!read_tlv(seq, kInteger, version, why)) return std::nullopt;
  if (version.size() != 1 || version[0] != 0) {
    why = "PrivateKeyInfo version is not 0";
    return std::nullopt;
  }
  KeyContainer out;
  if (!read_algorithm_id(seq, out.oid, why)) return std::nullopt;
  if (!read_tlv(seq, kOctetString, out.key, why)) return std::nullopt;
  if (!seq.empty()) {
    why = "PrivateKeyInfo attributes or public key are not supported";
    return std::nullopt;
  }
  return out;
}

std::optional<std::span<const std::uint8_t>> decode_octet_string(std::span<const std::uint8_t> in,
                                                                 std::string& why) {
  std::span<const std::uint8_t> content;
  if (!read_tlv(in, kOctetString, content, why)) return std::nullopt;
  if (!in.empty()) {
    why = "trailing bytes after OCTET STRING";
    return std::nullopt;
  }
  return content;
}

std::vector<std::uint8_t> encode_algorithm_id(std::span<const std::uint8_t> oid) {
  std::vector<std::uint8_t> inner;
  put_tlv(inner, kOid, oid);
  std::vector<std::uint8_t> out;
  put_tlv(out, kSequence, inner);
  return out;
}

std::vector<std::uint8_t> encode_spki(std::span<const std::uint8_t> oid,
                                      std::span<const std::uint8_t> key) {
  std::vector<std::uint8_t> inner = encode_algorithm_id(oid);
  std::vector<std::uint8_t> bits;
  bits.reserve(key.size() + 1);
  bits.push_back(0);
  bits.insert(bits.end(), key.begin(), key.end());
  put_tlv(inner, kBitString, bits);
  std::vector<std::uint8_t> out;
  put_tlv(out, kSequence, inner);
  return out;
}

std::vector<std::uint8_t> encode_pkcs8(std::span<const std::uint8_t> oid,
                                       std::span<const std::uint8_t> private_key) {
  // Reserved up front so the secret bytes are never left behind by a reallocation; the
  // caller wipes the result.
  const std::uint8_t zero = 0;
  std::vector<std::uint8_t> inner;
  inner.reserve(private_key.size() + 32);
  put_tlv(inner, kInteger, std::span(&zero, 1));
  const auto alg = encode_algorithm_id(oid);
  inner.insert(inner.end(), alg.begin(), alg.end());
  put_tlv(inner, kOctetString, private_key);
  std::vector<std::uint8_t> out;
  out.reserve(inner.size() + 8);
  put_tlv(out, kSequence, inner);
  return out;
}

std::vector<std::uint8_t> encode_octet_string(std::span<const std::uint8_t> content) {
  std::vector<std::uint8_t> out;
  out.reserve(content.size() + 8);
  put_tlv(out, kOctetString, content);
  return out;
}

}  // namespace stoq::provider::der
