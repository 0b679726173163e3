import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { fetch } from "undici";
import { isInternalAddress, namesInternalHost, outboundDispatcher } from "@/lib/http/outbound";

test("only public unicast addresses are external: NAT64, 6to4, Teredo, IPv4-compatible and site-local addresses are internal too", () => {
  for (const address of [
    "127.0.0.1",
    "10.1.2.3",
    "172.20.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b::10.0.0.1",
    "2002:7f00:1::1",
    "2001:0:4136:e378::1",
    "::127.0.0.1",
    "::8.8.8.8",
    "fec0::1",
    "2001:db8::1",
    "192.0.2.1",
    "255.255.255.255",
    "::",
    "not-an-address",
  ]) {
    assert.equal(isInternalAddress(address), true, address);
  }
  for (const address of ["8.8.8.8", "81.2.69.142", "2a00:1450:4001:81b::200e", "2606:4700::1111", "::ffff:8.8.8.8"]) {
    assert.equal(isInternalAddress(address), false, address);
  }
});

test("hosts that plainly name an internal address are recognised without a lookup", () => {
  for (const host of ["localhost", "api.localhost", "127.0.0.1", "[::1]", "10.0.0.7"]) assert.equal(namesInternalHost(host), true, host);
  for (const host of ["hooks.example.com", "8.8.8.8", "[2a00:1450:4001:81b::200e]"]) assert.equal(namesInternalHost(host), false, host);
});

test("the outbound dispatcher refuses internal addresses, by literal and by name, unless allowed", async () => {
  const server = createServer((_request, response) => response.end("reached"));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  try {
    const guarded = outboundDispatcher(false);
    for (const host of ["127.0.0.1", "localhost"]) {
      await assert.rejects(
        fetch(`http://${host}:${port}/`, { dispatcher: guarded }),
        (error: Error & { cause?: Error }) => /internal address/.test(error.cause?.message ?? ""),
        host,
      );
    }
    const open = outboundDispatcher(true);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`, { dispatcher: open })).text(), "reached");
    await Promise.all([guarded.close(), open.close()]);
  } finally {
    server.close();
  }
});
