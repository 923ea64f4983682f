import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { grpcClient, method } from "../helpers/extproc-client.js";
import { writeFileSync } from "node:fs";
import { makeTestPki } from "../harness/test-pki.js";

let tg: TestTollgate | undefined;
/** The harness's throwaway PKI, written to files as the config wants them. */
let pki: { caFile: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; read(file: string): Buffer };
beforeAll(() => {
  const made = makeTestPki();
  const dir = mkdtempSync(join(tmpdir(), "tollgate-pki-"));
  const file = (name: string, data: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
  pki = {
    caFile: file("ca.crt", made.ca),
    serverCert: file("server.crt", made.serverCert),
    serverKey: file("server.key", made.serverKey),
    clientCert: file("client.crt", made.clientCert),
    clientKey: file("client.key", made.clientKey),
    read: (f) => readFileSync(f),
  };
});
afterEach(async () => {
  await tg?.stop();
  tg = undefined;
});

function healthCheck(target: string, creds: grpc.ChannelCredentials): Promise<string> {
  const client = grpcClient(target, "health", creds);
  return new Promise((resolve, reject) => {
    method(client, "Check")({ service: "" }, { deadline: Date.now() + 3000 }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    });
  });
}

function tlsConfig(requireClientCert: boolean): string {
  return `${BASE_CONFIG}
server:
  grpc:
    tls: { cert_file: ${pki.serverCert}, key_file: ${pki.serverKey}, ca_file: ${pki.caFile}, require_client_cert: ${requireClientCert} }
`;
}

describe("gRPC listeners", () => {
  it("serves on a Unix socket as well as TCP", async () => {
    const socket = join(mkdtempSync(join(tmpdir(), "tollgate-uds-")), "tollgate.sock");
    tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV, socket });
    expect(await healthCheck(`unix:${socket}`, grpc.credentials.createInsecure())).toBe("SERVING");
    expect(await healthCheck(`127.0.0.1:${tg.grpcPort}`, grpc.credentials.createInsecure())).toBe("SERVING");
  });

  it("serves TLS", async () => {
    tg = await startTestTollgate(tlsConfig(false), { env: BASE_ENV });
    const creds = grpc.credentials.createSsl(pki.read(pki.caFile));
    expect(await healthCheck(`localhost:${tg.grpcPort}`, creds)).toBe("SERVING");
    await expect(healthCheck(`127.0.0.1:${tg.grpcPort}`, grpc.credentials.createInsecure())).rejects.toThrow();
  });

  it("requires a client certificate signed by the CA for mTLS", async () => {
    tg = await startTestTollgate(tlsConfig(true), { env: BASE_ENV });
    const withCert = grpc.credentials.createSsl(pki.read(pki.caFile), pki.read(pki.clientKey), pki.read(pki.clientCert));
    expect(await healthCheck(`localhost:${tg.grpcPort}`, withCert)).toBe("SERVING");
    const noCert = grpc.credentials.createSsl(pki.read(pki.caFile));
    await expect(healthCheck(`localhost:${tg.grpcPort}`, noCert)).rejects.toThrow();
  });
});
