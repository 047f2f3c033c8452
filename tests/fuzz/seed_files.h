// How the seed generators (wire_seeds.cpp, card_seeds.cpp) name and write corpus files: one input per file,
// named by the FNV-1a hash of its bytes, so a regenerated seed lands on the same name.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "sscard/core/bytes.h"

namespace sscard::fuzz {

inline std::string seed_file_name(const Bytes& seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::uint8_t b : seed) h = (h ^ b) * 0x100000001b3ULL;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

// Writes `seed` to `path`; false when it could not be written whole.
inline bool write_seed_file(const std::filesystem::path& path, const Bytes& seed) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
  return static_cast<bool>(out);
}

}  // namespace sscard::fuzz
