// Reading JSON documents field by field, with errors that name the file and the dotted path of the field at
// fault ("cards/kiosks/cq.json: host.timeout_ms: 0 is outside 1..600000"). Unknown fields are errors: in a
// hand-written file they are usually typos.
//
// Field readers throw FieldError; parse_document() and load_document() catch everything and return a
// DocError instead, so no exception crosses this module's public functions that return a Result.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/jsondoc/doc_error.h"

namespace sscard::jsondoc {

using nlohmann::json;

// What a field reader throws; parse_document() turns it into a DocError.
struct FieldError {
  std::string field;
  std::string message;
};

[[noreturn]] void fail(std::string field, std::string message);

std::string in_quotes(std::string_view s);
// "parent.key", or "key" at the top.
std::string join(std::string_view parent, std::string_view key);
bool all_digits(std::string_view s);
bool printable_ascii(std::string_view s);

// An object whose fields are read by name. Call no_unknown_fields() after reading every field.
class Object {
 public:
  // `path` is the object's own dotted path ("" for the document).
  Object(const json& j, std::string path);

  const json* find(const std::string& key);
  const json& need(const std::string& key);
  bool has(const std::string& key) const { return j_.contains(key); }
  std::string field(const std::string& key) const { return join(path_, key); }
  const std::string& path() const { return path_; }

  std::string string(const std::string& key);
  std::optional<std::string> optional_string(const std::string& key);
  bool boolean(const std::string& key);
  long long integer(const std::string& key, long long lo, long long hi);
  // An optional integer: `fallback` when absent.
  long long integer_or(const std::string& key, long long lo, long long hi, long long fallback);
  // A nested object (missing: "is missing"; not an object: "must be a JSON object").
  Object object(const std::string& key);

  // Text fields with a shape.
  std::string digits(const std::string& key, std::size_t count);             // exactly `count` decimal digits
  std::string ascii_text(const std::string& key, std::size_t count);         // exactly `count` printable ASCII
  // Printable text of 1..max_bytes UTF-8 bytes without control characters or '|' (the separator of the
  // standard terminal interface's lines).
  std::string plain_text(const std::string& key, std::size_t max_bytes);
  Bytes hex(const std::string& key);
  Bytes hex_of_size(const std::string& key, std::size_t size);
  // Fills `out` exactly from hex; the temporary copies are wiped (for keys).
  void secret_hex(const std::string& key, MutableByteSpan out);

  void no_unknown_fields() const;

 private:
  const json& j_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

// The format tag every document carries: {"format": "<expected>"}.
void expect_format(Object& root, std::string_view expected);

// Parses `text` and hands the document to `build` (returning T or Result<T, DocError>). A JSON syntax error,
// a FieldError thrown while reading fields, or any other exception becomes a DocError naming `file`.
template <typename T, typename Build>
Result<T, DocError> parse_document(std::string_view text, const std::string& file, Build&& build) {
  try {
    json root;
    try {
      root = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
      return DocError{file, "", "not valid JSON (at byte " + std::to_string(e.byte) + ")"};
    }
    return build(root);
  } catch (const FieldError& f) {
    return DocError{file, f.field, f.message};
  } catch (const std::exception& e) {
    return DocError{file, "", std::string("cannot be read: ") + e.what()};
  }
}

// The whole text of `file`. kNotFound / kIo as a DocError with a readable message.
Result<std::string, DocError> read_text(const std::filesystem::path& file);

// Reads `file` and hands its text to `parse(text, file name)` (which returns a Result<T, DocError>).
template <typename T, typename Parse>
Result<T, DocError> load_document(const std::filesystem::path& file, Parse&& parse) {
  auto text = read_text(file);
  if (!text.ok()) return std::move(text).error();
  return parse(*text, file.string());
}

}  // namespace sscard::jsondoc
