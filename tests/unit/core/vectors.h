// Test vectors from the data files under tests/data/core (format: tests/support/vector_file.h).
#pragma once

#include "vector_file.h"

namespace sscard::test {

inline std::vector<Vector> load_vectors(const std::string& name, std::size_t field_count) {
  return load_vector_file("core", name, field_count);
}

}  // namespace sscard::test
