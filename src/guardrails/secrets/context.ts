// Credentials with no shape of their own (passwords, session ids, generic API keys, AWS secret keys) are found
// by the key word in front of them: `api_key = ...`, `Authorization: Bearer ...`, "the password is ...". The
// value must then look generated (entropy, mixed character classes), so prose after a key word is not flagged.

import { isPlaceholder, looksFake, looksLikeSecretValue, shannonEntropy } from "./entropy.js";

export interface ContextFinding {
  start: number;
  end: number;
  id: string;
  score: number;
}

// Key words, longest alternatives first. Bounded suffixes keep the scan linear on long identifier runs.
const KEY =
  "(?:(?<![a-z])key|api[_.-]?key|apikey|access[_.-]?key|secret|token|passw(?:or)?d|passwort|passphrase|passcode|(?<![a-z])pass(?![a-z])|pwd|(?<![a-z])pw(?![a-z])|credentials?|auth(?!orit)(?:[_.-]?key|[_.-]?token)?|private[_.-]?key|(?:php|j)?sess(?:ion)?(?:[_.-]?(?:id|key|token))?|sid|signature|sig)";
// = : := => after the key (quoted or not); a comma after a quoted key (define('DB_PASSWORD', '...'),
// headers.set("X-API-Key", "...")); or the end of an XML start tag whose element closes right after the value
// (<password>...</password>).
const SEP = '(?:(?:\\\\?["\'])?[ \\t]*(?::=|=>|=|:)|\\\\?["\'][ \\t]*,|>(?=[^<\\s]{1,512}</))[ \\t]*';
const VALUE = "(\\\\?[\"'`]?)([^\\s\"'`<>]{1,512})";

// One pass, six shapes; the group numbers below follow the order of the alternatives.
const CONTEXT_PATTERN = new RegExp(
  [
    // 1: Authorization header with any scheme but Basic and Digest (Bearer, token, Bot, SSWS, ApiKey... or none), or
    // a bare bearer token. Groups 1-2.
    `\\b(authorization["']?[ \\t]*[:=][ \\t]*["']?(?:(?:bearer|token|bot|ssws|apikey|api-key|key|splunk|oauth|sso-key|geniekey|zoho-oauthtoken)[ \\t]+)?|bearer[ \\t]+)([A-Za-z0-9._~+/=-]{8,})`,
    // 2: clients that take a password on the command line: mysql -pSECRET, redis-cli -a SECRET, sshpass -p SECRET,
    // curl -u user:SECRET. Group 3.
    `\\b(?:(?:mysql|mariadb|mysqldump|mysqladmin)\\b[^\\n]{0,80}?[ \\t]-p['"]?|(?:redis-cli\\b[^\\n]{0,80}?[ \\t]-a|sshpass[ \\t]+-p)[ \\t]+['"]?|curl\\b[^\\n]{0,200}?[ \\t](?:-u|--user)[ \\t]*['"]?[^\\s:'"]{1,64}:)([^\\s'"]{3,128})`,
    // 3: Cookie / Set-Cookie header: every cookie value in it is examined. Group 4.
    `\\b(?:set-)?cookie[ \\t]*:[ \\t]*([^\\r\\n]{1,2048})`,
    // 4: .NET / XML settings: <add key="ApiKey" value="..."/>. Groups 5 (key), 6 (value).
    `\\bkey=["']([A-Za-z0-9_.:-]{0,40}${KEY}[A-Za-z0-9_.:-]{0,40})["'][ \\t]+value=["']([^"'\\n]{1,512})(?=["'])`,
    // 5: key = value, key: value, "key": "value", ?key=value. Groups 7 (key), 8 (quote), 9 (value).
    `(${KEY}[A-Za-z0-9_.-]{0,24})${SEP}${VALUE}`,
    // 6: prose: "the password for the office is X" (after "for ...", only with "is" or a colon), "password X". Groups 10 (key), 11 (quote), 12 (value).
    `\\b(password|passwort|passcode|passphrase|pass|pwd|pin|contraseña|mot de passe|senha|wachtwoord|token|api key|secret key|secret)\\b(?:[ \\t]+(?:for|of|to|de|für|del|du)[ \\t]+(?:the[ \\t]+|my[ \\t]+|our[ \\t]+)?[\\w-]{1,24}(?:[ \\t]+[\\w-]{1,24})?(?=[ \\t]*:|[ \\t]+(?:is|was|ist|es|est|é)\\b))?(?:[ \\t]+(?:is|was|is now|ist|es|est|é))?(?:[ \\t]*:[ \\t]*|[ \\t]+)${VALUE}`,
  ].join("|"),
  "giu",
);

