#include "sscard/jsondoc/jsondoc.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sscard::jsondoc {

void fail(std::string field, std::string message) { throw FieldError{std::move(field), std::move(message)}; }

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string join(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

Object::Object(const json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j_.is_object()) fail(path_, "must be a JSON object");
}

const json* Object::find(const std::string& key) {
  seen_.insert(key);
  auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

const json& Object::need(const std::string& key) {
  const json* v = find(key);
  if (v == nullptr) fail(field(key), "is missing");
  return *v;
}

std::string Object::string(const std::string& key) {
  const json& v = need(key);
  if (!v.is_string()) fail(field(key), "must be a string");
  return v.get<std::string>();
}

std::optional<std::string> Object::optional_string(const std::string& key) {
  if (find(key) == nullptr) return std::nullopt;
  return string(key);
}

bool Object::boolean(const std::string& key) {
  const json& v = need(key);
  if (!v.is_boolean()) fail(field(key), "must be true or false");
  return v.get<bool>();
}

long long Object::integer(const std::string& key, long long lo, long long hi) {
  const json& v = need(key);
  if (!v.is_number_integer()) fail(field(key), "must be a whole number");
  // Unsigned values above LLONG_MAX do not fit: report them as out of range rather than wrapping.
  if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi)) {
    fail(field(key), v.dump() + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  const long long n = v.get<long long>();
  if (n < lo || n > hi) {
    fail(field(key), std::to_string(n) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return n;
}

long long Object::integer_or(const std::string& key, long long lo, long long hi, long long fallback) {
  if (!j_.contains(key)) {
    seen_.insert(key);
    return fallback;
  }
  return integer(key, lo, hi);
}

Object Object::object(const std::string& key) { return Object(need(key), field(key)); }

std::string Object::digits(const std::string& key, std::size_t count) {
  std::string s = string(key);
  if (s.size() != count || !all_digits(s)) {
    fail(field(key), in_quotes(s) + " must be " + std::to_string(count) + " decimal digits");
  }
  return s;
}

std::string Object::ascii_text(const std::string& key, std::size_t count) {
  std::string s = string(key);
  if (s.size() != count || !printable_ascii(s)) {
    fail(field(key), in_quotes(s) + " must be " + std::to_string(count) + " printable ASCII characters");
  }
  return s;
}

std::string Object::plain_text(const std::string& key, std::size_t max_bytes) {
  std::string s = string(key);
  if (s.empty() || s.size() > max_bytes) {
    fail(field(key), "must be 1 to " + std::to_string(max_bytes) + " bytes of text");
  }
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || c == '|') {
      fail(field(key), "must not contain control characters or '|'");
    }
  }
  return s;
}

Bytes Object::hex(const std::string& key) {
  std::string s = string(key);
  auto bytes = from_hex(s);
  if (!bytes.ok()) fail(field(key), in_quotes(s) + " is not valid hex");
  return *bytes;
}

Bytes Object::hex_of_size(const std::string& key, std::size_t size) {
  Bytes b = hex(key);
  if (b.size() != size) {
    fail(field(key), "must be " + std::to_string(size * 2) + " hex digits (" + std::to_string(size) +
                         (size == 1 ? " byte)" : " bytes)"));
  }
  return b;
}

void Object::secret_hex(const std::string& key, MutableByteSpan out) {
  const json& v = need(key);
  if (!v.is_string()) fail(field(key), "must be a string");
  // The value is not echoed in the message: it is a key.
  const std::string& text = v.get_ref<const std::string&>();
  auto n = from_hex(text, out);
  if (text.size() != out.size() * 2 || !n.ok() || *n != out.size()) {
    secure_wipe(out);
    fail(field(key), "must be " + std::to_string(out.size() * 2) + " hex digits");
  }
}

void Object::no_unknown_fields() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (!seen_.contains(it.key())) fail(field(it.key()), "is not a field of this format");
  }
}

void expect_format(Object& root, std::string_view expected) {
  const std::string format = root.string("format");
  if (format != expected) fail(root.field("format"), "must be " + in_quotes(expected) + ", not " + in_quotes(format));
}

Result<std::string, DocError> read_text(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) return DocError{file.string(), "", "is a folder, not a file"};
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    return DocError{file.string(), "", std::string("cannot be opened: ") + std::strerror(err)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return DocError{file.string(), "", "cannot be read"};
  return text.str();
}

}  // namespace sscard::jsondoc
