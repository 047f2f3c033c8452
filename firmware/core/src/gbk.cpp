#include "sscard/core/gbk.h"

#include <iconv.h>

#include <cerrno>
#include <cstdint>

namespace sscard::gbk {
namespace {

// glibc, musl and libiconv all know the GBK codeset (CP936 superset of GB 2312). A handle is opened and
// closed within each call: iconv_t carries shift state and is not safe to share between threads.
class Converter {
 public:
  Converter(const char* to, const char* from) : cd_(iconv_open(to, from)) {}
  ~Converter() {
    if (valid()) iconv_close(cd_);
  }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  bool valid() const { return cd_ != reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1)); }

  // Converts all of `in`. EILSEQ (an invalid or unrepresentable character) and EINVAL (input ends inside a
  // multi-byte character) both mean the input is malformed; the output grows on E2BIG. GBK and UTF-8 are
  // stateless, so there is no shift sequence to flush at the end.
  Result<std::string> convert(ByteSpan in, std::size_t size_hint) {
    if (!valid()) return Error::kUnsupported;  // this C library has no GBK converter
    std::string out(size_hint + 4, '\0');
    // POSIX iconv takes a non-const input pointer but does not write through it.
    char* src = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
    std::size_t src_left = in.size();
    std::size_t used = 0;
    while (src_left > 0) {
      char* dst = out.data() + used;
      std::size_t dst_left = out.size() - used;
      const std::size_t rc = iconv(cd_, &src, &src_left, &dst, &dst_left);
      const int err = errno;
      used = out.size() - dst_left;
      if (rc == static_cast<std::size_t>(-1)) {
        if (err != E2BIG) return Error::kMalformed;
        out.resize(out.size() * 2);
      }
    }
    out.resize(used);
    return out;
  }

 private:
  iconv_t cd_;
};

}  // namespace

Result<std::string> to_utf8(ByteSpan gbk) {
  // Every GBK character (1 or 2 bytes) lies in the BMP: at most 3 bytes of UTF-8 (single-byte 80 is U+20AC).
  return Converter("UTF-8", "GBK").convert(gbk, gbk.size() * 3);
}

Result<Bytes> from_utf8(std::string_view utf8) {
  SSCARD_TRY_ASSIGN(const std::string text, Converter("GBK", "UTF-8").convert(as_bytes(utf8), utf8.size()));
  return Bytes(text.begin(), text.end());
}

ByteSpan trim_padding(ByteSpan field) {
  // GBK trail bytes are 40..FE, so a trailing 00 or 20 is never half of a double-byte character.
  std::size_t n = field.size();
  while (n > 0 && (field[n - 1] == 0x00 || field[n - 1] == 0x20)) --n;
  return field.first(n);
}

}  // namespace sscard::gbk
