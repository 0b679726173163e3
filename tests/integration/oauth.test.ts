import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { before, test } from "node:test";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Agent, fetch as undiciFetch } from "undici";
import { freePort } from "@/testkit/app";
import { ClientMetadataHost } from "@/testkit/client-metadata-host";
import { type Harness, harness } from "@/testkit/harness";
import { McpUpstream } from "@/testkit/mcp-upstream";
import { authorizeOverHttp, MemoryOAuthClient } from "@/testkit/oauth-client";

// The hub as authorization server and the gateway as protected resource, with the official MCP SDK's
// client (its own discovery, registration, PKCE, token and refresh code) and an SDK server deployed.
// Consent is answered over HTTP here; tests/e2e/oauth.spec.ts drives it in Chromium.
const accessTokenSeconds = 5;
let h: Harness<McpUpstream>;
let hub: string;
before(async (t) => {
  const port = await freePort();
  hub = `http://127.0.0.1:${port}`;
  h = await harness(t, {
    upstream: new McpUpstream(),
    apps: [
      { PORT: String(port), GATEHOUSE_PUBLIC_URL: hub, OAUTH_ACCESS_TOKEN_TTL_SECONDS: String(accessTokenSeconds), OAUTH_REGISTRATION_RATE_LIMIT: "1000/1h" },
    ],
  });
});

type Kind = "streamable" | "sse";
const endpoint = (kind: Kind, path = h.deployment.path) => new URL(`${hub}${path}/${kind === "sse" ? "sse" : "mcp"}`);
const transportFor = (kind: Kind, url: URL, oauth: MemoryOAuthClient) =>
  kind === "sse" ? new SSEClientTransport(url, { authProvider: oauth }) : new StreamableHTTPClientTransport(url, { authProvider: oauth });

/** From a bare 401 to a connected client: discovery, registration, consent (Allow), token. */
async function connect(kind: Kind, oauth: MemoryOAuthClient, url = endpoint(kind), cookie = h.owner.cookie): Promise<Client> {
  const first = transportFor(kind, url, oauth);
  await assert.rejects(new Client({ name: "gatehouse-oauth-test", version: "1.0.0" }).connect(first), UnauthorizedError);
  assert.ok(oauth.authorizationUrl, "the client was sent to authorize");
  const callback = await authorizeOverHttp(oauth.authorizationUrl, cookie, "allow");
  assert.equal(callback.searchParams.get("iss"), hub, "RFC 9207: the authorization response names its issuer");
  await first.finishAuth(callback.searchParams.get("code") ?? "");
  const client = new Client({ name: "gatehouse-oauth-test", version: "1.0.0" });
  await client.connect(transportFor(kind, url, oauth));
  return client;
}

async function add(client: Client, a: number, b: number): Promise<unknown> {
  return (await client.callTool({ name: "add", arguments: { a, b } })).content;
}

