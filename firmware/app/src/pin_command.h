#pragma once

#include <ostream>
#include <string_view>

#include "sscard/app/args.h"

namespace sscard::app {

// `sscard pin ACTION ...`; returns the exit code.
int run_pin(const Args& args, std::string_view action, std::ostream& out, std::ostream& err);

}  // namespace sscard::app
