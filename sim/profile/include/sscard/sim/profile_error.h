// ProfileError and Loaded<T>: how every loader of sim/profile (holder cards, PSAMs, root-key files) reports
// a bad file without throwing: the file, the field and what is wrong with it.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace sscard::sim {

struct ProfileError {
  std::string file;     // as given to the loader
  std::string field;    // dotted path, e.g. "holder.birth_date" or "extra_files[1].records[0]"; empty = whole file
  std::string message;
  // "file: field: message" (or "file: message" without a field).
  std::string to_string() const;
};

// A value of T or the ProfileError that says why there is none.
template <typename T>
class Loaded {
 public:
  Loaded(T value) : v_(std::move(value)) {}              // NOLINT(google-explicit-constructor)
  Loaded(ProfileError error) : v_(std::move(error)) {}   // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  // Calling value() on an error (or error() on a value) is a bug in the caller: it aborts.
  const T& value() const { return *checked<T>(); }
  T& value() { return *const_cast<T*>(checked<T>()); }
  const ProfileError& error() const { return *checked<ProfileError>(); }

 private:
  template <typename U>
  const U* checked() const {
    const U* p = std::get_if<U>(&v_);
    if (p == nullptr) std::abort();
    return p;
  }
  std::variant<T, ProfileError> v_;
};

}  // namespace sscard::sim
