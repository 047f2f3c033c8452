#include "payment_profile.h"

#include <algorithm>
#include <filesystem>

#include "sscard/core/luhn.h"
#include "sscard/crypto/diversify.h"
#include "sscard/sim/pboc/records.h"

namespace sscard::sim::detail {
namespace {

constexpr std::string_view kKeysFormat = "sscard-payment-keys/1";
constexpr std::string_view kCardsFormat = "sscard-payment-cards/1";

std::filesystem::path resolve(std::string_view given, std::string_view profile_file) {
  const std::filesystem::path path(given);
  return path.is_absolute() ? path : std::filesystem::path(profile_file).parent_path() / path;
}

// YYMMDD of a date.
std::string yymmdd(const Date& d) { return to_yyyymmdd(d).substr(2); }

// Reads a key document; any error of it is an error of the profile field `field`.
json read_document(const std::filesystem::path& file, const std::string& field) {
  auto text = jsondoc::read_text(file);
  if (!text.ok()) fail(field, text.error().to_string());
  try {
    return json::parse(text->begin(), text->end());
  } catch (const std::exception&) {
    fail(field, file.string() + ": not valid JSON");
  }
}

// Runs `read` on the document; a field error inside it is reported as "<field>: <file>: <inner field>: ...".
template <typename Read>
void read_fields(const json& doc, const std::filesystem::path& file, const std::string& field, Read&& read) {
  try {
    Object root(doc, "");
    read(root);
  } catch (const jsondoc::FieldError& e) {
    fail(field, file.string() + ": " + e.field + ": " + e.message);
  }
}

void read_udks(Object o, pboc::CardKeySet& out, crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan y) {
  for (auto [name, target] : {std::pair{"ac", &out.ac}, std::pair{"mac", &out.mac}, std::pair{"enc", &out.enc}}) {
    Bytes imk(16);
    o.secret_hex(name, imk);
    target->assign(16, 0);
    const bool ok = crypto::diversify(crypto, cipher, imk, y, *target).ok();
    secure_wipe(imk);
    if (!ok) fail(o.field(name), "cannot derive the card key");
  }
}

// An amount in yuan as the profile writes e-cash ("50.00", "50.5" or "50"), in fen; at most n12.
std::uint64_t yuan_field(Object& o, const std::string& key) {
  const std::string text = o.string(key);
  const std::size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string cents = dot == std::string::npos ? std::string() : text.substr(dot + 1);
  const bool shaped = !whole.empty() && whole.size() <= 10 && all_digits(whole) && cents.size() <= 2 &&
                      all_digits(cents) && (dot == std::string::npos || !cents.empty());
  if (!shaped) fail(o.field(key), "must be yuan with at most two decimals, like \"50.00\"");
  std::uint64_t fen = std::stoull(whole) * 100;
  if (!cents.empty()) fen += std::stoull(cents.size() == 1 ? cents + "0" : cents);
  return fen;
}

// payment.ecash (docs/CONTACTLESS.md §2.4): the e-cash of a generation 3 card.
pboc::ECash parse_ecash(Object o) {
  pboc::ECash e;
  e.balance = yuan_field(o, "balance");
  e.balance_limit = yuan_field(o, "balance_limit");
  e.single_limit = yuan_field(o, "single_limit");
  e.reset_threshold = yuan_field(o, "reset_threshold");
  if (e.balance > e.balance_limit) fail(o.field("balance"), "must not exceed balance_limit");
  o.no_unknown_fields();
  return e;
}

}  // namespace

std::string payment_pan(const HolderProfile& p) {
  const std::string& number = p.issuer.card_number;
  const std::string tail = number.size() >= 6 ? number.substr(number.size() - 6) : std::string();
  if (tail.size() != 6 || !all_digits(tail)) return {};
  const std::string body = "6200" + p.issuer.region.substr(0, 2) + p.issuer.region + tail;
  return body + luhn_check_digit(body);
}

PaymentProfile parse_payment(Object o, const HolderProfile& p) {
  PaymentProfile pay;
  pay.keys = o.string("keys");
  pay.pki = o.string("pki");
  if (pay.keys.empty()) fail(o.field("keys"), "must name the issuer key file");
  if (pay.pki.empty()) fail(o.field("pki"), "must name the card certificate file");
  pay.card.pin = p.pin;  // the profile's pin.value, not the card's current SSSE PIN (§2)
  if (auto pin = o.optional_string("pin")) {
    if (pin->size() < 4 || pin->size() > 12 || !all_digits(*pin)) fail(o.field("pin"), "must be 4 to 12 decimal digits");
    pay.card.pin = *pin;
  }
  pay.card.pin_max_tries = static_cast<std::uint8_t>(o.integer_or("pin_max_tries", 1, 15, 3));
  if (o.has("ecash")) {
    if (p.generation != 3) fail(o.field("ecash"), "only a 3rd generation card has electronic cash");
    pay.card.ecash = parse_ecash(o.object("ecash"));
  }
  o.no_unknown_fields();
  return pay;
}

void derive_payment(HolderProfile& p, std::string_view file, crypto::Crypto& crypto) {
  PaymentProfile& pay = *p.payment;
  pboc::PaymentCard& card = pay.card;
  card.generation = p.generation;
  card.pan = payment_pan(p);
  if (card.pan.empty()) fail("issuer.card_number", "must end in 6 digits for the payment PAN (docs/PAYMENT.md 3)");
  card.psn = 0x01;
  card.expiry = yymmdd(p.issuer.expiry_date);
  card.effective = yymmdd(p.issuer.issue_date);
  const std::string province = p.issuer.region.substr(0, 2) + "0000";
  std::uint8_t y[8];
  if (!crypto::udk_factor(card.pan, card.psn, y).ok()) fail("payment", "cannot make the key factor of the PAN");

  pay.keys_file = resolve(pay.keys, file);
  const json keys = read_document(pay.keys_file, "payment.keys");
  read_fields(keys, pay.keys_file, "payment.keys", [&](Object& root) {
    if (root.string("format") != kKeysFormat) fail("format", "is not \"sscard-payment-keys/1\"");
    Object issuers = root.object("issuers");
    if (!issuers.has(province)) fail(issuers.field(province), "is missing: no payment keys for this card's province");
    Object issuer = issuers.object(province);
    read_udks(issuer.object("3des"), card.tdes, crypto, crypto::Cipher::kTdes, y);
    if (p.generation == 3) {
      card.sm4.emplace();
      read_udks(issuer.object("sm4"), *card.sm4, crypto, crypto::Cipher::kSm4, y);
    }
    Object rsa = issuer.object("rsa");
    card.rsa.issuer_certificate = rsa.hex_of_size("certificate", 176);
    card.rsa.issuer_remainder = rsa.hex_of_size("remainder", 4);
    card.rsa.issuer_exponent = rsa.hex_of_size("exponent", 1);
    if (p.generation == 3) {
      card.sm2.emplace();
      card.sm2->issuer_certificate = issuer.object("sm2").hex_of_size("certificate", 142);
    }
  });

  pay.pki_file = resolve(pay.pki, file);
  const json pki = read_document(pay.pki_file, "payment.pki");
  std::array<Bytes, 2> stored_static;  // RSA, SM
  read_fields(pki, pay.pki_file, "payment.pki", [&](Object& root) {
    if (root.string("format") != kCardsFormat) fail("format", "is not \"sscard-payment-cards/1\"");
    Object cards = root.object("cards");
    if (!cards.has(card.pan)) fail(cards.field(card.pan), "is missing: no certificates for this card (run tools/payment-pki.py)");
    Object entry = cards.object(card.pan);
    Object rsa = entry.object("rsa");
    Object rsa_key = rsa.object("key");
    card.rsa.icc_modulus = rsa_key.hex_of_size("n", 128);
    card.rsa.icc_exponent = rsa_key.hex_of_size("e", 1);
    card.rsa.icc_private_exponent = rsa_key.hex("d");
    card.rsa.icc_certificate = rsa.hex_of_size("icc_certificate", 144);
    card.rsa.icc_remainder = rsa.hex_of_size("icc_remainder", 26);
    card.rsa.ssad = rsa.hex_of_size("ssad", 144);
    stored_static[0] = rsa.hex("static_data");
    if (p.generation == 3) {
      Object sm2 = entry.object("sm2");
      card.sm2->icc_private_key.assign(32, 0);
      sm2.object("key").secret_hex("d", card.sm2->icc_private_key);
      card.sm2->icc_certificate = sm2.hex_of_size("icc_certificate", 148);
      card.sm2->ssad = sm2.hex_of_size("ssad", 67);
      stored_static[1] = sm2.hex("static_data");
    }
  });

  // The certificates cover the static data: a profile edit that reaches it makes them stale (§7.3, P38).
  auto records = pboc::build_static_records(card);
  if (!records.ok()) fail("payment", "cannot build the application's records");
  for (const pboc::DataSet set : {pboc::DataSet::kRsa, pboc::DataSet::kSm}) {
    if (set == pboc::DataSet::kSm && p.generation != 3) continue;
    auto now = pboc::static_data_to_authenticate(*records, set);
    const Bytes& stored = stored_static[set == pboc::DataSet::kSm ? 1 : 0];
    if (!now.ok() || *now != stored) fail("payment.pki", "stale, run tools/payment-pki.py");
  }
}

}  // namespace sscard::sim::detail
