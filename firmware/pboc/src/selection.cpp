#include "sscard/pboc/selection.h"

#include <algorithm>
#include <array>

#include "sscard/core/tlv.h"
#include "sscard/pboc/commands.h"

namespace sscard::pboc {
namespace {

constexpr std::uint8_t kDirectorySfiMax = 30;
constexpr std::uint8_t kMaxDirectoryRecords = 16;  // a bound on a card that never answers 6A 83

struct Fci {
  ByteSpan df_name;
  ByteSpan label;
  std::uint8_t priority = 0;
  ByteSpan pdol;
  std::uint8_t directory_sfi = 0;
};

// 6F { 84 name, A5 { 88 SFI | 50 label | 87 priority | 9F38 PDOL | BF0C ... } } ([5] B.13 tables B.26, B.27).
Result<Fci> parse_fci(ByteSpan response) {
  SSCARD_TRY_ASSIGN(const tlv::Element fci, tlv::decode(response));
  if (fci.tag != 0x6F || fci.encoded.size() != response.size()) return Error::kMalformed;
  Fci out;
  bool have_name = false;
  bool have_proprietary = false;
  tlv::Elements top(fci.value);
  for (const tlv::Element& e : top) {
    if (e.tag == 0x84) {
      if (have_name) return Error::kMalformed;
      out.df_name = e.value;
      have_name = true;
    } else if (e.tag == 0xA5) {
      if (have_proprietary) return Error::kMalformed;
      have_proprietary = true;
      tlv::Elements inner(e.value);
      for (const tlv::Element& p : inner) {
        if (p.tag == 0x88 && p.value.size() == 1) out.directory_sfi = p.value[0];
        if (p.tag == 0x50) out.label = p.value;
        if (p.tag == 0x87 && p.value.size() == 1) out.priority = static_cast<std::uint8_t>(p.value[0] & 0x0F);
        if (p.tag == 0x9F38) out.pdol = p.value;
      }
      SSCARD_TRY(inner.status());
    }
  }
  SSCARD_TRY(top.status());
  if (!have_name || !have_proprietary || out.df_name.empty() || out.df_name.size() > 16) return Error::kMalformed;
  return out;
}

bool aid_matches(const TerminalAid& terminal_aid, ByteSpan card_aid) {
  if (terminal_aid.partial_match) {
    return card_aid.size() >= terminal_aid.aid.size() &&
           std::equal(terminal_aid.aid.begin(), terminal_aid.aid.end(), card_aid.begin());
  }
  return std::equal(terminal_aid.aid.begin(), terminal_aid.aid.end(), card_aid.begin(), card_aid.end());
}

bool terminal_accepts(const TerminalConfig& terminal, ByteSpan card_aid) {
  return std::any_of(terminal.aids.begin(), terminal.aids.end(),
                     [&](const TerminalAid& a) { return aid_matches(a, card_aid); });
}

std::string text_of(ByteSpan label) {
  std::string s;
  for (std::uint8_t c : label) s.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  return s;
}

SelectionError communication(Status status) {
  return SelectionError{SelectionFailure::kCardCommunication, status, {}};
}

// Reads the PSE directory; kNotFound when the PSE cannot be used (fall back to the AID list).
Result<std::vector<Candidate>, SelectionError> read_directory(transport::Transport& card,
                                                              const TerminalConfig& terminal,
                                                              std::uint8_t sfi) {
  std::vector<Candidate> candidates;
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  for (std::uint8_t record = 1; record <= kMaxDirectoryRecords; ++record) {
    const auto response = card.transmit(read_record(sfi, record), buffer);
    if (!response.ok()) return communication(response.status());
    if (response->sw == sw::kRecordNotFound) return candidates;
    // [6] 7.2 (step 2-5): any other error clears the list and the terminal uses its AID list.
    if (!response->sw.is_success()) return SelectionError{SelectionFailure::kNoApplication, {}, response->sw};
    const auto template70 = tlv::decode(response->data);
    if (!template70.ok() || template70->tag != 0x70 || template70->encoded.size() != response->data.size()) {
      return SelectionError{SelectionFailure::kNoApplication, Error::kMalformed, {}};
    }
    tlv::Elements entries(template70->value);
    for (const tlv::Element& entry : entries) {
      if (entry.tag != 0x61) continue;
      Candidate candidate;
      const auto aid = tlv::find(entry.value, 0x4F);
      if (!aid.ok() || aid->value.size() < 5 || aid->value.size() > 16) continue;
      if (!terminal_accepts(terminal, aid->value)) continue;
      candidate.aid.assign(aid->value.begin(), aid->value.end());
      if (const auto label = tlv::find(entry.value, 0x50); label.ok()) candidate.label = text_of(label->value);
      if (const auto priority = tlv::find(entry.value, 0x87); priority.ok() && priority->value.size() == 1) {
        candidate.priority = static_cast<std::uint8_t>(priority->value[0] & 0x0F);
      }
      candidates.push_back(std::move(candidate));
    }
    if (!entries.status().ok()) return SelectionError{SelectionFailure::kNoApplication, Error::kMalformed, {}};
  }
  return candidates;
}

}  // namespace

Result<std::vector<Candidate>, SelectionError> build_candidate_list(transport::Transport& card,
                                                                    const TerminalConfig& terminal,
                                                                    bool& blocked_seen) {
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  std::vector<Candidate> candidates;
  bool use_aid_list = true;

  const auto pse = card.transmit(select_by_name(kPseName), buffer);
  if (!pse.ok()) return communication(pse.status());
  if (pse->sw == StatusWord(0x6A81)) return SelectionError{SelectionFailure::kCardBlocked, {}, pse->sw};
  if (pse->sw.is_success()) {
    const auto fci = parse_fci(pse->data);
    if (fci.ok() && fci->directory_sfi >= 1 && fci->directory_sfi <= kDirectorySfiMax) {
      auto listed = read_directory(card, terminal, fci->directory_sfi);
      if (!listed.ok() && listed.error().failure == SelectionFailure::kCardCommunication) return listed.error();
      if (listed.ok() && !listed->empty()) {
        candidates = std::move(*listed);
        use_aid_list = false;
      }
    }
  }

  if (use_aid_list) {
    for (const TerminalAid& terminal_aid : terminal.aids) {
      const auto answer = card.transmit(select_by_name(terminal_aid.aid), buffer);
      if (!answer.ok()) return communication(answer.status());
      if (answer->sw == sw::kFileInvalidated) {
        blocked_seen = true;
        continue;
      }
      if (!answer->sw.is_success()) continue;
      const auto fci = parse_fci(answer->data);
      if (!fci.ok() || !aid_matches(terminal_aid, fci->df_name)) continue;
      Candidate candidate;
      candidate.aid.assign(fci->df_name.begin(), fci->df_name.end());
      candidate.label = text_of(fci->label);
      candidate.priority = fci->priority;
      candidates.push_back(std::move(candidate));
    }
  }

  // Priority 1 first, 0 (none) last; equal priorities keep the card's order ([6] 7.2.4).
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    const int pa = a.priority == 0 ? 16 : a.priority;
    const int pb = b.priority == 0 ? 16 : b.priority;
    return pa < pb;
  });
  return candidates;
}

