// Expected<T>: what the simulated hosts' setup functions (opening a database, seeding it, reading key files)
// return: a value, or a HostError whose message says what failed and where (a file, a field, SQLite's text).
// The request path never uses it: a host answers every message with a frame.
#pragma once

#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sscard::sim::host {

struct HostError {
  std::string message;
};

template <typename T = std::monostate>
class [[nodiscard]] Expected {
 public:
  Expected() requires std::is_same_v<T, std::monostate> : v_(std::monostate{}) {}
  Expected(T value) : v_(std::move(value)) {}             // NOLINT(google-explicit-constructor)
  Expected(HostError error) : v_(std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  // value() of an error (or error() of a value) is a bug in the caller: it aborts.
  T& value() & { return *checked<T>(); }
  const T& value() const& { return *checked<T>(); }
  T&& value() && { return std::move(*checked<T>()); }
  T* operator->() { return checked<T>(); }
  const T* operator->() const { return checked<T>(); }
  T& operator*() { return *checked<T>(); }
  const T& operator*() const { return *checked<T>(); }
  const HostError& error() const { return *checked<HostError>(); }

 private:
  template <typename U>
  U* checked() const {
    const U* p = std::get_if<U>(&v_);
    if (p == nullptr) std::abort();
    return const_cast<U*>(p);
  }
  std::variant<T, HostError> v_;
};

}  // namespace sscard::sim::host
