import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { runCli } from "@/testkit/app";
import { cliEnvironment, skipUnless, suiteAppUrl } from "@/testkit/suite";

const cli = (...args: string[]) => runCli(args, cliEnvironment());
// The CLI does not depend on how the gateway is served; once per database is enough.
const skip = skipUnless({ gateway: "fast" });

test("users and deployments are created, listed and changed from the CLI while the app runs", { skip }, async () => {
  suiteAppUrl();
  const email = `cli-${randomUUID()}@example.test`;
  const user = await cli("user:create", "--email", email, "--password", "long enough password", "--name", "Cli User");
  assert.equal(user.code, 0, user.stderr);
  const created = JSON.parse(user.stdout);
  assert.deepEqual(Object.keys(created).sort(), ["email", "id"]);
  assert.equal(created.email, email);

  const made = await cli("deployment:create", "--owner", email, "--name", "api", "--target", "http://127.0.0.1:9/");
  assert.equal(made.code, 0, made.stderr);
  const deployment = JSON.parse(made.stdout);
  assert.equal(deployment.userId, created.id);
  assert.equal(deployment.status, "running");
  assert.equal(deployment.target, "http://127.0.0.1:9");
  assert.ok(deployment.gatewayUrl.endsWith(`/api/gateway/${created.id}/${deployment.id}/`));

  const stopped = await cli("deployment:set-status", "--id", deployment.id, "--status", "stopped");
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(JSON.parse(stopped.stdout).status, "stopped");

  const listed = await cli("deployment:list", "--owner", email);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    JSON.parse(listed.stdout).map((d: { id: string; status: string }) => [d.id, d.status]),
    [[deployment.id, "stopped"]],
  );
});

test("bad input gives a clear error and a non-zero exit", { skip }, async () => {
  const email = `cli-${randomUUID()}@example.test`;
  const cases: [string[], RegExp][] = [
    [["user:create", "--email", "not-an-email", "--password", "long enough password"], /email/],
    [["user:create", "--email", email, "--password", "short"], /password/],
    [["deployment:create", "--owner", "nobody@example.test", "--name", "x", "--target", "http://127.0.0.1:9"], /nobody@example\.test/],
    [["deployment:create", "--owner", email, "--name", "x", "--target", "ftp://host"], /target/],
    [["deployment:set-status", "--id", "nosuchid", "--status", "paused"], /status/],
    [["deployment:set-status", "--id", "nosuchid", "--status", "stopped"], /not found|No deployment/i],
    [["user:create", "--bogus", "1"], /bogus/],
    [["no:such-command"], /Unknown command/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(...args);
    assert.notEqual(result.code, 0, args.join(" "));
    assert.match(result.stderr, message, args.join(" "));
    assert.equal(result.stdout, "");
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  }
  const duplicate = await cli("user:create", "--email", email, "--password", "long enough password");
  assert.equal(duplicate.code, 0);
  const again = await cli("user:create", "--email", email, "--password", "long enough password");
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
});
