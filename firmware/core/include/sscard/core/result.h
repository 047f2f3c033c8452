// Result<T, E>: a value, or the error that says why there is none. The one result type of the project:
// E is Status on the card and transport path, and a richer error where the caller needs more than a code
// (ssc::Fault for secured card operations, host::HostError for issuer exchanges, a message-carrying error
// for loaders of files). Result<void, E> is a success or an error.
//
// SSCARD_TRY and SSCARD_TRY_ASSIGN return early with the error of anything that has ok(): a Status, a Fault,
// or a Result of any error type.
#pragma once

#include <concepts>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "sscard/core/status.h"

namespace sscard {

namespace detail {

// An error type that can itself say "ok" (Status, ssc::Fault) must not be stored as the error of a Result:
// such a Result would have neither a value nor an error. It is replaced by the type's internal error.
template <typename E>
concept SelfCheckingError = requires(const E& e) {
  { e.ok() } -> std::convertible_to<bool>;
  { E::internal() } -> std::convertible_to<E>;
};

template <typename E>
E checked_error(E error) {
  if constexpr (SelfCheckingError<E>) {
    if (error.ok()) return E::internal();
  }
  return error;
}

}  // namespace detail

template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  Result(const T& value) : v_(std::in_place_index<0>, value) {}             // NOLINT(google-explicit-constructor)
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Result(E error) : v_(std::in_place_index<1>, detail::checked_error(std::move(error))) {}  // NOLINT
  // `return Error::kTimeout;` from a function returning Result<T>.
  Result(Error code) requires std::same_as<E, Status>                        // NOLINT(google-explicit-constructor)
      : v_(std::in_place_index<1>, detail::checked_error(Status(code))) {}

  bool ok() const { return v_.index() == 0; }

  // The error; reading it from a Result that holds a value is a bug in the caller: it aborts.
  const E& error() const& { return checked<1>(); }
  E&& error() && { return std::move(checked<1>()); }
  // The Status of a Result<T> (kOk when it holds a value).
  Status status() const requires std::same_as<E, Status> { return ok() ? Status() : checked<1>(); }

  // Reading the value of an error Result is a bug in this program, not bad input: it aborts.
  T& value() & { return checked<0>(); }
  const T& value() const& { return checked<0>(); }
  T&& value() && { return std::move(checked<0>()); }
  T* operator->() { return &checked<0>(); }
  const T* operator->() const { return &checked<0>(); }
  T& operator*() & { return checked<0>(); }
  const T& operator*() const& { return checked<0>(); }
  T&& operator*() && { return std::move(checked<0>()); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? checked<0>() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  template <std::size_t I>
  auto& checked() {
    if (v_.index() != I) std::abort();
    return *std::get_if<I>(&v_);
  }
  template <std::size_t I>
  const auto& checked() const {
    if (v_.index() != I) std::abort();
    return *std::get_if<I>(&v_);
  }

  std::variant<T, E> v_;
};

// Success, or an error.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  Result() = default;
  Result(E error) : error_(detail::checked_error(std::move(error))) {}  // NOLINT(google-explicit-constructor)
  Result(Error code) requires std::same_as<E, Status>                   // NOLINT(google-explicit-constructor)
      : error_(detail::checked_error(Status(code))) {}

  bool ok() const { return !error_.has_value(); }
  const E& error() const& {
    if (!error_) std::abort();
    return *error_;
  }
  E&& error() && {
    if (!error_) std::abort();
    return std::move(*error_);
  }

 private:
  std::optional<E> error_;
};

namespace detail {

// The error to return early with: a Result's error, or the value itself when it is an error type (Status,
// Fault) whose ok() was false.
template <typename R>
decltype(auto) early_error(R&& r) {
  if constexpr (requires { std::forward<R>(r).error(); }) {
    return std::forward<R>(r).error();
  } else {
    return std::forward<R>(r);
  }
}

}  // namespace detail

}  // namespace sscard

#define SSCARD_CONCAT_INNER(a, b) a##b
#define SSCARD_CONCAT(a, b) SSCARD_CONCAT_INNER(a, b)

// Returns early from the enclosing function with the error of `expr` (a Status, a Fault, or any Result) when
// it is not ok. The enclosing function's result type must be constructible from that error.
#define SSCARD_TRY(expr)                                                  \
  do {                                                                    \
    auto&& sscard_try_value_ = (expr);                                    \
    if (!sscard_try_value_.ok()) {                                        \
      return ::sscard::detail::early_error(                               \
          std::forward<decltype(sscard_try_value_)>(sscard_try_value_)); \
    }                                                                     \
  } while (0)

// `SSCARD_TRY_ASSIGN(auto x, f());` declares x from the value of a Result, or returns its error early.
#define SSCARD_TRY_ASSIGN(lhs, expr) SSCARD_TRY_ASSIGN_IMPL(SSCARD_CONCAT(sscard_result_, __LINE__), lhs, expr)
#define SSCARD_TRY_ASSIGN_IMPL(tmp, lhs, expr)                \
  auto tmp = (expr);                                          \
  if (!tmp.ok()) return std::move(tmp).error();               \
  lhs = std::move(tmp).value()
