// The payment vectors of tests/data/pboc (tools/payment-vectors.py, docs/PAYMENT.md 13): one vector a line,
// `name | algorithm | inputs (key=value ...) | expected`, run against every crypto backend.
#pragma once

#include <map>
#include <sstream>
#include <string>

#include "crypto_vectors.h"

namespace sscard::crypto::test {

inline std::vector<Vector> load_pboc(const std::string& name) {
  return sscard::test::load_vector_file("pboc", name, 4);
}

// The inputs column as a map; a missing key fails the current test and reads as "".
class Inputs {
 public:
  explicit Inputs(const Vector& v) {
    std::istringstream in(v[2]);
    std::string item;
    while (in >> item) {
      const auto eq = item.find('=');
      if (eq != std::string::npos) values_[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  const std::string& text(const std::string& key) const {
    static const std::string none;
    const auto it = values_.find(key);
    if (it == values_.end()) {
      ADD_FAILURE() << "vector has no input " << key;
      return none;
    }
    return it->second;
  }
  // Hex; '-' is empty.
  Bytes bytes(const std::string& key) const { return optional_hex(text(key)); }
  std::uint16_t u16(const std::string& key) const {
    return static_cast<std::uint16_t>(std::stoul(text(key), nullptr, 16));
  }

 private:
  std::map<std::string, std::string> values_;
};

inline Cipher cipher_named(const std::string& name) { return name == "sm4" ? Cipher::kSm4 : Cipher::kTdes; }

// Vectors whose name contains `part` (e.g. ".udk."), for one parameterised suite each.
inline std::vector<Vector> named(const std::vector<Vector>& all, const std::string& part) {
  return where(all, [&](const Vector& v) { return v[0].find(part) != std::string::npos; });
}

}  // namespace sscard::crypto::test
