// Errors as values. A fallible call returns Status (no value) or Result<T>
// (a value or an error). The message names the file, line or field at fault
// so that it can be shown to a user as it is.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace groundline {

struct Error {
  std::string message;
};

class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message)), failed_(true) {}

  static Status ok_status() { return {}; }
  bool ok() const { return !failed_; }
  const std::string& message() const { return error_; }
  Error error() const { return Error{error_}; }

 private:
  std::string error_;
  bool failed_ = false;
};

inline Error make_error(std::string message) {
  return Error{std::move(message)};
}

template <class T>
class Result {
 public:
  Result(T value) : data_(std::move(value)) {}
  Result(Error error) : data_(std::move(error)) {}
  Result(Status status) : data_(status.error()) { assert(!status.ok()); }

  bool ok() const { return std::holds_alternative<T>(data_); }
  T& value() & {
    assert(ok());
    return std::get<T>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(data_);
  }
  const std::string& message() const { return error().message; }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> data_;
};

}  // namespace groundline

// Returns the error of a failed Status or Result from the enclosing function.
#define GL_TRY(expr)                                           \
  do {                                                         \
    auto gl_try_outcome_ = (expr);                             \
    if (!gl_try_outcome_.ok()) return gl_try_outcome_.error(); \
  } while (0)

#define GL_CONCAT_INNER(a, b) a##b
#define GL_CONCAT(a, b) GL_CONCAT_INNER(a, b)
// Declares `decl` from a Result's value, or returns its error.
#define GL_ASSIGN_OR_RETURN(decl, expr) GL_ASSIGN_IMPL(GL_CONCAT(gl_result_, __LINE__), decl, expr)
#define GL_ASSIGN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                    \
  if (!tmp.ok()) return tmp.error();    \
  decl = std::move(tmp).value()
