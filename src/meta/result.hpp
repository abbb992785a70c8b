// Result<T>: a value or an Error naming what failed. The library's only error channel.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace imgmeta::meta {

struct Error {
  std::string message;
  // A short machine-readable kind where callers branch on it ("NotFound", "Conflict",
  // "Throttling", an AWS error code, ...); empty for plain failures.
  std::string code = {};
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }
inline Error make_error(std::string code, std::string message) { return Error{std::move(message), std::move(code)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  T value_or(T fallback) const { return ok() ? value() : fallback; }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace imgmeta::meta

// TRY(expr): evaluates a Result; returns its Error from the enclosing function on failure,
// otherwise yields the value. Uses a GNU statement expression (GCC and Clang).
#define IMGMETA_CONCAT_(a, b) a##b
#define IMGMETA_CONCAT(a, b) IMGMETA_CONCAT_(a, b)
#define TRY(expr)                                                   \
  ({                                                                \
    auto IMGMETA_CONCAT(try_r_, __LINE__) = (expr);                 \
    if (!IMGMETA_CONCAT(try_r_, __LINE__).ok())                     \
      return IMGMETA_CONCAT(try_r_, __LINE__).error();              \
    std::move(IMGMETA_CONCAT(try_r_, __LINE__)).value();            \
  })
