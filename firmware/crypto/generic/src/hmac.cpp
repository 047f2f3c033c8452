#include "sscard/crypto/hmac.h"

#include <algorithm>
#include <array>

namespace sscard::crypto {
namespace {

constexpr std::size_t kBlock = 64;      // SHA-1, SHA-256 (FIPS 180-4 5.1) and SM3 (GB/T 32905-2016 5.2)
constexpr std::size_t kMaxDigest = 32;  // digest_size() of every hash of the interface

}  // namespace

Result<std::size_t> hmac(Crypto& crypto, Hash h, ByteSpan key, ByteSpan message, MutableByteSpan out) {
  const std::size_t size = digest_size(h);
  if (size == 0 || size > kMaxDigest || message.size() > kHmacMaxMessage) return Error::kInvalidArgument;
  if (out.size() < size) return Error::kBufferTooSmall;

  // K0 (FIPS 198-1 steps 1-3): the key, or its digest when longer than a block, padded with zeros.
  std::array<std::uint8_t, kBlock> k0{};
  std::array<std::uint8_t, kBlock + kHmacMaxMessage> buffer{};
  std::array<std::uint8_t, kMaxDigest> inner{};
  Status status = kOk;
  if (key.size() > kBlock) {
    auto hashed = crypto.digest(h, key, k0);
    if (!hashed.ok()) status = hashed.status();
  } else {
    std::copy(key.begin(), key.end(), k0.begin());
  }
  if (status.ok()) {
    // Inner: H((K0 xor ipad) || message); outer: H((K0 xor opad) || inner).
    for (std::size_t i = 0; i < kBlock; ++i) buffer[i] = static_cast<std::uint8_t>(k0[i] ^ 0x36);
    std::copy(message.begin(), message.end(), buffer.begin() + kBlock);
    auto in = crypto.digest(h, ByteSpan(buffer).first(kBlock + message.size()), inner);
    if (!in.ok()) status = in.status();
  }
  if (status.ok()) {
    for (std::size_t i = 0; i < kBlock; ++i) buffer[i] = static_cast<std::uint8_t>(k0[i] ^ 0x5C);
    std::copy_n(inner.begin(), size, buffer.begin() + kBlock);
    auto outer = crypto.digest(h, ByteSpan(buffer).first(kBlock + size), out);
    if (!outer.ok()) status = outer.status();
  }
  secure_wipe(k0);
  secure_wipe(buffer);
  secure_wipe(inner);
  if (!status.ok()) return status;
  return size;
}

Status hkdf_expand_one(Crypto& crypto, Hash h, ByteSpan prk, std::string_view info, MutableByteSpan out) {
  const std::size_t size = digest_size(h);
  if (out.empty() || out.size() > size || size > kMaxDigest || info.size() + 1 > kHmacMaxMessage) {
    return Error::kInvalidArgument;
  }
  std::array<std::uint8_t, kHmacMaxMessage> message{};
  std::copy(info.begin(), info.end(), message.begin());
  message[info.size()] = 0x01;  // the block counter of T(1)
  std::array<std::uint8_t, kMaxDigest> t{};
  auto r = hmac(crypto, h, prk, ByteSpan(message).first(info.size() + 1), t);
  if (r.ok()) std::copy_n(t.begin(), out.size(), out.begin());
  secure_wipe(t);
  return r.ok() ? kOk : r.status();
}

}  // namespace sscard::crypto
