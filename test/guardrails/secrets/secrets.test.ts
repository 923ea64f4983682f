import { describe, expect, it } from "vitest";
import { Secrets } from "../../../src/guardrails/secrets/index.js";

// Deterministic pseudo-random token bodies, so no test depends on a real credential.
function body(length: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"): string {
  let out = "";
  let x = 12345;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}
const HEX = "0123456789abcdef";

const secrets = new Secrets();
function labels(text: string): string[] {
  return secrets.evaluate({ input: text }).spans.map((s) => s.label);
}
function only(text: string): { label: string; text: string } {
  const spans = secrets.evaluate({ input: text }).spans;
  expect(spans).toHaveLength(1);
  return { label: spans[0]!.label, text: spans[0]!.text };
}

describe("Secrets: provider keys by prefix and shape", () => {
  const cases: [string, string, string][] = [
    ["OpenAI project key", `sk-proj-${body(48, "ABCDEFGHabcdefgh0123456789_-")}`, "OPENAI_API_KEY"],
    ["OpenAI legacy key", `sk-${body(20)}T3BlbkFJ${body(20)}`, "OPENAI_API_KEY"],
    ["OpenAI bare key", `sk-${body(48)}`, "OPENAI_API_KEY"],
    ["Anthropic key", `sk-ant-api03-${body(93)}AA`, "ANTHROPIC_API_KEY"],
    ["AWS access key id", "AKIA" + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), "AWS_ACCESS_KEY_ID"],
    ["AWS STS key id", "ASIA" + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), "AWS_ACCESS_KEY_ID"],
    ["GitHub PAT", `ghp_${body(36)}`, "GITHUB_TOKEN"],
    ["GitHub OAuth", `gho_${body(36)}`, "GITHUB_TOKEN"],
    ["GitHub app token", `ghs_${body(36)}`, "GITHUB_TOKEN"],
    ["GitHub fine-grained", `github_pat_${body(22)}_${body(59)}`, "GITHUB_TOKEN"],
    ["Slack bot token", `xoxb-123456789012-1234567890123-${body(24)}`, "SLACK_TOKEN"],
    ["Stripe live secret", `sk_live_${body(24)}`, "STRIPE_SECRET_KEY"],
    ["Stripe restricted", `rk_live_${body(24)}`, "STRIPE_SECRET_KEY"],
    ["Stripe publishable", `pk_live_${body(24)}`, "STRIPE_PUBLISHABLE_KEY"],
    ["Google API key", `AIza${body(35)}`, "GOOGLE_API_KEY"],
    ["GitLab PAT", `glpat-${body(20)}`, "GITLAB_TOKEN"],
    ["npm token", `npm_${body(36)}`, "NPM_TOKEN"],
    ["SendGrid key", `SG.${body(22)}.${body(43)}`, "SENDGRID_API_KEY"],
    ["Twilio API key", `SK${body(32, HEX)}`, "TWILIO_API_KEY"],
    ["Hugging Face token", `hf_${body(34)}`, "HUGGINGFACE_TOKEN"],
  ];
  for (const [name, key, label] of cases) {
    it(`finds a ${name} inside a sentence with exact offsets`, () => {
      const text = `here it is: ${key} — please rotate`;
      const span = secrets.evaluate({ output: text }).spans[0];
      expect(span?.label).toBe(label);
      expect(span?.start).toBe(12);
      expect(span?.end).toBe(12 + key.length);
      expect(span?.text).toBe(key);
    });
  }

  it("does not take slugs and short prefixes for keys", () => {
    expect(labels("pip install sk-learn; see task-sk-123 and the AKIA123 prefix")).toEqual([]);
    expect(labels("the ghp_ prefix marks GitHub tokens; AIza is Google's")).toEqual([]);
  });
});

describe("Secrets: JWTs, PEM blocks, URLs and headers", () => {
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");
  const payload = Buffer.from('{"sub":"42","name":"Ada"}').toString("base64url");
  const jwt = `${header}.${payload}.${body(43, "abcdefghABCDEFGH0123456789_-")}`;

  it("finds a JWT whose header decodes", () => {
    expect(only(`Authorization: Bearer ${jwt}`)).toEqual({ label: "JWT", text: jwt });
  });

  it("rejects an eyJ string whose header is not JSON with alg", () => {
    const fake = `${Buffer.from('{"foo":1}').toString("base64url")}.${payload}.abc`;
    expect(labels(`value ${fake}`)).toEqual([]);
  });

  it("finds a private key block, and a truncated one", () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${body(64)}\n-----END RSA PRIVATE KEY-----`;
    expect(only(`key:\n${pem}\nthanks`)).toEqual({ label: "PRIVATE_KEY", text: pem });
    expect(labels(`-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${body(40)}`)).toEqual(["PRIVATE_KEY"]);
    expect(labels("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh")).toEqual([]);
  });

  it("finds the password of basic-auth credentials in a URL", () => {
    expect(only("DATABASE_URL=postgres://app:L*39!9PBN#@db.internal:5432/prod")).toEqual({ label: "URL_CREDENTIALS", text: "L*39!9PBN#" });
    expect(labels("see https://example.com:8080/path and http://user@host/")).toEqual([]);
  });

  it("names the provider of a token used as a URL password", () => {
    const token = `glpat-${body(20)}`;
    expect(only(`git clone https://oauth2:${token}@gitlab.example.com/team/app.git`)).toEqual({ label: "GITLAB_TOKEN", text: token });
  });

  it("decodes HTTP Basic credentials", () => {
    expect(labels("Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=")).toEqual(["BASIC_AUTH"]);
    expect(labels("Basic dGhpcyBpcyBub3QgaXQ=")).toEqual([]); // decodes, but to no user:password
  });

  it("finds session cookies but not preferences", () => {
    expect(only("Cookie: theme=dark; lang=en; session_id=a8f5f167f44f4964e6c998dee827110c").label).toBe("SESSION_TOKEN");
    expect(labels("Cookie: theme=dark; lang=en")).toEqual([]);
  });
});

