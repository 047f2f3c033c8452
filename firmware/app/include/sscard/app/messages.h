// Human messages for the errors a kiosk flow can meet.
#pragma once

#include <string>

#include "sscard/core/status.h"

namespace sscard::app {

// What went wrong during an identity read, in words a kiosk operator understands.
std::string read_failure_message(Status status);

}  // namespace sscard::app
