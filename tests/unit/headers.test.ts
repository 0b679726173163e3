import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clientFacts,
  clientResponseHeaders,
  rewriteLocation,
  rewriteServiceWorkerAllowed,
  rewriteSetCookie,
  upstreamRequestHeaders,
} from "@/lib/gateway/headers";

// Telling a deployment's own bearer token from Gatehouse's asks the configuration (no public URL here: no OAuth).
process.env.NEXTAUTH_SECRET ??= "unit-test-secret-0123456789abcdef0123456789";

const prefix = "/api/gateway/u1/d1";
const target = { via: "gateway-path" as const, userId: "u1", deploymentId: "d1", prefix, upstreamPath: "/" };

test("with no trusted proxies only the socket address counts", () => {
  const facts = clientFacts({ "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https", host: "gw.example" }, "10.0.0.9", false, 0);
  assert.deepEqual(facts, { forwardedFor: ["10.0.0.9"], clientAddress: "10.0.0.9", proto: "http", host: "gw.example" });
});

test("with N trusted proxies the last N hops are believed and nothing before them", () => {
  const headers = { "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.2", "x-forwarded-proto": "https", "x-forwarded-host": "public.example", host: "internal" };
  const two = clientFacts(headers, "10.0.0.1", false, 2);
  assert.deepEqual(two.forwardedFor, ["203.0.113.7", "10.0.0.2", "10.0.0.1"]);
  assert.equal(two.clientAddress, "203.0.113.7");
  assert.equal(two.proto, "https");
  assert.equal(two.host, "public.example");
  assert.equal(clientFacts({}, "10.0.0.1", false, 3).clientAddress, "10.0.0.1");
});

test("upstream headers drop hop-by-hop fields, Connection-named fields, gateway cookies and credentials", () => {
  const out = upstreamRequestHeaders(
    {
      connection: "close, x-secret",
      "x-secret": "1",
      te: "trailers",
      "transfer-encoding": "chunked",
      upgrade: "h2c",
      cookie: "next-auth.session-token=abc; theme=dark; __Secure-next-auth.callback-url=x",
      authorization: "Bearer ght_abc",
      "x-gatehouse-user-id": "spoofed",
      accept: "text/html",
    },
    {
      target,
      client: { forwardedFor: ["1.2.3.4"], clientAddress: "1.2.3.4", proto: "https", host: "gw" },
      requestId: "rid-12345678",
      userId: "u1",
      canRelayContentEncoding: true,
    },
  );
  assert.deepEqual(out, {
    cookie: "theme=dark",
    accept: "text/html",
    "x-forwarded-for": "1.2.3.4",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "gw",
    "x-forwarded-prefix": prefix,
    "x-request-id": "rid-12345678",
    "x-gatehouse-user-id": "u1",
  });
});

test("Location pointing at the deployment is mapped into the prefix", () => {
  const origin = new URL("http://10.1.1.1:8080");
  assert.equal(rewriteLocation("/a?b=1", origin, prefix), `${prefix}/a?b=1`);
  assert.equal(rewriteLocation("http://10.1.1.1:8080/x#y", origin, prefix), `${prefix}/x#y`);
  assert.equal(rewriteLocation("//10.1.1.1:8080/x", origin, prefix), `${prefix}/x`);
  assert.equal(rewriteLocation("https://other.example/", origin, prefix), "https://other.example/");
  assert.equal(rewriteLocation("next", origin, prefix), "next");
  assert.equal(rewriteLocation("/base/in", new URL("http://h/base"), prefix), `${prefix}/in`);
});

test("Set-Cookie loses Domain, gains a Path inside the prefix, and gateway names are dropped", () => {
  const origin = new URL("http://h");
  assert.equal(rewriteSetCookie("a=1; Domain=h; Path=/x; Secure", origin, prefix), `a=1; Path=${prefix}/x; Secure`);
  assert.equal(rewriteSetCookie("a=1", origin, prefix), `a=1; Path=${prefix}/`);
  assert.equal(rewriteSetCookie("next-auth.session-token=evil", origin, prefix), null);
});

test("event streams are marked no-transform and unbuffered; security headers are added", () => {
  const out = clientResponseHeaders(
    { "content-type": "text/event-stream", "cache-control": "no-cache", "access-control-allow-origin": "*", "keep-alive": "timeout=5" },
    { target: new URL("http://h"), prefix, ownOrigin: false, requestId: "rid-12345678", secure: true },
  );
  assert.equal(out["cache-control"], "no-cache, no-transform");
  assert.equal(out["x-accel-buffering"], "no");
  assert.equal(out["access-control-allow-origin"], undefined);
  assert.equal(out["keep-alive"], undefined);
  assert.equal(out["x-content-type-options"], "nosniff");
  assert.match(String(out["strict-transport-security"]), /max-age=/);
});

test("a cookie's Path stays inside the prefix, also when it only shares a first few letters with the target's base path", () => {
  const base = new URL("http://h/app");
  assert.equal(rewriteSetCookie("a=1; Path=/app/x", base, prefix), `a=1; Path=${prefix}/x`);
  assert.equal(rewriteSetCookie("a=1; Path=/app", base, prefix), `a=1; Path=${prefix}/`);
  assert.equal(rewriteSetCookie("a=1; Path=/appx", base, prefix), `a=1; Path=${prefix}/appx`);
  assert.equal(rewriteSetCookie("a=1; Path=relative", base, prefix), `a=1; Path=${prefix}/`);
});

