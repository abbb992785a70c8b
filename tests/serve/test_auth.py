"""Accounts and tokens: sign-up rules, sign-in answers that do not reveal whether an account
exists, bearer tokens (missing, malformed, tampered, forged, expired, wrong audience, alg
attacks), refresh-token rotation with reuse detection, sign-out, and the rate limits."""

import base64
import json
import os
import time
import unittest

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness import Client, Server, ServerTestCase, new_user, unique_name


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(token):
    return json.loads(unb64url(token.split(".")[1]))


def header_of(token):
    return json.loads(unb64url(token.split(".")[0]))


def sign(header, claims, key):
    signing_input = b64url_json(header) + "." + b64url_json(claims)
    return signing_input + "." + b64url(key.sign(signing_input.encode()))


class SignUpTest(ServerTestCase):

    def test_sign_up_answers_201_with_a_user_id(self):
        name = unique_name("signup")
        body = Client(self.server).sign_up(name)
        self.assertEqual(body["username"], name)
        self.assertRegex(body["userId"], r"^[0-9A-HJKMNP-TV-Z]{26}$")

    def test_taken_username_is_409_whatever_its_case(self):
        name = unique_name("taken")
        Client(self.server).sign_up(name)
        r = Client(self.server).post("/api/auth/signup", {"username": name.upper(), "password": "another password"},
                                     auth=False, expect=409)
        self.assertEqual(r.json()["error"]["code"], "UsernameTaken")

    def test_invalid_usernames_and_passwords_are_400(self):
        c = Client(self.server)
        for body in ({"username": "ab", "password": "long enough pw"},
                     {"username": "has space", "password": "long enough pw"},
                     {"username": "<script>", "password": "long enough pw"},
                     {"username": unique_name("shortpw"), "password": "short"},
                     {"username": unique_name("nopw")},
                     {"username": 42, "password": "long enough pw"},
                     {"username": unique_name("huge"), "password": "x" * 2000}):
            r = c.post("/api/auth/signup", body, auth=False, expect=400)
            self.assertEqual(r.json()["error"]["code"], "InvalidRequest", body)

    def test_body_that_is_not_a_json_object_is_400(self):
        c = Client(self.server)
        c.request("POST", "/api/auth/signup", data="not json", headers={"Content-Type": "application/json"},
                  auth=False, expect=400)
        c.post("/api/auth/signup", [1, 2], auth=False, expect=400)


class SignInTest(ServerTestCase):

    def test_wrong_password_and_unknown_user_answer_alike(self):
        name = unique_name("known")
        Client(self.server).sign_up(name)
        c = Client(self.server)
        wrong = c.post("/api/auth/signin", {"username": name, "password": "wrong password"}, auth=False, expect=401)
        unknown = c.post("/api/auth/signin", {"username": unique_name("ghost"), "password": "wrong password"},
                         auth=False, expect=401)
        self.assertEqual(wrong.json()["error"], unknown.json()["error"])
        self.assertEqual(wrong.json()["error"]["code"], "InvalidCredentials")

    def test_username_is_case_insensitive_at_sign_in(self):
        name = unique_name("casey")
        c = Client(self.server)
        c.sign_up(name)
        c.sign_in(name.upper())
        self.assertEqual(c.get("/api/me", expect=200).json()["userId"], c.user_id)

    def test_tokens_have_the_documented_shape(self):
        c = Client(self.server)
        name = unique_name("shape")
        c.sign_up(name)
        body = c.sign_in(name)
        self.assertEqual(body["tokenType"], "Bearer")
        self.assertGreater(body["expiresIn"], 0)
        self.assertEqual(header_of(body["accessToken"])["alg"], "EdDSA")
        claims = claims_of(body["accessToken"])
        self.assertEqual(claims["sub"], c.user_id)
        self.assertEqual(claims["token_use"], "access")
        self.assertEqual(claims["exp"] - claims["iat"], body["expiresIn"])


class BearerTokenTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.server, "bearer")
        with open(os.path.join(cls.server.data_dir, "auth", "token-signing.key"), "rb") as f:
            cls.server_key = Ed25519PrivateKey.from_private_bytes(f.read())

    def me(self, token, expect=401):
        headers = {} if token is None else {"Authorization": token}
        return Client(self.server).get("/api/me", headers=headers, auth=False, expect=expect)

    def test_missing_token_is_401_with_www_authenticate(self):
        r = self.me(None)
        self.assertEqual(r.json()["error"]["code"], "Unauthorized")
        self.assertIn("Bearer", r.headers["WWW-Authenticate"])

    def test_every_protected_route_needs_a_token(self):
        c = Client(self.server)
        some_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
        for method, path in (("GET", "/api/me"), ("POST", "/api/auth/signout"), ("POST", "/api/uploads"),
                             ("GET", "/api/images"), ("GET", "/api/images/" + some_id),
                             ("DELETE", "/api/images/" + some_id), ("GET", "/api/images/%s/content" % some_id),
                             ("POST", "/api/images/%s/reextract" % some_id),
                             ("GET", "/api/uploads/%s/parts" % some_id),
                             ("POST", "/api/uploads/%s/complete" % some_id), ("DELETE", "/api/uploads/" + some_id)):
            r = c.request(method, path, auth=False, expect=401)
            self.assertEqual(r.json()["error"]["code"], "Unauthorized", path)

    def test_valid_token_works(self):
        self.me("Bearer " + self.user.token, expect=200)

    def test_other_schemes_and_garbage_are_refused(self):
        self.me("Basic " + self.user.token)
        self.me("Bearer")
        self.me("Bearer not.a.jwt")
        self.me("Bearer " + "a" * 5000)

    def test_tampered_payload_is_refused(self):
        h, p, s = self.user.token.split(".")
        claims = claims_of(self.user.token)
        claims["sub"] = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
        r = self.me("Bearer " + ".".join([h, b64url_json(claims), s]))
        self.assertEqual(r.json()["error"]["code"], "InvalidToken")

    def test_tampered_signature_is_refused(self):
        h, p, s = self.user.token.split(".")
        flipped = s[:10] + ("A" if s[10] != "A" else "B") + s[11:]
        self.me("Bearer " + ".".join([h, p, flipped]))

    def test_token_signed_by_another_key_is_refused(self):
        token = sign(header_of(self.user.token), claims_of(self.user.token), Ed25519PrivateKey.generate())
        self.me("Bearer " + token)

    def test_alg_none_is_refused(self):
        _, p, _ = self.user.token.split(".")
        self.me("Bearer " + b64url_json({"alg": "none", "typ": "JWT"}) + "." + p + ".")

    def test_hs256_with_the_public_key_as_secret_is_refused(self):
        import hashlib
        import hmac
        public = self.server_key.public_key().public_bytes_raw()
        signing_input = b64url_json({"alg": "HS256", "typ": "JWT"}) + "." + self.user.token.split(".")[1]
        mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
        self.me("Bearer " + signing_input + "." + b64url(mac))

    def test_expired_token_is_refused_as_expired(self):
        claims = claims_of(self.user.token)
        claims["iat"] = claims["nbf"] = int(time.time()) - 3600
        claims["exp"] = int(time.time()) - 600
        r = self.me("Bearer " + sign(header_of(self.user.token), claims, self.server_key))
        self.assertEqual(r.json()["error"]["code"], "ExpiredToken")

    def test_wrong_audience_issuer_or_use_is_refused(self):
        for change in ({"aud": "someone-else"}, {"iss": "https://evil.example"}, {"token_use": "id"}):
            claims = dict(claims_of(self.user.token), **change)
            r = self.me("Bearer " + sign(header_of(self.user.token), claims, self.server_key))
            self.assertEqual(r.json()["error"]["code"], "InvalidToken", change)

    def test_correctly_signed_token_with_fresh_claims_is_accepted(self):
        # The forging above fails for the claim it changes, not because forging is broken.
        claims = claims_of(self.user.token)
        self.me("Bearer " + sign(header_of(self.user.token), claims, self.server_key), expect=200)


