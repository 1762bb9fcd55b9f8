// client.test.mts - the API driven through a TypeScript client generated
// from openapi.yaml (openapi-typescript types + openapi-fetch), the way a
// user of the API would drive it.
//
// Two checks in one: tsc type-checks this file against the generated
// types before it runs (scripts/sdk-test.sh), so a route, parameter or
// field that the spec no longer has breaks the build; and the run below
// checks that the server answers what those types promise, field by
// field.  An operation that still answers 501 (not written yet) makes the
// steps that need it skip, each with the reason.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "../../build/sdk/api.js";

type Schemas = components["schemas"];
type User = Schemas["User"];
type Post = Schemas["Post"];
type ErrorResponse = Schemas["ErrorResponse"];

const baseUrl = process.env.API_URL;
if (!baseUrl) throw new Error("API_URL is not set: run scripts/sdk-test.sh");

// --- every field of a schema, checked by the compiler both ways --------
// A key the spec adds (or drops) makes the `never` below fail to compile
// until the list follows, and the run checks the server sends exactly
// these keys.
type Exhaustive<T, K extends readonly PropertyKey[]> =
  [Exclude<keyof T, K[number]>] extends [never] ? K : never;
const USER_KEYS = ["id", "name", "email", "avatar_url", "created_at"] as const satisfies readonly (keyof User)[];
const POST_KEYS = ["id", "title", "content", "published", "author_id", "cover_image",
  "created_at", "updated_at"] as const satisfies readonly (keyof Post)[];
const TOKEN_KEYS = ["access_token", "token_type", "user"] as const;
const PAGE_KEYS = ["data", "total", "page", "per_page", "total_pages", "has_next", "has_prev"] as const;
const UPLOAD_KEYS = ["message", "filename", "original_name", "content_type", "size", "url", "uploaded_by"] as const;
const userKeys: Exhaustive<User, typeof USER_KEYS> = USER_KEYS;
const postKeys: Exhaustive<Post, typeof POST_KEYS> = POST_KEYS;
const tokenKeys: Exhaustive<Schemas["TokenResponse"], typeof TOKEN_KEYS> = TOKEN_KEYS;
const pageKeys: Exhaustive<Schemas["PostPage"], typeof PAGE_KEYS> = PAGE_KEYS;
const uploadKeys: Exhaustive<Schemas["UploadResponse"], typeof UPLOAD_KEYS> = UPLOAD_KEYS;

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function assertKeys(obj: object, keys: readonly string[], what: string): void {
  assert.deepEqual(Object.keys(obj).sort(), [...keys].sort(), `${what}: fields`);
}

function assertUser(u: User): void {
  assertKeys(u, userKeys, "User");
  assert.ok(Number.isInteger(u.id) && u.id > 0, "User.id");
  assert.equal(typeof u.name, "string");
  assert.equal(typeof u.email, "string");
  assert.ok(u.avatar_url === null || typeof u.avatar_url === "string", "User.avatar_url");
  assert.match(u.created_at, RFC3339);
}

function assertPost(p: Post): void {
  assertKeys(p, postKeys, "Post");
  assert.ok(Number.isInteger(p.id) && p.id > 0, "Post.id");
  assert.equal(typeof p.published, "boolean");
  assert.ok(p.cover_image === null || typeof p.cover_image === "string", "Post.cover_image");
  assert.match(p.created_at, RFC3339);
  assert.match(p.updated_at, RFC3339);
}

/** The error envelope every non-2xx answer carries (API-CONTRACT). */
function assertEnvelope(e: ErrorResponse | undefined, res: Response, status: number, message?: string): ErrorResponse {
  assert.equal(res.status, status, `status (body: ${JSON.stringify(e)})`);
  assert.ok(e, "an error body");
  assert.equal(e.success, false);
  assert.equal(typeof e.message, "string");
  if (message !== undefined) assert.equal(e.message, message);
  assert.ok(res.headers.get("X-Request-Id"), "X-Request-Id");
  return e;
}

/** Skips the step when the operation it exercises is not written yet. */
function unwritten(t: TestContext, res: Response, operation: string): boolean {
  if (res.status !== 501) return false;
  t.skip(`${operation} answers 501: its handler is not written yet`);
  return true;
}