test("__Host- cookies are dropped: browsers take them only with Path=/, which would reach every deployment and the hub", () => {
  const origin = new URL("http://h");
  assert.equal(rewriteSetCookie("__Host-session=1; Path=/; Secure", origin, prefix), null);
  assert.equal(rewriteSetCookie("__host-session=1; Path=/; Secure", origin, prefix), null);
  assert.equal(rewriteSetCookie("__Secure-id=1; Path=/; Secure", origin, prefix), `__Secure-id=1; Path=${prefix}/; Secure`);
});

test("headers that reach past the prefix to the whole origin are dropped; a service worker's scope is mapped into the prefix", () => {
  const out = clientResponseHeaders(
    {
      "content-type": "text/html",
      "clear-site-data": '"*"',
      "set-login": "logged-out",
      refresh: "0; url=https://evil.example/",
      "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
      "alt-svc": 'h2="evil.example:443"',
      "accept-ch": "Sec-CH-UA-Model",
      "critical-ch": "Sec-CH-UA-Model",
      nel: '{"report_to":"x","max_age":86400}',
      "report-to": '{"group":"x"}',
      "reporting-endpoints": 'x="https://evil.example/"',
      "origin-agent-cluster": "?0",
      "service-worker-allowed": "/",
      "x-kept": "yes",
    },
    { target: new URL("http://h"), prefix, ownOrigin: false, requestId: "rid-12345678", secure: false },
  );
  for (const name of [
    "clear-site-data",
    "set-login",
    "refresh",
    "strict-transport-security",
    "alt-svc",
    "accept-ch",
    "critical-ch",
    "nel",
    "report-to",
    "reporting-endpoints",
    "origin-agent-cluster",
  ]) {
    assert.equal(out[name], undefined, `${name} dropped`);
  }
  assert.equal(out["service-worker-allowed"], `${prefix}/`);
  assert.equal(out["x-kept"], "yes");
  assert.equal(rewriteServiceWorkerAllowed("/app/sw/", new URL("http://h/app"), prefix), `${prefix}/sw/`);
  assert.equal(rewriteServiceWorkerAllowed("https://evil.example/", new URL("http://h"), prefix), null);
  assert.equal(rewriteServiceWorkerAllowed("//evil.example/", new URL("http://h"), prefix), null);
});

test("over https the gateway's own HSTS replaces the deployment's", () => {
  const out = clientResponseHeaders(
    { "strict-transport-security": "max-age=1; includeSubDomains; preload" },
    { target: new URL("http://h"), prefix, ownOrigin: false, requestId: "rid-12345678", secure: true },
  );
  assert.equal(out["strict-transport-security"], "max-age=31536000; includeSubDomains");
});

test("X-Forwarded-Proto and -Host come from the trusted hop, never from a value the client sent before it", () => {
  // One proxy that appends: the client's own claim comes first and is ignored.
  const appended = clientFacts(
    { "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "http, https", "x-forwarded-host": "evil.example, public.example" },
    "10.0.0.1",
    false,
    1,
  );
  assert.equal(appended.proto, "https");
  assert.equal(appended.host, "public.example");
  // Two proxies that both append: the outer one's value describes the client's connection.
  const chain = clientFacts(
    { "x-forwarded-proto": "http, https, http", "x-forwarded-host": "evil.example, public.example, lb.internal" },
    "10.0.0.1",
    false,
    2,
  );
  assert.equal(chain.proto, "https");
  assert.equal(chain.host, "public.example");
});

test("no Gatehouse credential or Gatehouse header a client sends reaches the deployment; the deployment's own Authorization does", () => {
  const out = upstreamRequestHeaders(
    {
      "x-gatehouse-token": "ght_first",
      authorization: "Bearer ght_second",
      "proxy-authorization": "Basic c2VjcmV0",
      "x-gatehouse-anything": "spoofed",
    },
    {
      target,
      canRelayContentEncoding: true,
      client: { forwardedFor: ["1.2.3.4"], clientAddress: "1.2.3.4", proto: "http", host: "h" },
      requestId: "r",
      userId: "u1",
    },
  );
  assert.equal(out.authorization, undefined);
  assert.equal(out["proxy-authorization"], undefined);
  assert.equal(out["x-gatehouse-anything"], undefined);
  assert.equal(out["x-gatehouse-token"], undefined);
  assert.equal(out["x-gatehouse-user-id"], "u1");
  const theirs = upstreamRequestHeaders(
    { "x-gatehouse-token": "ght_first", authorization: "Bearer their.own.jwt" },
    {
      target,
      canRelayContentEncoding: true,
      client: { forwardedFor: ["1.2.3.4"], clientAddress: "1.2.3.4", proto: "http", host: "h" },
      requestId: "r",
      userId: "u1",
    },
  );
  assert.equal(theirs.authorization, "Bearer their.own.jwt");
});
