#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/host/link_keys.h"

#include "sscard/core/bytes.h"
#include "sscard/jsondoc/jsondoc.h"

namespace sscard::sim::host {
namespace {

void read_family(jsondoc::Object& issuer, const std::string& name, IssuerMasterKeys& out) {
  jsondoc::Object family = issuer.object(name);
  family.secret_hex("ac", out.ac);
  family.secret_hex("mac", out.mac);
  family.secret_hex("enc", out.enc);
  family.no_unknown_fields();
}

}  // namespace

PaymentKeys::~PaymentKeys() {
  for (IssuerMasterKeys* k : {&tdes, &sm4}) {
    secure_wipe(k->ac);
    secure_wipe(k->mac);
    secure_wipe(k->enc);
  }
  if (pin_master) secure_wipe(*pin_master);
}

Result<PaymentKeys, SetupError> load_payment_keys(const std::filesystem::path& path, std::string_view province) {
  const std::string wanted(province);
  auto loaded = jsondoc::load_document<PaymentKeys>(path, [&](std::string_view text, const std::string& file) {
    return jsondoc::parse_document<PaymentKeys>(text, file, [&](const jsondoc::json& root) {
      jsondoc::Object o(root, "");
      jsondoc::expect_format(o, "sscard-payment-keys/1");
      (void)o.find("test_only");
      (void)o.find("description");
      jsondoc::Object issuers = o.object("issuers");
      jsondoc::Object issuer = issuers.object(wanted);
      PaymentKeys keys;
      keys.province = wanted;
      const Bytes dki = issuer.hex_of_size("dki", 1);
      keys.dki = dki[0];
      read_family(issuer, "3des", keys.tdes);
      read_family(issuer, "sm4", keys.sm4);
      // The key pairs (rsa, sm2) are the certificate generator's and the card's business, not the host's.
      return keys;
    });
  });
  if (!loaded.ok()) return SetupError{loaded.error().to_string()};
  return std::move(*loaded);
}

Result<SymmetricKey, SetupError> load_pin_master(const std::filesystem::path& path) {
  return load_master_key_file(path, "sscard-pin-keys/1");
}

}  // namespace sscard::sim::host
