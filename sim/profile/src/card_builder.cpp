// Personalisation of the social-security card: SSSE with EF05 / EF06 as docs/CARD.md lays them out
// (LD/T 32-2015 record layouts, from public vendor code), DF01..DF04, the PIN, then any extra files.
#include "card_builder.h"

#include <algorithm>
#include <string>

#include "sscard/core/bcd.h"
#include "sscard/core/gbk.h"
#include "sscard/sim/pboc/payment_application.h"

namespace sscard::sim::detail {
namespace {

constexpr std::uint16_t kEf05 = 0xEF05;
constexpr std::uint16_t kEf06 = 0xEF06;
constexpr std::uint8_t kSsseUpdateKey = 0x04;  // external authentication before writing EF05/EF06
constexpr std::uint8_t kRkssse = 0x0A;         // 3rd generation read key for personal data

Bytes tlv_record(std::uint8_t tag, ByteSpan value) {
  // Sized up front: GCC 12 misreports vector::insert after a brace-initialised vector (-Warray-bounds).
  Bytes r(2 + value.size());
  r[0] = tag;
  r[1] = static_cast<std::uint8_t>(value.size());
  std::copy(value.begin(), value.end(), r.begin() + 2);
  return r;
}

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes bcd_n(std::string_view digits, std::size_t size) {
  Bytes out(size);
  if (!bcd::encode_n(digits, out).ok()) return {};
  return out;
}

Bytes bcd_date(const Date& d) {
  Bytes out(4);
  if (!encode_bcd_date(d, out).ok()) return {};
  return out;
}

Bytes padded(ByteSpan value, std::size_t size) {
  Bytes out(value.begin(), value.end());
  out.resize(size, 0x00);
  return out;
}

struct Builder {
  CardOs& card;
  std::string_view file;
  ProfileError& error;

  bool fail(std::string field, std::string message) {
    error = ProfileError{std::string(file), std::move(field), std::move(message)};
    return false;
  }

  bool add_records(NodeId ef, const std::vector<Bytes>& records, std::uint8_t guarded_tag,
                   AccessCondition guard) {
    FileSystem& fs = card.file_system();
    for (const Bytes& r : records) {
      std::optional<AccessCondition> read;
      if (!r.empty() && r[0] == guarded_tag) read = guard;
      if (!fs.add_record(ef, r, r.size(), read).ok()) return fail("", "cannot personalise a record");
    }
    return true;
  }

