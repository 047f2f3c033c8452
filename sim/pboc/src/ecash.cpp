// Electronic cash data (docs/CONTACTLESS.md §2.4; JR/T 0025.13 5.1, 7.4.5): amounts as n12, GET DATA of the
// e-cash tags and the issuer discretionary data that carries the balance and its MAC in 9F10.
#include "application.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc::detail {

std::array<std::uint8_t, 6> to_n12(std::uint64_t fen) {
  std::array<std::uint8_t, 6> out{};
  for (std::size_t i = out.size(); i-- > 0;) {
    const auto lo = static_cast<std::uint8_t>(fen % 10);
    fen /= 10;
    const auto hi = static_cast<std::uint8_t>(fen % 10);
    fen /= 10;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::optional<std::uint64_t> from_n12(ByteSpan bcd) {
  std::uint64_t v = 0;
  for (const std::uint8_t b : bcd) {
    const int hi = b >> 4;
    const int lo = b & 0x0F;
    if (hi > 9 || lo > 9) return std::nullopt;
    v = v * 100 + static_cast<std::uint64_t>(hi * 10 + lo);
  }
  return v;
}

Result<Bytes> ecash_idd(crypto::Crypto& crypto, DataSet set, ByteSpan mac_udk, std::uint16_t atc,
                        std::uint64_t balance) {
  const auto n12 = to_n12(balance);
  Bytes idd{0x0A, 0x01};
  idd.insert(idd.end(), n12.begin() + 1, n12.end());
  // ATC ‖ balance (5) ‖ 00: one 8-byte block. 3DES: ISO 9797-1 MAC 3 on exactly one block is one DES-EDE
  // encipherment; SM4: padding method 2 to 16 bytes, one SM4 block (CBC-MAC with a zero IV).
  std::uint8_t block[16] = {};
  block[0] = static_cast<std::uint8_t>(atc >> 8);
  block[1] = static_cast<std::uint8_t>(atc);
  std::copy(n12.begin() + 1, n12.end(), block + 2);
  const bool sm = set == DataSet::kSm;
  if (sm) block[8] = 0x80;
  const std::size_t size = sm ? 16 : 8;
  SSCARD_TRY_ASSIGN(Bytes key, session_key_of(crypto, set, mac_udk, atc));
  std::uint8_t mac[16] = {};
  const Status made = crypto.encrypt_ecb(cipher_of(set), key, ByteSpan(block, size), MutableByteSpan(mac, size));
  secure_wipe(key);
  SSCARD_TRY(made);
  idd.insert(idd.end(), mac, mac + 4);
  return idd;
}

std::optional<CommandReply> PaymentApplication::get_ecash_data(std::uint16_t tag) {
  if (tag == 0xDF4F) {
    // The load log's variable part ([13] 10.2 tables 10, 11): ATC ‖ date, after P1 P2 and the two balances.
    if (!data_.ecash) return sw_reply(sw::kReferencedDataNotFound);
    return data_reply(Bytes{0xDF, 0x4F, 0x05, 0x9F, 0x36, 0x02, 0x9A, 0x03});
  }
  const PersistentState s = store_.state();
  std::uint64_t value = 0;
  switch (tag) {
    case 0x9F79: case 0x9F5D: value = s.ecash_balance; break;
    case 0x9F77: value = s.ecash_limit; break;
    case 0x9F78: value = s.ecash_single_limit; break;
    case 0x9F6D: value = s.ecash_reset_threshold; break;
    default: return std::nullopt;
  }
  // A card without e-cash (generation 2) has none of these (JR/T 0025.5 B.7: 6A 88).
  if (!data_.ecash) return sw_reply(sw::kReferencedDataNotFound);
  const auto n12 = to_n12(value);
  Bytes out{static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag), 0x06};
  out.insert(out.end(), n12.begin(), n12.end());
  return data_reply(std::move(out));
}

}  // namespace sscard::sim::pboc::detail
