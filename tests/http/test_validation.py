"""Typed request validation through the generated glue, against the real
server: every failure of a request in one 422, pydantic's words, the
locations (body → field, query → name, path → name), 400 for malformed
JSON with its position, 415 for another media type, 401 before the body
for a protected route, and lengths counted in characters."""
import json
import unittest
import uuid

from harness import Server

ARROW = " \u2192 "


class ValidationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().wait_ready()

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        reports = cls.srv.sanitizer_reports()
        assert rc == 0, "server exit %d\n%s" % (rc, "\n".join(cls.srv.lines[-40:]))
        assert not reports, "\n".join(cls.srv.lines)

    def errors(self, r):
        self.assertEqual(r.status, 422, r)
        body = r.json()
        self.assertIs(body["success"], False)
        self.assertEqual(body["message"], "Validation failed")
        return [(e["field"], e["type"]) for e in body["errors"]]

    def test_every_body_failure_is_reported(self):
        r = self.srv.request("POST", "/auth/register",
                             body={"name": "", "email": "not-an-email", "password": "short"})
        self.assertEqual(self.errors(r), [
            ("body" + ARROW + "name", "value_error.any_str.min_length"),
            ("body" + ARROW + "email", "value_error.email"),
            ("body" + ARROW + "password", "value_error.any_str.min_length"),
        ])
        msgs = {e["field"]: e["message"] for e in r.json()["errors"]}
        self.assertEqual(msgs["body" + ARROW + "email"], "value is not a valid email address")
        self.assertEqual(msgs["body" + ARROW + "password"], "ensure this value has at least 8 characters")

    def test_missing_fields_and_wrong_types(self):
        r = self.srv.request("POST", "/auth/register", body={"name": 5})
        self.assertEqual(self.errors(r), [
            ("body" + ARROW + "name", "type_error.str"),
            ("body" + ARROW + "email", "value_error.missing"),
            ("body" + ARROW + "password", "value_error.missing"),
        ])
        r = self.srv.request("POST", "/auth/register", body=[1, 2])
        self.assertEqual(self.errors(r), [("body", "type_error.dict")])

    def test_missing_body(self):
        r = self.srv.request("POST", "/auth/login", body=b"",
                             headers={"Content-Type": "application/json"})
        self.assertEqual(self.errors(r), [("body", "value_error.missing")])

    def test_lengths_count_characters(self):
        name = "\u00e9" * 100                      # 200 bytes, 100 characters
        r = self.srv.request("POST", "/auth/register", body={
            "name": name, "email": f"u{uuid.uuid4().hex[:8]}@example.com",
            "password": "correct-horse-42"})
        self.assertNotEqual(r.status, 422, r)
        r = self.srv.request("POST", "/auth/register", body={
            "name": name + "\u00e9", "email": "a@example.com", "password": "correct-horse-42"})
        self.assertEqual(self.errors(r), [("body" + ARROW + "name", "value_error.any_str.max_length")])

    def test_malformed_json_is_400_with_position(self):
        r = self.srv.request("POST", "/auth/login", body=b'{"email": "a@b.co",\n "password": }',
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)
        msg = r.json()["message"]
        self.assertTrue(msg.startswith("Malformed JSON: "), msg)
        self.assertIn("at line 2 column", msg)

    def test_other_media_type_is_415(self):
        r = self.srv.request("POST", "/auth/login", body=b"email=a@b.co&password=x",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 415, r)
        self.assertEqual(r.json()["message"], "Unsupported media type: application/x-www-form-urlencoded")
        # Parameters of the type are fine.
        r = self.srv.request("POST", "/auth/login", body=b'{}',
                             headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(r.status, 422, r)

    def test_query_parameters(self):
        r = self.srv.request("GET", "/posts?page=x&per_page=101")
        self.assertEqual(self.errors(r), [
            ("query" + ARROW + "page", "type_error.integer"),
            ("query" + ARROW + "per_page", "value_error.number.not_le"),
        ])
        self.assertEqual(r.json()["errors"][1]["message"], "ensure this value is less than or equal to 100")
        r = self.srv.request("GET", "/posts?published=maybe&per_page=0")
        self.assertEqual(self.errors(r), [
            ("query" + ARROW + "per_page", "value_error.number.not_ge"),
            ("query" + ARROW + "published", "type_error.bool"),
        ])
        self.assertEqual(self.srv.request("GET", "/posts?published=true&page=2").status, 200)

    def test_path_parameters(self):
        r = self.srv.request("GET", "/posts/abc")
        self.assertEqual(self.errors(r), [("path" + ARROW + "post_id", "type_error.integer")])
        r = self.srv.request("GET", "/posts/0")
        self.assertEqual(self.errors(r), [("path" + ARROW + "post_id", "value_error.number.not_ge")])
        # x-invalid-status: a file name outside the pattern is a 404.
        r = self.srv.request("GET", "/files/.hidden")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json()["message"], "File not found")

    def test_protected_route_is_401_before_the_body(self):
        r = self.srv.request("POST", "/posts", body=b'{not even json',
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json()["message"], "Not authenticated")
        self.assertEqual(r.headers["WWW-Authenticate"], "Bearer")
        r = self.srv.request("GET", "/users/me", headers={"Authorization": "Bearer nonsense"})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.headers["WWW-Authenticate"], "Bearer")

    def test_read_only_fields_are_refused(self):
        email = f"ro{uuid.uuid4().hex[:8]}@example.com"
        r = self.srv.request("POST", "/auth/register", body={
            "name": "Ro", "email": email, "password": "correct-horse-42"})
        self.assertEqual(r.status, 201, r)
        r = self.srv.request("POST", "/auth/login", body={"email": email, "password": "correct-horse-42"})
        self.assertEqual(r.status, 200, r)
        token = r.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        r = self.srv.request("POST", "/posts", body={"title": "", "content": "c", "published": "yes"},
                             headers=auth)
        self.assertEqual(self.errors(r), [
            ("body" + ARROW + "title", "value_error.any_str.min_length"),
            ("body" + ARROW + "published", "type_error.bool"),
        ])
        r = self.srv.request("POST", "/posts", body={"title": "t", "content": "c"}, headers=auth)
        self.assertEqual(r.status, 201, r)
        self.assertIs(r.json()["published"], True)      # the schema's default


if __name__ == "__main__":
    unittest.main()
