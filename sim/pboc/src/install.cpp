// Personalisation: the PSE, the ADF and the application's Eeprom space (PAYMENT.md §4.1, §5.6).
#include <memory>

#include "application.h"
#include "sscard/core/bcd.h"
#include "sscard/sim/pboc/payment_application.h"

namespace sscard::sim::pboc {
namespace {

constexpr std::uint16_t kDirectoryFid = 0x0001;

bool valid_udks(const CardKeySet& k) { return k.ac.size() == 16 && k.mac.size() == 16 && k.enc.size() == 16; }

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
  SSCARD_TRY_ASSIGN(NodeId adf,
                    fs.add_df(kMfNode, DfSpec{std::nullopt, payment_aid(), adf_fci_proprietary(data.generation)}));

  auto store = detail::Store::create(card.eeprom(), pin, data.pin_max_tries, detail::PersistentState{});
  secure_wipe(pin);
  SSCARD_TRY(store.status());
  card.set_application_handler(adf, std::make_shared<detail::PaymentApplication>(data, std::move(records), *store));
  return kOk;
}

}  // namespace sscard::sim::pboc
