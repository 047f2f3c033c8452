// SetupError: what the simulated hosts' setup functions (opening a database, seeding it, reading key files)
// return in a Result: a message that says what failed and where (a file, a field, SQLite's text). The
// request path never uses it: a host answers every message with a frame.
#pragma once

#include <string>

#include "sscard/core/result.h"

namespace sscard::sim::host {

struct SetupError {
  std::string message;
};

}  // namespace sscard::sim::host