  bool ssse(const HolderProfile& p) {
    FileSystem& fs = card.file_system();
    // FCI proprietary data: 9F0C 03 86 01 <algorithm id> (docs/CARD.md, "Applications and files").
    const Bytes proprietary{0x9F, 0x0C, 0x03, 0x86, 0x01, p.algorithm_id};
    auto ssse = fs.add_df(kMfNode, DfSpec{std::nullopt, ssse_df_name(), proprietary});
    if (!ssse.ok()) return fail("", "cannot create SSSE");

    const bool gen3 = p.generation == 3;
    const AccessCondition update = AccessCondition::key(kSsseUpdateKey);
    auto ef05 = fs.add_record_ef(*ssse, EfSpec{kEf05, 5, AccessCondition::always(), update});
    auto ef06 = fs.add_record_ef(
        *ssse, EfSpec{kEf06, 6, gen3 ? AccessCondition::key(kRkssse) : AccessCondition::always(), update});
    if (!ef05.ok() || !ef06.ok()) return fail("", "cannot create EF05/EF06");

    const IssuerProfile& is = p.issuer;
    const std::string version = std::to_string(p.generation) + ".00";
    const std::vector<Bytes> ef05_records = {
        tlv_record(0x01, p.card_identification_code()),
        tlv_record(0x02, Bytes{static_cast<std::uint8_t>(is.card_type)}),
        tlv_record(0x03, ascii(version)),
        tlv_record(0x04, ascii(is.init_org)),
        tlv_record(0x05, bcd_date(is.issue_date)),
        tlv_record(0x06, bcd_date(is.expiry_date)),
        tlv_record(0x07, ascii(is.card_number)),
    };
    // 3rd generation: the card number, like all of EF06, needs RKSSSE (real trace in docs/CARD.md).
    if (!add_records(*ef05, ef05_records, gen3 ? 0x07 : 0x00, AccessCondition::key(kRkssse))) return false;

    const HolderData& h = p.holder;
    auto name = gbk::from_utf8(h.name);
    if (!name.ok()) return fail("holder.name", "is not representable in GBK");
    const NameParts parts = split_gbk_name(*name);
    std::vector<Bytes> ef06_records = {
        tlv_record(0x08, ascii(h.ssn)),
        tlv_record(0x09, padded(parts.main, kNameSize)),
    };
    // 1st generation cards have no name extension record (docs/CARD.md, EF06).
    if (p.generation >= 2) ef06_records.push_back(tlv_record(0x4E, padded(parts.extension, kNameExtensionSize)));
    ef06_records.push_back(tlv_record(0x0A, Bytes{static_cast<std::uint8_t>(h.sex)}));
    ef06_records.push_back(tlv_record(0x0B, bcd_n(h.nation, 1)));
    ef06_records.push_back(tlv_record(0x0C, bcd_n(h.birthplace, 3)));
    ef06_records.push_back(tlv_record(0x0D, bcd_date(h.birth_date)));
    if (!add_records(*ef06, ef06_records, 0x00, AccessCondition::always())) return false;

    // APPLICATION BLOCK acts on SSSE (SECURITY.md "MACs"); its state byte lives in the Eeprom.
    if (!card.enable_application_block(*ssse).ok()) return fail("", "cannot personalise SSSE");

    // Application DFs DF01..DF04, AIDs D156000005 00..03 (docs/CARD.md; contents unconfirmed, left empty).
    for (std::uint8_t i = 0; i < 4; ++i) {
      const Bytes aid{0xD1, 0x56, 0x00, 0x00, 0x05, i};
      const auto fid = static_cast<std::uint16_t>(0xDF01 + i);
      if (!fs.add_df(*ssse, DfSpec{fid, aid, {}}).ok()) return fail("", "cannot create the application DFs");
    }
    return true;
  }

  // The card key of every class, under the role and id its commands look for.
  bool keys(const HolderProfile& p) {
    for (KeyClass c : kKeyClasses) {
      const ByteSpan key = p.keys.key(c);
      if (key.empty()) continue;  // a profile made in code without keys
      const CardKeyReference ref = card_key_reference(c);
      if (!card.add_key(ref.role, ref.id, p.keys.cipher, key).ok()) return fail("root_keys", "cannot personalise the keys");
    }
    return true;
  }

  // Resolves "3F00/SSSE/DF01"-style parent paths in the built tree.
  std::optional<NodeId> resolve(const std::vector<std::string>& path) {
    const FileSystem& fs = card.file_system();
    if (path.empty() || path[0] != "3F00") return std::nullopt;
    NodeId at = kMfNode;
    for (std::size_t i = 1; i < path.size(); ++i) {
      const std::string& seg = path[i];
      std::optional<NodeId> next;
      if (seg == "SSSE") {
        next = fs.df_by_name(ssse_df_name());
      } else if (seg.size() == 4) {
        auto fid = from_hex(seg);
        if (fid.ok()) next = fs.child_by_fid(at, static_cast<std::uint16_t>(((*fid)[0] << 8) | (*fid)[1]));
      }
      if (!next || fs.node(*next).kind != FileKind::kDf || (seg == "SSSE" && fs.node(*next).parent != at)) {
        return std::nullopt;
      }
      at = *next;
    }
    return at;
  }