class RefreshTest(ServerTestCase):

    def test_refresh_rotates_the_refresh_token(self):
        c = new_user(self.server, "rotate")
        first = c.refresh_token
        r = c.post("/api/auth/refresh", {"refreshToken": first}, auth=False, expect=200).json()
        self.assertNotEqual(r["refreshToken"], first)
        Client(self.server, r["accessToken"]).get("/api/me", expect=200)
        # The used one no longer works...
        c.post("/api/auth/refresh", {"refreshToken": first}, auth=False, expect=401)
        # ...and its reuse revoked the whole sign-in, the new token included.
        c.post("/api/auth/refresh", {"refreshToken": r["refreshToken"]}, auth=False, expect=401)

    def test_unknown_refresh_token_is_401(self):
        r = Client(self.server).post("/api/auth/refresh", {"refreshToken": "made-up"}, auth=False, expect=401)
        self.assertEqual(r.json()["error"]["code"], "InvalidToken")

    def test_sign_out_revokes_the_refresh_token(self):
        c = new_user(self.server, "signout")
        c.post("/api/auth/signout", {"refreshToken": c.refresh_token}, expect=204)
        c.post("/api/auth/refresh", {"refreshToken": c.refresh_token}, auth=False, expect=401)

    def test_sign_out_all_revokes_every_sign_in(self):
        c = new_user(self.server, "signoutall")
        other_session = c.sign_in(c.username)["refreshToken"]
        c.post("/api/auth/signout", {"all": True}, expect=204)
        c.post("/api/auth/refresh", {"refreshToken": other_session}, auth=False, expect=401)

    def test_sign_out_cannot_revoke_another_users_token(self):
        a = new_user(self.server, "victim")
        b = new_user(self.server, "attacker")
        b.post("/api/auth/signout", {"refreshToken": a.refresh_token}, expect=204)
        a.post("/api/auth/refresh", {"refreshToken": a.refresh_token}, auth=False, expect=200)


class AccountRateLimitTest(ServerTestCase):
    SERVER_ARGS = ("--signin-failures-per-account", "3", "--signin-failures-per-address", "1000")

    def test_too_many_failures_lock_the_account_not_others(self):
        victim = unique_name("locked")
        Client(self.server).sign_up(victim)
        bystander = unique_name("bystander")
        Client(self.server).sign_up(bystander)
        c = Client(self.server)
        for _ in range(3):
            c.post("/api/auth/signin", {"username": victim, "password": "wrong password"}, auth=False, expect=401)
        r = c.post("/api/auth/signin", {"username": victim, "password": "correct horse battery"}, auth=False, expect=429)
        self.assertEqual(r.json()["error"]["code"], "TooManyRequests")
        self.assertGreater(int(r.headers["Retry-After"]), 0)
        Client(self.server).sign_in(bystander)

    def test_unknown_accounts_are_limited_alike(self):
        ghost = unique_name("ghost")
        c = Client(self.server)
        for _ in range(3):
            c.post("/api/auth/signin", {"username": ghost, "password": "wrong password"}, auth=False, expect=401)
        c.post("/api/auth/signin", {"username": ghost, "password": "wrong password"}, auth=False, expect=429)


class AddressRateLimitTest(ServerTestCase):
    SERVER_ARGS = ("--signin-failures-per-account", "1000", "--signin-failures-per-address", "4",
                   "--signups-per-address", "3")

    def test_failures_from_one_address_lock_it_out(self):
        c = Client(self.server)
        name = unique_name("addr")
        c.sign_up(name)
        for i in range(4):
            c.post("/api/auth/signin", {"username": unique_name("spray"), "password": "wrong password"},
                   auth=False, expect=401)
        r = c.post("/api/auth/signin", {"username": name, "password": "correct horse battery"}, auth=False, expect=429)
        self.assertIn("Retry-After", r.headers)

    def test_sign_ups_per_address_are_limited(self):
        c = Client(self.server)
        codes = [c.post("/api/auth/signup", {"username": unique_name("mass"), "password": "long enough pw"},
                        auth=False, validate=True).status_code for _ in range(4)]
        # One sign-up may have been spent by the other test of this class.
        self.assertIn(429, codes)
        self.assertEqual(codes[-1], 429)


if __name__ == "__main__":
    unittest.main()
