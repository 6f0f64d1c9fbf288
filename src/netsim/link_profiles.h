// Named link profiles, one per STOQ network tier (SPEC.md "Live adaptation"), so a test
// can move a live path from "datacenter" to "home" with one command. Values are one-way
// (per direction): the round-trip time is twice the delay. They are plausible examples of
// each tier, not measurements; docs/netsim.md lists them.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "netsim/link_config.h"

namespace stoq::netsim {

// The profile's settings on top of a default LinkConfig, or nullopt for an unknown name.
// "none" is the default (unimpaired) configuration.
std::optional<LinkConfig> link_profile(std::string_view name);

// All profile names, for error messages and --help.
std::span<const std::string_view> link_profile_names() noexcept;

}  // namespace stoq::netsim