  bool extra_files(const HolderProfile& p) {
    FileSystem& fs = card.file_system();
    for (std::size_t i = 0; i < p.extra_files.size(); ++i) {
      const ExtraFile& x = p.extra_files[i];
      const std::string field = "extra_files[" + std::to_string(i) + "]";
      auto parent = resolve(x.parent_path);
      if (!parent) return fail(field + ".path", "names a DF that does not exist");
      const EfSpec spec{x.fid, x.sfi, x.read, x.update};
      if (x.kind == FileKind::kTransparent) {
        if (!fs.add_transparent_ef(*parent, spec, x.contents, x.size).ok()) {
          return fail(field, "clashes with another file (FID or SFI already used in that DF)");
        }
        continue;
      }
      auto ef = fs.add_record_ef(*parent, spec);
      if (!ef.ok()) return fail(field, "clashes with another file (FID or SFI already used in that DF)");
      for (std::size_t r = 0; r < x.records.size(); ++r) {
        const ExtraRecord& rec = x.records[r];
        const std::size_t capacity = std::max(rec.bytes.size(), x.record_capacity);
        if (!fs.add_record(*ef, rec.bytes, capacity, rec.read).ok()) {
          return fail(field + ".records[" + std::to_string(r) + "]", "is not a simple-TLV record of at most 255 bytes");
        }
      }
    }
    return true;
  }
};

}  // namespace

NameParts split_gbk_name(ByteSpan gbk) {
  // A GBK lead byte is 81..FE and takes one trail byte; everything else is a single byte.
  std::size_t cut = 0;
  while (cut < gbk.size()) {
    const std::size_t width = gbk[cut] >= 0x81 && gbk[cut] <= 0xFE ? 2 : 1;
    if (cut + width > kNameSize || cut + width > gbk.size()) break;
    cut += width;
  }
  NameParts parts;
  parts.main.assign(gbk.begin(), gbk.begin() + static_cast<std::ptrdiff_t>(cut));
  parts.extension.assign(gbk.begin() + static_cast<std::ptrdiff_t>(cut), gbk.end());
  return parts;
}

std::unique_ptr<CardOs> build_card(const HolderProfile& p, std::string_view file, ProfileError& error,
                                   std::shared_ptr<crypto::Crypto> crypto) {
  CardConfig config;
  config.protocol = p.protocol;
  config.atr = p.atr;
  // docs/CONTACTLESS.md §1: a dual-interface (generation 3) card's ATS is TL 78 00 81 02 followed by the
  // historical bytes of its contact ATR, so both interfaces show the same ones.
  if (p.generation == 3 && p.contactless) {
    const Bytes historical = p.historical_bytes();
    constexpr std::uint8_t kInterfaceBytes[] = {0x78, 0x00, 0x81, 0x02};  // T0 TA TB TC
    Bytes ats(1 + sizeof kInterfaceBytes + historical.size());  // sized up front (GCC 12 -Warray-bounds)
    ats[0] = static_cast<std::uint8_t>(ats.size());              // TL counts itself
    std::copy(std::begin(kInterfaceBytes), std::end(kInterfaceBytes), ats.begin() + 1);
    std::copy(historical.begin(), historical.end(), ats.begin() + 1 + sizeof kInterfaceBytes);
    config.ats = std::move(ats);
  }
  config.crypto = std::move(crypto);
  auto card = std::make_unique<CardOs>(config);
  Builder b{*card, file, error};
  if (!b.ssse(p)) return nullptr;
  if (!b.keys(p)) return nullptr;
  if (!card->set_pin(p.pin, p.pin_max_tries).ok()) {
    b.fail("pin", "cannot be stored");
    return nullptr;
  }
  if (!b.extra_files(p)) return nullptr;
  // The PBOC debit application beside SSSE (docs/PAYMENT.md §2, §4.1).
  if (p.payment && !pboc::install_payment_application(*card, p.payment->card).ok()) {
    b.fail("payment", "cannot personalise the payment application");
    return nullptr;
  }
  return card;
}

}  // namespace sscard::sim::detail

namespace sscard::sim {

CardKeyReference card_key_reference(KeyClass c) {
  switch (c) {
    case KeyClass::kIrk: return {KeyRole::kInternalAuth, 0x00};
    case KeyClass::kEak04: return {KeyRole::kExternalAuth, 0x04};
    case KeyClass::kRkssse: return {KeyRole::kExternalAuth, 0x0A};
    case KeyClass::kEak0d: return {KeyRole::kExternalAuth, 0x0D};
    case KeyClass::kStk: return {KeyRole::kApplicationMac, 0x00};
    case KeyClass::kPuk: return {KeyRole::kPinUnblockMac, 0x00};
    case KeyClass::kPrk: return {KeyRole::kPinReloadMac, 0x00};
  }
  return {KeyRole::kInternalAuth, 0x00};
}

}  // namespace sscard::sim