const PASSWORD_KEY = /pass|pwd|pin|contraseña|mot de passe|senha|wachtwoord/i;
const SESSION_KEY = /sess|sid|cookie/i;
// Paths, URLs, e-mail addresses and chained assignments follow key words too, but are not the secret.
const NOT_A_VALUE = /^[/.~@]|^\$[{(]|^\{\{|:\/\/|^[^@\s]+@[a-z0-9-]+\.[a-z]|=[^=]|^(?:bearer|basic|token)$/i;
const AWS_SECRET_VALUE = /^[A-Za-z0-9/+]{40}$/;

/**
 * Sentence punctuation after an unquoted value is not part of it ("the password is hunter2."), nor is the next
 * field of a connection string or query ("Password=...;Database=app", "token=...&format=json").
 */
function trimUnquoted(value: string, inUrlQuery: boolean, prose: boolean): string {
  let v = value;
  const cut = inUrlQuery ? v.search(/[&#]/) : v.search(/[;&](?=[\w .-]{1,40}=)/);
  if (cut >= 0) v = v.slice(0, cut);
  // In a sentence a final "!" or "?" is punctuation; after "Password:" or "=" it is more likely the password's own.
  return v.replace(prose ? /[.,;:!?)\]}]+$/ : /[.,;:)\]}]+$/, "");
}

