// Printing a transfer's result (text or JSON).
#pragma once

#include "transfer.h"

namespace stoq::cli {

void print_report(const TransferReport& r, bool json, const char* title);

}  // namespace stoq::cli
