#include "sscard/sim/host/population.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <span>
#include <string>
#include <utility>

#include "sscard/core/date.h"
#include "sscard/jsondoc/jsondoc.h"

namespace sscard::sim::host {
namespace {


constexpr std::string_view kInitialPin = "123456";

// Address codes (GB/T 2260) used for synthetic holders.
constexpr std::array<std::string_view, 26> kChongqingRegions = {
    "500101", "500102", "500103", "500104", "500105", "500106", "500107", "500108", "500109",
    "500110", "500111", "500112", "500113", "500114", "500115", "500116", "500117", "500118",
    "500119", "500120", "500151", "500152", "500153", "500154", "500155", "500156"};
constexpr std::array<std::string_view, 30> kSichuanRegions = {
    "510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116",
    "510117", "510302", "510402", "510502", "510603", "510703", "510802", "510903", "511002", "511102",
    "511302", "511402", "511502", "511602", "511702", "511802", "511902", "512002", "513401", "513301"};

constexpr std::array<std::string_view, 24> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                                        "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
                                                        "何", "林", "罗", "高", "谭", "冉", "向", "邓"};
constexpr std::array<std::string_view, 32> kGiven = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",
                                                     "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
                                                     "超", "秀", "霞", "平", "刚", "桂", "英", "华",
                                                     "建", "国", "兰", "春", "玉", "德", "文", "蓉"};


// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const std::uint64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::uint64_t m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<std::uint16_t>(y + (m <= 2 ? 1 : 0)), static_cast<std::uint8_t>(m),
              static_cast<std::uint8_t>(d)};
}

constexpr std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Birth dates 1946-01-01 .. 2006-12-31 as days since 1970-01-01.
constexpr std::int64_t kFirstBirthDay = days_from_civil(1946, 1, 1);
constexpr std::int64_t kBirthDays = days_from_civil(2007, 1, 1) - kFirstBirthDay;
constexpr std::uint64_t kSequences = 500;  // sequence codes 500..999
static_assert(kFirstBirthDay == -8766 && kBirthDays == 22280);

constexpr std::array<std::uint8_t, 5> kRid = {0xD1, 0x56, 0x00, 0x00, 0x05};

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

