// Credentials recognisable by their own shape: a provider prefix plus a fixed alphabet and length, a JWT, a PEM
// block, a password inside a URL. These need no surrounding key word. Each rule is one regex source written from the
// provider's documented token format; scan.ts joins them into a single alternation so the text is walked once.
//
// Speed rule: every pattern begins (after the optional word-start guard B) with a literal character, never with a
// character class or group, so scan.ts can file it under that character; formats that start with a class are
// anchored on a later literal with `lead` (see below). A test enforces this.

import { decodeJwtHeader, decodeJwtPayload } from "./jwt.js";

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
  /**
   * 1-based index of a capture group inside a lookbehind of `pattern` whose text comes before the match and belongs
   * to the secret. Rules whose first part is a plain character class are written this way, anchored on a literal
   * further in and looking back from it (Mailchimp: `-us(?<=...([a-f0-9]{32})-us)\\d{1,2}`), so the combined pattern
   * never tries them at every word start. The literal must come first: a leading lookbehind would run everywhere.
   */
  lead?: number;
  /** Extra check on the secret text; the match is dropped when it returns false. */
  validate?: (value: string) => boolean;
  /** A more specific label for some values (a JWT whose payload says it is a Supabase service key). */
  relabel?: (value: string) => string | undefined;
  /**
   * Placeholder check applied to every match (scan.ts looksFake): "full" drops runs of one character (xxxxxxxx) and
   * stand-in words (your, example, dummy...); "runs" only the runs; "none" skips it (block formats, padded bearer
   * tokens whose real values hold long runs).
   */
  fake?: "full" | "runs" | "none";
}

// A credential never starts in the middle of a longer identifier.
const B = "(?<![A-Za-z0-9_])";
// ...and fixed-length ones never continue into one.
const E = "(?![A-Za-z0-9_])";
// Tokens drawn from the base64 alphabet must not continue into a longer base64 run either.
const E64 = "(?![A-Za-z0-9_+/=-])";
const HEX = "[a-f0-9]";
const UUID = `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`;

/** Base64 alphabet check that the decoded value of HTTP Basic auth is "user:password". */
function isBasicCredential(value: string): boolean {
  const token = value.replace(/^Basic\s+/, "");
  if (token.length % 4 === 1) return false;
  const decoded = Buffer.from(token, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon > 0 && colon < decoded.length - 1 && !/[\u0000-\u001f\ufffd]/.test(decoded);
}

/** A Discord bot token starts with the bot's numeric user id in base64. */
function isDiscordBotToken(value: string): boolean {
  const id = Buffer.from(value.slice(0, value.indexOf(".")), "base64url").toString("latin1");
  return /^\d{17,20}$/.test(id);
}

/** A real key block has a base64 body; "-----BEGIN RSA PRIVATE KEY----- ... -----END" in documentation does not. */
function hasKeyBody(value: string): boolean {
  return /[A-Za-z0-9+/]{40}/.test(value);
}

function isEncodedPrivateKey(value: string): boolean {
  return /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY/.test(Buffer.from(value.slice(0, 80), "base64").toString("latin1"));
}

function hasDigitAndCase(value: string): boolean {
  return /\d/.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value);
}

function supabaseRole(value: string): string | undefined {
  const payload = decodeJwtPayload(value);
  return payload?.role === "service_role" ? "supabase_service_role_key" : undefined;
}

