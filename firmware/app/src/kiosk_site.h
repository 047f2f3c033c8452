// The kiosks this front end can be: where each stands, its terminal number and its PSAM. The terminal number
// is the one its PSAM carries (cards/psam/*-kiosk.json); the link key is derived for it from the link-key file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/app/args.h"
#include "sscard/core/result.h"
#include "sscard/wire/wire.h"

namespace sscard::app {

struct KioskSite {
  std::string_view name;         // "cq", "sc"
  std::string_view terminal;     // 12 digits
  std::string_view region;       // 6 digits: where the kiosk stands
  std::string_view province;     // "500000" / "510000"
  std::string_view psam_profile; // file name under cards/psam/
};

// "cq" (Chongqing, Tongnan) or "sc" (Sichuan, Suining); nullopt otherwise.
std::optional<KioskSite> find_kiosk_site(std::string_view name);

// The name of the province of a region or province code ("Chongqing", "Sichuan"; "unknown region" otherwise).
std::string province_name(std::string_view code);

// Reads the master key of the link-key file named by --link-keys (default: the bundled
// cards/keys/test-link-keys.json), {"format": "sscard-link-keys/1", "master": 32 hex digits}.
// The message names the file and what is wrong.
struct LinkMaster {
  std::optional<wire::LinkKey> key;
  std::string error;
};
LinkMaster read_link_master(const Args& args);

}  // namespace sscard::app
