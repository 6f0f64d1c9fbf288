// libFuzzer target for the netsim text parsers: link configurations (compact and JSON),
// control datagrams (secret check, then the command) and socket addresses. Built only with
// STOQ_BUILD_FUZZ (clang).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "netsim/address.h"
#include "netsim/config_parser.h"
#include "netsim/control_auth.h"
#include "netsim/control_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stoq::netsim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto config = parse_link_config_text(text)) {
    // Whatever parses must print in a form that parses again.
    if (!parse_link_config(format_link_config(*config))) std::abort();
    if (!parse_link_config_json(link_config_to_json(*config))) std::abort();
    if (!validate_link_config(*config)) std::abort();  // the parsers enforce every bound
  }
  (void)parse_control_command(text);
  if (auto request = authenticate_control_request(text, "fuzz-control-secret")) {
    (void)parse_control_command(*request);
  }
  if (auto address = parse_address(text)) (void)address->to_string();
  return 0;
}
