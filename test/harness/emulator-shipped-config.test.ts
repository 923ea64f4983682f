// The emulator driven by the envoy/*.yaml files users deploy: TLS with optional client certificates feeding the
// ext_authz principal, the header hygiene around x-tollgate-* headers, cluster_header routing as Tollgate does it,
// and real SDK clients parsing what comes back (streamed through a mode_override to STREAMED).
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_HEADER, PRINCIPAL_HEADERS } from "../../src/envoy/headers.js";
import { startEnvoyEmulator, type EnvoyEmulator } from "./emulator/emulator.js";
import { extProcSequence } from "./emulator/recorder.js";
import { headersOf, setHeader, startFakeExtProc, type FakeExtProc, type FakeStream } from "./fake-ext-proc.js";
import { answerAll } from "./self-test-kit.js";
import { makeTestPki, type TestPki } from "./test-pki.js";
import { startTestUpstream, type TestUpstream } from "./test-upstream.js";

const ENVOY_DIR = join(import.meta.dirname, "..", "..", "envoy");
/** The shipped 200/250 ms budgets are for production Envoy; a shared test machine gets more slack. */
const RELAXED_TIMEOUTS = { extProc: { messageTimeoutMs: 1000 }, extAuthz: { timeoutMs: 1000 } };

/** What Tollgate does in outline: route on request_body, switch SSE responses to STREAMED. */
function tollgateLike(s: FakeStream): Promise<void> {
  return answerAll(s, {
    request_body: {
      request_body: {
        response: {
          header_mutation: { set_headers: [setHeader(CLUSTER_HEADER, "fake_provider"), setHeader(":authority", "api.openai.com")] },
          clear_route_cache: true,
        },
      },
    },
    response_headers: (m) =>
      headersOf(m.response_headers?.headers)["content-type"]?.startsWith("text/event-stream")
        ? { response_headers: {}, mode_override: { response_body_mode: "STREAMED" } }
        : { response_headers: {} },
  });
}

let fake: FakeExtProc;
let upstream: TestUpstream;
let pki: TestPki;
const checks = (): { attributes: { source: { principal?: string; certificate?: string }; destination: { principal?: string }; request: { http: { headers: Record<string, string> } } } }[] =>
  fake.checks as never;

beforeAll(async () => {
  pki = makeTestPki();
  fake = await startFakeExtProc({ process: tollgateLike });
  upstream = await startTestUpstream();
});
afterAll(async () => {
  await fake.close();
  await upstream.close();
});

function httpsPost(url: string, body: string, headers: Record<string, string>, withClientCert: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: "POST", ca: pki.ca, headers: { "content-type": "application/json", ...headers }, ...(withClientCert ? { cert: pki.clientCert, key: pki.clientKey } : {}) },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("envoy/envoy.yaml (TLS listener, optional client certificates)", () => {
  let envoy: EnvoyEmulator;
  beforeAll(async () => {
    envoy = await startEnvoyEmulator({
      configPath: join(ENVOY_DIR, "envoy.yaml"),
      clusters: { tollgate: { host: "127.0.0.1", port: fake.port }, fake_provider: upstream.url },
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestClientCert: true },
      overrides: RELAXED_TIMEOUTS,
    });
  });
  afterAll(() => envoy.close());

  it("reports the client certificate's URI SAN as the ext_authz principal and sends the certificate", async () => {
    const res = await httpsPost(`${envoy.url}/v1/chat/completions`, JSON.stringify({ model: "m", messages: [] }), {}, true);
    expect(res.status).toBe(200);
    const source = checks().at(-1)?.attributes.source;
    expect(source?.principal).toBe(pki.clientUri);
    expect(decodeURIComponent(source?.certificate ?? "")).toContain("-----BEGIN CERTIFICATE-----");
    expect(checks().at(-1)?.attributes.destination.principal).toBe("localhost");
  });

  it("accepts clients without a certificate (no principal)", async () => {
    const res = await httpsPost(`${envoy.url}/v1/chat/completions`, JSON.stringify({ model: "m", messages: [] }), {}, false);
    expect(res.status).toBe(200);
    expect(checks().at(-1)?.attributes.source.principal).toBeUndefined();
  });

  it("drops client-sent x-tollgate-* headers before ext_authz and strips them before the provider", async () => {
    const spoofed = { [CLUSTER_HEADER]: "openai", [PRINCIPAL_HEADERS.keyId]: "admin", "x-test-mode": "echo" };
    const res = await httpsPost(`${envoy.url}/v1/chat/completions`, "{}", spoofed, false);
    expect(res.status).toBe(200);
    const seenByAuthz = checks().at(-1)?.attributes.request.http.headers ?? {};
    expect(seenByAuthz[CLUSTER_HEADER]).toBeUndefined();
    expect(seenByAuthz[PRINCIPAL_HEADERS.keyId]).toBeUndefined();
    const atProvider = upstream.received.at(-1)?.headers ?? {};
    expect(atProvider[CLUSTER_HEADER]).toBeUndefined();
    expect(atProvider["host"]).toEqual(["api.openai.com"]);
    const record = envoy.requests.at(-1);
    expect(record?.route).toEqual({ cluster: "fake_provider", recomputed: true });
  });
});

describe("envoy/envoy-dev.yaml with the OpenAI SDK", () => {
  let envoy: EnvoyEmulator;
  beforeAll(async () => {
    envoy = await startEnvoyEmulator({
      configPath: join(ENVOY_DIR, "envoy-dev.yaml"),
      clusters: { tollgate: { host: "127.0.0.1", port: fake.port }, fake_provider: upstream.url },
      overrides: RELAXED_TIMEOUTS,
    });
  });
  afterAll(() => envoy.close());

  it("streams a chat completion through BUFFERED request + mode_override STREAMED response", async () => {
    const client = new OpenAI({ apiKey: "tg-test", baseURL: `${envoy.url}/v1`, maxRetries: 0, defaultHeaders: { "x-test-content": "streamed through envoy", "x-test-chunk-size": "5", "x-test-chunk-delay-ms": "20" } });
    const stream = await client.chat.completions.create({ model: "fake-model", stream: true, messages: [{ role: "user", content: "hi" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("streamed through envoy");
    const record = envoy.requests.at(-1);
    const seq = record ? extProcSequence(record) : [];
    expect(seq.slice(0, 6)).toEqual(["→request_headers", "←request_headers", "→request_body", "←request_body", "→response_headers", "←response_headers"]);
    expect(seq.filter((s) => s === "→response_body").length).toBeGreaterThan(1);
  });

  it("a request Tollgate does not route gets the cluster-not-found 503", async () => {
    const res = await fetch(`${envoy.url}/v1/chat/completions`, { method: "GET" });
    expect(res.status).toBe(503);
    expect(envoy.requests.at(-1)?.localReply?.details).toBe("cluster_not_found");
  });
});
