// The `api` handler: API Gateway HTTP API (payload format 2.0) and Lambda function URL
// events in, http::Api (the same routes as `imgmeta serve`) in between, the 2.0 response
// format out. Reference: API Gateway Developer Guide, "Working with AWS Lambda proxy
// integrations for HTTP APIs" (format 2.0), and the Lambda function URL payload (same shape).
//
// Authorization: behind an HTTP API with a JWT authorizer, API Gateway has verified the
// token and passes its claims in requestContext.authorizer.jwt.claims (every value a
// string); the principal is taken from them (sub, cognito:username / username). Without
// an authorizer (function URLs), http::Api verifies the Authorization header itself with
// the configured TokenVerifier.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "http/api.hpp"
#include "lambda/runtime.hpp"

namespace imgmeta::lambda {

struct ApiContext {
  http::Api* api = nullptr;
  std::string function_name = "imgmetaApi";
  size_t max_response_bytes = 6u * 1024 * 1024 - 4096;  // Lambda's response payload limit
  std::ostream* log = nullptr;  // default std::cout
};

HandlerResult handle_api(const Invocation& invocation, ApiContext& context);

// The two halves, exposed for tests. The request fails ("InvalidEvent") for a document
// that is not a 2.0 HTTP event.
Result<http::ApiRequest> api_request_from_event(const nlohmann::json& event);
nlohmann::json event_response(const http::ApiResponse& response, size_t max_body_bytes);

}  // namespace imgmeta::lambda
