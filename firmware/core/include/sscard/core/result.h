// Result<T>: a value or the Status that says why there is none.
#pragma once

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>

#include "sscard/core/status.h"

namespace sscard {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : value_(value) {}                     // NOLINT(google-explicit-constructor)
  Result(T&& value) : value_(std::move(value)) {}               // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(status) { guard_ok_error(); } // NOLINT(google-explicit-constructor)
  Result(Error code) : status_(code) { guard_ok_error(); }      // NOLINT(google-explicit-constructor)

  bool ok() const { return status_.ok(); }
  Status status() const { return status_; }

  // Reading the value of an error Result is a bug in this program, not bad input: it aborts.
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
  T& operator*() { return checked(); }
  const T& operator*() const { return const_cast<Result*>(this)->checked(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void guard_ok_error() {
    // An error Result built from an ok Status would have neither a value nor an error.
    if (status_.ok()) status_ = Error::kInternal;
  }
  T& checked() {
    if (!value_) std::abort();
    return *value_;
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace sscard