char ssn_check_character(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

std::string two_digits(unsigned v) {
  return std::string{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
}

wire::CardState card_state_of(BenefitSeed::CardState s) {
  switch (s) {
    case BenefitSeed::CardState::kNotActivated: return wire::CardState::kNotActivated;
    case BenefitSeed::CardState::kActive: return wire::CardState::kActive;
    case BenefitSeed::CardState::kLossReported: return wire::CardState::kLossReported;
    case BenefitSeed::CardState::kBlocked: return wire::CardState::kBlocked;
  }
  return wire::CardState::kBlocked;
}

wire::PensionStatus pension_status_of(BenefitSeed::PensionStatus s) {
  switch (s) {
    case BenefitSeed::PensionStatus::kNotRetired: return wire::PensionStatus::kNotRetired;
    case BenefitSeed::PensionStatus::kReceiving: return wire::PensionStatus::kReceiving;
    case BenefitSeed::PensionStatus::kSuspended: return wire::PensionStatus::kSuspended;
  }
  return wire::PensionStatus::kNotRetired;
}

// The population's layout for one seed and province: index -> (region, birth day, sequence) through an
// affine permutation of [0, capacity), so indexes never collide and neighbours look unrelated.
struct Layout {
  std::span<const std::string_view> regions;
  std::uint64_t capacity = 0;
  std::uint64_t a = 1;
  std::uint64_t b = 0;

  Layout(std::uint64_t seed, std::string_view province) {
    if (province == wire::kChongqing) regions = kChongqingRegions;
    else regions = kSichuanRegions;
    capacity = regions.size() * static_cast<std::uint64_t>(kBirthDays) * kSequences;
    std::uint64_t state = seed ^ 0x5353434152440001ULL;
    a = splitmix64(state) % capacity | 1;
    while (std::gcd(a, capacity) != 1) a += 2;
    b = splitmix64(state) % capacity;
  }

  struct Slot {
    std::string_view region;
    std::int64_t birth_day;
    unsigned sequence;
  };
  Slot slot(std::uint64_t index) const {
    // a < capacity < 2^29 and index < kMaxPopulation < 2^24: the product fits in 64 bits.
    std::uint64_t p = (a % capacity * index + b) % capacity;
    Slot s;
    s.region = regions[static_cast<std::size_t>(p % regions.size())];
    p /= regions.size();
    s.birth_day = kFirstBirthDay + static_cast<std::int64_t>(p % static_cast<std::uint64_t>(kBirthDays));
    p /= static_cast<std::uint64_t>(kBirthDays);
    s.sequence = static_cast<unsigned>(500 + p);
    return s;
  }
};

std::string ssn_of(const Layout::Slot& s) {
  std::string ssn(s.region);
  ssn += to_yyyymmdd(civil_from_days(s.birth_day));
  ssn += std::to_string(s.sequence);
  ssn += ssn_check_character(ssn);
  return ssn;
}

char luhn_check_digit(std::string_view digits) {
  unsigned sum = 0;
  bool twice = true;  // the digit next to the check digit is doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    unsigned d = static_cast<unsigned>(*it - '0');
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

// The payment fields of a profile file (PAYMENT.md §2), read from the JSON as written: the account balance
// and the application PIN. Absent or unreadable fields give the defaults.
struct PaymentSeed {
  std::uint64_t account_fen = 0;
  std::optional<std::string> pin;
  // CONTACTLESS.md §2.4: the card's personalised e-cash balance (the issuer's e-cash account starts with it)
  // and balance limit 9F77, `payment.ecash.balance` and `.balance_limit` in yuan.
  std::uint64_t ecash_balance_fen = 5000;
  std::uint64_t ecash_limit_fen = 100000;
};

// "50.00", "50" or 50 (yuan) in fen; nullopt otherwise.
std::optional<std::uint64_t> yuan_field(const jsondoc::json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() * 100;
  if (!v.is_string()) return std::nullopt;
  const std::string text = v.get<std::string>();
  std::uint64_t fen = 0;
  int decimals = -1;
  for (char c : text) {
    if (c == '.' && decimals < 0) {
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9' || decimals >= 2 || fen > 99999999999ULL) return std::nullopt;
    fen = fen * 10 + static_cast<std::uint64_t>(c - '0');
    if (decimals >= 0) ++decimals;
  }
  if (text.empty() || decimals == 0) return std::nullopt;
  for (int d = decimals < 0 ? 0 : decimals; d < 2; ++d) fen *= 10;
  return fen;
}

PaymentSeed payment_seed(const std::filesystem::path& file) {
  PaymentSeed out;
  if (file.empty()) return out;
  auto text = jsondoc::read_text(file);
  if (!text.ok()) return out;
  const jsondoc::json root = jsondoc::json::parse(*text, nullptr, false);
  if (!root.is_object()) return out;
  if (auto b = root.find("benefits"); b != root.end() && b->is_object()) {
    if (auto a = b->find("account_fen"); a != b->end() && a->is_number_unsigned()) out.account_fen = a->get<std::uint64_t>();
  }
  if (auto p = root.find("payment"); p != root.end() && p->is_object()) {
    if (auto pin = p->find("pin"); pin != p->end() && pin->is_string()) out.pin = pin->get<std::string>();
    if (auto e = p->find("ecash"); e != p->end() && e->is_object()) {
      if (auto b = e->find("balance"); b != e->end()) out.ecash_balance_fen = yuan_field(*b).value_or(out.ecash_balance_fen);
      if (auto l = e->find("balance_limit"); l != e->end()) out.ecash_limit_fen = yuan_field(*l).value_or(out.ecash_limit_fen);
    }
  }
  return out;
}

}  // namespace

std::optional<PaymentAccount> seed_account(const HolderProfile& profile) {
  const std::string& region = profile.issuer.region;
  const std::string& number = profile.issuer.card_number;
  if (profile.generation < 2 || region.size() != 6 || number.size() < 6) return std::nullopt;
  const std::string tail = number.substr(number.size() - 6);
  if (!std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  PaymentAccount a;
  a.pan = "6200" + region.substr(0, 2) + region + tail;
  a.pan.push_back(luhn_check_digit(a.pan));
  a.ssn = profile.holder.ssn;
  a.psn = 0x01;
  a.expiry = to_yyyymmdd(profile.issuer.expiry_date).substr(2);
  a.sm = profile.generation == 3;
  const PaymentSeed seed = payment_seed(profile.path);
  a.balance_fen = seed.account_fen;
  a.pin = seed.pin.value_or(profile.pin);
  return a;
}

std::optional<EcashAccount> seed_ecash(const HolderProfile& profile) {
  if (profile.generation != 3) return std::nullopt;  // only generation 3 cards carry e-cash (CONTACTLESS.md §1)
  const auto account = seed_account(profile);
  if (!account) return std::nullopt;
  const PaymentSeed seed = payment_seed(profile.path);
  EcashAccount e;
  e.pan = account->pan;
  e.account_fen = seed.ecash_balance_fen;
  e.balance_limit_fen = seed.ecash_limit_fen;
  return e;
}

bool is_province(std::string_view province) { return province == wire::kChongqing || province == wire::kSichuan; }

bool in_province(std::string_view region, std::string_view province) {
  return is_province(province) && region.size() == 6 && region.substr(0, 2) == province.substr(0, 2);
}

SeedHolder seed_holder(const HolderProfile& profile) {
  SeedHolder out;
  HolderRecord& h = out.holder;
  h.ssn = profile.holder.ssn;
  h.card_number = profile.issuer.card_number;
  h.card_id = profile.card_identification_code();
  h.region = profile.issuer.region;
  h.name = profile.holder.name;
  if (!profile.benefits) {
    h.card_state = profile.pin == kInitialPin ? wire::CardState::kNotActivated : wire::CardState::kActive;
    return out;
  }
  const BenefitSeed& b = *profile.benefits;
  h.card_state = card_state_of(b.card_state);
  h.pension_status = pension_status_of(b.pension_status);
  h.pension_monthly_fen = b.pension_monthly_fen;
  h.medical_balance_fen = b.medical_balance_fen;
  if (b.last_certification) h.last_certification = to_yyyymmdd(*b.last_certification);
  for (const BenefitSeed::Contribution& c : b.contributions) {
    out.contributions.push_back(wire::Contribution{
        c.period,
        c.kind == BenefitSeed::ContributionKind::kPension ? wire::ContributionKind::kPension
                                                          : wire::ContributionKind::kMedical,
        c.amount_fen});
  }
  return out;
}

namespace {

Result<std::size_t, SetupError> seed_accounts(HolderStore& store, const std::filesystem::path& cards_dir,
                                              std::string_view province) {
  std::vector<PaymentAccount> accounts;
  std::vector<EcashAccount> ecash;
  for (const auto& path : holder_profiles(cards_dir)) {
    auto loaded = load_profile(path);
    if (!loaded.ok()) return SetupError{loaded.error().to_string()};
    if (!in_province(loaded.value().issuer.region, province)) continue;
    if (auto account = seed_account(loaded.value())) accounts.push_back(std::move(*account));
    if (auto e = seed_ecash(loaded.value())) ecash.push_back(std::move(*e));
  }
  auto done = store.transaction([&]() -> Result<void, SetupError> {
    for (const PaymentAccount& a : accounts) {
      auto r = store.add_account(a);
      if (!r.ok()) return r;
    }
    for (const EcashAccount& e : ecash) {
      auto r = store.put_ecash(e);
      if (!r.ok()) return r;
    }
    return {};
  });
  if (!done.ok()) return done.error();
  return accounts.size();
}

}  // namespace

Result<std::size_t, SetupError> seed_from_profiles(HolderStore& store, const std::filesystem::path& cards_dir,
                                         std::string_view province) {
  if (!is_province(province)) return SetupError{"\"" + std::string(province) + "\" is not a province (500000, 510000)"};
  std::vector<SeedHolder> holders;
  std::vector<PaymentAccount> accounts;
  std::vector<EcashAccount> ecash;
  for (const auto& path : holder_profiles(cards_dir)) {
    auto loaded = load_profile(path);
    if (!loaded.ok()) return SetupError{loaded.error().to_string()};
    if (!in_province(loaded.value().issuer.region, province)) continue;
    holders.push_back(seed_holder(loaded.value()));
    if (auto account = seed_account(loaded.value())) accounts.push_back(std::move(*account));
    if (auto e = seed_ecash(loaded.value())) ecash.push_back(std::move(*e));
  }
  auto done = store.transaction([&]() -> Result<void, SetupError> {
    for (const SeedHolder& s : holders) {
      auto r = store.add_holder(s.holder, s.contributions);
      if (!r.ok()) return r;
    }
    for (const PaymentAccount& a : accounts) {
      auto r = store.add_account(a);
      if (!r.ok()) return r;
    }
    for (const EcashAccount& e : ecash) {
      auto r = store.put_ecash(e);
      if (!r.ok()) return r;
    }
    return {};
  });
  if (!done.ok()) return done.error();
  return holders.size();
}

Result<SeedHolder, SetupError> generated_holder(std::uint64_t seed, std::string_view province, std::size_t index) {
  if (!is_province(province)) return SetupError{"\"" + std::string(province) + "\" is not a province (500000, 510000)"};
  if (index >= kMaxPopulation) return SetupError{"index " + std::to_string(index) + " is beyond the population limit"};
  const Layout layout(seed, province);
  const Layout::Slot slot = layout.slot(index);
  std::uint64_t state = seed ^ (static_cast<std::uint64_t>(index) * 0xD1B54A32D192ED03ULL) ^
                        (province == wire::kChongqing ? 0x50 : 0x51);
  auto next = [&state](std::uint64_t bound) { return splitmix64(state) % bound; };

  SeedHolder out;
  HolderRecord& h = out.holder;
  h.ssn = ssn_of(slot);
  h.region = std::string(slot.region);
  const std::string digits = std::to_string(index);
  h.card_number = "G" + std::string(8 - digits.size(), '0') + digits;
  // 卡识别码: region BCD, RID D156000005, an 8-byte card serial.
  h.card_id.reserve(16);
  for (std::size_t i = 0; i < 6; i += 2) {
    h.card_id.push_back(static_cast<std::uint8_t>(((h.region[i] - '0') << 4) | (h.region[i + 1] - '0')));
  }
  h.card_id.insert(h.card_id.end(), kRid.begin(), kRid.end());
  const std::uint64_t serial = splitmix64(state);
  for (int shift = 56; shift >= 0; shift -= 8) h.card_id.push_back(static_cast<std::uint8_t>(serial >> shift));

  // Draws below a table's size index it on 32-bit boards too.
  const auto pick = [&next](std::size_t size) { return static_cast<std::size_t>(next(size)); };
  h.name = std::string(kSurnames[pick(kSurnames.size())]) + std::string(kGiven[pick(kGiven.size())]);
  if (next(3) != 0) h.name += kGiven[pick(kGiven.size())];

  const std::uint64_t state_draw = next(100);
  h.card_state = state_draw < 85   ? wire::CardState::kActive
                 : state_draw < 92 ? wire::CardState::kNotActivated
                 : state_draw < 98 ? wire::CardState::kLossReported
                                   : wire::CardState::kBlocked;
  h.medical_balance_fen = next(3'000'000);

  const Date birth = civil_from_days(slot.birth_day);
  const bool male = slot.sequence % 2 == 1;  // GB 11643: an odd sequence code is a man
  const bool retired = birth.year <= (male ? 1966 : 1971);
  if (retired) {
    h.pension_status = next(10) == 0 ? wire::PensionStatus::kSuspended : wire::PensionStatus::kReceiving;
    h.pension_monthly_fen = 180'000 + next(420'000);
    // Receiving: certified within the last year; suspended: the last certification is older than that.
    const std::int64_t from = h.pension_status == wire::PensionStatus::kReceiving ? days_from_civil(2025, 12, 1)
                                                                                  : days_from_civil(2024, 6, 1);
    h.last_certification = to_yyyymmdd(civil_from_days(from + static_cast<std::int64_t>(next(330))));
    return out;
  }
  // Employee shares, 8 % pension and 2 % medical of a base (whole yuan) raised 3-6 % every July.
  const std::uint64_t base = (3'500 + next(9'000)) * 100;
  const std::uint64_t raised = base * (103 + next(4)) / 100 / 100 * 100;
  out.contributions.reserve(24);
  for (unsigned k = 0; k < 12; ++k) {
    const unsigned year = k < 10 ? 2026 : 2025;
    const unsigned month = k < 10 ? 10 - k : 22 - k;  // 202610 down to 202511
    const std::string period = std::to_string(year) + two_digits(month);
    const std::uint64_t b = month >= 7 && year == 2026 ? raised : base;
    out.contributions.push_back(wire::Contribution{period, wire::ContributionKind::kPension, b * 8 / 100});
    out.contributions.push_back(wire::Contribution{period, wire::ContributionKind::kMedical, b * 2 / 100});
  }
  return out;
}

Result<std::size_t, SetupError> generate_population(HolderStore& store, std::size_t count, std::uint64_t seed,
                                          std::string_view province) {
  if (!is_province(province)) return SetupError{"\"" + std::string(province) + "\" is not a province (500000, 510000)"};
  if (count > kMaxPopulation) return SetupError{std::to_string(count) + " holders is beyond the population limit"};
  // Insert in SSN order: the WITHOUT ROWID tables are keyed by SSN, so every insert appends.
  const Layout layout(seed, province);
  std::vector<std::pair<std::string, std::uint32_t>> order;
  order.reserve(count);
  for (std::size_t i = 0; i < count; ++i) order.emplace_back(ssn_of(layout.slot(i)), static_cast<std::uint32_t>(i));
  std::sort(order.begin(), order.end());
  auto done = store.transaction([&]() -> Result<void, SetupError> {
    for (const auto& entry : order) {
      auto g = generated_holder(seed, province, entry.second);
      if (!g.ok()) return g.error();
      auto r = store.add_holder(g->holder, g->contributions);
      if (!r.ok()) return r;
    }
    return {};
  });
  if (!done.ok()) return done.error();
  return count;
}

Result<std::unique_ptr<HolderStore>, SetupError> open_seeded_store(const std::string& path,
                                                         const std::filesystem::path& cards_dir,
                                                         std::string_view province, std::size_t generated,
                                                         std::uint64_t seed) {
  auto store = HolderStore::open(path);
  if (!store.ok()) return store.error();
  auto count = (*store)->holder_count();
  if (!count.ok()) return count.error();
  if (*count > 0) {
    auto foreign = (*store)->holders_outside(province);
    if (!foreign.ok()) return foreign.error();
    if (*foreign > 0) {
      return SetupError{path + " holds the cards of another province's issuer, not " + std::string(province) +
                        "'s; give this host its own database"};
    }
    auto accounts = (*store)->account_count();
    if (!accounts.ok()) return accounts.error();
    if (*accounts == 0) {
      // A database from before payments: open the profiles' accounts (their holders are already there).
      auto opened = seed_accounts(**store, cards_dir, province);
      if (!opened.ok()) return opened.error();
    }
    return std::move(*store);
  }
  auto seeded = seed_from_profiles(**store, cards_dir, province);
  if (!seeded.ok()) return seeded.error();
  if (generated > 0) {
    auto made = generate_population(**store, generated, seed, province);
    if (!made.ok()) return made.error();
  }
  return std::move(*store);
}

}  // namespace sscard::sim::host
