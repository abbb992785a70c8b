// Result<T>: a value or an Error naming what failed. The library's only error channel.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace imgmeta::meta {

// What kind of failure an Error is, for callers that branch on it (switch, or compare with
// ==). The names are also the codes the API and the logs show, and the codes AWS services
// answer with where we act on them; X-macro so the enum and its names cannot drift apart.
#define IMGMETA_ERROR_CODES(X)                                                                           \
  X(AccessDenied) X(AuthorizationQueryParametersError) X(BadDigest) X(BadServer) X(BucketAlreadyOwnedByYou) \
  X(Busy) X(Cancelled) X(Challenge) X(CognitoError) X(ConditionalCheckFailedException) X(Conflict)          \
  X(Constraint) X(DuplicateImage) X(EntityTooLarge) X(EntityTooSmall) X(ExpiredToken) X(Failed)             \
  X(IncompleteBody) X(InvalidAccessKeyId) X(InvalidArgument) X(InvalidCredentials) X(InvalidDigest)         \
  X(InvalidEvent) X(InvalidJwks) X(InvalidKey) X(InvalidPart) X(InvalidPartOrder) X(InvalidRange)           \
  X(InvalidRequest) X(InvalidResponse) X(InvalidSize) X(InvalidToken) X(Io) X(JwksUnavailable) X(Malformed) \
  X(NoCredentials) X(NoRegion) X(NoSuchKey) X(NoSuchUpload) X(NoSuchVersion) X(NotFound) X(NotRecorded)     \
  X(NotYet) X(PayloadTooLarge) X(PreconditionFailed) X(RequestExpired) X(ResponseTooLarge)                  \
  X(RuntimeApiError) X(ServiceUnavailable) X(SignatureDoesNotMatch) X(Timeout) X(TooLarge)                  \
  X(TooManyRequests) X(Transport) X(Unauthorized) X(Unavailable) X(UnknownFormat) X(Unreachable)            \
  X(Unsupported) X(UnsupportedMediaType) X(UsernameTaken)

enum class Errc : uint8_t {
  None,  // a plain failure: nothing for a caller to tell apart
#define IMGMETA_ERRC_ENUM(name) name,
  IMGMETA_ERROR_CODES(IMGMETA_ERRC_ENUM)
#undef IMGMETA_ERRC_ENUM
  Service,  // another service's code we have no name for: its text is in Error::service_code
};

inline constexpr std::array kErrcNames = {
    std::string_view(),
#define IMGMETA_ERRC_NAME(name) std::string_view(#name),
    IMGMETA_ERROR_CODES(IMGMETA_ERRC_NAME)
#undef IMGMETA_ERRC_NAME
    std::string_view(),
};
static_assert(kErrcNames.size() == static_cast<size_t>(Errc::Service) + 1);

// The code's name ("NotFound"); "" for None and Service.
constexpr std::string_view to_string(Errc code) {
  auto i = static_cast<size_t>(code);
  return i < kErrcNames.size() ? kErrcNames[i] : std::string_view();
}

// The code named by a text that came from elsewhere (an AWS error body, our own API's JSON):
// its Errc when we know the name, else Service; None for no text.
constexpr Errc errc_from(std::string_view text) {
  if (text.empty()) return Errc::None;
  for (size_t i = 1; i + 1 < kErrcNames.size(); ++i)
    if (kErrcNames[i] == text) return static_cast<Errc>(i);
  return Errc::Service;
}

inline std::ostream& operator<<(std::ostream& out, Errc code) {  // the name (tests print codes)
  if (code == Errc::None) return out << "None";
  if (code == Errc::Service) return out << "Service";
  return out << to_string(code);
}

struct Error {
  std::string message;
  Errc code = Errc::None;
  std::string service_code = {};  // the code text as another service sent it, when one did

  // The code as text, for logs and error bodies: the name, or the service's own code.
  std::string_view code_name() const { return code == Errc::Service ? std::string_view(service_code) : to_string(code); }
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }
inline Error make_error(Errc code, std::string message) { return Error{std::move(message), code}; }
// The same kind of failure as `cause`, told in new words (usually the cause's message with
// what was being done in front).
inline Error make_error(const Error& cause, std::string message) {
  return Error{std::move(message), cause.code, cause.service_code};
}
// A failure another service named with `code_text`.
inline Error make_service_error(std::string_view code_text, std::string message) {
  Errc code = errc_from(code_text);
  return Error{std::move(message), code, code == Errc::None ? std::string() : std::string(code_text)};
}

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
