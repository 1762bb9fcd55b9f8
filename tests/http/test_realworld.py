"""Servers built from the largest public descriptions (make realworld-http
links them from the objects make realworld compiled; every operation is
the generated 501 stub, every security scheme accepts any credential):
a valid request reaches the stub (501 in the envelope), an invalid one
is a 422 naming the field, an unknown path is a 404.  Skipped when the
modules are not built (REALWORLD_DIR, default build/debug/realworld)."""
import os
import unittest

from harness import REPO, ServerCase, direct_only

ARROW = " \u2192 "
DIR = os.environ.get("REALWORLD_DIR", os.path.join(REPO, "build/debug/realworld"))


def module(name):
    return os.path.join(DIR, name, "app.so")


class RealWorld(ServerCase):
    """One server per document; subclasses name it, its schemes and the
    requests to try."""
    name = None
    schemes = ""
    auth = {}

    @classmethod
    def setUpClass(cls):
        if cls.name is None:
            raise unittest.SkipTest("the base class")
        if not os.path.exists(module(cls.name)):
            raise unittest.SkipTest(f"{module(cls.name)}: run make realworld-http")
        cls.server_module = module(cls.name)
        cls.server_env = {"STUB_SCHEMES": cls.schemes}
        super().setUpClass()

    def get(self, path):
        return self.srv.request("GET", path, headers=self.auth)

    def assert_stub(self, path, opid):
        r = self.get(path)
        self.assertEqual(r.status, 501, r.body)
        body = r.json()
        self.assertIs(body["success"], False)
        self.assertEqual(body["message"], f"Operation {opid} is not implemented")

    def assert_invalid(self, path, field):
        r = self.get(path)
        self.assertEqual(r.status, 422, r.body)
        fields = [e["field"] for e in r.json()["errors"]]
        self.assertIn(field, fields)

    def test_unknown_path(self):
        self.assertEqual(self.get("/no/such/path").status, 404)


@direct_only("servers of other documents, which Prism does not proxy")
class StripeTest(RealWorld):
    name = "stripe"
    schemes = "basicAuth,bearerAuth"
    auth = {"Authorization": "Bearer sk_test_x"}

    def test_valid(self):
        self.assert_stub("/v1/customers?limit=3&expand[]=data.default_source"
                         "&created[gt]=1700000000", "GetCustomers")
        self.assert_stub("/v1/customers?created=1700000000", "GetCustomers")

    def test_invalid(self):
        self.assert_invalid("/v1/customers?limit=many", "query" + ARROW + "limit")
        self.assert_invalid("/v1/customers?created[gt]=soon",
                            "query" + ARROW + "created")

    def test_get_body_ignored(self):
        # 3.0: the document's form body on GET is ignored, so a GET
        # without one is valid.
        self.assert_stub("/v1/account", "GetAccount")


@direct_only("servers of other documents, which Prism does not proxy")
class OpenAITest(RealWorld):
    name = "openai"
    schemes = "ApiKeyAuth"
    auth = {"Authorization": "Bearer sk-x"}

    def test_valid(self):
        self.assert_stub("/fine_tuning/jobs?limit=2&metadata[team]=a",
                         "listPaginatedFineTuningJobs")

    def test_invalid(self):
        self.assert_invalid("/fine_tuning/jobs?limit=lots",
                            "query" + ARROW + "limit")


@direct_only("servers of other documents, which Prism does not proxy")
class KubernetesTest(RealWorld):
    name = "k8s-core-v1"
    schemes = "BearerToken"
    auth = {"authorization": "Bearer x"}

    def test_valid(self):
        self.assert_stub("/api/v1/namespaces/default/pods?limit=5&watch=false",
                         "listCoreV1NamespacedPod")
        # The discovery path with its trailing slash is a route.
        self.assert_stub("/api/v1/", "getCoreV1APIResources")

    def test_invalid(self):
        self.assert_invalid("/api/v1/namespaces/default/pods?limit=five",
                            "query" + ARROW + "limit")
        self.assert_invalid("/api/v1/namespaces/default/pods?watch=maybe",
                            "query" + ARROW + "watch")
