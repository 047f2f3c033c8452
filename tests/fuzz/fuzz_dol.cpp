// Data object lists from the card (PDOL 9F38, CDOL1 8C, CDOL2 8D, DDOL 9F49; firmware/pboc dol.h) and the DOL
// data the terminal builds from them. Input: one byte N, then N bytes of DOL, then BER-TLV elements that are
// the terminal's values (the source build_dol_data asks).
//
// Checked besides memory safety: build_dol_data writes exactly dol_data_length() bytes when both succeed,
// never more than the buffer, and a buffer one byte short gives kBufferTooSmall.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sscard/core/tlv.h"
#include "sscard/pboc/dol.h"

namespace {

using sscard::ByteSpan;
namespace pboc = sscard::pboc;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteSpan input(data, size);
  const std::size_t n = std::min<std::size_t>(input[0], size - 1);
  const ByteSpan dol = input.subspan(1, n);
  const ByteSpan values = input.subspan(1 + n);

  // The walk: every entry's tag is in the DOL, and the walk ends (each step consumes at least one byte).
  pboc::DolParser parser(dol);
  std::size_t entries = 0;
  for (;;) {
    auto entry = parser.next();
    if (!entry.ok() || !entry->has_value()) break;
    (void)pboc::is_numeric_tag((*entry)->tag);
    if (++entries > dol.size()) __builtin_trap();
  }

  auto length = pboc::dol_data_length(dol);
  const pboc::DolSource source = [values](sscard::tlv::Tag tag) -> std::optional<ByteSpan> {
    auto found = sscard::tlv::find(values, tag);
    if (!found.ok()) return std::nullopt;
    return found->value;
  };
  // Room for any DOL of at most 255 entries of at most 255 bytes... but capped: a length past the cap is
  // kBufferTooSmall, which is also checked.
  std::vector<std::uint8_t> out(4096, 0xEE);
  auto built = pboc::build_dol_data(dol, source, sscard::MutableByteSpan(out.data(), out.size()));
  if (built.ok()) {
    if (!length.ok() || *built != *length || *built > out.size()) __builtin_trap();
    if (*built > 0) {
      std::vector<std::uint8_t> small(*built - 1);
      auto short_build = pboc::build_dol_data(dol, source, sscard::MutableByteSpan(small.data(), small.size()));
      if (short_build.ok() || short_build.error() != sscard::Error::kBufferTooSmall) __builtin_trap();
    }
  } else if (length.ok() && *length <= out.size() && built.error() == sscard::Error::kBufferTooSmall) {
    __builtin_trap();  // it fitted
  }
  return 0;
}
