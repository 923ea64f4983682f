// A throwaway PKI for TLS tests: a CA, a server certificate for localhost/127.0.0.1 and a client certificate
// whose URI SAN is the identity Envoy reports as the peer principal. Made with the openssl CLI in a temp dir.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  clientUri: string;
}

function issue(dir: string, name: string, subject: string, san: string): void {
  const run = (args: string[]): void => void execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  run(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`]);
}

export function makeTestPki(clientUri = "spiffe://tollgate.test/client-a"): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-pki-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=tollgate-test-ca", "-days", "1"], { cwd: dir, stdio: "ignore" });
    issue(dir, "server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1");
    issue(dir, "client", "/CN=client-a", `URI:${clientUri}`);
    const read = (f: string): Buffer => readFileSync(join(dir, f));
    return { ca: read("ca.crt"), serverCert: read("server.crt"), serverKey: read("server.key"), clientCert: read("client.crt"), clientKey: read("client.key"), clientUri };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
