// sscard: the kiosk program's command-line front end.
#include <iostream>
#include <string_view>
#include <vector>

#include "sscard/app/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return sscard::app::run_cli(args, std::cout, std::cerr);
}
