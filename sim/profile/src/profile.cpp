// Profile JSON -> HolderProfile (format "sscard-profile/1", cards/README.md). The parser throws a private
// Failure internally; every public function catches it and returns a ProfileError.
#include "sscard/sim/profile.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "card_builder.h"
#include "payment_profile.h"
#include "json_fields.h"
#include "sscard/core/atr.h"
#include "sscard/core/bcd.h"
#include "sscard/core/gbk.h"
#include "sscard/crypto/openssl.h"

namespace sscard::sim {
namespace {

using nlohmann::json;

using namespace detail;  // NOLINT(google-build-using-namespace): the field readers of json_fields.h

Date date(Object& o, const std::string& key) {
  std::string s = o.string(key);
  auto d = parse_yyyymmdd(s);
  if (!d.ok()) fail(o.field(key), in_quotes(s) + " is not a valid YYYYMMDD date");
  return *d;
}

AccessCondition access(Object& o, const std::string& key, AccessCondition fallback) {
  auto text = o.optional_string(key);
  if (!text) return fallback;
  auto ac = AccessCondition::from_text(*text);
  if (!ac) fail(o.field(key), in_quotes(*text) + " is not an access condition (always, never, pin, key:XX)");
  return *ac;
}

// Citizen ID number check character, ISO 7064 MOD 11-2 (GB 11643-1999).
char ssn_check_character(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

void parse_issuer(Object o, HolderProfile& p) {
  IssuerProfile& is = p.issuer;
  is.region = digits(o, "region", 6);
  const std::string type = ascii_text(o, "card_type", 1);
  detail::line_safe(o, "card_type", type);
  is.card_type = type[0];
  is.init_org = ascii_text(o, "init_org", 12);
  detail::line_safe(o, "init_org", is.init_org);
  is.issue_date = date(o, "issue_date");
  is.expiry_date = date(o, "expiry_date");
  if (to_yyyymmdd(is.expiry_date) <= to_yyyymmdd(is.issue_date)) {
    fail(o.field("expiry_date"), in_quotes(to_yyyymmdd(is.expiry_date)) + " is not after the issue date");
  }
  is.card_number = ascii_text(o, "card_number", 9);
  detail::line_safe(o, "card_number", is.card_number);
  is.card_serial = hex_of_size(o, "card_serial", 8);
  o.no_unknown_fields();
}

void parse_holder(Object o, HolderProfile& p) {
  HolderData& h = p.holder;
  h.ssn = o.string("ssn");
  if (h.ssn.size() != 18 || !all_digits(h.ssn.substr(0, 17)) ||
      !(std::isdigit(static_cast<unsigned char>(h.ssn[17])) || h.ssn[17] == 'X')) {
    fail(o.field("ssn"), in_quotes(h.ssn) + " must be 17 digits and a check character (digit or X)");
  }
  if (const char check = ssn_check_character(h.ssn); h.ssn[17] != check) {
    fail(o.field("ssn"), in_quotes(h.ssn) + " has a wrong check character (ISO 7064 MOD 11-2 gives " +
                             std::string(1, check) + ")");
  }
  h.name = o.string("name");
  if (h.name.empty()) fail(o.field("name"), "must not be empty");
  detail::line_safe(o, "name", h.name);
  auto gbk_name = gbk::from_utf8(h.name);
  if (!gbk_name.ok()) fail(o.field("name"), in_quotes(h.name) + " is not valid UTF-8 representable in GBK");
  const detail::NameParts parts = detail::split_gbk_name(*gbk_name);
  if (p.generation == 1 && !parts.extension.empty()) {
    fail(o.field("name"), "is " + std::to_string(gbk_name->size()) +
                              " GBK bytes; a 1st generation card holds 30 (no name extension record)");
  }
  if (parts.extension.size() > detail::kNameExtensionSize) {
    fail(o.field("name"), "is " + std::to_string(gbk_name->size()) + " GBK bytes; at most 50 fit (30 + 20)");
  }
  const std::string sex = o.string("sex");
  if (sex != "1" && sex != "2") fail(o.field("sex"), in_quotes(sex) + " must be \"1\" (male) or \"2\" (female)");
  h.sex = sex[0];
  h.nation = digits(o, "nation", 2);
  h.birthplace = digits(o, "birthplace", 6);
  h.birth_date = date(o, "birth_date");
  o.no_unknown_fields();
}

void parse_pin(Object o, HolderProfile& p) {
  p.pin = o.string("value");
  if (p.pin.size() < CardOs::kMinPinDigits || p.pin.size() > CardOs::kMaxPinDigits || !all_digits(p.pin)) {
    fail(o.field("value"), "must be 4 to 12 decimal digits");
  }
  if (o.find("max_tries") != nullptr) p.pin_max_tries = static_cast<std::uint8_t>(o.integer("max_tries", 1, 15));
  o.no_unknown_fields();
}

// One of `names`, as the enumerator of the same index.
template <typename Enum, std::size_t N>
Enum one_of(Object& o, const std::string& key, const std::array<std::string_view, N>& names) {
  const std::string s = o.string(key);
  for (std::size_t i = 0; i < N; ++i) {
    if (s == names[i]) return static_cast<Enum>(i);
  }
  std::string list;
  for (std::size_t i = 0; i < N; ++i) list += (i == 0 ? "\"" : ", \"") + std::string(names[i]) + "\"";
  fail(o.field(key), in_quotes(s) + " must be one of " + list);
}

// Amounts in fen (0.01 yuan); a trillion fen is far beyond any account, so a bigger number is a typo.
std::uint64_t fen(Object& o, const std::string& key) {
  return static_cast<std::uint64_t>(o.integer(key, 0, 1'000'000'000'000));
}

constexpr std::array<std::string_view, 4> kCardStateNames = {"not_activated", "active", "loss_reported", "blocked"};
constexpr std::array<std::string_view, 3> kPensionStatusNames = {"not_retired", "receiving", "suspended"};
constexpr std::array<std::string_view, 2> kContributionKindNames = {"pension", "medical"};

BenefitSeed::Contribution parse_contribution(Object o) {
  BenefitSeed::Contribution c;
  c.period = digits(o, "period", 6);
  const int month = std::stoi(c.period.substr(4, 2));
  const int year = std::stoi(c.period.substr(0, 4));
  if (month < 1 || month > 12 || year < 1900 || year > 2099) {
    fail(o.field("period"), in_quotes(c.period) + " is not a valid YYYYMM month");
  }
  c.kind = one_of<BenefitSeed::ContributionKind>(o, "kind", kContributionKindNames);
  c.amount_fen = fen(o, "amount_fen");
  o.no_unknown_fields();
  return c;
}

BenefitSeed parse_benefits(Object o) {
  BenefitSeed b;
  b.card_state = one_of<BenefitSeed::CardState>(o, "card_state", kCardStateNames);
  {
    Object pension(o.need("pension"), o.field("pension"));
    b.pension_status = one_of<BenefitSeed::PensionStatus>(pension, "status", kPensionStatusNames);
    b.pension_monthly_fen = fen(pension, "monthly_fen");
    if (b.pension_status == BenefitSeed::PensionStatus::kNotRetired && b.pension_monthly_fen != 0) {
      fail(pension.field("monthly_fen"), "must be 0 for a holder who is not retired");
    }
    pension.no_unknown_fields();
  }
  b.medical_balance_fen = fen(o, "medical_balance_fen");
  if (o.find("account_fen") != nullptr) b.account_fen = fen(o, "account_fen");
  if (o.find("last_certification") != nullptr) {
    b.last_certification = date(o, "last_certification");
    if (b.pension_status == BenefitSeed::PensionStatus::kNotRetired) {
      fail(o.field("last_certification"), "a holder who is not retired has never certified");
    }
  }
  if (const json* list = o.find("contributions")) {
    if (!list->is_array()) fail(o.field("contributions"), "must be an array");
    std::set<std::pair<std::string, BenefitSeed::ContributionKind>> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string field = o.field("contributions") + "[" + std::to_string(i) + "]";
      BenefitSeed::Contribution c = parse_contribution(Object((*list)[i], field));
      if (!seen.emplace(c.period, c.kind).second) {
        const std::string kind(kContributionKindNames[static_cast<std::size_t>(c.kind)]);
        fail(field, in_quotes(c.period) + " already has a " + kind + " contribution");
      }
      b.contributions.push_back(std::move(c));
    }
  }
  o.no_unknown_fields();
  return b;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  for (std::string seg; std::getline(ss, seg, '/');) out.push_back(seg);
  return out;
}

std::uint16_t parse_fid(const std::string& text, const std::string& field) {
  auto b = from_hex(text);
  if (text.size() != 4 || !b.ok()) fail(field, in_quotes(text) + " is not a 4-hex-digit file identifier");
  const auto fid = static_cast<std::uint16_t>(((*b)[0] << 8) | (*b)[1]);
  if (fid == 0x3F00 || fid == 0xFFFF) fail(field, in_quotes(text) + " is reserved");
  return fid;
}

ExtraFile parse_extra_file(Object o) {
  ExtraFile x;
  if (auto path = o.optional_string("path")) {
    std::vector<std::string> segs = split_path(*path);
    if (segs.size() < 2 || segs[0] != "3F00") fail(o.field("path"), in_quotes(*path) + " must start with 3F00/ and end with the EF's FID");
    x.fid = parse_fid(segs.back(), o.field("path"));
    segs.pop_back();
    x.parent_path = segs;
    if (o.find("fid") != nullptr) fail(o.field("fid"), "give either path or fid, not both");
  } else {
    const std::string fid = o.string("fid");
    x.fid = parse_fid(fid, o.field("fid"));
    const std::string parent = o.optional_string("parent").value_or("3F00");
    x.parent_path = split_path(parent);
    if (x.parent_path.empty() || x.parent_path[0] != "3F00") fail(o.field("parent"), in_quotes(parent) + " must start with 3F00");
  }
  const std::string type = o.string("type");
  if (type == "transparent") x.kind = FileKind::kTransparent;
  else if (type == "record") x.kind = FileKind::kLinearVariable;
  else fail(o.field("type"), in_quotes(type) + " must be \"transparent\" or \"record\"");
  if (o.find("sfi") != nullptr) x.sfi = static_cast<std::uint8_t>(o.integer("sfi", 1, 30));
  x.read = access(o, "read", AccessCondition::always());
  x.update = access(o, "update", AccessCondition::never());
  if (x.kind == FileKind::kTransparent) {
    if (o.find("contents") != nullptr) x.contents = hex(o, "contents");
    x.size = x.contents.size();
    if (o.find("size") != nullptr) {
      x.size = static_cast<std::size_t>(o.integer("size", 1, 32767));
      if (x.size < x.contents.size()) fail(o.field("size"), "is smaller than the contents");
    }
    if (x.size == 0) fail(o.field("contents"), "a transparent EF needs contents or a size");
  } else {
    const json& records = o.need("records");
    if (!records.is_array()) fail(o.field("records"), "must be an array");
    for (std::size_t i = 0; i < records.size(); ++i) {
      const std::string field = o.field("records") + "[" + std::to_string(i) + "]";
      ExtraRecord r;
      std::string text;
      if (records[i].is_string()) {
        text = records[i].get<std::string>();
      } else {
        Object ro(records[i], field);
        text = ro.string("data");
        r.read = access(ro, "read", AccessCondition::always());
        ro.no_unknown_fields();
      }
      auto b = from_hex(text);
      if (!b.ok()) fail(field, in_quotes(text) + " is not valid hex");
      if (!is_simple_tlv_record(*b) || b->size() > kMaxRecordSize) {
        fail(field, in_quotes(text) + " is not one simple-TLV record (tag, length, value) of at most 255 bytes");
      }
      r.bytes = *b;
      x.records.push_back(std::move(r));
    }
    if (o.find("record_capacity") != nullptr) {
      x.record_capacity = static_cast<std::size_t>(o.integer("record_capacity", 2, 255));
    }
  }
  o.no_unknown_fields();
  return x;
}

HolderProfile parse_root(const json& root) {
  Object o(root, "");
  HolderProfile p;
  const std::string format = o.string("format");
  if (format != kProfileFormat) fail("format", in_quotes(format) + " is not \"sscard-profile/1\"");
  const std::string kind = o.string("kind");
  if (kind != "ssc") fail("kind", in_quotes(kind) + " is not a known kind (\"ssc\")");
  p.description = o.string("description");
  p.generation = static_cast<int>(o.integer("generation", 1, 3));

  const std::string protocol = o.string("protocol");
  if (protocol == "T=0") p.protocol = CardProtocol::kT0;
  else if (protocol == "T=1") p.protocol = CardProtocol::kT1;
  else fail("protocol", in_quotes(protocol) + " must be \"T=0\" or \"T=1\"");

  p.atr = hex(o, "atr");
  auto atr = atr::parse(p.atr);
  if (!atr.ok()) fail("atr", in_quotes(to_hex(p.atr)) + " is not a well-formed ISO/IEC 7816-3 ATR");
  if ((p.protocol == CardProtocol::kT0 && !atr->offers_t0) || (p.protocol == CardProtocol::kT1 && !atr->offers_t1)) {
    fail("atr", in_quotes(to_hex(p.atr)) + " does not offer " + protocol);
  }

  const json& interfaces = o.need("interfaces");
  if (!interfaces.is_array() || interfaces.empty()) fail("interfaces", "must be a non-empty array");
  p.contact = false;
  for (const json& i : interfaces) {
    const std::string name = i.is_string() ? i.get<std::string>() : std::string();
    bool& flag = name == "contact" ? p.contact : p.contactless;
    if ((name != "contact" && name != "contactless") || flag) {
      fail("interfaces", "must list \"contact\" and optionally \"contactless\", each once");
    }
    flag = true;
  }
  if (!p.contact) fail("interfaces", "must include \"contact\"");

  const Bytes alg = hex_of_size(o, "algorithm_id", 1);
  p.algorithm_id = alg[0];

  parse_issuer(Object(o.need("issuer"), "issuer"), p);
  parse_holder(Object(o.need("holder"), "holder"), p);
  parse_pin(Object(o.need("pin"), "pin"), p);

  if (const json* extra = o.find("extra_files")) {
    if (!extra->is_array()) fail("extra_files", "must be an array");
    for (std::size_t i = 0; i < extra->size(); ++i) {
      p.extra_files.push_back(parse_extra_file(Object((*extra)[i], "extra_files[" + std::to_string(i) + "]")));
    }
  }
  if (const json* benefits = o.find("benefits")) p.benefits = parse_benefits(Object(*benefits, "benefits"));
  if (const json* payment = o.find("payment")) {
    // PAYMENT.md §2, P1: a 1st generation card carries no debit application.
    if (p.generation == 1) fail("payment", "a 1st generation card has no payment application (generation 2 or 3 only)");
    p.payment = detail::parse_payment(Object(*payment, "payment"), p);
  }
  p.root_keys = o.string("root_keys");
  if (p.root_keys.empty()) fail("root_keys", "must name the root-key file");
  o.no_unknown_fields();
  return p;
}

// The card keys from the root-key file (SECURITY.md "Keys"); a bad file is an error of the field root_keys.
void derive_keys(HolderProfile& p, std::string_view file, crypto::Crypto& crypto) {
  const auto cipher = cipher_of_algorithm(p.algorithm_id);
  if (!cipher) {
    fail("algorithm_id", in_quotes(to_hex(ByteSpan(&p.algorithm_id, 1))) +
                             " has no keys in the simulator (01 = 3DES, 03 = SM4)");
  }
  const std::filesystem::path given(p.root_keys);
  p.root_keys_file = given.is_absolute() ? given : std::filesystem::path(file).parent_path() / given;
  auto roots = load_root_keys(p.root_keys_file);
  if (!roots.ok()) fail("root_keys", roots.error().to_string());
  auto keys = derive_card_keys(crypto, roots.value(), *cipher, p.issuer.region, p.historical_bytes());
  if (!keys.ok()) fail("root_keys", "cannot derive the card keys (the ATR needs 8 historical bytes)");
  p.keys = std::move(*keys);
}

}  // namespace

Bytes ssse_df_name() {
  // "sx1.sh.社会保障" in GBK (docs/CARD.md "Applications and files", confirmed).
  return Bytes{0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
}

Bytes HolderProfile::card_identification_code() const {
  // region (3 bytes BCD) || RID D156000005 || card serial; sized up front (GCC 12 -Warray-bounds
  // misreports vector::insert here).
  constexpr std::uint8_t kRid[] = {0xD1, 0x56, 0x00, 0x00, 0x05};
  Bytes out(3 + sizeof kRid + issuer.card_serial.size());
  if (!bcd::encode_n(issuer.region, MutableByteSpan(out).first(3)).ok()) return {};
  std::copy(std::begin(kRid), std::end(kRid), out.begin() + 3);
  std::copy(issuer.card_serial.begin(), issuer.card_serial.end(), out.begin() + 3 + sizeof kRid);
  return out;
}

Bytes HolderProfile::historical_bytes() const {
  auto parsed = atr::parse(atr);
  if (!parsed.ok()) return {};
  return Bytes(parsed->historical.begin(), parsed->historical.end());
}

Result<HolderProfile, ProfileError> parse_profile(std::string_view json_text, std::string_view file_name_for_errors) {
  const std::string file(file_name_for_errors);
  return detail::parse_document<HolderProfile>(json_text, file, [&](const json& root) -> Result<HolderProfile, ProfileError> {
    HolderProfile p = parse_root(root);
    std::shared_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();
    if (!crypto) return ProfileError{file, "", "no crypto backend to derive the card keys"};
    derive_keys(p, file, *crypto);
    if (p.payment) detail::derive_payment(p, file, *crypto);
    // Build once: this checks what only the file tree can tell (extra file paths, FID and SFI clashes).
    ProfileError error;
    if (detail::build_card(p, file, error, crypto) == nullptr) return error;
    return p;
  });
}

Result<HolderProfile, ProfileError> load_profile(const std::filesystem::path& file) {
  Result<HolderProfile, ProfileError> result = detail::load_document<HolderProfile>(file, parse_profile);
  if (result.ok()) result.value().path = file;
  return result;
}

std::unique_ptr<CardOs> make_card_os(const HolderProfile& profile, std::shared_ptr<crypto::Crypto> crypto) {
  try {
    ProfileError error;
    return detail::build_card(profile, profile.path.string(), error, std::move(crypto));
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::unique_ptr<CardOs> make_card_os(const HolderProfile& profile) {
  return make_card_os(profile, crypto::make_openssl_crypto());
}

std::unique_ptr<Card> make_card(const HolderProfile& profile) { return make_card_os(profile); }

std::unique_ptr<Card> make_card(const HolderProfile& profile, std::shared_ptr<crypto::Crypto> crypto) {
  return make_card_os(profile, std::move(crypto));
}

std::vector<std::filesystem::path> holder_profiles(const std::filesystem::path& cards_dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(cards_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".json") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sscard::sim