test("a 401 from the gateway leads to the deployment's resource metadata, and from there to the hub's authorization server", async () => {
  const url = endpoint("streamable");
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", origin: "http://localhost:6274" }, body: "{}" });
  assert.equal(response.status, 401);
  const challenge = response.headers.get("www-authenticate") ?? "";
  const metadataUrl = `${hub}/.well-known/oauth-protected-resource${h.deployment.path}/mcp`;
  assert.equal(challenge, `Bearer resource_metadata="${metadataUrl}", scope="gateway"`);
  assert.equal(response.headers.get("access-control-allow-origin"), "*", "a browser-based client can read the challenge");
  assert.match(response.headers.get("access-control-expose-headers") ?? "", /WWW-Authenticate/);

  const metadata = await fetch(metadataUrl, { headers: { origin: "http://localhost:6274" } });
  assert.equal(metadata.status, 200);
  assert.equal(metadata.headers.get("access-control-allow-origin"), "*");
  const body = (await metadata.json()) as { resource: string; authorization_servers: string[] };
  assert.equal(body.resource, url.href, "the resource is exactly the URL the client called");
  assert.deepEqual(body.authorization_servers, [hub]);

  const server = (await (await fetch(`${hub}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
  assert.equal(server.issuer, hub);
  assert.deepEqual(server.code_challenge_methods_supported, ["S256"]);
  assert.equal(server.authorization_response_iss_parameter_supported, true);
  assert.equal(server.client_id_metadata_document_supported, true);
  assert.equal(server.registration_endpoint, `${hub}/oauth/register`);
  assert.equal(server.revocation_endpoint, `${hub}/oauth/revoke`);
  const openid = (await (await fetch(`${hub}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  assert.equal(openid.issuer, hub);
});

test("resource metadata exists for any deployment URL, so it tells nobody which deployments exist, and for nothing else", async () => {
  const made = await fetch(`${hub}/.well-known/oauth-protected-resource/api/gateway/nobody/nothing/mcp`);
  assert.equal(made.status, 200);
  assert.equal(((await made.json()) as { resource: string }).resource, `${hub}/api/gateway/nobody/nothing/mcp`);
  for (const path of ["", "/", "/dashboard", "/api/tokens"]) {
    const response = await fetch(`${hub}/.well-known/oauth-protected-resource${path}`);
    assert.equal(response.status, 404, `no hub-wide resource at ${path || "the root"}`);
    assert.match(response.headers.get("content-type") ?? "", /problem\+json/);
  }
});

for (const kind of ["streamable", "sse"] as const) {
  test(`the MCP SDK client signs in with OAuth and uses the deployment over ${kind === "sse" ? "HTTP+SSE" : "Streamable HTTP"}; the deployment never sees the token`, async () => {
    const seen = h.upstream.seen.authorization.length;
    const oauth = new MemoryOAuthClient("http://127.0.0.1:33418/callback");
    const client = await connect(kind, oauth);
    try {
      assert.deepEqual((await client.listTools()).tools.map((tool) => tool.name).sort(), ["add", "whoami"]);
      assert.deepEqual(await add(client, 2, 40), [{ type: "text", text: "42" }]);
      const who = await client.callTool({ name: "whoami", arguments: {} });
      assert.deepEqual(who.content, [{ type: "text", text: h.owner.id }]);
    } finally {
      await client.close();
    }
    assert.ok(oauth.saved[0]?.refresh_token, "a refresh token without asking for offline_access");
    const reached = h.upstream.seen.authorization.slice(seen);
    assert.ok(reached.length >= 1);
    assert.deepEqual(new Set(reached), new Set([undefined]), "the access token never reaches the deployment");
  });
}

test("an expired access token is refreshed by the client, the refresh token rotating; a refresh token used twice revokes the grant", async () => {
  const oauth = new MemoryOAuthClient("http://127.0.0.1:33419/callback");
  const client = await connect("streamable", oauth);
  try {
    const before = oauth.saved.length;
    await new Promise((resolve) => setTimeout(resolve, (accessTokenSeconds + 1) * 1000));
    assert.deepEqual(await add(client, 1, 2), [{ type: "text", text: "3" }]);
    assert.equal(oauth.saved.length, before + 1, "the client refreshed once");
    const [first, second] = oauth.saved.slice(-2);
    assert.notEqual(second.refresh_token, first.refresh_token, "the refresh token rotated");
    assert.notEqual(second.access_token, first.access_token);

    // Replaying the spent refresh token is refused and ends the whole grant, the new refresh token included.
    const clientId = oauth.registered?.client_id ?? "";
    const refresh = (token: string) =>
      fetch(`${hub}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: clientId }),
      });
    const replay = await refresh(first.refresh_token ?? "");
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: string }).error, "invalid_grant");
    assert.equal((await refresh(second.refresh_token ?? "")).status, 400, "the grant went with the reuse");
  } finally {
    await client.close();
  }
});

test("a token minted for one deployment is refused at another with invalid_token, even another of the same user's", async () => {
  const oauth = new MemoryOAuthClient("http://127.0.0.1:33420/callback");
  (await connect("streamable", oauth)).close();
  const other = await h.deploy();
  const token = oauth.tokens()?.access_token ?? "";
  const response = await fetch(endpoint("streamable", other.path), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  assert.equal(response.status, 401);
  assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
  assert.match(response.headers.get("www-authenticate") ?? "", new RegExp(`resource_metadata="${hub}/.well-known/oauth-protected-resource${other.path}/mcp"`));
});

test("revoking a connected app ends its refresh token at once and its access tokens on this instance at once", async () => {
  const oauth = new MemoryOAuthClient("http://127.0.0.1:33421/callback");
  (await connect("streamable", oauth)).close();
  const listed = (await (await h.call("/api/connected-apps")).json()) as { id: string; clientName: string; deployment: { id: string } | null }[];
  const app = listed.find((entry) => entry.clientName === "Gatehouse test client" && entry.deployment?.id === h.deployment.id);
  assert.ok(app, "the grant is listed with its client and deployment");
  assert.equal((await h.call(`/api/connected-apps/${app.id}`, { method: "DELETE" })).status, 204);
  const token = oauth.tokens()?.access_token ?? "";
  const call = await fetch(endpoint("streamable"), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  assert.equal(call.status, 401);
  const refreshed = await fetch(`${hub}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: oauth.tokens()?.refresh_token ?? "",
      client_id: oauth.registered?.client_id ?? "",
    }),
  });
  assert.equal(refreshed.status, 400);
  const stranger = await h.newUser();
  assert.equal((await h.call(`/api/connected-apps/${app.id}`, { method: "DELETE", cookie: stranger.cookie })).status, 404, "only its user revokes a grant");
});

test("Deny sends the client access_denied, and a deployment that is not the user's cannot be allowed", async () => {
  const oauth = new MemoryOAuthClient("http://127.0.0.1:33422/callback");
  await assert.rejects(new Client({ name: "t", version: "1" }).connect(transportFor("streamable", endpoint("streamable"), oauth)), UnauthorizedError);
  const denied = await authorizeOverHttp(oauth.authorizationUrl!, h.owner.cookie, "deny");
  assert.equal(denied.searchParams.get("error"), "access_denied");

  const stranger = await h.newUser();
  const theirs = new MemoryOAuthClient("http://127.0.0.1:33423/callback");
  await assert.rejects(new Client({ name: "t", version: "1" }).connect(transportFor("streamable", endpoint("streamable"), theirs)), UnauthorizedError);
  await assert.rejects(authorizeOverHttp(theirs.authorizationUrl!, stranger.cookie, "allow"), /no allow button/);
  const refused = await authorizeOverHttp(theirs.authorizationUrl!, stranger.cookie, "deny");
  assert.equal(refused.searchParams.get("error"), "access_denied");
});

test("registration takes the redirect URIs real clients send, matches loopback ports loosely, and refuses dangerous schemes", async () => {
  const register = (body: Record<string, unknown>) =>
    fetch(`${hub}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const cursor = await register({
    client_name: "Cursor",
    redirect_uris: ["cursor://anysphere.cursor-mcp/oauth/callback"],
    token_endpoint_auth_method: "none",
    scope: "gateway",
  });
  assert.equal(cursor.status, 201, await cursor.clone().text());
  const vscode = await register({
    redirect_uris: ["vscode://vscode.github-authentication/did-authenticate", "http://127.0.0.1:33418/"],
    token_endpoint_auth_method: "none",
  });
  assert.equal(vscode.status, 201);
  assert.deepEqual(((await vscode.json()) as { grant_types: string[] }).grant_types, ["authorization_code", "refresh_token"]);
  for (const uri of ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "http://evil.example/callback"]) {
    const refused = await register({ redirect_uris: [uri], token_endpoint_auth_method: "none" });
    assert.equal(refused.status, 400, uri);
    assert.equal(((await refused.json()) as { error: string }).error, "invalid_redirect_uri", uri);
  }

  // Registered with one loopback port, used with another (RFC 8252 §7.3): the consent page is reached.
  const oauth = new MemoryOAuthClient("http://127.0.0.1:33424/callback");
  await assert.rejects(new Client({ name: "t", version: "1" }).connect(transportFor("streamable", endpoint("streamable"), oauth)), UnauthorizedError);
  const moved = new URL(oauth.authorizationUrl!);
  moved.searchParams.set("redirect_uri", "http://127.0.0.1:45678/callback");
  const callback = await authorizeOverHttp(moved, h.owner.cookie, "allow");
  assert.equal(callback.origin, "http://127.0.0.1:45678");
  assert.ok(callback.searchParams.get("code"));
});

test("the consent page names the client, where it sends the answer and the deployment, and warns about loopback-only clients", async () => {
  const oauth = new MemoryOAuthClient("http://127.0.0.1:33425/callback", { client_name: "Loopback Lou" });
  await assert.rejects(new Client({ name: "t", version: "1" }).connect(transportFor("streamable", endpoint("streamable"), oauth)), UnauthorizedError);
  const authorize = await fetch(oauth.authorizationUrl!, { redirect: "manual", headers: { cookie: h.owner.cookie } });
  const consent = authorize.headers.get("location") ?? "";
  assert.match(consent, /^\/oauth\/consent\//);
  const interaction = authorize.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const page = await fetch(`${hub}${consent}`, { headers: { cookie: [h.owner.cookie, ...interaction].join("; ") } });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Loopback Lou/);
  assert.match(html, /127\.0\.0\.1:33425/);
  assert.ok(html.includes(h.deployment.name), "the deployment by name");
  assert.match(html, /loopback address/);
  assert.match(html, />Allow</);
  assert.match(html, />Deny</);

  const signedOut = await fetch(`${hub}${consent}`, { redirect: "manual", headers: { cookie: interaction.join("; ") } });
  assert.equal(signedOut.status, 303);
  assert.equal(signedOut.headers.get("location"), `/signin?callbackUrl=${encodeURIComponent(consent)}`);
  const forged = await fetch(`${hub}${consent}`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: [h.owner.cookie, ...interaction].join("; "), origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
    body: "decision=allow",
  });
  assert.equal(forged.status, 403, "a cross-site form cannot answer for the user");
});

test("client registration is limited per address, with a 429 and Retry-After", async (t) => {
  const port = await freePort();
  const own = await harness(t, {
    upstream: null,
    apps: [{ PORT: String(port), GATEHOUSE_PUBLIC_URL: `http://127.0.0.1:${port}`, GATEWAY_TRUSTED_PROXIES: "1", OAUTH_REGISTRATION_RATE_LIMIT: "2/1h" }],
  });
  // An address of this run's own, so a limiter that outlives the run (Redis) starts from zero.
  const address = `2001:db8::${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
  const register = () =>
    fetch(`${own.app}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ redirect_uris: ["http://127.0.0.1:1/cb"], token_endpoint_auth_method: "none" }),
    });
  assert.equal((await register()).status, 201);
  assert.equal((await register()).status, 201);
  const refused = await register();
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get("retry-after")) > 0);
});

