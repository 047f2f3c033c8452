// Command and response APDU parsing: no over-reads, and a command that parses encodes back to its bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sscard/core/apdu.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sscard::ByteSpan in(data, size);
  (void)sscard::apdu::parse_response(in);

  auto command = sscard::apdu::parse_command(in);
  if (!command.ok()) return 0;
  std::vector<std::uint8_t> out(command->encoded_size());
  auto n = command->encode(out);
  if (!n.ok() || *n != size || (size != 0 && std::memcmp(out.data(), data, size) != 0)) __builtin_trap();
  return 0;
}