describe("Secrets: high-entropy values near key words", () => {
  it("finds an AWS secret access key by its key word", () => {
    const key = body(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+");
    expect(only(`aws_secret_access_key = ${key}`)).toEqual({ label: "AWS_SECRET_ACCESS_KEY", text: key });
  });

  it("finds passwords in prose and in commands, without the sentence's full stop", () => {
    expect(only("The wifi password for the office is tPX$3C*Mn4fSNpea.").text).toBe("tPX$3C*Mn4fSNpea");
    expect(only("my password is esNzkfsySa please don't share it").text).toBe("esNzkfsySa");
    expect(only("mysql -u root -p'uv@szuHzfy#' -h 10.0.0.5").text).toBe("uv@szuHzfy#");
  });

  it("finds hex and base64 tokens after key words, not without them", () => {
    const hex = body(40, HEX);
    expect(only(`Here's the deploy token: ${hex}`).text).toBe(hex);
    expect(labels(`Checksum: ${hex}`)).toEqual([]);
    expect(labels(`Merged ${hex.slice(0, 7)} into main.`)).toEqual([]);
  });

  it("ignores prose, placeholders, paths and short values after key words", () => {
    for (const text of [
      "The password is stored in the vault.",
      "Set api_key=YOUR_API_KEY before running.",
      "token: <your-token>",
      "secret: ${SECRET}",
      "Short token: /auth?token=abc (too short to be valid)",
      "The key is that we ship on Friday.",
      "Trace id 2fc20853-25cd-4cc5-b4db-cb3e770ba7ce sampled at 10%.",
      "Docker image digest sha256:7d4fd10aebb10f52ff7f9eec0c53ed7e219c3a9cc8d86a1",
    ]) {
      expect(labels(text), text).toEqual([]);
    }
  });
});

describe("Secrets: verdict and redaction", () => {
  const key = `ghp_${body(36)}`;
  const text = `🔑🔑 token ${key} end`;

  it("reports offsets as string indices after astral characters", () => {
    const span = secrets.evaluate({ input: text }).spans[0]!;
    expect(text.slice(span.start, span.end)).toBe(key);
    expect(span.start).toBe(11); // two emoji are four code units
  });

  it("scores, flags and respects the threshold", () => {
    const verdict = secrets.evaluate({ input: text });
    expect(verdict).toMatchObject({ evaluator: "secrets", flagged: true, threshold: 0.5 });
    expect(verdict.score).toBeGreaterThan(0.9);
    expect(new Secrets({ threshold: 0.999 }).evaluate({ input: text }).flagged).toBe(false);
    expect(secrets.evaluate({ input: "nothing to see" })).toMatchObject({ flagged: false, score: 0, spans: [] });
  });

  it("redacts with mask, label and hash styles", () => {
    expect(secrets.redact(text, { style: "mask" }).text).toBe(`🔑🔑 token ${"*".repeat(key.length)} end`);
    expect(secrets.redact(text, { style: "label" }).text).toBe("🔑🔑 token <GITHUB_TOKEN> end");
    const hashed = secrets.redact(text, { style: "hash" }).text;
    expect(hashed).toMatch(/^🔑🔑 token <GITHUB_TOKEN:[0-9a-f]{12}> end$/);
    expect(secrets.redact(text, { style: "hash" }).text).toBe(hashed); // stable
    expect(new Secrets({ hashKey: "k" }).redact(text, { style: "hash" }).text).not.toBe(hashed); // keyed
  });

  it("rejects bad input with clear errors", () => {
    expect(() => secrets.evaluate({} as never)).toThrow(TypeError);
    expect(() => new Secrets({ threshold: 2 })).toThrow(RangeError);
    expect(() => secrets.redact(text, { style: "shout" as never })).toThrow(/unknown redaction style/);
  });

  it("stays linear on long inputs without separators", () => {
    const long = "a".repeat(200_000) + "password=" + "b".repeat(100_000);
    const started = performance.now();
    secrets.evaluate({ input: long });
    expect(performance.now() - started).toBeLessThan(5_000); // a hang guard, not a benchmark
  });
});