// Order matters only where two rules can match at the same position: the more specific one comes first.
export const SECRET_RULES: readonly SecretRule[] = [
  // --- key blocks -------------------------------------------------------------------------------------------------
  {
    id: "private_key",
    score: 0.99,
    fake: "none",
    pattern:
      "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\\s\\S]{0,16384}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\\s:,-]{0,4096})",
    validate: hasKeyBody,
  },
  { id: "private_key", score: 0.99, fake: "none", pattern: "---- BEGIN SSH2 (?:ENCRYPTED )?PRIVATE KEY ----(?:[\\s\\S]{0,16384}?---- END SSH2 (?:ENCRYPTED )?PRIVATE KEY ----|[A-Za-z0-9+/=\\s:\"-]{0,4096})", validate: hasKeyBody },
  {
    id: "putty_private_key",
    score: 0.99,
    fake: "none",
    pattern: "PuTTY-User-Key-File-[23]: [^\\r\\n]+(?:\\r?\\n[^\\r\\n]*){0,40}?\\r?\\nPrivate-Lines: \\d+(?:\\r?\\n[A-Za-z0-9+/=]+(?=\\r?\\n|$))+(?:\\r?\\nPrivate-MAC: [0-9a-fA-F]+)?",
  },
  // A PEM private key, base64-encoded once more (kubeconfig client-key-data, Kubernetes Secret tls.key, CI variables):
  // "LS0tLS1CRUdJTi" is base64 of "-----BEGIN"; the decoded header must name a private key.
  { id: "private_key", score: 0.97, fake: "none", pattern: `${B}LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,}={0,2}`, validate: isEncodedPrivateKey },
  { id: "age_secret_key", score: 0.99, pattern: `${B}AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}` },

  // --- AI providers -----------------------------------------------------------------------------------------------
  { id: "anthropic_api_key", score: 0.99, pattern: `${B}sk-ant-(?:api|admin|oat|ort|sid)?\\d{0,2}-?[A-Za-z0-9_-]{32,}` },
  { id: "openrouter_api_key", score: 0.98, pattern: `${B}sk-or-v1-${HEX}{64}${E}` },
  { id: "langfuse_secret_key", score: 0.95, pattern: `${B}sk-lf-${UUID}${E}` },
  { id: "openai_api_key", score: 0.98, pattern: `${B}sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}` },
  { id: "openai_api_key", score: 0.99, pattern: `${B}sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}${E}` },
  // Bare "sk-" keys: long enough that it is not a slug such as "sk-learn".
  // DeepSeek, Qwen (DashScope) and other OpenAI-compatible APIs: "sk-" and 32 lower-case hex digits.
  { id: "llm_api_key", score: 0.85, pattern: `${B}sk-${HEX}{32}${E}` },
  { id: "openai_api_key", score: 0.95, pattern: `${B}sk-(?!ant-)[A-Za-z0-9_-]{32,}`, validate: (v) => /\d/.test(v) && /[A-Z]/.test(v) },
  { id: "groq_api_key", score: 0.98, pattern: `${B}gsk_[A-Za-z0-9]{48,56}${E}` },
  { id: "xai_api_key", score: 0.97, pattern: `${B}xai-[A-Za-z0-9]{70,90}${E}` },
  { id: "perplexity_api_key", score: 0.97, pattern: `${B}pplx-[A-Za-z0-9]{40,56}${E}` },
  { id: "replicate_api_token", score: 0.96, pattern: `${B}r8_[A-Za-z0-9]{37}${E}` },
  { id: "huggingface_token", score: 0.97, pattern: `${B}hf_[A-Za-z0-9]{34,}${E}` },
  { id: "huggingface_token", score: 0.97, pattern: `${B}api_org_[A-Za-z0-9]{34,}${E}` },
  { id: "pinecone_api_key", score: 0.97, pattern: `${B}pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80}${E}` },
  { id: "nvidia_api_key", score: 0.97, pattern: `${B}nvapi-[A-Za-z0-9_-]{60,70}${E}` },
  { id: "cerebras_api_key", score: 0.95, pattern: `${B}csk-[a-z0-9]{48}${E}` },
  { id: "tavily_api_key", score: 0.95, pattern: `${B}tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}${E}` },
  { id: "together_api_key", score: 0.95, pattern: `${B}tgp_v1_[A-Za-z0-9_-]{40,48}${E}` },
  { id: "fireworks_api_key", score: 0.9, pattern: `${B}fw_[A-Za-z0-9]{24}${E}`, validate: hasDigitAndCase },
  { id: "elevenlabs_api_key", score: 0.92, pattern: `${B}sk_${HEX}{48}${E}` },
  { id: "langsmith_api_key", score: 0.97, pattern: `${B}lsv2_(?:pt|sk)_${HEX}{32}_${HEX}{10}${E}` },
  { id: "llamacloud_api_key", score: 0.95, pattern: `${B}llx-[A-Za-z0-9]{48}${E}` },
  { id: "jina_api_key", score: 0.95, pattern: `${B}jina_${HEX}{32}[A-Za-z0-9_-]{30,}` },

  // --- cloud ------------------------------------------------------------------------------------------------------
  // AKIA (long-term) and ASIA (STS) key ids; AWS's own documentation example AKIAIOSFODNN7EXAMPLE has this shape
  // and is flagged on purpose ("runs" only: the word EXAMPLE does not clear it).
  { id: "aws_access_key_id", score: 0.97, fake: "runs", pattern: `${B}A(?:KIA|SIA|BIA|CCA|3T[A-Z0-9])[A-Z0-9]{16}${E}` },
  // STS session tokens: base64 of a binary blob that begins with the same bytes ("...origin_ec", "...aws").
  { id: "aws_session_token", score: 0.96, fake: "none", pattern: `${B}IQoJb3JpZ2luX2Vj[A-Za-z0-9/+]{100,}={0,2}` },
  { id: "aws_session_token", score: 0.96, fake: "none", pattern: `${B}F(?:woG|QoG)ZXIvYXdz[A-Za-z0-9/+]{100,}={0,2}` },
  { id: "azure_storage_key", score: 0.95, pattern: `${B}AccountKey=([A-Za-z0-9+/]{86}==)`, valueGroup: 1 },
  { id: "azure_storage_key", score: 0.95, pattern: `${B}Shared(?:Access)?Key=([A-Za-z0-9+/]{86}==|[A-Za-z0-9+/]{43}=)`, valueGroup: 1 },
  // Service SAS / account SAS signature: a URL-encoded base64 HMAC after sig=.
  { id: "azure_sas_token", score: 0.9, pattern: `${B}sig=((?:[A-Za-z0-9+/]|%2[BbFf]){40,}(?:%3[Dd]|=){0,2})`, valueGroup: 1 },
  // Entra ID (Azure AD) client secrets: three characters, a digit, "Q~", then 31-34 more.
  { id: "azure_ad_client_secret", score: 0.93, lead: 1, pattern: `Q~(?<=${B}([A-Za-z0-9_~.-]{3}\\d)Q~)[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~-])` },
  { id: "google_api_key", score: 0.97, pattern: `${B}AIza[A-Za-z0-9_-]{35}${E}` },
  // HMAC keys for Cloud Storage interoperability: the access id (the secret travels next to it under a key word).
  { id: "google_hmac_access_id", score: 0.9, pattern: `${B}GOOG1[A-Z0-9]{56}${E}` },
  { id: "google_oauth_client_secret", score: 0.97, pattern: `${B}GOCSPX-[A-Za-z0-9_-]{28}${E}` },
  { id: "google_oauth_token", score: 0.95, pattern: `${B}ya29\\.[A-Za-z0-9_-]{20,}` },
  { id: "google_refresh_token", score: 0.9, pattern: `${B}1//0[A-Za-z0-9_-]{40,}`, validate: hasDigitAndCase },
  { id: "firebase_cloud_messaging_key", score: 0.97, pattern: `${B}AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{120,}` },
  { id: "alibaba_access_key_id", score: 0.85, pattern: `${B}LTAI[A-Za-z0-9]{12,20}${E}`, validate: hasDigitAndCase },
  { id: "tencent_secret_id", score: 0.85, pattern: `${B}AKID[A-Za-z0-9]{32}${E}`, validate: hasDigitAndCase },
  { id: "yandex_api_key", score: 0.9, pattern: `${B}AQVN[A-Za-z0-9_-]{35,38}${E}` },
  { id: "digitalocean_token", score: 0.97, pattern: `${B}do[opr]_v1_${HEX}{64}${E}` },
  { id: "heroku_api_key", score: 0.96, pattern: `${B}HRKU-[A-Za-z0-9_-]{58,64}${E}` },
  { id: "flyio_token", score: 0.96, pattern: `${B}f(?:o1_[A-Za-z0-9_-]{43}|m[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})` },
  { id: "planetscale_token", score: 0.97, pattern: `${B}pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}` },
  { id: "cloudflare_origin_ca_key", score: 0.97, pattern: `${B}v1\\.0-${HEX}{24}-${HEX}{146}${E}` },
  { id: "vercel_token", score: 0.93, pattern: `${B}vc[pikar]_[A-Za-z0-9]{40,64}${E}` },
  { id: "netlify_token", score: 0.93, pattern: `${B}nf[pcou]_[A-Za-z0-9]{36,40}${E}` },
  { id: "supabase_token", score: 0.96, pattern: `${B}sb(?:p_${HEX}{40}|_secret_[A-Za-z0-9_-]{31,})${E}` },
  { id: "scalingo_token", score: 0.95, pattern: `${B}tk-us-[A-Za-z0-9_-]{48}${E}` },

  // --- code hosting, CI, registries -------------------------------------------------------------------------------
  { id: "github_token", score: 0.99, pattern: `${B}gh[pousr]_[A-Za-z0-9]{36,255}${E}` },
  { id: "github_token", score: 0.99, pattern: `${B}github_pat_[A-Za-z0-9_]{22,255}` },
  { id: "gitlab_token", score: 0.98, pattern: `${B}gl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent|wt|ffct)-[A-Za-z0-9_-]{20,}(?:\\.[A-Za-z0-9_-]+)*` },
  { id: "gitlab_token", score: 0.95, pattern: `${B}GR1348941[A-Za-z0-9_-]{20,}` },
  { id: "bitbucket_app_password", score: 0.95, pattern: `${B}ATBB[A-Za-z0-9_=.-]{28,64}${E}`, validate: hasDigitAndCase },
  { id: "atlassian_api_token", score: 0.97, pattern: `${B}AT(?:ATT|CTT)3[A-Za-z0-9_=-]{100,}` },
  { id: "npm_token", score: 0.98, pattern: `${B}npm_[A-Za-z0-9]{36}${E}` },
  { id: "pypi_token", score: 0.99, pattern: `${B}pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,}` },
  { id: "rubygems_api_key", score: 0.98, pattern: `${B}rubygems_${HEX}{48}${E}` },
  { id: "nuget_api_key", score: 0.92, pattern: `${B}oy2[a-z0-9]{43}${E}`, validate: (v) => /\d/.test(v) },
  { id: "clojars_token", score: 0.96, pattern: `${B}CLOJARS_[a-z0-9]{60}${E}` },
  { id: "docker_hub_token", score: 0.98, pattern: `${B}dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}` },
  { id: "jfrog_token", score: 0.93, pattern: `${B}AKCp[A-Za-z0-9]{69}${E}` },
  { id: "jfrog_token", score: 0.93, pattern: `${B}cmVmdGtuOjAxOj[A-Za-z0-9]{40,}${E}` },
  { id: "sonarqube_token", score: 0.93, pattern: `${B}sq[pau]_${HEX}{40}${E}` },
  { id: "buildkite_token", score: 0.95, pattern: `${B}bkua_${HEX}{40}${E}` },
  { id: "circleci_token", score: 0.96, pattern: `${B}CCIPAT_[A-Za-z0-9]{22}_${HEX}{40}${E}` },
  { id: "sourcegraph_token", score: 0.95, pattern: `${B}sgp_(?:${HEX}{16}_)?${HEX}{40}${E}` },
  { id: "harness_token", score: 0.95, pattern: `${B}pat\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{20}${E}` },
  { id: "pulumi_token", score: 0.95, pattern: `${B}pul-${HEX}{40}${E}` },
  { id: "prefect_api_key", score: 0.95, pattern: `${B}pnu_[A-Za-z0-9]{36}${E}` },
  { id: "octopus_deploy_api_key", score: 0.85, pattern: `${B}API-[A-Z0-9]{26}${E}`, validate: (v) => /\d/.test(v.slice(4)) },
  { id: "infracost_api_key", score: 0.9, pattern: `${B}ico-[A-Za-z0-9]{32}${E}`, validate: hasDigitAndCase },

  // --- secrets managers, observability ------------------------------------------------------------------------------
  { id: "vault_token", score: 0.97, pattern: `${B}hv[sbr]\\.[A-Za-z0-9_-]{24,}` },
  // Legacy Vault service tokens: "s." and 24 base62 characters; mixed case and a digit keep code (s.length) out.
  { id: "vault_token", score: 0.8, pattern: `${B}s\\.[A-Za-z0-9]{24}${E}`, validate: (v) => hasDigitAndCase(v.slice(2)) },
  { id: "vault_token", score: 0.8, pattern: `${B}b\\.[A-Za-z0-9]{24}${E}`, validate: (v) => hasDigitAndCase(v.slice(2)) },
  { id: "terraform_cloud_token", score: 0.98, lead: 1, pattern: `\\.atlasv1\\.(?<=${B}([A-Za-z0-9]{14})\\.atlasv1\\.)[A-Za-z0-9_=-]{60,}` },
  { id: "doppler_token", score: 0.98, pattern: `${B}dp\\.(?:pt|st|ct|sa|scim|audit)\\.(?:[a-z0-9_-]{1,40}\\.)?[A-Za-z0-9]{40,44}${E}` },
  { id: "databricks_token", score: 0.96, pattern: `${B}dapi${HEX}{32}(?:-\\d)?${E}` },
  { id: "new_relic_key", score: 0.96, pattern: `${B}NR(?:AK-[A-Z0-9]{27}|II-[A-Za-z0-9_-]{32}|JS-${HEX}{19})${E}` },
  { id: "new_relic_key", score: 0.9, lead: 1, pattern: `NRAL(?<=${B}([A-Za-z0-9]{36})NRAL)${E}` },
  { id: "sentry_token", score: 0.97, pattern: `${B}sntry(?:s_eyJ[A-Za-z0-9_=+/-]{60,}|u_${HEX}{64}${E})` },
  // A DSN carries the project key before the @ (and, in old DSNs, the secret key after a colon).
  { id: "sentry_dsn", score: 0.85, pattern: `${B}https?://(${HEX}{32}(?::${HEX}{32})?)@[a-z0-9.-]*(?:sentry\\.io|ingest\\.[a-z0-9.-]+)`, valueGroup: 1 },
  { id: "grafana_token", score: 0.96, pattern: `${B}gl(?:c_[A-Za-z0-9+/]{32,400}={0,2}|sa_[A-Za-z0-9]{32}_${HEX}{8}${E})` },
  { id: "grafana_token", score: 0.96, pattern: `${B}eyJrIjoi[A-Za-z0-9]{60,100}={0,2}` },
  { id: "dynatrace_token", score: 0.97, pattern: `${B}dt0[a-z]\\d{2}\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}${E}` },

  // --- messaging, chat, webhooks ----------------------------------------------------------------------------------
  { id: "slack_token", score: 0.98, pattern: `${B}xox(?:e\\.xox)?[abposrecd]-(?:\\d+-)*[A-Za-z0-9-]{10,}`, validate: (v) => /\d/.test(v.slice(5)) },
  { id: "slack_app_token", score: 0.98, pattern: `${B}xapp-\\d-[A-Za-z0-9]{8,}-\\d{6,}-[A-Za-z0-9]{20,}` },
  { id: "slack_webhook", score: 0.98, pattern: B + "https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}" },
  { id: "discord_webhook", score: 0.95, pattern: B + "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d+/[A-Za-z0-9_-]{20,}" },
  // Split by first letter so each is found from a literal start.
  ...["M", "N", "O"].map((first) => ({
    id: "discord_bot_token",
    score: 0.93,
    pattern: `${B}${first}[A-Za-z0-9_-]{22,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40}${E}`,
    validate: isDiscordBotToken,
  })),
  { id: "teams_webhook", score: 0.9, pattern: B + "https://[a-z0-9-]+\\.webhook\\.office\\.com/webhookb2/[A-Za-z0-9@/_-]{40,}" },
  { id: "zapier_webhook", score: 0.85, pattern: B + "https://hooks\\.zapier\\.com/hooks/catch/\\d+/[a-z0-9]+/?" },
  // The bot id, then ":AA" and 33 more; in a Bot API URL the token follows "bot" (api.telegram.org/bot<token>/getMe).
  { id: "telegram_bot_token", score: 0.85, lead: 1, pattern: `:AA(?<=(?:${B}|(?<=bot))(\\d{8,10}):AA)[A-Za-z0-9_-]{33}${E}` },
  { id: "twilio_api_key", score: 0.9, pattern: `${B}SK[0-9a-fA-F]{32}${E}` },
  { id: "twilio_account_sid", score: 0.7, pattern: `${B}AC[0-9a-f]{32}${E}` },
  { id: "telnyx_api_key", score: 0.95, pattern: `${B}KEY[0-9A-F]{32}_[A-Za-z0-9]{22}${E}` },
  { id: "sendgrid_api_key", score: 0.99, pattern: `${B}SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{16,64}${E}` },
  { id: "sendinblue_api_key", score: 0.98, pattern: `${B}x(?:keysib|smtpsib)-${HEX}{64}-[A-Za-z0-9]{16}${E}` },
  { id: "mailgun_api_key", score: 0.85, pattern: `${B}key-${HEX}{32}${E}` },
  { id: "mailgun_api_key", score: 0.8, lead: 1, pattern: `-(?<=${B}(${HEX}{32})-)${HEX}{8}-${HEX}{8}${E}` },
  { id: "mailchimp_api_key", score: 0.9, lead: 1, pattern: `-us(?<=${B}(${HEX}{32})-us)\\d{1,2}${E}` },
  { id: "mapbox_secret_token", score: 0.95, pattern: `${B}sk\\.eyJ[A-Za-z0-9_-]{50,}\\.[A-Za-z0-9_-]{20,}` },
  { id: "twitter_bearer_token", score: 0.9, fake: "none", pattern: `${B}AA{21}[A-Za-z0-9%]{80,}${E}` },
  { id: "facebook_access_token", score: 0.85, pattern: `${B}EAA[A-Za-z0-9]{100,}${E64}`, validate: hasDigitAndCase },

  // --- payments, commerce, SaaS -------------------------------------------------------------------------------------
  { id: "stripe_secret_key", score: 0.98, pattern: `${B}sk_(?:live|test)_[A-Za-z0-9]{10,}${E}` },
  { id: "stripe_secret_key", score: 0.98, pattern: `${B}rk_(?:live|test)_[A-Za-z0-9]{10,}${E}` },
  // Publishable keys are meant for browsers, but leaking which account they belong to still matters to most teams.
  { id: "stripe_publishable_key", score: 0.8, pattern: `${B}pk_(?:live|test)_[A-Za-z0-9]{10,}${E}` },
  { id: "stripe_webhook_secret", score: 0.97, pattern: `${B}whsec_[A-Za-z0-9+/=]{32,}` },
  { id: "square_token", score: 0.95, pattern: `${B}sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}` },
  { id: "square_token", score: 0.95, pattern: `${B}EAAA[A-Za-z0-9_-]{60}${E}` },
  { id: "braintree_access_token", score: 0.98, pattern: `${B}access_token\\$(?:production|sandbox)\\$[a-z0-9]{16}\\$${HEX}{32}${E}` },
  { id: "shopify_token", score: 0.97, pattern: `${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}` },
  { id: "plaid_access_token", score: 0.95, pattern: `${B}access-(?:sandbox|development|production)-${UUID}${E}` },
  { id: "flutterwave_key", score: 0.95, pattern: `${B}FLWSECK(?:_TEST)?-${HEX}{32}-X${E}` },
  { id: "duffel_token", score: 0.95, pattern: `${B}duffel_(?:test|live)_[A-Za-z0-9_=-]{43}` },
  { id: "easypost_api_key", score: 0.95, pattern: `${B}EZ[AT]K[a-z0-9]{54}${E}` },
  { id: "shippo_api_token", score: 0.95, pattern: `${B}shippo_(?:live|test)_${HEX}{40}${E}` },
  { id: "hubspot_token", score: 0.93, pattern: `${B}pat-(?:na|eu|ap)\\d-${UUID}${E}` },
  { id: "salesforce_access_token", score: 0.9, pattern: `${B}00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{80,}` },
  { id: "dropbox_token", score: 0.93, pattern: `${B}sl\\.(?:u\\.)?[A-Za-z0-9_-]{130,}`, validate: hasDigitAndCase },
  { id: "linear_api_key", score: 0.97, pattern: `${B}lin_(?:api_[A-Za-z0-9]{40}|oauth_${HEX}{64})${E}` },
  { id: "notion_token", score: 0.96, pattern: `${B}ntn_[A-Za-z0-9]{40,50}${E}` },
  { id: "notion_token", score: 0.9, pattern: `${B}secret_[A-Za-z0-9]{43}${E}`, validate: hasDigitAndCase },
  { id: "airtable_token", score: 0.96, pattern: `${B}pat[A-Za-z0-9]{14}\\.${HEX}{64}${E}` },
  { id: "figma_token", score: 0.95, pattern: `${B}fig[dou]_[A-Za-z0-9_-]{38,48}${E}` },
  { id: "postman_api_key", score: 0.97, pattern: `${B}PMAK-${HEX}{24}-${HEX}{34}${E}` },
  { id: "contentful_token", score: 0.95, pattern: `${B}CFPAT-[A-Za-z0-9_-]{43}${E}` },
  { id: "typeform_token", score: 0.93, pattern: `${B}tfp_[A-Za-z0-9_.=-]{59}${E}` },
  { id: "readme_api_key", score: 0.93, pattern: `${B}rdme_[a-z0-9]{70}${E}` },
  { id: "adobe_client_secret", score: 0.9, pattern: `${B}p8e-[A-Za-z0-9_-]{32}${E}`, validate: hasDigitAndCase },
  // Okta API tokens travel in their own auth scheme.
  { id: "okta_api_token", score: 0.93, pattern: `${B}SSWS[ \\t]+(00[A-Za-z0-9_-]{40})(?![A-Za-z0-9_-])`, valueGroup: 1 },

  // --- structural ---------------------------------------------------------------------------------------------------
  {
    id: "jwt",
    score: 0.95,
    fake: "none",
    pattern: `${B}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*`,
    validate: (v) => decodeJwtHeader(v) !== undefined,
    relabel: supabaseRole,
  },
  // user:password@host in any URL scheme (postgres://, mongodb+srv://, redis://:password@, amqp://...); the password
  // is the secret. Stand-ins such as "password" or "${DB_PASS}" are not.
  {
    id: "url_credentials",
    score: 0.9,
    fake: "none",
    pattern: "://(?<=(?<![A-Za-z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{1,15}://)[^\\s:@/?#]{0,64}:([^\\s/]{1,128})@[A-Za-z0-9.-]",
    valueGroup: 1,
    validate: isUrlPassword,
  },
  { id: "basic_auth", score: 0.9, fake: "none", pattern: `${B}Basic [A-Za-z0-9+/]{8,}={0,2}(?![A-Za-z0-9+/=])`, validate: isBasicCredential },
];

const URL_PASSWORD_STANDIN =
  /^(?:\d+|\$\{?\w+\}?|\{\{[^}]*\}\}|<[^>]*>|%[a-z]|(?:my|your|db|the|user|admin|some)?[-_]?(?:pass(?:word|wd)?|pwd|secret)\d?|your[\w-]*|changeme|xxx+|\*+|\.\.\.|\[[^\]]*\])$/i;

function isUrlPassword(value: string): boolean {
  return !URL_PASSWORD_STANDIN.test(value);
}
