// Emulator self-tests, part 4: the ext_authz client (CheckRequest attributes, allow mutations, denials, errors)
// and the router (retries, connect failures, unmapped clusters) plus the HCM's request header handling.
// Envoy sources: source/extensions/filters/http/ext_authz/ext_authz.cc, filters/common/ext_authz/
// check_request_utils.cc, source/common/router/router.cc, source/common/http/conn_manager_utility.cc.
import * as grpc from "@grpc/grpc-js";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { startEnvoyEmulator } from "./emulator/emulator.js";
import { headersOf } from "./fake-ext-proc.js";
import { FIXTURE, useKit } from "./self-test-kit.js";

const kit = useKit();

const echo = { "x-test-mode": "echo" };
const option = (key: string, value: string, append: boolean) => ({ header: { key, value }, append: { value: append } });

interface CheckRequestShape {
  attributes: {
    source: { address: { socket_address: { address: string; port_value: number } } };
    destination: { address: { socket_address: { address: string; port_value: number } } };
    request: { http: { id: string; method: string; path: string; host: string; scheme: string; protocol: string; headers: Record<string, string> } };
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("ext_authz", () => {
  it("sends the attributes Envoy sends (CheckRequestUtils::createHttpCheck)", async () => {
    const envoy = await kit.emulator();
    await (await fetch(`${envoy.url}/v1/x?q=1`, { method: "POST", body: "{}", headers: { ...echo, "x-dup": "a" } })).text();
    const check = kit.fake.checks.at(-1) as CheckRequestShape;
    const http = check.attributes.request.http;
    expect(http).toMatchObject({ method: "POST", path: "/v1/x?q=1", host: `127.0.0.1:${envoy.port}`, scheme: "http", protocol: "HTTP/1.1" });
    expect(http.id).toMatch(/^\d+$/);
    expect(http.id).toBe((await envoy.request(0)).streamId);
    expect(http.headers).toMatchObject({ ":method": "POST", ":path": "/v1/x?q=1", "x-dup": "a", "x-forwarded-proto": "http" });
    expect(check.attributes.source.address.socket_address.address).toBe("127.0.0.1");
    expect(check.attributes.destination.address.socket_address.port_value).toBe(envoy.port);
  });

  it("joins repeated request headers with ',' in the headers map", async () => {
    const envoy = await kit.emulator();
    const checks = kit.fake.checks.length;
    await new Promise<void>((resolve, reject) => {
      // Raw header arrays keep duplicates; Node then leaves Host to us.
      const req = httpRequest(`${envoy.url}/dup`, { headers: ["host", `127.0.0.1:${envoy.port}`, "x-dup", "a", "x-dup", "b"] }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    });
    expect(kit.fake.checks).toHaveLength(checks + 1);
    expect((kit.fake.checks.at(-1) as CheckRequestShape).attributes.request.http.headers["x-dup"]).toBe("a,b");
  });

  it("applies allow mutations: set, append to an existing header, drop an append to a missing one, remove; adds response headers", async () => {
    kit.check = () => ({
      status: { code: 0 },
      ok_response: {
        headers: [option("x-principal", "key-1", false), option("x-existing", "added", true), option("x-missing", "dropped", true)],
        headers_to_remove: ["authorization", ":path"],
        response_headers_to_add: [option("x-ratelimit-remaining", "9", false)],
      },
    });
    const envoy = await kit.emulator();
    const res = await fetch(`${envoy.url}/allowed`, { headers: { ...echo, authorization: "Bearer secret", "x-existing": "orig" } });
    expect(res.headers.get("x-ratelimit-remaining")).toBe("9");
    const seen = kit.upstreamA.received.at(-1);
    expect(seen?.path).toBe("/allowed");
    expect(seen?.headers["x-principal"]).toEqual(["key-1"]);
    expect(seen?.headers["x-existing"]).toEqual(["orig,added"]);
    expect(seen?.headers["x-missing"]).toBeUndefined();
    expect(seen?.headers["authorization"]).toBeUndefined();
    // The principal reached ext_proc too, as a request header.
    expect(headersOf(kit.fake.streams.at(-1)?.received[0]?.request_headers?.headers)["x-principal"]).toBe("key-1");
  });

  it("denies with the denied_response status, body and headers; nothing else runs", async () => {
    kit.check = () => ({
      status: { code: grpc.status.UNAUTHENTICATED },
      denied_response: { status: { code: "Unauthorized" }, body: '{"error":"no key"}', headers: [option("www-authenticate", "Bearer", false)] },
    });
    const streams = kit.fake.streams.length;
    const upstream = kit.upstreamA.received.length;
    const envoy = await kit.emulator();
    const res = await fetch(`${envoy.url}/denied`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"error":"no key"}');
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(kit.fake.streams.length).toBe(streams);
    expect(kit.upstreamA.received.length).toBe(upstream);
    expect((await envoy.request(0)).localReply).toMatchObject({ status: 401, details: "ext_authz_denied" });
  });

  it("a denial without denied_response is a 403", async () => {
    kit.check = () => ({ status: { code: grpc.status.PERMISSION_DENIED } });
    const envoy = await kit.emulator();
    expect((await fetch(`${envoy.url}/denied`)).status).toBe(403);
  });

  it("an RPC failure or timeout answers status_on_error (default 403), or passes with failure_mode_allow", async () => {
    kit.check = () => ({ grpcError: grpc.status.UNAVAILABLE });
    const failing = await kit.emulator();
    expect((await fetch(`${failing.url}/authz-down`)).status).toBe(403);
    expect((await failing.request(0)).localReply?.details).toBe("ext_authz_error");
    const open = await kit.emulator({ extAuthz: { failureModeAllow: true } });
    expect((await fetch(`${open.url}/authz-down`, { headers: echo })).status).toBe(200);
    kit.check = () => new Promise((r) => setTimeout(() => r({ status: { code: 0 } }), 300));
    const slow = await kit.emulator({ extAuthz: { timeoutMs: 100, statusOnError: 503 } });
    expect((await fetch(`${slow.url}/authz-slow`)).status).toBe(503);
    expect((await slow.request(0)).extAuthz?.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });
});

describe("router", () => {
  it("retries retriable status codes with the buffered body and returns the final answer", async () => {
    const envoy = await kit.emulator();
    const res = await fetch(`${envoy.url}/retried`, { method: "POST", body: "same body", headers: { ...echo, "x-test-fail-first": "retry-ok:2" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { body: string }).body).toBe("same body");
    expect((await envoy.request(0)).upstream.map((a) => a.status)).toEqual([503, 503, 200]);
    const exhausted = await fetch(`${envoy.url}/retried`, { headers: { "x-test-fail-first": "retry-exhausted:9" } });
    expect(exhausted.status).toBe(503);
    expect((await envoy.request(1)).upstream).toHaveLength(3);
  });

  it("turns a refused connection into Envoy's 503, after retrying where the policy says so", async () => {
    const envoy = await startEnvoyEmulator({
      configPath: FIXTURE,
      clusters: { ext_proc_server: { host: "127.0.0.1", port: kit.fake.port }, upstream_a: `http://127.0.0.1:${await closedPort()}` },
    });
    try {
      const res = await fetch(`${envoy.url}/plain`);
      expect(res.status).toBe(503);
      expect(await res.text()).toBe("upstream connect error or disconnect/reset before headers. reset reason: connection failure");
      expect((await fetch(`${envoy.url}/retried`)).status).toBe(503);
      expect((await envoy.request(1)).upstream).toHaveLength(3);
      // A cluster the test did not map has no healthy host.
      const none = await fetch(`${envoy.url}/x`, { headers: { "x-target": "b" } });
      expect(none.status).toBe(503);
      expect(await none.text()).toBe("no healthy upstream");
    } finally {
      await envoy.close();
    }
  });
});

describe("connection manager headers", () => {
  it("keeps a loopback client's x-request-id and marks it internal; regenerates it for external clients", async () => {
    const internal = await kit.emulator();
    await (await fetch(`${internal.url}/ids`, { headers: { ...echo, "x-request-id": "client-chosen" } })).text();
    const seen = kit.upstreamA.received.at(-1);
    expect(seen?.headers["x-request-id"]).toEqual(["client-chosen"]);
    expect(seen?.headers["x-envoy-internal"]).toEqual(["true"]);
    expect(seen?.headers["x-forwarded-for"]).toEqual(["127.0.0.1"]);
    expect(seen?.headers["x-envoy-expected-rq-timeout-ms"]).toEqual(["15000"]);
    const external = await kit.emulator({ clientsAreExternal: true });
    await (await fetch(`${external.url}/ids`, { headers: { ...echo, "x-request-id": "client-chosen" } })).text();
    expect(kit.upstreamA.received.at(-1)?.headers["x-request-id"]?.[0]).not.toBe("client-chosen");
  });
});
