// Test vectors from the data files under tests/data: one vector a line, fields separated by '|', surrounding
// spaces trimmed, blank lines and lines starting with '#' ignored; the last field is the expected result
// ("ok", "ok <hex>", or an error's name).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::test {

struct Vector {
  std::string file;
  int line = 0;
  std::vector<std::string> fields;

  const std::string& operator[](std::size_t i) const { return fields.at(i); }
  const std::string& expected() const { return fields.back(); }
  bool expects_ok() const { return expected().rfind("ok", 0) == 0; }
  // The text after "ok " in the expected column ("" when there is none).
  std::string expected_value() const { return expected().size() > 3 ? expected().substr(3) : std::string(); }
};

inline void PrintTo(const Vector& v, std::ostream* os) {
  *os << v.file << ":" << v.line << ":";
  for (const auto& f : v.fields) *os << " [" << f << "]";
}

inline std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

// Every vector of tests/data/<folder>/<name>. A missing file or a line with the wrong number of fields is a
// broken test tree: the program stops before any test runs, naming the line.
inline std::vector<Vector> load_vector_file(const std::string& folder, const std::string& name,
                                            std::size_t field_count) {
  // Appended in steps: GCC 12 at -O2 warns falsely (its bug 105651) on the chain of operator+ inlined here.
  std::string path = SSCARD_TEST_DATA_DIR;
  path.append("/").append(folder).append("/").append(name);
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot open test vectors " << path << "\n";
    std::abort();
  }
  std::vector<Vector> out;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    const std::string t = trim(text);
    if (t.empty() || t[0] == '#') continue;
    Vector v{name, line, {}};
    std::size_t start = 0;
    while (true) {
      const auto bar = text.find('|', start);
      v.fields.push_back(trim(std::string_view(text).substr(start, bar == std::string::npos ? bar : bar - start)));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    if (v.fields.size() != field_count) {
      std::cerr << path << ":" << line << ": expected " << field_count << " fields\n";
      std::abort();
    }
    out.push_back(std::move(v));
  }
  return out;
}

// The vectors for which `keep` is true.
template <typename Predicate>
std::vector<Vector> where(std::vector<Vector> all, Predicate keep) {
  std::erase_if(all, [&](const Vector& v) { return !keep(v); });
  return all;
}

inline std::vector<Vector> only_valid(std::vector<Vector> all) {
  return where(std::move(all), [](const Vector& v) { return v.expects_ok(); });
}

inline std::vector<Vector> only_invalid(std::vector<Vector> all) {
  return where(std::move(all), [](const Vector& v) { return !v.expects_ok(); });
}

// Test names: the line number and the description's letters and digits, e.g. "L12_case_2S_Le_00".
inline std::string line_name(const Vector& v) {
  std::string name = "L" + std::to_string(v.line) + "_";
  bool gap = false;
  for (char c : v.fields.at(0)) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      if (gap && name.back() != '_') name += '_';
      name += c;
      gap = false;
    } else {
      gap = true;
    }
  }
  return name;
}

inline std::string vector_name(const testing::TestParamInfo<Vector>& info) { return line_name(info.param); }

// Hex text to bytes; bad hex in a vector file fails the current test.
inline Bytes hex(std::string_view text) {
  auto bytes = from_hex(text);
  if (!bytes.ok()) {
    ADD_FAILURE() << "bad hex in test vector: " << text;
    return {};
  }
  return *bytes;
}

// A field that may be '-' for "none".
inline Bytes optional_hex(const std::string& field) { return field == "-" ? Bytes{} : hex(field); }

// "ok", "ok <hex>" or the error's name: the notation of the expected column.
inline std::string outcome(Status s) { return s.ok() ? "ok" : std::string(s.name()); }
inline std::string outcome(Status s, ByteSpan out) {
  if (!s.ok()) return std::string(s.name());
  return out.empty() ? "ok" : "ok " + to_hex(out);
}
inline std::string outcome(const Result<std::size_t>& r, ByteSpan out) {
  if (!r.ok()) return std::string(r.status().name());
  return outcome(kOk, out.first(*r));
}

// A copy in a heap block of exactly the input's size, so AddressSanitizer reports any read past the end.
class HeapCopy {
 public:
  explicit HeapCopy(ByteSpan src) : size_(src.size()), data_(new std::uint8_t[src.size() + (src.empty() ? 1 : 0)]) {
    std::copy(src.begin(), src.end(), data_.get());
  }
  ByteSpan span() const { return {data_.get(), size_}; }

 private:
  std::size_t size_;
  std::unique_ptr<std::uint8_t[]> data_;
};

}  // namespace sscard::test