// Code after a key word is a reference to the secret, not the secret: config.secretKey, settings.API_KEY,
// getToken(), AWS_SECRET_ACCESS_KEY, my_api_key, mySecretToken. (Not applied after "password", where
// "Correct-Horse-Battery" is a passphrase: there only member paths and calls count as code.)
const CODE_PATH = /\(|^[A-Za-z_$][A-Za-z_$]*(?:\.[A-Za-z_$][A-Za-z_$]*)+;?$/;
const CODE_REFERENCE = new RegExp(`${CODE_PATH.source}|^[A-Z][A-Z]*\\d?(?:_[A-Z]+\\d?)+$|^[a-z]+(?:[_-][a-z]+)+$|^[A-Za-z][a-z]+(?:[A-Z][a-z]+)+$`);
// Keys that name, type or locate a secret rather than hold it: SharedAccessKeyName, secret_name, token_type, key_id.
const NAMES_A_SECRET = /(?:name|type|path|file|id|url|uri|endpoint|region|version|expires?|ttl)$/i;
// Keys that are not credentials at all: public keys, database and cache keys, idempotency keys, key words.
const NOT_A_CREDENTIAL_KEY =
  /(?:public|partition|sort|primary|foreign|cache|idempotency|dedup\w*|lookup|object|row|hash|routing|shard|composite|unique|bucket|translation|i18n|map|dict|hot|publishable)[_.-]?key|key(?:word|board|frame|space|code|stroke)|^pk$/i;
// X-Amz-Credential / X-Goog-Credential name the key id and scope of a signed URL; the signature is the secret.
const SIGNED_URL_SCOPE = /x-(?:amz|goog)-$/i;
// A key word that names the provider gives a generic value its label (COHERE_API_KEY=..., "mistral": {"key": ...}).
const PROVIDER_HINT =
  /(cohere|mistral|datadog|okta|twilio|cloudflare|heroku|vercel|netlify|azure|openai|anthropic|gemini|deepgram|assemblyai|elevenlabs|together|fireworks|voyage|wandb|algolia|mongodb|snowflake|pagerduty|postmark|mailjet|intercom|zendesk|discord|telegram|github|gitlab|slack|stripe|sendgrid|mapbox|segment|amplitude|mixpanel|launchdarkly)/i;

function classify(key: string, value: string, before: string): { id: string; minLength: number } {
  if (PASSWORD_KEY.test(key)) return { id: "password", minLength: 6 };
  if ((/aws/i.test(before + key) || /secret[_.-]?access[_.-]?key/i.test(key)) && /secret/i.test(key) && AWS_SECRET_VALUE.test(value)) {
    return { id: "aws_secret_access_key", minLength: 40 };
  }
  if (SESSION_KEY.test(key)) return { id: "session_token", minLength: 10 };
  const provider = PROVIDER_HINT.exec(before.slice(-24) + key)?.[1];
  return { id: provider ? `${provider.toLowerCase()}_api_key` : "generic_secret", minLength: 8 };
}

function scoreFor(id: string, value: string): number {
  if (id === "aws_secret_access_key") return 0.95;
  const entropy = shannonEntropy(value);
  if (value.length >= 20 && entropy >= 3.5) return 0.9;
  return id === "password" ? 0.85 : 0.75;
}

/** name=value pairs of a Cookie header; values that look generated are session tokens. */
function cookieValues(header: string, offset: number): ContextFinding[] {
  const found: ContextFinding[] = [];
  const pair = /([^=;\s]{1,64})=([^;\s]{1,1024})/g;
  for (let m = pair.exec(header); m !== null; m = pair.exec(header)) {
    const value = m[2] as string;
    if (!looksLikeSecretValue(value, 10)) continue;
    const start = offset + m.index + m[0].length - value.length;
    found.push({ start, end: start + value.length, id: "session_token", score: scoreFor("session_token", value) });
  }
  return found;
}

// Every shape of CONTEXT_PATTERN starts with one of these words. A plain scan for them is far cheaper than trying
// the whole pattern at every position, so the pattern is only tried (sticky) where one of them starts.
const ANCHOR = /key|api|access|secret|token|pass|pwd|pw|pin|auth|bearer|sess|sid|sig|cookie|set-cookie|credential|private|mysql|mariadb|redis-cli|sshpass|curl|contrase|mot de passe|senha|wachtwoord/gi;
const STICKY = new RegExp(CONTEXT_PATTERN.source, "iuy");

/** Matches of CONTEXT_PATTERN, tried only at anchor words; a rejected match resumes inside its value. */
function* contextMatches(text: string): Generator<RegExpExecArray, void, number | undefined> {
  ANCHOR.lastIndex = 0;
  let floor = 0;
  for (let a = ANCHOR.exec(text); a !== null; a = ANCHOR.exec(text)) {
    if (a.index < floor) continue;
    STICKY.lastIndex = a.index;
    const m = STICKY.exec(text);
    if (!m) continue;
    const resume = yield m;
    floor = resume ?? m.index + m[0].length;
    ANCHOR.lastIndex = Math.max(ANCHOR.lastIndex, floor);
  }
}

export function findContextSecrets(text: string): ContextFinding[] {
  const findings: ContextFinding[] = [];
  const matches = contextMatches(text);
  let resume: number | undefined;
  for (let step = matches.next(); !step.done; step = matches.next(resume)) {
    const m = step.value;
    resume = undefined;
    if (m[2] !== undefined) {
      const value = m[2].replace(/[.,;:)\]}]+$/, "");
      const start = m.index + m[0].length - m[2].length;
      if (looksLikeSecretValue(value, 12) && !looksFake(value) && !CODE_REFERENCE.test(value) && value !== "AWS4-HMAC-SHA256") {
        findings.push({ start, end: start + value.length, id: "bearer_token", score: scoreFor("bearer_token", value) });
      }
      continue;
    }
    if (m[3] !== undefined) {
      const value = m[3].replace(/[;,)]+$/, "");
      const start = m.index + m[0].length - m[3].length;
      if (!value.startsWith("$") && !isPlaceholder(value) && !looksFake(value)) findings.push({ start, end: start + value.length, id: "password", score: 0.85 });
      continue;
    }
    if (m[4] !== undefined) {
      findings.push(...cookieValues(m[4], m.index + m[0].length - m[4].length));
      continue;
    }
    const key = m[7] ?? m[10] ?? m[5] ?? "";
    const quote = m[8] ?? m[11] ?? (m[5] === undefined ? "" : '"');
    const raw = m[9] ?? m[12] ?? m[6];
    if (raw === undefined) continue;
    const valueStart = m.index + m[0].length - raw.length;
    const before = text.slice(Math.max(0, m.index - 24), m.index);
    const inUrlQuery = /[?&][\w.-]*$/.test(before);
    const value = quote === "" ? trimUnquoted(raw, inUrlQuery, m[12] !== undefined) : raw.replace(/\\$/, "");
    // After a comma, only constant-style keys and header names count ("DB_PASSWORD", "X-API-Key"), not storage
    // keys of code (setItem('sessionToken', ...)).
    const commaForm = m[5] === undefined && text.slice(m.index + key.length, valueStart).includes(",");
    if (commaForm && !/^[A-Z0-9_]+$|-/.test(key)) {
      resume = valueStart;
      continue;
    }
    const { id, minLength } = classify(key, value, before);
    const accepted =
      id === "aws_secret_access_key" ||
      (!raw.endsWith(":") &&
        !NOT_A_VALUE.test(value) &&
        looksLikeSecretValue(value, minLength, id === "password") &&
        !looksFake(value) &&
        !(id === "password" ? CODE_PATH : CODE_REFERENCE).test(value) &&
        (id === "session_token" || !NAMES_A_SECRET.test(key)) &&
        !NOT_A_CREDENTIAL_KEY.test(before.slice(-16) + key) &&
        !(SIGNED_URL_SCOPE.test(before) && /^credential$/i.test(key)));
    if (!accepted) {
      // The "value" may itself hold a key and value (Cookie: PHPSESSID=...): scan again from inside it.
      resume = valueStart;
      continue;
    }
    findings.push({ start: valueStart, end: valueStart + value.length, id, score: scoreFor(id, value) });
  }
  return findings;
}
