// Kubernetes Secret manifests: every value under `data:` (base64) or `stringData:` (plain) of a `kind: Secret`
// document is a credential whatever its key is called (`db-url`, `config.json`, `.dockerconfigjson`), so key words
// cannot find them. Only texts that contain a Secret manifest pay for this scan.

import type { ContextFinding } from "./context.js";
import { looksLikeSecretValue } from "./entropy.js";

const KIND_YAML = /^[ \t]*kind:[ \t]*["']?Secret["']?[ \t]*$/m;
const KIND_JSON = /"kind"[ \t]*:[ \t]*"Secret"/;
// Values under these keys are public or not credentials (a certificate, a user name, a host).
const PUBLIC_KEY = /^(?:ca\.crt|tls\.crt|username|user|namespace|host|hostname|port|database|region|url|endpoint)$/i;
const BASE64_VALUE = /^[A-Za-z0-9+/]{8,}={0,2}$/;

function accept(key: string, value: string, base64: boolean): boolean {
  if (PUBLIC_KEY.test(key)) return false;
  return base64 ? BASE64_VALUE.test(value) && value.length % 4 === 0 : looksLikeSecretValue(value, 8, true);
}

/** YAML: the indented `key: value` lines of each data/stringData block of a Secret document. */
function yamlSecrets(text: string, findings: ContextFinding[]): void {
  const block = /^([ \t]*)(data|stringData):[ \t]*\r?\n/gm;
  for (let b = block.exec(text); b !== null; b = block.exec(text)) {
    const docStart = text.lastIndexOf("\n---", b.index);
    const docEnd = text.indexOf("\n---", b.index);
    const doc = text.slice(docStart < 0 ? 0 : docStart, docEnd < 0 ? text.length : docEnd);
    if (!KIND_YAML.test(doc)) continue;
    const indent = (b[1] as string).length;
    const base64 = b[2] === "data";
    const line = /^([ \t]*)([\w.-]{1,253}):[ \t]*(["']?)([^\s"'#]{1,4096})\3[ \t]*(?:#.*)?$/gmy;
    let at = b.index + b[0].length;
    for (;;) {
      line.lastIndex = at;
      const m = line.exec(text);
      if (!m || (m[1] as string).length <= indent) break;
      const value = m[4] as string;
      if (accept(m[2] as string, value, base64)) {
        const start = m.index + m[0].indexOf(value, (m[1] as string).length + (m[2] as string).length + 1);
        findings.push({ start, end: start + value.length, id: "kubernetes_secret", score: 0.9 });
      }
      at = m.index + m[0].length + 1;
      if (at > text.length) break;
    }
  }
}

/** JSON (kubectl get secret -o json): the string members of "data" / "stringData" objects. */
function jsonSecrets(text: string, findings: ContextFinding[]): void {
  const block = /"(data|stringData)"[ \t]*:[ \t]*\{([^{}]{0,65536})\}/g;
  for (let b = block.exec(text); b !== null; b = block.exec(text)) {
    const base64 = b[1] === "data";
    const body = b[2] as string;
    const offset = b.index + b[0].length - body.length - 1;
    const member = /"([\w.-]{1,253})"[ \t]*:[ \t]*"([^"\\]{1,4096})"/g;
    for (let m = member.exec(body); m !== null; m = member.exec(body)) {
      const value = m[2] as string;
      if (!accept(m[1] as string, value, base64)) continue;
      const start = offset + m.index + m[0].length - value.length - 1;
      findings.push({ start, end: start + value.length, id: "kubernetes_secret", score: 0.9 });
    }
  }
}

export function findManifestSecrets(text: string): ContextFinding[] {
  if (!text.includes("Secret")) return [];
  const findings: ContextFinding[] = [];
  if (KIND_YAML.test(text)) yamlSecrets(text, findings);
  if (KIND_JSON.test(text)) jsonSecrets(text, findings);
  return findings;
}
