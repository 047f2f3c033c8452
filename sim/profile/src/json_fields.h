// Internal: the profile loaders read their documents with firmware/jsondoc (errors that name the field); these
// are the shorthands the loaders use.
#pragma once

#include <string>

#include "sscard/jsondoc/jsondoc.h"
#include "sscard/sim/profile_error.h"

namespace sscard::sim::detail {

using jsondoc::all_digits;
using jsondoc::fail;
using jsondoc::in_quotes;
using jsondoc::join;
using jsondoc::json;
using jsondoc::load_document;
using jsondoc::Object;
using jsondoc::parse_document;
using jsondoc::printable_ascii;

inline std::string digits(Object& o, const std::string& key, std::size_t count) { return o.digits(key, count); }
inline std::string ascii_text(Object& o, const std::string& key, std::size_t count) {
  return o.ascii_text(key, count);
}
inline Bytes hex(Object& o, const std::string& key) { return o.hex(key); }
inline Bytes hex_of_size(Object& o, const std::string& key, std::size_t size) { return o.hex_of_size(key, size); }

// Text a card carries into the standard interface's '|'-separated lines must not hold the separator or a
// control character (DECISIONS.md D16): the loader names the field rather than the terminal refusing the
// card at read time.
inline void line_safe(Object& o, const std::string& key, const std::string& text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || c == '|') fail(o.field(key), "must not contain control characters or '|'");
  }
}

}  // namespace sscard::sim::detail
