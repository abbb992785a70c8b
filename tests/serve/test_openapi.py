"""api/openapi.yaml: a valid OpenAPI 3 document that keeps the contract the web app, the AWS
shape and outside checks rely on (routes and field names from the issue). The other test
modules check every response they get against it (harness.Spec.check_response)."""

import unittest

import requests

from harness import Spec, SPEC_PATH, spec


class OpenApiDocumentTest(unittest.TestCase):

    def test_document_is_valid_openapi(self):
        Spec(SPEC_PATH)  # openapi_spec_validator.validate raises on any error

    def test_contract_routes_are_documented(self):
        paths = spec().doc["paths"]
        for method, path in (("post", "/api/auth/signup"), ("post", "/api/auth/signin"), ("post", "/api/auth/refresh"),
                             ("post", "/api/auth/signout"), ("get", "/api/me"), ("post", "/api/uploads"),
                             ("get", "/api/images"), ("get", "/api/images/{imageId}"),
                             ("get", "/api/images/{imageId}/content"), ("delete", "/api/images/{imageId}"),
                             ("post", "/api/images/{imageId}/reextract"), ("post", "/api/uploads/{imageId}/complete"),
                             ("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics")):
            self.assertIn(path, paths)
            self.assertIn(method, paths[path], path)

    def test_contract_fields_are_documented(self):
        schemas = spec().doc["components"]["schemas"]

        def props(name):
            return set(schemas[name]["properties"])

        self.assertLessEqual({"username", "password"}, props("Credentials"))
        self.assertLessEqual({"accessToken", "refreshToken", "expiresIn"}, set(schemas["Tokens"]["required"]))
        self.assertLessEqual({"filename", "contentType", "size", "sha256"}, props("UploadRequest"))
        self.assertLessEqual({"imageId", "url", "method", "headers", "expiresAt"}, set(schemas["UploadTicket"]["required"]))
        self.assertLessEqual({"imageId", "filename", "contentType", "size", "sha256", "status", "error", "uploadedAt",
                              "metadata"}, set(schemas["Image"]["required"]))
        self.assertEqual(set(schemas["ImageList"]["required"]), {"items", "nextCursor"})
        self.assertEqual(schemas["ImageStatus"]["enum"], ["pending", "ready", "failed", "unsupported"])
        self.assertEqual(set(schemas["ErrorResponse"]["properties"]["error"]["required"]), {"code", "message"})
        def param_names(path):
            out = set()
            for p in spec().doc["paths"][path]["get"]["parameters"]:
                if "$ref" in p:  # '#/components/parameters/Name'
                    p = spec().doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
                out.add(p["name"])
            return out
        filters = {"format", "make", "model", "lens", "takenFrom", "takenTo", "hasGps", "q", "status", "isoMin",
                   "isoMax", "fMin", "fMax", "focalMin", "focalMax", "exposureMin", "exposureMax", "orientation",
                   "bbox"}
        self.assertLessEqual(filters | {"limit", "cursor", "sort"}, param_names("/api/images"))
        self.assertLessEqual(filters | {"limit", "cursor"}, param_names("/api/locations"))
        self.assertLessEqual((filters - {"format"}) | {"format", "fileType"}, param_names("/api/images/export"))
        self.assertLessEqual({"thumbnailUrl", "previewUrl", "previewStatus", "previewError"}, set(schemas["Image"]["required"]))

    def test_checker_catches_a_response_that_breaks_the_schema(self):
        # The response checker the other tests rely on must be able to fail.
        r = requests.models.Response()
        r.status_code = 200
        r.headers["Content-Type"] = "application/json"
        r._content = b'{"items": [{"imageId": "not-a-ulid"}], "nextCursor": null}'
        with self.assertRaises(AssertionError):
            spec().check_response("GET", "/api/images", r)
        r.status_code = 418
        with self.assertRaises(AssertionError):
            spec().check_response("GET", "/api/images", r)


if __name__ == "__main__":
    unittest.main()
