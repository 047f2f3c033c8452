// How the kiosk front end shows an identity read: JSON (fixed keys), readable text, or the iReadCardBas line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sscard/ssc/identity.h"

namespace sscard::app {

enum class OutputFormat { kText, kJson, kIface };

// "text", "json", "iface"; nullopt-like false on anything else.
bool parse_output_format(std::string_view word, OutputFormat& out);

// The terminal identifiers that the iReadCardBas line carries. Without a PSAM the terminal number is
// twelve zeros (CARD.md, standard terminal interface).
struct TerminalIds {
  std::string terminal_number = "000000000000";
  std::string device_number;
};

// One JSON object with exactly the keys region, ssn, card_number, card_id, name, sex, nation, birthplace,
// birth_date, spec_version, issue_date, expiry_date, atr_historical (all strings: codes as digits, dates
// YYYYMMDD, card_id and atr_historical in upper-case hex, sex as the stored character, unset fields "").
std::string identity_json(const ssc::Identity& id);

// A readable multi-line summary.
std::string identity_text(const ssc::Identity& id);

// Why fields are empty, or "" when nothing was withheld.
std::string withheld_notice(const ssc::Identity& id);

// Province and place name of a GB/T 2260 region code, e.g. "500152" -> "Chongqing, Tongnan".
std::string region_name(std::string_view region);
// The same for a region read from a card; "unknown region" when there is none.
std::string region_name(const std::optional<ssc::RegionCode>& region);

}  // namespace sscard::app
