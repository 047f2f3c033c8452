// Value checks the command lines of sscard and sscard-sim share, as CLI11 validators (so a bad value is a
// command-line error, exit code 2, naming the option).
#pragma once

#include <cstddef>

#include <CLI/CLI.hpp>

namespace sscard::app {

// HOST:PORT with a decimal port.
CLI::Validator host_port_validator();
// A file (folder) that exists; the help shows the option's own type name only.
CLI::Validator existing_file();
CLI::Validator existing_folder();
// Exactly `count` decimal digits (terminal numbers, region codes).
CLI::Validator digits_validator(std::size_t count);

}  // namespace sscard::app
