// The PBOC debit application's fixed data: selection objects, the records of PAYMENT.md §4.2, the AIP and
// AFL of each data set (§4.4) and the static data the certificates cover. Pure functions of a PaymentCard,
// shared by the card and by the profile loader's check of the certificate file (§7.3).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/sim/pboc/payment_card.h"

namespace sscard::sim::pboc {

// The data set a GPO chose (P5): RSA/SHA-1/3DES or SM2/SM3/SM4.
enum class DataSet : std::uint8_t { kRsa, kSm };

// A000000333010101 and the PSE name 1PAY.SYS.DDF01 (JR/T 0025.5 6.4, B.13).
Bytes payment_aid();
Bytes pse_name();
// The contents of the A5 template of each FCI (the engine adds 6F, 84 and A5).
Bytes pse_fci_proprietary();
// `load_log`: the card keeps an e-cash load log, named by DF4D in BF0C (JR/T 0025.13 5.8).
Bytes adf_fci_proprietary(int generation, bool load_log);
// Directory record 1 of the PSE (SFI 1): 70 1B 61 19 4F 08 AID 50 0A "PBOC DEBIT" 87 01 01.
Bytes directory_record();

// PDOL data length: generation 2 `9F2103 9F4E14`, generation 3 `DF6901` first (§4.1).
std::size_t pdol_data_size(int generation);
inline constexpr std::size_t kCdol1DataSize = 29;
inline constexpr std::size_t kCdol2DataSize = 31;

// AIP and AFL of a data set (§4.4).
std::array<std::uint8_t, 2> aip(DataSet set);
Bytes afl(DataSet set);

// The fixed records, each a whole `70` template, by SFI 1..4 (index 0 = SFI 1). An SFI the card does not
// have (SFI 4 on generation 2) is empty. kInvalidArgument: a field of the card has the wrong form (PAN not
// 19 digits, dates not 6 digits, certificate objects of the wrong length).
struct StaticRecords {
  std::array<std::vector<Bytes>, 4> by_sfi;
};
Result<StaticRecords> build_static_records(const PaymentCard& card);

// The contactless side (docs/CONTACTLESS.md §2.1, §2.2): the PPSE 2PAY.SYS.DDF01 and its A5 template
// (BF0C { 61 { 4F AID, 50 label, 87 01 } }, JR/T 0025.12 6.4.3), the ADF's A5 template with the contactless
// PDOL, the PDOL data size, the AFL of each set and its three packed records (SFI 6 RSA, SFI 7 SM).
Bytes ppse_name();
Bytes ppse_fci_proprietary();
Bytes adf_fci_proprietary_contactless(bool load_log);
inline constexpr std::size_t kContactlessPdolDataSize = 34;
inline constexpr std::uint8_t kContactlessSfiRsa = 6;
inline constexpr std::uint8_t kContactlessSfiSm = 7;
Bytes contactless_afl(DataSet set);
// Records 1–3 of the set's contactless SFI: the ODA record (the static data's record values in one 70), the
// issuer key record, the ICC key record with `auth_data` (9F69, 8 bytes) last. kInvalidArgument: `records`
// lacks the set's records, or `auth_data` is not 8 bytes.
Result<std::vector<Bytes>> contactless_records(const StaticRecords& records, DataSet set, ByteSpan auth_data);

// SFI 5 record 1 from the two offline limits (the record an issuer script updates).
Bytes velocity_record(std::uint8_t lower, std::uint8_t upper);

// The static data to authenticate of a data set: the values (inside 70) of SFI 2 records 1 and 2 and of
// SFI 3 record 1 (RSA) or SFI 4 record 1 (SM), then the AIP (§4.4, JR/T 0025.7 5).
Result<Bytes> static_data_to_authenticate(const StaticRecords& records, DataSet set);

}  // namespace sscard::sim::pboc
