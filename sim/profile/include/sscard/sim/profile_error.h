// ProfileError: how every loader of sim/profile (holder cards, PSAMs, root-key files) reports a bad file
// without throwing, as the error of a Result<T, ProfileError>: the file, the field and what is wrong with it.
#pragma once

#include <string>

#include "sscard/core/result.h"

namespace sscard::sim {

struct ProfileError {
  std::string file;     // as given to the loader
  std::string field;    // dotted path, e.g. "holder.birth_date" or "extra_files[1].records[0]"; empty = whole file
  std::string message;
  // "file: field: message" (or "file: message" without a field).
  std::string to_string() const;
};

}  // namespace sscard::sim
