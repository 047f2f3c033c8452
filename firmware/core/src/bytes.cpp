#include "sscard/core/bytes.h"

namespace sscard {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':'; }

}  // namespace

std::string to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

Result<std::size_t> from_hex(std::string_view text, MutableByteSpan out) {
  std::size_t written = 0;
  int high = -1;
  for (char c : text) {
    if (is_separator(c)) {
      if (high >= 0) return Error::kMalformed;  // a separator may not split a byte
      continue;
    }
    int v = hex_value(c);
    if (v < 0) return Error::kMalformed;
    if (high < 0) {
      high = v;
      continue;
    }
    if (written == out.size()) return Error::kBufferTooSmall;
    out[written++] = static_cast<std::uint8_t>((high << 4) | v);
    high = -1;
  }
  if (high >= 0) return Error::kMalformed;
  return written;
}

Result<Bytes> from_hex(std::string_view text) {
  Bytes out(text.size() / 2);
  auto n = from_hex(text, out);
  if (!n.ok()) return n.status();
  out.resize(*n);
  return out;
}

bool constant_time_equal(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

void secure_wipe(MutableByteSpan bytes) {
  volatile std::uint8_t* p = bytes.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = 0;
}

}  // namespace sscard
