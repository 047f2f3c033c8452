// Internal: HolderProfile -> personalised CardOs, shared by the parser (which builds once to validate the
// file tree of extra_files) and make_card.
#pragma once

#include <memory>
#include <string_view>

#include "sscard/sim/card_os.h"
#include "sscard/sim/profile.h"

namespace sscard::sim::detail {

// The card, or nullptr with `error` filled in (field names as in the profile).
std::unique_ptr<CardOs> build_card(const HolderProfile& profile, std::string_view file, ProfileError& error,
                                   std::shared_ptr<crypto::Crypto> crypto);

// Splits a GBK name into the 30-byte 09 part and the rest (for the 4E extension) at a character boundary.
struct NameParts {
  Bytes main;       // at most 30 bytes, unpadded
  Bytes extension;  // the rest, unpadded
};
NameParts split_gbk_name(ByteSpan gbk);

inline constexpr std::size_t kNameSize = 30;
inline constexpr std::size_t kNameExtensionSize = 20;

}  // namespace sscard::sim::detail
