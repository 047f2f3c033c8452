// The scenarios the tearing harness cuts: between them, every command that changes the simulated card's
// memory, in both applications, for a 3DES (generation 2) and an SM4 (generation 3) card:
//   social security  VERIFY (wrong and right), CHANGE PIN, PIN RELOAD, PIN UNBLOCK, UPDATE RECORD after
//                    EXTERNAL AUTHENTICATE and with a MAC (84 DC), APPLICATION BLOCK (temporary and permanent)
//                    and UNBLOCK, UPDATE BINARY of a file that spans many pages;
//   payment          GET PROCESSING OPTIONS (the ATC), offline PIN VERIFY, both GENERATE ACs (the log),
//                    EXTERNAL AUTHENTICATE, issuer scripts (PUT DATA, UPDATE RECORD, APPLICATION BLOCK, PIN
//                    CHANGE), an e-cash load (its script, the load log) and an offline tap (the debit, its
//                    log) with the undo of a torn tap at the next SELECT.
#pragma once

#include <vector>

#include "tearing_harness.h"

namespace sscard::sim::tearing {

std::vector<Scenario> all_scenarios();

}  // namespace sscard::sim::tearing
