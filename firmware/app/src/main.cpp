// sscard: the kiosk terminal's command-line program.
#include <iostream>

#include "sscard/app/terminal_commands.h"

int main(int argc, char** argv) { return sscard::app::run_terminal(argc, argv, std::cout, std::cerr); }
