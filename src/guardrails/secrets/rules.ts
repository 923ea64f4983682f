// Credentials recognisable by their own shape: a provider prefix plus a fixed alphabet and length, a JWT, a PEM
// block, a password inside a URL. These need no surrounding key word. Each rule is one regex source; scan.ts
// joins them into a single alternation so the text is walked once.

import { decodeJwtHeader } from "./jwt.js";

export interface SecretRule {
  /** Stable identifier, also the span label (upper-cased). */
  id: string;
  /** Regex source (no flags; the combined pattern is case-sensitive). */
  pattern: string;
  /** 0..1 confidence when the rule matches and validates. */
  score: number;
  /**
   * 1-based index of a capture group inside `pattern` that holds the secret itself (the rest is context, such as
   * the user name of a URL); the whole match when absent.
   */
  valueGroup?: number;
  /** Extra check on the secret text; the match is dropped when it returns false. */
  validate?: (value: string) => boolean;
}

// A credential never starts in the middle of a longer identifier.
const B = "(?<![A-Za-z0-9_])";
// ...and fixed-length ones never continue into one.
const E = "(?![A-Za-z0-9_])";

/** Base64 alphabet check that the decoded value of HTTP Basic auth is "user:password". */
function isBasicCredential(value: string): boolean {
  const token = value.replace(/^Basic\s+/, "");
  if (token.length % 4 === 1) return false;
  const decoded = Buffer.from(token, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon > 0 && colon < decoded.length - 1 && !/[\u0000-\u001f\ufffd]/.test(decoded);
}

export const SECRET_RULES: readonly SecretRule[] = [
  { id: "private_key", score: 0.99, pattern: "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\\s\\S]{0,16384}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\\s]{0,4096})" },
  { id: "anthropic_api_key", score: 0.99, pattern: `${B}sk-ant-(?:api|admin|oat|ort)?\\d{0,2}-?[A-Za-z0-9_-]{32,}` },
  { id: "openai_api_key", score: 0.98, pattern: `${B}sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}` },
  { id: "openai_api_key", score: 0.99, pattern: `${B}sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}${E}` },
  // Bare "sk-" keys: long enough that it is not a slug such as "sk-learn".
  { id: "openai_api_key", score: 0.95, pattern: `${B}sk-(?!ant-)[A-Za-z0-9_-]{32,}`, validate: (v) => /\d/.test(v) && /[A-Z]/.test(v) },
  { id: "aws_access_key_id", score: 0.97, pattern: `${B}(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}${E}` },
  { id: "github_token", score: 0.99, pattern: `${B}gh[pousr]_[A-Za-z0-9]{36,255}${E}` },
  { id: "github_token", score: 0.99, pattern: `${B}github_pat_[A-Za-z0-9_]{22,255}` },
  { id: "gitlab_token", score: 0.98, pattern: `${B}gl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,}` },
  { id: "slack_token", score: 0.98, pattern: `${B}xox[abposre]-(?:\\d+-)*[A-Za-z0-9-]{10,}` },
  { id: "slack_webhook", score: 0.98, pattern: "https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}" },
  { id: "discord_webhook", score: 0.95, pattern: "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d+/[A-Za-z0-9_-]{20,}" },
  { id: "stripe_secret_key", score: 0.98, pattern: `${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}${E}` },
  // Publishable keys are meant for browsers, but leaking which account they belong to still matters to most teams.
  { id: "stripe_publishable_key", score: 0.8, pattern: `${B}pk_(?:live|test)_[A-Za-z0-9]{10,}${E}` },
  { id: "google_api_key", score: 0.97, pattern: `${B}AIza[A-Za-z0-9_-]{35}${E}` },
  { id: "google_oauth_token", score: 0.95, pattern: `${B}ya29\\.[A-Za-z0-9_-]{20,}` },
  { id: "npm_token", score: 0.98, pattern: `${B}npm_[A-Za-z0-9]{36}${E}` },
  { id: "sendgrid_api_key", score: 0.99, pattern: `${B}SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}${E}` },
  { id: "twilio_api_key", score: 0.9, pattern: `${B}SK[0-9a-fA-F]{32}${E}` },
  { id: "twilio_account_sid", score: 0.7, pattern: `${B}AC[0-9a-f]{32}${E}` },
  { id: "huggingface_token", score: 0.97, pattern: `${B}hf_[A-Za-z0-9]{34,}${E}` },
  { id: "pypi_token", score: 0.99, pattern: `${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}` },
  { id: "shopify_token", score: 0.97, pattern: `${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}` },
  { id: "digitalocean_token", score: 0.97, pattern: `${B}do[opr]_v1_[a-f0-9]{64}${E}` },
  { id: "mailgun_api_key", score: 0.85, pattern: `${B}key-[0-9a-f]{32}${E}` },
  { id: "telegram_bot_token", score: 0.85, pattern: `${B}\\d{8,10}:AA[A-Za-z0-9_-]{33}${E}` },
  { id: "square_token", score: 0.95, pattern: `${B}sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}` },
  { id: "azure_storage_key", score: 0.95, pattern: "AccountKey=([A-Za-z0-9+/]{86}==)", valueGroup: 1 },
  {
    id: "jwt",
    score: 0.95,
    pattern: `${B}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*`,
    validate: (v) => decodeJwtHeader(v) !== undefined,
  },
  // user:password@host in any URL scheme; the password is the secret.
  {
    id: "url_credentials",
    score: 0.9,
    pattern: "\\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\\s:@/?#]{1,64}:([^\\s/]{1,128})@[A-Za-z0-9.-]",
    valueGroup: 1,
    validate: (v) => !/^\d+$/.test(v) && !/^\$\{?\w+\}?$/.test(v),
  },
  { id: "basic_auth", score: 0.9, pattern: "\\bBasic [A-Za-z0-9+/]{8,}={0,2}(?![A-Za-z0-9+/=])", validate: isBasicCredential },
];
