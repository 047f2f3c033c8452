#include "sscard/core/apdu.h"

#include <algorithm>

namespace sscard::apdu {
namespace {

std::size_t read_u16(ByteSpan b, std::size_t at) {
  return static_cast<std::size_t>((b[at] << 8) | b[at + 1]);
}

// Le byte(s) -> Ne; a zero field means the maximum (ISO/IEC 7816-3 12.1.3).
std::size_t short_ne(std::uint8_t le) { return le == 0 ? kMaxShortNe : le; }
std::size_t extended_ne(std::size_t le) { return le == 0 ? kMaxExtendedNe : le; }

}  // namespace

Case Command::apdu_case() const {
  if (data.empty()) return ne == 0 ? Case::k1 : Case::k2;
  return ne == 0 ? Case::k3 : Case::k4;
}

bool Command::is_extended() const {
  return force_extended || data.size() > kMaxShortNc || ne > kMaxShortNe;
}

std::size_t Command::encoded_size() const {
  std::size_t size = 4;
  const bool ext = is_extended();
  if (!data.empty()) size += (ext ? 3u : 1u) + data.size();
  if (ne != 0) size += ext ? (data.empty() ? 3u : 2u) : 1u;
  return size;
}

Result<std::size_t> Command::encode(MutableByteSpan out) const {
  if (data.size() > kMaxExtendedNc || ne > kMaxExtendedNe) return Error::kInvalidArgument;
  const std::size_t size = encoded_size();
  if (out.size() < size) return Error::kBufferTooSmall;
  const bool ext = is_extended();
  std::size_t i = 0;
  out[i++] = cla;
  out[i++] = ins;
  out[i++] = p1;
  out[i++] = p2;
  if (!data.empty()) {
    if (ext) {
      out[i++] = 0x00;
      out[i++] = static_cast<std::uint8_t>(data.size() >> 8);
    }
    out[i++] = static_cast<std::uint8_t>(data.size() & 0xFF);
    std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(i));
    i += data.size();
  }
  if (ne != 0) {
    const std::size_t le = (ne == (ext ? kMaxExtendedNe : kMaxShortNe)) ? 0 : ne;
    if (ext) {
      if (data.empty()) out[i++] = 0x00;  // case 2E carries the 00 marker before Le
      out[i++] = static_cast<std::uint8_t>(le >> 8);
    }
    out[i++] = static_cast<std::uint8_t>(le & 0xFF);
  }
  return i;
}

Bytes Command::to_bytes() const {
  Bytes out(encoded_size());
  auto n = encode(out);
  if (!n.ok()) return {};
  out.resize(*n);
  return out;
}

Result<Command> parse_command(ByteSpan raw) {
  if (raw.size() < 4) return Error::kTruncated;
  Command c;
  c.cla = raw[0];
  c.ins = raw[1];
  c.p1 = raw[2];
  c.p2 = raw[3];
  const std::size_t n = raw.size();
  if (n == 4) return c;                      // case 1
  if (n == 5) {                              // case 2S
    c.ne = short_ne(raw[4]);
    return c;
  }
  if (raw[4] != 0) {                         // short Lc
    const std::size_t lc = raw[4];
    if (n == 5 + lc) {                       // case 3S
      c.data = raw.subspan(5, lc);
      return c;
    }
    if (n == 6 + lc) {                       // case 4S
      c.data = raw.subspan(5, lc);
      c.ne = short_ne(raw[5 + lc]);
      return c;
    }
    return n < 5 + lc ? Error::kTruncated : Error::kMalformed;
  }
  // raw[4] == 00 and more bytes follow: extended length.
  c.force_extended = true;
  if (n == 6) return Error::kTruncated;
  if (n == 7) {                              // case 2E
    c.ne = extended_ne(read_u16(raw, 5));
    return c;
  }
  const std::size_t lc = read_u16(raw, 5);
  if (lc == 0) return Error::kMalformed;     // an extended Lc of 0000 is not allowed
  if (n == 7 + lc) {                         // case 3E
    c.data = raw.subspan(7, lc);
    return c;
  }
  if (n == 9 + lc) {                         // case 4E
    c.data = raw.subspan(7, lc);
    c.ne = extended_ne(read_u16(raw, 7 + lc));
    return c;
  }
  return n < 7 + lc ? Error::kTruncated : Error::kMalformed;
}

Result<Response> parse_response(ByteSpan raw) {
  if (raw.size() < 2) return Error::kTruncated;
  Response r;
  r.data = raw.first(raw.size() - 2);
  r.sw = StatusWord(raw[raw.size() - 2], raw[raw.size() - 1]);
  return r;
}

Result<std::size_t> encode_response(ByteSpan data, StatusWord sw, MutableByteSpan out) {
  if (out.size() < data.size() + 2) return Error::kBufferTooSmall;
  std::copy(data.begin(), data.end(), out.begin());
  out[data.size()] = sw.sw1();
  out[data.size() + 1] = sw.sw2();
  return data.size() + 2;
}

}  // namespace sscard::apdu
