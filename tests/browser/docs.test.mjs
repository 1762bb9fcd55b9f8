// docs.test.mjs - /docs (Swagger UI) and /redoc in a real browser:
// Debian's Chromium driven by playwright-core, headless.
//
// /docs: every tag group is listed; "Authorize" with a bearer token, then
// "Try it out" and "Execute" on GET /users/me, and the response shown is
// the one the server gives that request (200 with the user once auth
// exists; until then the 501/401 envelope).  /redoc: it renders, with no
// console error and no failed request.  Neither page may request anything
// but the server itself: the docs work offline.
//
// Screenshots: build/test-output/docs-*.png.  Run by scripts/browser-test.sh,
// which starts the server (API_URL) and checks CHROMIUM exists.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const base = process.env.API_URL;
if (!base) throw new Error("API_URL is not set: run scripts/browser-test.sh");
const OUT = path.resolve(process.env.TEST_OUTPUT ?? "build/test-output");
const TAGS = ["Root", "Authentication", "Users", "Posts", "Uploads"];

// The flags this closed network needs: without the background-networking
// ones Chromium keeps trying to reach Google's hosts.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let profile;
let context;

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "docs-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await context?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

/** A new page that records what a user would not see: console errors,
 * uncaught exceptions, failed requests, and every host it talks to. */
async function openPage(url) {
  const page = await context.newPage();
  const seen = { consoleErrors: [], pageErrors: [], failed: [], foreign: [] };
  const own = new URL(base).host;
  page.on("console", (m) => {
    if (m.type() === "error") seen.consoleErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
  page.on("requestfailed", (r) => {
    seen.failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.host !== own) seen.foreign.push(r.url());
  });
  const res = await page.goto(new URL(url, base).href, { waitUntil: "load" });
  assert.equal(res?.status(), 200, url);
  return { page, seen };
}

/** What the server itself answers GET /users/me with this token. */
async function usersMe(token) {
  const r = await fetch(new URL("/users/me", base), { headers: { Authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
}

/** A real token when registration and login work, else a made-up one. */
async function getToken() {
  const who = { name: "Docs Reader", email: `docs-${process.pid}@example.com`, password: "correct-horse-42" };
  const post = (p, body) => fetch(new URL(p, base), {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const reg = await post("/auth/register", who);
  if (reg.status !== 201) return { token: "not-a-real-token", why: `POST /auth/register answers ${reg.status}` };
  const login = await post("/auth/login", { email: who.email, password: who.password });
  if (login.status !== 200) return { token: "not-a-real-token", why: `POST /auth/login answers ${login.status}` };
  return { token: (await login.json()).access_token, email: who.email };
}

test("/docs lists every tag group, and Try it out on GET /users/me shows the server's answer", async (t) => {
  const { page, seen } = await openPage("/docs");
  await page.locator(".swagger-ui .opblock-tag-section").first().waitFor();
  const tags = await page.locator(".swagger-ui .opblock-tag").evaluateAll(
    (els) => els.map((e) => e.getAttribute("data-tag")));
  assert.deepEqual(tags, TAGS);

  const { token, email, why } = await getToken();
  if (why) t.diagnostic(`no real token (${why}): the UI must show the server's refusal`);

  // Authorize: the bearerAuth scheme, with the token.
  await page.locator(".scheme-container button.authorize").click();
  const modal = page.locator(".dialog-ux .modal-ux");
  await modal.locator("input").fill(token);
  await modal.locator("button.authorize").click();
  await modal.locator("button.btn-done").click();
  await modal.waitFor({ state: "detached" });

  // GET /users/me: expand, Try it out, Execute.
  const op = page.locator("#operations-Users-users_get_me");
  await op.locator(".opblock-summary").click();
  await op.locator("button.try-out__btn").click();
  await op.locator("button.execute").click();
  const live = op.locator(".live-responses-table");
  await live.waitFor();
  const curl = await op.locator(".curl-command").innerText();
  assert.match(curl, new RegExp(`Authorization: Bearer ${token}`), "the token is sent");

  const shownStatus = Number((await live.locator("tr.response .response-col_status").first().innerText()).trim());
  const shownBody = JSON.parse(await live.locator("tr.response .response-col_description .microlight").first().innerText());
  await op.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, "docs-users-me.png"), fullPage: false });

  const direct = await usersMe(token);
  assert.equal(shownStatus, direct.status, "the status shown is the server's");
  assert.deepEqual(shownBody, direct.body, "the body shown is the server's");
  if (email) {
    assert.equal(shownStatus, 200);
    assert.equal(shownBody.email, email);
  } else {
    assert.ok([401, 501].includes(shownStatus), `status ${shownStatus}`);
    assert.equal(shownBody.success, false);
    assert.equal(typeof shownBody.message, "string");
  }

  assert.deepEqual(seen.foreign, [], "requests to other hosts");
  assert.deepEqual(seen.pageErrors, [], "uncaught exceptions");
  await page.close();
});

test("/redoc renders, with no console error and no failed or foreign request", async () => {
  const { page, seen } = await openPage("/redoc");
  await page.locator("h1", { hasText: "Production Ready API" }).waitFor();
  for (const tag of TAGS) {
    assert.equal(await page.locator(`.menu-content [data-item-id="tag/${tag}"]`).count(), 1, `menu lists ${tag}`);
  }
  await page.locator("h2", { hasText: "Get my account" }).first().waitFor({ state: "attached" });
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: path.join(OUT, "docs-redoc.png"), fullPage: false });

  assert.deepEqual(seen.foreign, [], "requests to other hosts");
  assert.deepEqual(seen.failed, [], "failed requests");
  assert.deepEqual(seen.consoleErrors, [], "console errors");
  assert.deepEqual(seen.pageErrors, [], "uncaught exceptions");
  await page.close();
});
