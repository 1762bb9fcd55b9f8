"""Parameters of every style over HTTP, on a server built from
tests/http/params/openapi.yaml (make http-test builds it): deepObject
objects and arrays, a pipeDelimited list, a non-exploded object, a
content-encoded JSON parameter, a simple-style object in a header, a
form-exploded object (the query's undeclared pairs), and trailing-slash
routes.  GET /charges and GET /search echo what their handlers got; a
failure is a 422 at its field (query -> expand -> 2)."""
import json
import os
import urllib.parse

from harness import REPO, ServerCase, direct_only

ARROW = " \u2192 "
MODULE = os.environ.get("TEST_PARAMS_SERVER",
                        os.path.join(REPO, "build/debug/params/app.so"))


@direct_only("a server of its own spec, which Prism does not proxy")
class ParamsTest(ServerCase):
    server_module = MODULE

    def get(self, path, headers=None):
        return self.srv.request("GET", path, headers=headers)

    def echo(self, path, headers=None):
        r = self.get(path, headers)
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        return body.get("data", body)

    def errors(self, path, headers=None):
        r = self.get(path, headers)
        self.assertEqual(r.status, 422, r.body)
        return [(e["field"], e["type"]) for e in r.json()["errors"]]

    def test_deep_object(self):
        e = self.echo("/charges?created[gt]=5&created[lte]=9")
        self.assertEqual((e["created_gt"], e["created_lte"]), (5, 9))
        # The scalar alternative of the anyOf.
        self.assertEqual(self.echo("/charges?created=7")["created"], 7)
        e = self.echo("/charges?expand[]=customer&expand[]=invoice")
        self.assertEqual(e["expand"], ["customer", "invoice"])
        # Percent-encoded brackets are the same keys.
        q = urllib.parse.urlencode([("expand[]", "a"), ("created[gt]", "1")])
        e = self.echo("/charges?" + q)
        self.assertEqual((e["expand"], e["created_gt"]), (["a"], 1))

    def test_deep_object_failures_are_located(self):
        self.assertIn(("query" + ARROW + "expand" + ARROW + "2",
                       "value_error.any_str.max_length"),
                      self.errors("/charges?expand[]=a&expand[]=b&expand[]=toolongvalue"))
        errs = self.errors("/charges?created[gt]=soon")
        self.assertTrue(any(f.startswith("query" + ARROW + "created") for f, _ in errs), errs)
        errs = self.errors("/charges?created[nope]=1")
        self.assertTrue(any(f.startswith("query" + ARROW + "created") for f, _ in errs), errs)

    def test_lists_objects_and_defaults(self):
        e = self.echo("/charges?ids=1|2|3&point=x,1.5,y,-2")
        self.assertEqual(e["ids"], [1, 2, 3])
        self.assertEqual((e["x"], e["y"]), (1.5, -2))
        self.assertEqual(e["limit"], 10)
        self.assertEqual(self.errors("/charges?ids=1|two"),
                         [("query" + ARROW + "ids" + ARROW + "1", "type_error.integer")])
        self.assertEqual(self.errors("/charges?point=x,east"),
                         [("query" + ARROW + "point" + ARROW + "x", "type_error.float")])

    def test_content_encoded(self):
        f = urllib.parse.quote(json.dumps({"field": "amount", "values": [1, 2]}))
        e = self.echo("/charges?filter=" + f)
        self.assertEqual((e["field"], e["nvalues"]), ("amount", 2))
        # JSON has numbers: a string is not one.
        f = urllib.parse.quote(json.dumps({"field": "a", "values": ["1"]}))
        self.assertEqual(self.errors("/charges?filter=" + f),
                         [("query" + ARROW + "filter" + ARROW + "values" + ARROW + "0",
                           "type_error.integer")])
        self.assertEqual(self.errors("/charges?filter=%7B%7D"),
                         [("query" + ARROW + "filter" + ARROW + "field", "value_error.missing")])

    def test_header_object(self):
        e = self.echo("/charges", headers={"X-Range": "from=3,to=8"})
        self.assertEqual((e["from"], e["to"]), (3, 8))
        self.assertEqual(self.errors("/charges", headers={"X-Range": "to=x"}),
                         [("header" + ARROW + "X-Range" + ARROW + "to", "type_error.integer")])

    def test_form_exploded_object(self):
        e = self.echo("/search?q=hats&color=red&size=L")
        self.assertEqual(e["metadata"], {"color": "red", "size": "L"})
        self.assertEqual(self.errors("/search?color=crimson"),
                         [("query" + ARROW + "metadata" + ARROW + "color",
                           "value_error.any_str.max_length")])

    def test_trailing_slash_routes(self):
        r = self.get("/api/v1/")
        self.assertEqual(r.status, 501)
        self.assertIn("getV1Slash", r.json()["message"])
        r = self.get("/api/v1")
        self.assertEqual(r.status, 501)
        self.assertIn("getV1 ", r.json()["message"] + " ")
        self.assertEqual(self.get("/api/v1//").status, 404)
