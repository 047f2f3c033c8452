// Application selection ([6] 7.2, [5] 6.4; PAYMENT.md §8.2 step 1): the PSE directory, else the terminal's
// AID list; candidates by priority; a blocked application (62 83) is never chosen.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/status_word.h"
#include "sscard/pboc/terminal.h"
#include "sscard/transport/transport.h"

namespace sscard::pboc {

struct Candidate {
  Bytes aid;
  std::string label;         // 50, ASCII
  std::uint8_t priority = 0;  // 87 low nibble; 0 = none (chosen last)
};

// The selected application: its AID, label and its FCI's proprietary template data.
struct SelectedApplication {
  Bytes aid;
  std::string label;
  Bytes pdol;  // 9F38, empty when absent
  Bytes fci;   // the whole FCI (6F ...)
};

enum class SelectionFailure : std::uint8_t {
  kNoApplication,       // nothing matched
  kApplicationBlocked,  // only blocked applications matched (62 83)
  kCardCommunication,   // the transport failed: `status`
  kCardBlocked,         // SELECT PSE answered 6A 81
};

struct SelectionError {
  SelectionFailure failure = SelectionFailure::kNoApplication;
  Status status{};
  StatusWord last_sw{};
};

// The candidate list: PSE first (directory SFI records until 6A 83), or the AID list when the PSE is absent
// or broken. Sorted by priority.
Result<std::vector<Candidate>, SelectionError> build_candidate_list(transport::Transport& card,
                                                                    const TerminalConfig& terminal,
                                                                    bool& blocked_seen);

// An ADF's FCI (6F { 84, A5 { 50, 87, 9F38, ... } }): DF name as `aid`, label, PDOL, the FCI itself.
// kMalformed for broken TLV or a missing 84 / A5.
Result<SelectedApplication> parse_application_fci(ByteSpan fci);

// Whether the terminal's AID list accepts `card_aid` (exact, or partial where allowed).
bool terminal_accepts_aid(const TerminalConfig& terminal, ByteSpan card_aid);

// Selects the first of `candidates` (already in priority order) that answers 90 00 with a consistent FCI; a
// blocked one (62 83) is skipped and reported through `blocked_seen`.
Result<SelectedApplication, SelectionError> select_first_candidate(transport::Transport& card,
                                                                   const std::vector<Candidate>& candidates,
                                                                   bool& blocked_seen);

// Builds the list and selects the first candidate that answers 90 00 with a consistent FCI.
Result<SelectedApplication, SelectionError> select_application(transport::Transport& card,
                                                               const TerminalConfig& terminal);

}  // namespace sscard::pboc