Result<SelectedApplication> parse_application_fci(ByteSpan fci) {
  SSCARD_TRY_ASSIGN(const Fci parsed, parse_fci(fci));
  SelectedApplication out;
  out.aid.assign(parsed.df_name.begin(), parsed.df_name.end());
  out.label = text_of(parsed.label);
  out.pdol.assign(parsed.pdol.begin(), parsed.pdol.end());
  out.fci.assign(fci.begin(), fci.end());
  return out;
}

bool terminal_accepts_aid(const TerminalConfig& terminal, ByteSpan card_aid) {
  return terminal_accepts(terminal, card_aid);
}

Result<SelectedApplication, SelectionError> select_application(transport::Transport& card,
                                                               const TerminalConfig& terminal) {
  bool blocked_seen = false;
  SSCARD_TRY_ASSIGN(const std::vector<Candidate> candidates, build_candidate_list(card, terminal, blocked_seen));
  return select_first_candidate(card, candidates, blocked_seen);
}

Result<SelectedApplication, SelectionError> select_first_candidate(transport::Transport& card,
                                                                   const std::vector<Candidate>& candidates,
                                                                   bool& blocked_seen) {
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  for (const Candidate& candidate : candidates) {
    const auto answer = card.transmit(select_by_name(candidate.aid), buffer);
    if (!answer.ok()) return communication(answer.status());
    if (answer->sw == sw::kFileInvalidated) {
      // A blocked application is removed from the list (P31, [6] 7.2).
      blocked_seen = true;
      continue;
    }
    if (!answer->sw.is_success()) continue;
    const auto fci = parse_fci(answer->data);
    if (!fci.ok() || !std::equal(candidate.aid.begin(), candidate.aid.end(), fci->df_name.begin(),
                                 fci->df_name.end())) {
      continue;
    }
    SelectedApplication selected;
    selected.aid = candidate.aid;
    selected.label = fci->label.empty() ? candidate.label : text_of(fci->label);
    selected.pdol.assign(fci->pdol.begin(), fci->pdol.end());
    selected.fci.assign(answer->data.begin(), answer->data.end());
    return selected;
  }
  return SelectionError{blocked_seen ? SelectionFailure::kApplicationBlocked : SelectionFailure::kNoApplication,
                        {}, {}};
}

}  // namespace sscard::pboc
