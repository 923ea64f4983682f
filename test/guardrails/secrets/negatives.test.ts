import { describe, expect, it } from "vitest";
import { Secrets } from "../../../src/guardrails/secrets/index.js";
import { BASE64, HEX, base64Bytes, rand, reseed } from "./fake.js";

const secrets = new Secrets();
const texts = (input: string): string[] => secrets.find(input).map((s) => s.text);

reseed(4242);

// Each of these holds something a careless scanner flags. None holds a credential.
const uuid = (): string => `${rand(8, HEX)}-${rand(4, HEX)}-4${rand(3, HEX)}-a${rand(3, HEX)}-${rand(12, HEX)}`;
const HARD_NEGATIVES: [string, string][] = [
  ["UUIDs", `Request ${uuid()} failed; retry with correlation id ${uuid()}.`],
  ["a git SHA", `Reverted commit ${rand(40, HEX)} because it broke the build (see ${rand(7, HEX)}).`],
  ["sha256 digests", `image: registry.example.com/app@sha256:${rand(64, HEX)}\nchecksum ${rand(64, HEX)}  app.tar.gz`],
  ["an npm integrity hash", `"integrity": "sha512-${base64Bytes(64)}"`],
  ["a base64 image", `<img src="data:image/png;base64,${base64Bytes(1500)}">`],
  ["a base64 blob that happens to hold a key-like run", `data:application/octet-stream;base64,${rand(60, BASE64)}/AKIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}+${rand(60, BASE64)}`],
  ["lorem ipsum", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."],
  ["placeholder keys", "OPENAI_API_KEY=YOUR_API_KEY\nANTHROPIC_API_KEY=<your-anthropic-key>\nGITHUB_TOKEN=${GITHUB_TOKEN}\nSTRIPE_KEY=***"],
  ["x-ed out keys", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx and sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXX and ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
  ["stand-in words inside key shapes", "xoxb-your-bot-token-here, AKIAXXXXXXXXXXXXXXXX, sk_live_YOUR_SECRET_KEY_HERE, glpat-REPLACE_WITH_YOUR_TOKEN"],
  ["a template placeholder", "Authorization: Bearer <token>\nAuthorization: Bearer ${ACCESS_TOKEN}\nX-API-Key: {{api_key}}"],
  ["variable names", "Set OPENAI_API_KEY and AWS_SECRET_ACCESS_KEY in your shell; the code reads process.env.STRIPE_SECRET_KEY."],
  ["code that reads a secret", 'api_key = os.environ["OPENAI_API_KEY"]\nsecret: config.secretKey\ntoken = getToken(user)\nconst password = req.body.password;\nclient_secret = settings.CLIENT_SECRET'],
  ["GitHub Actions expressions", "env:\n  DB_PASSWORD: ${{ secrets.DB_PASSWORD }}\n  API_TOKEN: ${{ secrets.API_TOKEN }}"],
  ["prose about passwords", "Please reset your password before Friday. The password must be at least 12 characters, and the token expires after one hour."],
  ["key names that are not keys", "SharedAccessKeyName=RootManageSharedAccessKey; secret_name=prod/db; token_type=bearer; key_id=primary"],
  ["a documentation JWT header alone", "A JWT starts with eyJhbGciOiJIUzI1NiJ9 and has three parts."],
  ["slugs and short prefixes", "pip install sk-learn; see task-sk-123, the AKIA prefix, ghp_ and xoxb- prefixes and pk_test_ keys"],
  ["an AWS signature scheme name", "Authorization: AWS4-HMAC-SHA256 Credential=example/20240101/us-east-1/s3/aws4_request, SignedHeaders=host"],
  ["version strings and numbers", "Upgrade to 3.14.159 (build 20240611.1), order #A-4471-2209, +49 30 1234567, ISBN 978-0-306-40615-7"],
  ["a URL without credentials", "https://user@example.com/path?next=https://example.com:8443/login and ftp://ftp.example.org/pub"],
  ["questions about a default password", "What's the admin password for a brand-new TP-Link router? I just bought it."],
  ["unresolved template references", "ssh_key: ${sshKey:/path/to/ssh.key}\napi_key: {{ .Values.apiKey }}\ntoken: $(cat /run/secrets/token)"],
  ["keys that are not credentials", `idempotency_key: ${uuid()}\npartition_key = ${rand(24)}\n"publicKey": "${rand(44, BASE64)}"\ncache_key=${rand(32, HEX)}\nkeyword: ${rand(12)}9`],
  ["a public SSH key", `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${rand(300, BASE64)} user@laptop`],
];

describe("Secrets: hard negatives", () => {
  for (const [name, text] of HARD_NEGATIVES) {
    it(`does not flag ${name}`, () => {
      expect(texts(text)).toEqual([]);
    });
  }

  it("still flags a real-looking key right next to these negatives (the negatives are not vacuous)", () => {
    const key = `ghp_${rand(36)}`;
    for (const [name, text] of HARD_NEGATIVES) {
      expect(texts(`${text}\n${key}`), name).toEqual([key]);
    }
  });
});

describe("Secrets: adversarial inputs stay near-linear", () => {
  const inputs: [string, string][] = [
    ["repeated key headers", "-----BEGIN PRIVATE KEY-----\n".repeat(4000)],
    ["repeated SSH2 headers", "---- BEGIN SSH2 PRIVATE KEY ----\n".repeat(3000)],
    ["repeated PuTTY headers", `PuTTY-User-Key-File-3: x\n${"a\n".repeat(50)}`.repeat(500)],
    ["hex and Mailchimp suffixes", `${"a".repeat(32)}-us`.repeat(3000)],
    ["Entra ID infixes", "abc1Q~".repeat(15000)],
    ["URL schemes without hosts", "ab://x:y".repeat(12000)],
    ["chained key words", "key=".repeat(25000)],
    ["Slack digit groups", `xoxb-${"1-".repeat(50000)}`],
  ];
  for (const [name, text] of inputs) {
    it(`on ${name}`, () => {
      const started = performance.now();
      secrets.find(text);
      expect(performance.now() - started).toBeLessThan(2_000); // a hang guard, not a benchmark
    });
  }
});
