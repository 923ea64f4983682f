import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { grpcClient, method } from "../helpers/extproc-client.js";

let tg: TestTollgate | undefined;
afterEach(async () => {
  await tg?.stop({ immediate: true });
  tg = undefined;
});

function check(target: string, service: string): Promise<{ status?: string; code?: number }> {
  const client = grpcClient(target, "health");
  return new Promise((resolve) => {
    method(client, "Check")({ service }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      resolve(err ? { code: err.code } : { status: res.status });
    });
  });
}

describe("grpc.health.v1", () => {
  it("reports SERVING for the server and each served service once config is loaded", async () => {
    tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV });
    const target = `127.0.0.1:${tg.grpcPort}`;
    for (const service of ["", "envoy.service.ext_proc.v3.ExternalProcessor", "envoy.service.auth.v3.Authorization"]) {
      expect(await check(target, service)).toEqual({ status: "SERVING" });
    }
    expect((await check(target, "no.such.Service")).code).toBe(grpc.status.NOT_FOUND);
  });

  it("Watch streams the current status, then NOT_SERVING when draining starts", async () => {
    tg = await startTestTollgate(`${BASE_CONFIG}\nserver: { drain_delay_ms: 300 }\n`, { env: BASE_ENV });
    const client = grpcClient(`127.0.0.1:${tg.grpcPort}`, "health");
    const call = method(client, "Watch")({ service: "" }) as grpc.ClientReadableStream<{ status: string }>;
    const seen: string[] = [];
    const twoUpdates = new Promise<void>((resolve) => {
      call.on("data", (m: { status: string }) => {
        seen.push(m.status);
        if (seen.length === 2) resolve();
      });
    });
    call.on("error", () => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const stopping = tg.stop({ immediate: false });
    await twoUpdates;
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
    // During the drain delay the server still answers, and says NOT_SERVING.
    expect(await check(`127.0.0.1:${tg.grpcPort}`, "")).toEqual({ status: "NOT_SERVING" });
    call.cancel();
    client.close();
    await stopping;
  });
});
