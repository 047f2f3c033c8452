// Filling a HolderStore: the holders of the bundled card profiles (cards/*.json with their "benefits"), and
// synthetic holders for load tests. Provinces are "500000" (Chongqing) and "510000" (Sichuan).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/wire/messages.h"
#include "sscard/sim/host/setup_error.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/profile.h"

namespace sscard::sim::host {

// True for "500000" and "510000".
bool is_province(std::string_view province);
// True if the 6-digit region belongs to the province: the same first two digits (HOST-PROTOCOL.md "Routing").
bool in_province(std::string_view region, std::string_view province);

// A holder with the contributions to store for them.
struct SeedHolder {
  HolderRecord holder;
  std::vector<sscard::wire::Contribution> contributions;
};

// The holder a profile seeds: its "benefits", or without them the defaults of cards/README.md (not retired,
// zero balances, no contributions, card active unless the PIN is still the initial 123456).
SeedHolder seed_holder(const HolderProfile& profile);

// The debit account the home issuer keeps for a profile's payment card (PAYMENT.md §2, §3): generation 2 and 3
// profiles whose card number ends in 6 digits. PAN = 6200 || province digits || region || those 6 digits ||
// Luhn; PSN 01; expiry = issuer.expiry_date as YYMMDD; balance = the profile's benefits.account_fen (0 when
// absent); PIN = payment.pin, else the profile's PIN; sm for generation 3. nullopt for other profiles.
std::optional<PaymentAccount> seed_account(const HolderProfile& profile);
// The e-cash account of a generation 3 card (CONTACTLESS.md §2.4, §7): the profile's `payment.ecash.balance`
// (default 50.00) and `balance_limit` (default 1000.00); nullopt for other cards.
std::optional<EcashAccount> seed_ecash(const HolderProfile& profile);

// Inserts the holders of cards_dir/*.json (holder_profiles()) whose card region belongs to `province`, all in
// one transaction, with their payment accounts (seed_account); returns how many holders. Errors: an unknown province, a profile that does not load (the
// ProfileError's text), a holder already in the store (nothing is inserted then).
Result<std::size_t, SetupError> seed_from_profiles(HolderStore& store, const std::filesystem::path& cards_dir,
                                         std::string_view province);

// Synthetic holders: valid SSNs (GB 11643, ISO 7064 MOD 11-2 check character) with address codes of the
// province's districts and sequence codes 500-999 (the bundled holders' are below 500, so the two never
// collide), born 1946-2006; card number "G" + 8 digits of the index; retirees (men born 1966 or earlier,
// women 1971 or earlier) receive a pension (one in ten suspended) and have no contributions; everyone else
// has 12 months (202511-202610) of pension and medical contributions. Deterministic: the same seed,
// province and index always give the same holder, and different indexes never share an SSN.
inline constexpr std::size_t kMaxPopulation = 10'000'000;
Result<SeedHolder, SetupError> generated_holder(std::uint64_t seed, std::string_view province, std::size_t index);

// Inserts generated_holder(seed, province, i) for i in [0, count) in one transaction with prepared statements
// (in SSN order, which keeps SQLite's B-trees appending). Returns count. Errors: unknown province, count above
// kMaxPopulation, an SSN already in the store (nothing is inserted then).
Result<std::size_t, SetupError> generate_population(HolderStore& store, std::size_t count, std::uint64_t seed,
                                          std::string_view province);

// Opens the store at `path` (HolderStore::open) and, while it holds nobody, fills it (a store upgraded from
// before payments, with holders but no accounts, gets the profiles' accounts): the holders of
// cards_dir/*.json for `province` (seed_from_profiles), then `generated` synthetic ones (generate_population
// with `seed`). A store that already has holders is returned as it is, so a file keeps its state across runs,
// unless it holds cards of another province (an error: one database per province's host).
Result<std::unique_ptr<HolderStore>, SetupError> open_seeded_store(const std::string& path,
                                                         const std::filesystem::path& cards_dir,
                                                         std::string_view province, std::size_t generated = 0,
                                                         std::uint64_t seed = 1);

}  // namespace sscard::sim::host
