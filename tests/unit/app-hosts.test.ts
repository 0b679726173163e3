import assert from "node:assert/strict";
import { test } from "node:test";
import { AppHosts, returnPathSchema } from "@/lib/app-origins/app-hosts";
import { parseConfig } from "@/lib/config";

const secret = "unit-test-secret-0123456789abcdef0123456789";

test("app origins take the hub's scheme and port, and only single labels under the apps domain name a deployment", () => {
  const hosts = new AppHosts("apps.example.com", new URL("https://hub.example.net:8443/"));
  assert.equal(hosts.originOf("ckabc123"), "https://ckabc123.apps.example.com:8443");
  assert.equal(hosts.deploymentIdOf("CKabc123.Apps.Example.com:8443"), "ckabc123");
  assert.equal(hosts.deploymentIdOf("ckabc123.apps.example.com."), "ckabc123");
  assert.equal(hosts.deploymentIdOf("apps.example.com"), "");
  assert.equal(hosts.deploymentIdOf("a.b.apps.example.com"), "");
  assert.equal(hosts.deploymentIdOf("hub.example.net:8443"), undefined);
  assert.equal(hosts.deploymentIdOf("evilapps.example.com"), undefined);
  assert.equal(hosts.deploymentIdOf("[::1]:8443"), undefined);
  assert.equal(hosts.handoffUrl("ckabc123", "/x?y=1"), "https://hub.example.net:8443/app-handoff?deployment=ckabc123&path=%2Fx%3Fy%3D1");
});

test("a return path is a path on the app's origin and nothing that a browser would take elsewhere", () => {
  for (const good of ["/", "/a/b?c=d#e", "/%2F%2Fx"]) assert.ok(returnPathSchema.safeParse(good).success, good);
  for (const bad of ["//evil.example", "/\\evil.example", "\\/evil", "/\t/evil.example", "/\n/x", "https://evil.example/", "evil", ""]) {
    assert.ok(!returnPathSchema.safeParse(bad).success, JSON.stringify(bad));
  }
});

test("GATEHOUSE_APPS_DOMAIN needs the hub's URL and must not contain the hub", () => {
  const base = { NEXTAUTH_SECRET: secret };
  assert.equal(
    parseConfig({ ...base, GATEHOUSE_PUBLIC_URL: "https://hub.example.net", GATEHOUSE_APPS_DOMAIN: "Apps.Example.com" }).GATEHOUSE_APPS_DOMAIN,
    "apps.example.com",
  );
  assert.throws(() => parseConfig({ ...base, GATEHOUSE_APPS_DOMAIN: "apps.example.com" }), /GATEHOUSE_APPS_DOMAIN requires GATEHOUSE_PUBLIC_URL/);
  assert.throws(
    () => parseConfig({ ...base, GATEHOUSE_PUBLIC_URL: "https://hub.apps.example.com", GATEHOUSE_APPS_DOMAIN: "apps.example.com" }),
    /must not contain the hub/,
  );
  assert.throws(
    () => parseConfig({ ...base, GATEHOUSE_PUBLIC_URL: "https://hub.example.net", GATEHOUSE_APPS_DOMAIN: "https://apps.example.com" }),
    /must be a domain name/,
  );
});