test("bad input to the authorization server gets an OAuth error, not a crash", async () => {
  const big = await fetch(`${hub}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(70 * 1024) });
  assert.equal(big.status, 413);
  // Streamed without a length: refused once it passes the cap, without waiting for the rest.
  const streamed = await new Promise<number>((resolve, reject) => {
    const request = httpRequest(`${hub}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" } }, (answer) => {
      resolve(answer.statusCode ?? 0);
      answer.resume();
    });
    request.on("error", reject);
    request.write("x".repeat(80 * 1024));
  });
  assert.equal(streamed, 413);
  const junk = await fetch(`${hub}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
  assert.equal(junk.status, 400);
  const noResource = await fetch(`${hub}/oauth/authorize?client_id=nobody&response_type=code`, { redirect: "manual" });
  assert.equal(noResource.status, 400);
  assert.match(noResource.headers.get("content-type") ?? "", /html/);
  // A consent page or answer for an authorization that expired (or never was) is a page that says so.
  for (const method of ["GET", "POST"]) {
    const expired = await fetch(`${hub}/oauth/consent/expired-${Date.now()}`, {
      method,
      redirect: "manual",
      headers: { cookie: h.owner.cookie, origin: hub, ...(method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      body: method === "POST" ? "decision=allow" : undefined,
    });
    assert.equal(expired.status, 400, method);
    assert.match(expired.headers.get("content-type") ?? "", /html/);
    assert.match(await expired.text(), /expired/);
  }
});

test("on an isolated app origin the client finds the metadata there, signs in at the hub, and its token works on that origin", async (t) => {
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const own = await harness(t, {
    upstream: new McpUpstream(),
    apps: [{ PORT: String(port), GATEHOUSE_PUBLIC_URL: publicUrl, GATEHOUSE_APPS_DOMAIN: "apps.localhost" }],
  });
  // Node's resolver knows no *.localhost names (a browser's does): every host of this test is the app's loopback address.
  const loopback = new Agent({ connect: { lookup: (_host, _options, callback) => callback(null, [{ address: "127.0.0.1", family: 4 }]) } });
  const viaLoopback = ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: loopback })) as unknown as typeof fetch;
  const appOrigin = `http://${own.deployment.id}.apps.localhost:${port}`;
  const url = new URL(`${appOrigin}/mcp`);

  const bare = await viaLoopback(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(bare.status, 401);
  const metadataUrl = `${appOrigin}/__gatehouse/oauth-protected-resource/mcp`;
  assert.equal(bare.headers.get("www-authenticate"), `Bearer resource_metadata="${metadataUrl}", scope="gateway"`);
  const metadata = (await (await viaLoopback(metadataUrl)).json()) as { resource: string; authorization_servers: string[] };
  assert.deepEqual(metadata, { ...metadata, resource: url.href, authorization_servers: [publicUrl] });

  const oauth = new MemoryOAuthClient("http://127.0.0.1:33430/callback");
  const first = new StreamableHTTPClientTransport(url, { authProvider: oauth, fetch: viaLoopback });
  await assert.rejects(new Client({ name: "t", version: "1" }).connect(first), UnauthorizedError);
  const authorization = new URL(oauth.authorizationUrl!);
  assert.equal(authorization.searchParams.get("resource"), url.href);
  const callback = await authorizeOverHttp(authorization, own.owner.cookie, "allow", viaLoopback);
  await first.finishAuth(callback.searchParams.get("code") ?? "");
  const client = new Client({ name: "t", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: oauth, fetch: viaLoopback }));
  try {
    assert.deepEqual(await add(client, 20, 22), [{ type: "text", text: "42" }]);
  } finally {
    await client.close();
  }
  assert.deepEqual(new Set(own.upstream.seen.authorization), new Set([undefined]), "the token never reaches the deployment");
  const claims = JSON.parse(Buffer.from((oauth.tokens()?.access_token ?? "").split(".")[1], "base64url").toString()) as { aud: string };
  assert.equal(claims.aud, `${publicUrl}${own.deployment.path}`, "the audience is the deployment's canonical (hub) resource");
});

