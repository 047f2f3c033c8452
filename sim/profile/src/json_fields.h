// Internal: reading JSON fields by name with errors that name the field. Parsers throw Failure; every public
// loader catches it and turns it into a ProfileError.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sscard/core/bytes.h"
#include "sscard/sim/profile_error.h"

namespace sscard::sim::detail {

using nlohmann::json;

struct Failure {
  std::string field;
  std::string message;
};

[[noreturn]] inline void fail(std::string field, std::string message) { throw Failure{std::move(field), std::move(message)}; }

inline std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

inline std::string join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// An object whose fields are read by name; unknown fields are errors (they are usually typos).
class Object {
 public:
  Object(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_, "must be a JSON object");
  }

  const json* find(const std::string& key) {
    seen_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  const json& need(const std::string& key) {
    const json* v = find(key);
    if (v == nullptr) fail(field(key), "is missing");
    return *v;
  }
  std::string field(const std::string& key) const { return join(path_, key); }

  std::string string(const std::string& key) {
    const json& v = need(key);
    if (!v.is_string()) fail(field(key), "must be a string");
    return v.get<std::string>();
  }
  std::optional<std::string> optional_string(const std::string& key) {
    if (find(key) == nullptr) return std::nullopt;
    return string(key);
  }
  long long integer(const std::string& key, long long lo, long long hi) {
    const json& v = need(key);
    if (!v.is_number_integer()) fail(field(key), "must be an integer");
    const long long n = v.get<long long>();
    if (n < lo || n > hi) {
      fail(field(key), std::to_string(n) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return n;
  }
  // Call after reading every field.
  void no_unknown_fields() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!seen_.contains(it.key())) fail(field(it.key()), "is not a field of this format");
    }
  }

 private:
  const json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

inline bool all_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
inline bool printable_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

inline std::string digits(Object& o, const std::string& key, std::size_t count) {
  std::string s = o.string(key);
  if (s.size() != count || !all_digits(s)) {
    fail(o.field(key), in_quotes(s) + " must be " + std::to_string(count) + " decimal digits");
  }
  return s;
}

inline std::string ascii_text(Object& o, const std::string& key, std::size_t count) {
  std::string s = o.string(key);
  if (s.size() != count || !printable_ascii(s)) {
    fail(o.field(key), in_quotes(s) + " must be " + std::to_string(count) + " printable ASCII characters");
  }
  return s;
}

inline Bytes hex(Object& o, const std::string& key) {
  std::string s = o.string(key);
  auto bytes = from_hex(s);
  if (!bytes.ok()) fail(o.field(key), in_quotes(s) + " is not valid hex");
  return *bytes;
}

inline Bytes hex_of_size(Object& o, const std::string& key, std::size_t size) {
  Bytes b = hex(o, key);
  if (b.size() != size) {
    fail(o.field(key), "must be " + std::to_string(size) + " bytes, not " + std::to_string(b.size()));
  }
  return b;
}

// Parses `json_text` and hands the document to `build` (which returns a T or a Result<T, ProfileError>); a JSON syntax
// error, a Failure thrown while reading fields, or any other exception becomes a ProfileError naming `file`.
template <typename T, typename Build>
Result<T, ProfileError> parse_document(std::string_view json_text, const std::string& file, Build&& build) {
  try {
    json root;
    try {
      root = json::parse(json_text.begin(), json_text.end());
    } catch (const json::parse_error& e) {
      return ProfileError{file, "", "not valid JSON (at byte " + std::to_string(e.byte) + ")"};
    }
    return build(root);
  } catch (const Failure& f) {
    return ProfileError{file, f.field, f.message};
  } catch (const std::exception& e) {
    return ProfileError{file, "", std::string("cannot be read: ") + e.what()};
  }
}

// Reads the whole of `file` and hands its text to `parse(text, file name)`.
template <typename T, typename Parse>
Result<T, ProfileError> load_document(const std::filesystem::path& file, Parse&& parse) {
  std::string text;
  try {
    std::ifstream in(file, std::ios::binary);
    if (!in) return ProfileError{file.string(), "", "cannot be opened"};
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } catch (const std::exception&) {
    return ProfileError{file.string(), "", "cannot be read"};
  }
  return parse(text, file.string());
}

}  // namespace sscard::sim::detail