// --- the clients ---------------------------------------------------------
const api = createClient<paths>({ baseUrl });
let token: string | undefined;
const authed = createClient<paths>({ baseUrl });
authed.use({
  onRequest({ request }) {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
});

// What the steps hand on to each other; a step that finds what it needs
// missing skips, naming the step that did not run.
const run = `${process.pid}-${Date.now()}`;
const alice = { name: "Alice Émilie", email: `alice-${run}@example.com`, password: "correct-horse-42" };
let me: User | undefined;
let post: Post | undefined;

// A 1x1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64");

test("GET / through the generated client", async () => {
  const { data, response } = await api.GET("/");
  assert.equal(response.status, 200);
  assert.deepEqual(data, { message: "API is running", docs: "/docs" });
});

test("GET /openapi.json is the spec the types were generated from", async () => {
  const { data, response } = await api.GET("/openapi.json");
  assert.equal(response.status, 200);
  assert.equal((data as { openapi?: unknown } | undefined)?.openapi, "3.1.0");
});

test("a validation error is a 422 envelope listing every failing field", async (t) => {
  const { error, response } = await api.POST("/auth/register", {
    body: { name: "", email: "not-an-email", password: "short" },
  });
  if (unwritten(t, response, "auth_register")) return;
  const e = assertEnvelope(error, response, 422, "Validation failed");
  assert.ok(e.errors, "errors[]");
  const fields = e.errors.map((d) => d.field).sort();
  assert.deepEqual(fields, ["body → email", "body → name", "body → password"]);
  for (const d of e.errors) {
    assert.equal(typeof d.message, "string");
    assert.equal(typeof d.type, "string");
  }
});

test("a query parameter out of range is a 422 on query → per_page", async (t) => {
  const { error, response } = await api.GET("/posts", { params: { query: { per_page: 1000 } } });
  if (unwritten(t, response, "posts_list")) return;
  const e = assertEnvelope(error, response, 422);
  assert.deepEqual(e.errors?.map((d) => d.field), ["query → per_page"]);
});

test("a protected route without a token is 401 with WWW-Authenticate", async (t) => {
  const { error, response } = await api.GET("/users/me");
  if (unwritten(t, response, "users_get_me")) return;
  assertEnvelope(error, response, 401);
  assert.equal(response.headers.get("WWW-Authenticate"), "Bearer");
});

test("register", async (t) => {
  const { data, error, response } = await api.POST("/auth/register", { body: alice });
  if (unwritten(t, response, "auth_register")) return;
  assert.equal(response.status, 201, JSON.stringify(error));
  assert.ok(data);
  assertUser(data);
  assert.equal(data.name, alice.name);
  assert.equal(data.email, alice.email);
  assert.equal(data.avatar_url, null);
  me = data;

  const again = await api.POST("/auth/register", { body: alice });
  assertEnvelope(again.error, again.response, 400, "Email already registered");
});

test("log in", async (t) => {
  if (!me) return t.skip("needs the account from 'register'");
  const bad = await api.POST("/auth/login", { body: { email: alice.email, password: "wrong-password" } });
  if (unwritten(t, bad.response, "auth_login")) return;
  assertEnvelope(bad.error, bad.response, 401, "Invalid email or password");
  assert.equal(bad.response.headers.get("WWW-Authenticate"), "Bearer");

  const { data, error, response } = await api.POST("/auth/login", {
    body: { email: alice.email, password: alice.password },
  });
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assertKeys(data, tokenKeys, "TokenResponse");
  assert.equal(data.token_type, "bearer");
  assert.equal(data.access_token.split(".").length, 3, "a JWT");
  assert.deepEqual(data.user, me);
  token = data.access_token;
});

test("GET /users/me with the token", async (t) => {
  if (!token) return t.skip("needs the token from 'log in'");
  const { data, error, response } = await authed.GET("/users/me");
  if (unwritten(t, response, "users_get_me")) return;
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assertUser(data);
  assert.deepEqual(data, me);
});

test("create a post", async (t) => {
  if (!token || !me) return t.skip("needs the token from 'log in'");
  const { data, error, response } = await authed.POST("/posts", {
    body: { title: "Hello, world", content: "My first post." },
  });
  if (unwritten(t, response, "posts_create")) return;
  assert.equal(response.status, 201, JSON.stringify(error));
  assert.ok(data);
  assertPost(data);
  assert.equal(data.title, "Hello, world");
  assert.equal(data.published, true, "published defaults to true");
  assert.equal(data.author_id, me.id);
  assert.equal(data.cover_image, null);
  post = data;
});

test("list posts, and my posts", async (t) => {
  if (!post) return t.skip("needs the post from 'create a post'");
  const { data, error, response } = await api.GET("/posts", { params: { query: { page: 1, per_page: 10 } } });
  if (unwritten(t, response, "posts_list")) return;
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assertKeys(data, pageKeys, "PostPage");
  assert.equal(data.page, 1);
  assert.equal(data.per_page, 10);
  assert.equal(data.has_prev, false);
  data.data.forEach(assertPost);
  assert.deepEqual(data.data.find((p) => p.id === post?.id), post);

  const mine = await authed.GET("/posts/my", { params: { query: { page: 1 } } });
  if (unwritten(t, mine.response, "posts_list_mine")) return;
  assert.equal(mine.response.status, 200, JSON.stringify(mine.error));
  assert.deepEqual(mine.data?.data.map((p) => p.id), [post.id]);
});

test("get a post with its author", async (t) => {
  if (!post || !me) return t.skip("needs the post from 'create a post'");
  const { data, error, response } = await api.GET("/posts/{post_id}", { params: { path: { post_id: post.id } } });
  if (unwritten(t, response, "posts_get")) return;
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  const { author, ...rest } = data;
  assertPost(rest);
  assertUser(author);
  assert.deepEqual(author, me);
});

test("patch a post", async (t) => {
  if (!post) return t.skip("needs the post from 'create a post'");
  const { data, error, response } = await authed.PATCH("/posts/{post_id}", {
    params: { path: { post_id: post.id } },
    body: { title: "Hello again", published: false },
  });
  if (unwritten(t, response, "posts_update")) return;
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assertPost(data);
  assert.equal(data.title, "Hello again");
  assert.equal(data.content, post.content, "fields left out are unchanged");
  assert.equal(data.published, false);
  assert.ok(Date.parse(data.updated_at) >= Date.parse(post.updated_at));
  post = data;
});

test("upload an image (multipart) and fetch it back", async (t) => {
  if (!token) return t.skip("needs the token from 'log in'");
  const { data, error, response } = await authed.POST("/uploads/image", {
    body: { file: new Blob([PNG], { type: "image/png" }), description: "a pixel" },
    bodySerializer(body) {
      const form = new FormData();
      form.append("file", body.file, "pixel.png");
      if (body.description !== undefined) form.append("description", body.description);
      return form;
    },
  });
  if (unwritten(t, response, "uploads_image")) return;
  assert.equal(response.status, 201, JSON.stringify(error));
  assert.ok(data && me);
  assertKeys(data, uploadKeys, "UploadResponse");
  assert.equal(data.content_type, "image/png");
  assert.equal(data.size, PNG.length);
  assert.equal(data.original_name, "pixel.png");
  assert.equal(data.uploaded_by, me.id);
  assert.equal(data.url, `/files/${data.filename}`);

  const file = await api.GET("/files/{name}", { params: { path: { name: data.filename } }, parseAs: "arrayBuffer" });
  if (unwritten(t, file.response, "files_get")) return;
  assert.equal(file.response.status, 200);
  assert.equal(file.response.headers.get("Content-Type"), "image/png");
  assert.ok(file.data);
  assert.deepEqual(Buffer.from(file.data), PNG);
});

test("an upload that is not an image is 415", async (t) => {
  if (!token) return t.skip("needs the token from 'log in'");
  const { error, response } = await authed.POST("/uploads/image", {
    body: { file: new Blob(["plain text, not a PNG"], { type: "image/png" }) },
    bodySerializer(body) {
      const form = new FormData();
      form.append("file", body.file, "fake.png");
      return form;
    },
  });
  if (unwritten(t, response, "uploads_image")) return;
  assertEnvelope(error, response, 415);
});

test("delete a post", async (t) => {
  if (!post) return t.skip("needs the post from 'create a post'");
  const del = await authed.DELETE("/posts/{post_id}", { params: { path: { post_id: post.id } } });
  if (unwritten(t, del.response, "posts_delete")) return;
  assert.equal(del.response.status, 204, JSON.stringify(del.error));

  const gone = await api.GET("/posts/{post_id}", { params: { path: { post_id: post.id } } });
  assertEnvelope(gone.error, gone.response, 404, "Post not found");
});

// --- compile-time only ---------------------------------------------------
// Never called: these lines prove the generated types are strict (were they
// `any`, the @ts-expect-error lines would be unused and tsc would fail).
export function typeChecks(): void {
  // @ts-expect-error a route the spec does not have
  void api.GET("/posts/{post_id}/comments", { params: { path: { post_id: 1 } } });
  // @ts-expect-error post_id is an integer
  void api.GET("/posts/{post_id}", { params: { path: { post_id: "seven" } } });
  // @ts-expect-error PostCreate requires content
  void authed.POST("/posts", { body: { title: "no content" } });
  // @ts-expect-error /users/me has no PUT
  void authed.PUT("/users/me", { body: { name: "x" } });
  const u = {} as User;
  // @ts-expect-error User never carries the password
  void u.password;
  const n: string | null = u.avatar_url;
  void n;
}