test("a client known by its Client ID Metadata Document signs in without registering, its loopback redirect used on any port", async (t) => {
  const documentHost = new ClientMetadataHost();
  const clientId = await documentHost.start({
    client_name: "Metadata Document Client",
    redirect_uris: ["http://127.0.0.1/callback"],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  });
  t.after(() => documentHost.stop());
  const port = await freePort();
  const own = await harness(t, {
    upstream: new McpUpstream(),
    apps: [{ PORT: String(port), GATEHOUSE_PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_EXTRA_CA_CERTS: documentHost.certificateFile }],
  });
  const url = new URL(`http://127.0.0.1:${port}${own.deployment.path}/mcp`);
  // Like Claude Code: the document lists a portless loopback redirect, the client listens on a port of the moment.
  const oauth = new MemoryOAuthClient("http://127.0.0.1:39871/callback", {}, clientId);
  const first = new StreamableHTTPClientTransport(url, { authProvider: oauth });
  await assert.rejects(new Client({ name: "t", version: "1" }).connect(first), UnauthorizedError);
  assert.equal(oauth.authorizationUrl?.searchParams.get("client_id"), clientId, "no registration: the document's URL is the client id");
  const callback = await authorizeOverHttp(oauth.authorizationUrl!, own.owner.cookie, "allow");
  assert.equal(callback.origin, "http://127.0.0.1:39871");
  await first.finishAuth(callback.searchParams.get("code") ?? "");
  const client = new Client({ name: "t", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: oauth }));
  try {
    assert.deepEqual(await add(client, 1, 1), [{ type: "text", text: "2" }]);
  } finally {
    await client.close();
  }
  assert.ok(documentHost.fetches >= 1, "the hub fetched the document");
});
