// Personalisation: the PSE, the PPSE (generation 3), the ADF and the application's Eeprom space (PAYMENT.md
// §4.1, §5.6; CONTACTLESS.md §1, §2.1, §2.4).
#include <memory>

#include "application.h"
#include "sscard/core/bcd.h"
#include "sscard/sim/pboc/payment_application.h"

namespace sscard::sim::pboc {
namespace {

constexpr std::uint16_t kDirectoryFid = 0x0001;

bool valid_udks(const CardKeySet& k) { return k.ac.size() == 16 && k.mac.size() == 16 && k.enc.size() == 16; }

constexpr std::uint64_t kMaxN12 = 999'999'999'999;

bool valid_ecash(const ECash& e) {
  return e.balance_limit <= kMaxN12 && e.single_limit <= kMaxN12 && e.reset_threshold <= kMaxN12 &&
         e.balance <= e.balance_limit;
}

}  // namespace

Status install_payment_application(CardOs& card, const PaymentCard& data) {
  if (card.crypto() == nullptr) return Error::kInvalidArgument;
  if (!valid_udks(data.tdes) || (data.generation == 3 && (!data.sm4 || !valid_udks(*data.sm4)))) {
    return Error::kInvalidArgument;
  }
  if (data.pin_max_tries < 1 || data.pin_max_tries > 15) return Error::kInvalidArgument;
  if (data.pin.size() < 4 || data.pin.size() > 12) return Error::kInvalidArgument;
  if (data.rsa.icc_modulus.size() != 128 || data.rsa.icc_private_exponent.empty()) return Error::kInvalidArgument;
  if (data.generation == 3 && data.sm2->icc_private_key.size() != 32) return Error::kInvalidArgument;
  if (data.ecash && (data.generation != 3 || !valid_ecash(*data.ecash))) return Error::kInvalidArgument;
  SSCARD_TRY_ASSIGN(StaticRecords records, build_static_records(data));

  Bytes pin(detail::kPinFieldSize, 0xFF);
  SSCARD_TRY(bcd::encode_cn(data.pin, pin));

  FileSystem& fs = card.file_system();
  // The PSE with its directory (SFI 1), then the ADF, both under the MF and selected by name.
  SSCARD_TRY_ASSIGN(NodeId pse, fs.add_df(kMfNode, DfSpec{std::nullopt, pse_name(), pse_fci_proprietary()}));
  SSCARD_TRY_ASSIGN(NodeId dir, fs.add_record_ef(pse, EfSpec{kDirectoryFid, 1, AccessCondition::always(),
                                                           AccessCondition::never()}));
  const Bytes entry = directory_record();
  SSCARD_TRY(fs.add_record(dir, entry, entry.size()));
  // The contacts have the PSE only, the field the PPSE only (CONTACTLESS.md §1).
  card.restrict_to_interface(pse, CardInterface::kContact);
  if (data.generation == 3) {
    SSCARD_TRY_ASSIGN(NodeId ppse, fs.add_df(kMfNode, DfSpec{std::nullopt, ppse_name(), ppse_fci_proprietary()}));
    card.restrict_to_interface(ppse, CardInterface::kContactless);
  }
  const Bytes adf_fci = adf_fci_proprietary(data.generation, data.ecash.has_value());
  SSCARD_TRY_ASSIGN(NodeId adf, fs.add_df(kMfNode, DfSpec{std::nullopt, payment_aid(), adf_fci}));

  detail::PersistentState initial;
  if (data.ecash) {
    initial.ecash_balance = data.ecash->balance;
    initial.ecash_limit = data.ecash->balance_limit;
    initial.ecash_single_limit = data.ecash->single_limit;
    initial.ecash_reset_threshold = data.ecash->reset_threshold;
  }
  auto store = detail::Store::create(card.eeprom(), pin, data.pin_max_tries, initial);
  secure_wipe(pin);
  SSCARD_TRY(store.status());
  card.set_application_handler(adf, std::make_shared<detail::PaymentApplication>(data, std::move(records), *store));
  return kOk;
}

}  // namespace sscard::sim::pboc
