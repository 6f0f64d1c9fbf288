// Umbrella header for the sans-IO impairment model: LinkConfig, its parsers, Link.
#pragma once

#include "netsim/config_parser.h"  // IWYU pragma: export
#include "netsim/link.h"           // IWYU pragma: export
#include "netsim/link_config.h"    // IWYU pragma: export
#include "netsim/link_counters.h"  // IWYU pragma: export
#include "netsim/link_profiles.h"  // IWYU pragma: export
#include "netsim/result.h"         // IWYU pragma: export
#include "netsim/time.h"           // IWYU pragma: export
