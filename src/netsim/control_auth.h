// Who may use the relay's control socket. The socket can change every impairment and
// answers with more bytes than it receives, so (docs/netsim.md, "Control protocol"):
//  - it binds only a loopback address or a Unix path unless remote binding is asked for;
//  - every request starts with a shared secret; a request without the right secret gets
//    no reply at all (nothing to amplify, nothing to learn) and changes nothing.
// The secret is 16 to 256 printable ASCII characters without spaces.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "netsim/address.h"
#include "netsim/result.h"

namespace stoq::netsim {

inline constexpr std::size_t kMinControlSecretBytes = 16;
inline constexpr std::size_t kMaxControlSecretBytes = 256;

// Errc::kInvalidConfig if `secret` is too short, too long or has a blank or control byte.
Status check_control_secret(std::string_view secret);

// 32 hex digits (128 bits) from the kernel's random generator. Errc::kSocketError (naming
// getrandom) if the kernel gives none.
Expected<std::string> generate_control_secret();

// The secret in `path`: one line, surrounding blanks ignored. The file must be a regular
// file that neither group nor others may read or write. A missing file is created (mode
// 0600, never through a symlink) holding a new secret; `created` reports that.
// Errc::kInvalidConfig naming the path and what is wrong.
Expected<std::string> load_or_create_control_secret(const std::string& path, bool* created);

// Splits a datagram "SECRET REQUEST" and compares SECRET with `secret` in time that does
// not depend on where they differ. Returns REQUEST, or nullopt when the secret is missing
// or wrong.
std::optional<std::string_view> authenticate_control_request(std::string_view datagram,
                                                             std::string_view secret) noexcept;

// Binding rule: a Unix path or a loopback address, or anything when `allow_remote`.
// Errc::kInvalidAddress naming the address and the override otherwise.
Status check_control_binding(const SocketAddress& address, bool allow_remote);

}  // namespace stoq::netsim
