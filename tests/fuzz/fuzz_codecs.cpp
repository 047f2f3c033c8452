// BCD, date and GBK decoders on arbitrary card field bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sscard/core/bcd.h"
#include "sscard/core/date.h"
#include "sscard/core/gbk.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sscard::ByteSpan in(data, size);
  auto n = sscard::bcd::decode_n(in);
  if (n.ok() && n->size() != 2 * size) __builtin_trap();
  (void)sscard::bcd::decode_cn(in);

  auto date = sscard::decode_bcd_date(in);
  if (date.ok() && !sscard::is_valid(*date)) __builtin_trap();

  auto text = sscard::gbk::to_utf8(sscard::gbk::trim_padding(in));
  if (text.ok()) (void)sscard::gbk::from_utf8(*text);
  (void)sscard::gbk::from_utf8(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
