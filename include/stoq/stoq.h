// Umbrella header for the STOQ public API.
#pragma once

#include "stoq/address.h"
#include "stoq/config.h"
#include "stoq/connection.h"
#include "stoq/connection_info.h"
#include "stoq/context.h"
#include "stoq/endpoint.h"
#include "stoq/error.h"
#include "stoq/falcon_signer.h"
#include "stoq/log.h"
#include "stoq/message.h"
#include "stoq/path_payload.h"
#include "stoq/session_cache.h"
#include "stoq/stream.h"
#include "stoq/version.h"
