import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { CHAT_BODY, body, chatRequestHeaders, openStream } from "../helpers/extproc-client.js";

let tg: TestTollgate;
let admin: string;
beforeAll(async () => {
  tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV });
  admin = `http://127.0.0.1:${tg.adminPort}`;
});
afterAll(async () => {
  await tg.stop({ immediate: true });
});

describe("admin port", () => {
  it("serves liveness and readiness", async () => {
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${admin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", reasons: [] });
  });

  it("exposes request and phase metrics in Prometheus format", async () => {
    const s = openStream(`127.0.0.1:${tg.grpcPort}`);
    await s.roundTrip(chatRequestHeaders({ "x-request-id": "m-1" }));
    await s.roundTrip(body("request_body", { ...CHAT_BODY, messages: "bad" }));
    s.cancel();
    await s.status;
    s.close();
    await new Promise((r) => setTimeout(r, 30));
    const res = await fetch(`${admin}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/tollgate_requests_total\{route="none",endpoint="chat_completions",decision="denied"\} 1/);
    expect(text).toMatch(/tollgate_phase_duration_seconds_count\{phase="request_body"\} \d+/);
  });

  it("is read-only and says which paths exist", async () => {
    expect((await fetch(`${admin}/metrics`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${admin}/nope`)).status).toBe(404);
  });

  it("puts the request id and trace id on every request log line", async () => {
    const s = openStream(`127.0.0.1:${tg.grpcPort}`);
    await s.roundTrip(chatRequestHeaders({ "x-request-id": "log-1", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }));
    await s.roundTrip(body("request_body", "{"));
    s.cancel();
    await s.status;
    s.close();
    await new Promise((r) => setTimeout(r, 30));
    const lines = tg.logs().filter((l) => l.request_id === "log-1");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l.trace_id).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});
