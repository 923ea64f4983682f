import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, KEY, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { grpcClient, method } from "../helpers/extproc-client.js";
import type { CheckResponse } from "../../src/transport/ext-authz.js";

let tg: TestTollgate;
beforeAll(async () => {
  tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV });
});
afterAll(async () => {
  await tg.stop({ immediate: true });
});

function check(headers: Record<string, string>, path = "/v1/chat/completions"): Promise<CheckResponse> {
  const client = grpcClient(`127.0.0.1:${tg.grpcPort}`, "extAuthz");
  const req = { attributes: { request: { http: { id: "1", method: "POST", path, host: "gw", headers: { ":path": path, "x-request-id": "rid-1", ...headers } } } } };
  return new Promise((resolve, reject) => {
    method(client, "Check")(req, (err: grpc.ServiceError | null, res: CheckResponse) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}

describe("ext_authz Check", () => {
  it("admits a valid key and hands the principal on in signed headers", async () => {
    const res = await check({ authorization: `Bearer ${KEY}`, "x-tollgate-key-id": "forged", "x-tollgate-evil": "1" });
    expect(res.status.code ?? 0).toBe(0);
    const set = Object.fromEntries(res.ok_response!.headers.map((h) => [h.header.key, h.header.value]));
    expect(set["x-tollgate-key-id"]).toBe("k1");
    expect(set["x-tollgate-cohort"]).toBe("team-a");
    expect(set["x-tollgate-principal-sig"]).toMatch(/^[\w-]{43}$/);
    // Every header explicitly overwrites: Envoy versions disagree on an unset `append`.
    expect(res.ok_response!.headers.every((h) => h.append.value === false)).toBe(true);
    expect(res.ok_response!.headers_to_remove).toEqual(["x-tollgate-evil"]);
  });

  it("accepts Anthropic's x-api-key header", async () => {
    const res = await check({ "x-api-key": KEY }, "/v1/messages");
    expect(res.status.code ?? 0).toBe(0);
  });

  it("denies a wrong key with 401 and a JSON body in the client's API shape", async () => {
    const res = await check({ authorization: "Bearer nope" }, "/v1/messages");
    expect(res.status.code).toBe(grpc.status.UNAUTHENTICATED);
    const body = JSON.parse(res.denied_response!.body);
    expect(body).toMatchObject({ type: "error", error: { type: "authentication_error", code: "invalid_api_key" } });
    const hdrs = Object.fromEntries(res.denied_response!.headers.map((h) => [h.header.key, h.header.value]));
    expect(hdrs["content-type"]).toBe("application/json");
    expect(hdrs["www-authenticate"]).toContain("Bearer");
  });

  it("denies a missing key on an MCP route with a JSON-RPC error", async () => {
    const res = await check({}, "/mcp");
    const body = JSON.parse(res.denied_response!.body);
    expect(body).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "missing_api_key" } } });
  });
});
