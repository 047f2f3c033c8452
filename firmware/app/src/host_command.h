// sscard host|hub: a simulated issuer host or the Chuan-Yu hub as a real process on TCP. Simulator builds only.
#pragma once

#include <ostream>

#include "sscard/app/args.h"

namespace sscard::app {

int run_host(const Args& args, std::ostream& out, std::ostream& err);
int run_hub(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace sscard::app
