// DocError: why a JSON document of the project (a kiosk configuration, a card profile, a key file) cannot be
// used — the file, the dotted path of the field at fault, and what is wrong. Free of nlohmann::json, so
// modules built without exceptions can pass it on.
#pragma once

#include <string>

namespace sscard::jsondoc {

struct DocError {
  std::string file;     // as given to the loader
  std::string field;    // dotted path, e.g. "payment.tac.online" or "records[2]"; empty: the whole file
  std::string message;
  // "file: field: message" (or "file: message" without a field).
  std::string to_string() const { return field.empty() ? file + ": " + message : file + ": " + field + ": " + message; }
};

}  // namespace sscard::jsondoc
