import { describe, expect, it } from "vitest";
import { Secrets } from "../../../src/guardrails/secrets/index.js";
import { SECRET_RULES } from "../../../src/guardrails/secrets/rules.js";
import { ALNUM, BASE64, BECH32, HEX, LOWER_ALNUM, UPPER_ALNUM, URLSAFE, base64Bytes, digits, jwt, pem, rand, reseed } from "./fake.js";

const secrets = new Secrets();

reseed(20240611);

// [name, token, expected label]; every token is generated at run time from the provider's documented format.
const discordId = Buffer.from(digits(18)).toString("base64url");
const CASES: [string, string, string][] = [
  // AI providers
  ["OpenAI project key", `sk-proj-${rand(74, URLSAFE)}T3BlbkFJ${rand(74, URLSAFE)}`, "OPENAI_API_KEY"],
  ["OpenAI service-account key", `sk-svcacct-${rand(80, URLSAFE)}`, "OPENAI_API_KEY"],
  ["OpenAI admin key", `sk-admin-${rand(80, URLSAFE)}`, "OPENAI_API_KEY"],
  ["OpenAI legacy key", `sk-${rand(20)}T3BlbkFJ${rand(20)}`, "OPENAI_API_KEY"],
  ["Anthropic API key", `sk-ant-api03-${rand(93, URLSAFE)}AA`, "ANTHROPIC_API_KEY"],
  ["Anthropic admin key", `sk-ant-admin01-${rand(93, URLSAFE)}AA`, "ANTHROPIC_API_KEY"],
  ["OpenRouter key", `sk-or-v1-${rand(64, HEX)}`, "OPENROUTER_API_KEY"],
  ["DeepSeek-style key", `sk-${rand(32, HEX)}`, "LLM_API_KEY"],
  ["Groq key", `gsk_${rand(52)}`, "GROQ_API_KEY"],
  ["xAI key", `xai-${rand(80)}`, "XAI_API_KEY"],
  ["Perplexity key", `pplx-${rand(48)}`, "PERPLEXITY_API_KEY"],
  ["Replicate token", `r8_${rand(37)}`, "REPLICATE_API_TOKEN"],
  ["Hugging Face user token", `hf_${rand(34, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}`, "HUGGINGFACE_TOKEN"],
  ["Hugging Face org token", `api_org_${rand(34)}`, "HUGGINGFACE_TOKEN"],
  ["Pinecone key", `pcsk_${rand(5)}_${rand(63)}`, "PINECONE_API_KEY"],
  ["NVIDIA NGC key", `nvapi-${rand(64, URLSAFE)}`, "NVIDIA_API_KEY"],
  ["LangSmith key", `lsv2_pt_${rand(32, HEX)}_${rand(10, HEX)}`, "LANGSMITH_API_KEY"],
  ["Tavily key", `tvly-dev-${rand(32)}`, "TAVILY_API_KEY"],
  // cloud
  ["AWS access key id", `AKIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`, "AWS_ACCESS_KEY_ID"],
  ["AWS STS key id", `ASIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`, "AWS_ACCESS_KEY_ID"],
  ["AWS session token", `IQoJb3JpZ2luX2Vj${base64Bytes(300).replace(/=+$/, "")}`, "AWS_SESSION_TOKEN"],
  ["Entra ID client secret", `${rand(3)}${rand(1, "0123456789")}Q~${rand(34, `${ALNUM}_~.-`).replace(/[.]$/, "x")}`, "AZURE_AD_CLIENT_SECRET"],
  ["Google API key", `AIza${rand(35, URLSAFE)}`, "GOOGLE_API_KEY"],
  ["Google OAuth client secret", `GOCSPX-${rand(28, URLSAFE)}`, "GOOGLE_OAUTH_CLIENT_SECRET"],
  ["Google OAuth access token", `ya29.a0${rand(150, URLSAFE)}`, "GOOGLE_OAUTH_TOKEN"],
  ["DigitalOcean PAT", `dop_v1_${rand(64, HEX)}`, "DIGITALOCEAN_TOKEN"],
  ["DigitalOcean OAuth", `doo_v1_${rand(64, HEX)}`, "DIGITALOCEAN_TOKEN"],
  ["Heroku key", `HRKU-AA${rand(58, URLSAFE)}`, "HEROKU_API_KEY"],
  ["Fly.io token", `fo1_${rand(43, URLSAFE)}`, "FLYIO_TOKEN"],
  ["PlanetScale token", `pscale_tkn_${rand(43, URLSAFE)}`, "PLANETSCALE_TOKEN"],
  ["Supabase management token", `sbp_${rand(40, HEX)}`, "SUPABASE_TOKEN"],
  ["Vercel token", `vcp_${rand(56)}`, "VERCEL_TOKEN"],
  ["Netlify token", `nfp_${rand(36)}`, "NETLIFY_TOKEN"],
  ["Cloudflare origin CA key", `v1.0-${rand(24, HEX)}-${rand(146, HEX)}`, "CLOUDFLARE_ORIGIN_CA_KEY"],
  ["Google Cloud Storage HMAC access id", `GOOG1${rand(56, UPPER_ALNUM)}`, "GOOGLE_HMAC_ACCESS_ID"],
  ["Dropbox short-lived token", `sl.B${rand(138, URLSAFE)}`, "DROPBOX_TOKEN"],
  ["Alibaba access key id", `LTAI${rand(20)}`, "ALIBABA_ACCESS_KEY_ID"],
  // code hosting, CI, registries
  ["GitHub classic PAT", `ghp_${rand(36)}`, "GITHUB_TOKEN"],
  ["GitHub OAuth token", `gho_${rand(36)}`, "GITHUB_TOKEN"],
  ["GitHub user-to-server token", `ghu_${rand(36)}`, "GITHUB_TOKEN"],
  ["GitHub server-to-server token", `ghs_${rand(36)}`, "GITHUB_TOKEN"],
  ["GitHub refresh token", `ghr_${rand(76)}`, "GITHUB_TOKEN"],
  ["GitHub fine-grained PAT", `github_pat_${rand(22)}_${rand(59)}`, "GITHUB_TOKEN"],
  ["GitLab PAT", `glpat-${rand(20, URLSAFE)}`, "GITLAB_TOKEN"],
  ["GitLab deploy token", `gldt-${rand(20, URLSAFE)}`, "GITLAB_TOKEN"],
  ["GitLab runner token", `glrt-${rand(20, URLSAFE)}`, "GITLAB_TOKEN"],
  ["GitLab pipeline trigger token", `glptt-${rand(40, HEX)}`, "GITLAB_TOKEN"],
  ["Bitbucket app password", `ATBB${rand(28)}${rand(8, "0123456789ABCDEF")}`, "BITBUCKET_APP_PASSWORD"],
  ["Atlassian API token", `ATATT3xFfGF0${rand(170, URLSAFE)}=${rand(8, "0123456789ABCDEF")}`, "ATLASSIAN_API_TOKEN"],
  ["npm token", `npm_${rand(36)}`, "NPM_TOKEN"],
  ["PyPI token", `pypi-AgEIcHlwaS5vcmc${rand(70, URLSAFE)}`, "PYPI_TOKEN"],
  ["RubyGems key", `rubygems_${rand(48, HEX)}`, "RUBYGEMS_API_KEY"],
  ["NuGet key", `oy2${rand(43, LOWER_ALNUM)}`, "NUGET_API_KEY"],
  ["Docker Hub PAT", `dckr_pat_${rand(27, URLSAFE)}`, "DOCKER_HUB_TOKEN"],
  ["JFrog API key", `AKCp${rand(69)}`, "JFROG_TOKEN"],
  ["SonarQube token", `squ_${rand(40, HEX)}`, "SONARQUBE_TOKEN"],
  ["CircleCI PAT", `CCIPAT_${rand(22)}_${rand(40, HEX)}`, "CIRCLECI_TOKEN"],
  // secrets managers, observability
  ["Vault service token", `hvs.${rand(90, URLSAFE)}`, "VAULT_TOKEN"],
  ["Vault batch token", `hvb.${rand(138, URLSAFE)}`, "VAULT_TOKEN"],
  ["Vault legacy token", `s.${rand(22)}a1`, "VAULT_TOKEN"],
  ["Terraform Cloud token", `${rand(14)}.atlasv1.${rand(67, URLSAFE)}`, "TERRAFORM_CLOUD_TOKEN"],
  ["Doppler personal token", `dp.pt.${rand(43)}`, "DOPPLER_TOKEN"],
  ["Doppler service token", `dp.st.prd.${rand(43)}`, "DOPPLER_TOKEN"],
  ["Databricks token", `dapi${rand(32, HEX)}`, "DATABRICKS_TOKEN"],
  ["New Relic user key", `NRAK-${rand(27, UPPER_ALNUM)}`, "NEW_RELIC_KEY"],
  ["New Relic insert key", `NRII-${rand(32, URLSAFE)}`, "NEW_RELIC_KEY"],
  ["Sentry org token", `sntrys_eyJ${rand(80, BASE64)}_${rand(43, BASE64)}`, "SENTRY_TOKEN"],
  ["Sentry user token", `sntryu_${rand(64, HEX)}`, "SENTRY_TOKEN"],
  ["Grafana Cloud token", `glc_eyJ${rand(120, BASE64)}`, "GRAFANA_TOKEN"],
  ["Grafana service account token", `glsa_${rand(32)}_${rand(8, HEX)}`, "GRAFANA_TOKEN"],
  ["Dynatrace token", `dt0c01.${rand(24, UPPER_ALNUM)}.${rand(64, UPPER_ALNUM)}`, "DYNATRACE_TOKEN"],
  ["age secret key", `AGE-SECRET-KEY-1${rand(58, BECH32)}`, "AGE_SECRET_KEY"],
  // messaging, chat, webhooks
  ["Slack bot token", `xoxb-${digits(12)}-${digits(13)}-${rand(24)}`, "SLACK_TOKEN"],
  ["Slack user token", `xoxp-${digits(12)}-${digits(12)}-${digits(13)}-${rand(32, HEX)}`, "SLACK_TOKEN"],
  ["Slack rotating token", `xoxe.xoxp-1-${rand(140)}`, "SLACK_TOKEN"],
  ["Slack refresh token", `xoxe-1-${rand(140)}`, "SLACK_TOKEN"],
  ["Slack app-level token", `xapp-1-A${rand(10, UPPER_ALNUM)}-${digits(13)}-${rand(64, HEX)}`, "SLACK_APP_TOKEN"],
  ["Slack webhook", `https://hooks.slack.com/services/T${rand(10, UPPER_ALNUM)}/B${rand(10, UPPER_ALNUM)}/${rand(24)}`, "SLACK_WEBHOOK"],
  ["Discord bot token", `${discordId}.${rand(6, URLSAFE)}.${rand(38, URLSAFE)}`, "DISCORD_BOT_TOKEN"],
  ["Discord webhook", `https://discord.com/api/webhooks/${digits(19)}/${rand(68, URLSAFE)}`, "DISCORD_WEBHOOK"],
  ["Telegram bot token", `${digits(10)}:AA${rand(33, URLSAFE)}`, "TELEGRAM_BOT_TOKEN"],
  ["Twilio API key", `SK${rand(32, HEX)}`, "TWILIO_API_KEY"],
  ["SendGrid key", `SG.${rand(22, URLSAFE)}.${rand(43, URLSAFE)}`, "SENDGRID_API_KEY"],
  ["Mailgun key", `key-${rand(32, HEX)}`, "MAILGUN_API_KEY"],
  ["Mailchimp key", `${rand(32, HEX)}-us${digits(2)}`, "MAILCHIMP_API_KEY"],
  ["Brevo (Sendinblue) key", `xkeysib-${rand(64, HEX)}-${rand(16)}`, "SENDINBLUE_API_KEY"],
  // payments, commerce, SaaS
  ["Stripe live secret key", `sk_live_${rand(99)}`, "STRIPE_SECRET_KEY"],
  ["Stripe restricted key", `rk_live_${rand(99)}`, "STRIPE_SECRET_KEY"],
  ["Stripe webhook secret", `whsec_${rand(32)}`, "STRIPE_WEBHOOK_SECRET"],
  ["Square access token", `EAAA${rand(60, URLSAFE)}`, "SQUARE_TOKEN"],
  ["Square OAuth secret", `sq0csp-${rand(43, URLSAFE)}`, "SQUARE_TOKEN"],
  ["Braintree access token", `access_token$production$${rand(16, LOWER_ALNUM)}$${rand(32, HEX)}`, "BRAINTREE_ACCESS_TOKEN"],
  ["Shopify admin token", `shpat_${rand(32, HEX)}`, "SHOPIFY_TOKEN"],
  ["Shopify shared secret", `shpss_${rand(32, HEX)}`, "SHOPIFY_TOKEN"],
  ["Shopify custom app token", `shpca_${rand(32, HEX)}`, "SHOPIFY_TOKEN"],
  ["Shopify private app token", `shppa_${rand(32, HEX)}`, "SHOPIFY_TOKEN"],
  ["Linear key", `lin_api_${rand(40)}`, "LINEAR_API_KEY"],
  ["Notion token", `ntn_${digits(11)}${rand(35)}`, "NOTION_TOKEN"],
  ["Notion legacy token", `secret_${rand(41)}a1`, "NOTION_TOKEN"],
  ["Airtable PAT", `pat${rand(14)}.${rand(64, HEX)}`, "AIRTABLE_TOKEN"],
  ["Figma token", `figd_${rand(40, URLSAFE)}`, "FIGMA_TOKEN"],
  ["Postman key", `PMAK-${rand(24, HEX)}-${rand(34, HEX)}`, "POSTMAN_API_KEY"],
  ["HubSpot private app token", `pat-na1-${rand(8, HEX)}-${rand(4, HEX)}-${rand(4, HEX)}-${rand(4, HEX)}-${rand(12, HEX)}`, "HUBSPOT_TOKEN"],
  // structural
  ["Supabase service_role key", jwt({ iss: "supabase", ref: rand(20, "abcdefghijklmnopqrst"), role: "service_role", iat: 1700000000, exp: 2000000000 }), "SUPABASE_SERVICE_ROLE_KEY"],
  ["JWT", jwt({ sub: digits(6), name: "Test User", iat: 1700000000 }), "JWT"],
];

describe("Secrets: provider formats", () => {
  for (const [name, token, label] of CASES) {
    it(`finds a ${name} with exact offsets`, () => {
      const text = `deploy note: ${token} (rotate after use)`;
      const spans = secrets.evaluate({ input: text }).spans;
      expect(spans.map((s) => [s.label, s.text])).toEqual([[label, token]]);
      expect(spans[0]?.start).toBe(13);
    });
  }

  it("finds a token at the very start and end of the text, and on its own line", () => {
    const key = `ghp_${rand(36)}`;
    expect(secrets.find(key).map((s) => s.text)).toEqual([key]);
    expect(secrets.find(`GH_TOKEN=${key}\n`).map((s) => s.text)).toEqual([key]);
    expect(secrets.find(`"${key}",`).map((s) => s.text)).toEqual([key]);
  });

  it("finds tokens in long URL paths (a path is not a base64 blob)", () => {
    const key = `ghp_${rand(36)}`;
    expect(secrets.find(`https://example.com/api/v1/organizations/settings/credentials/${key}/rotate`).map((s) => s.text)).toEqual([key]);
  });

  it("finds a Telegram token inside a Bot API URL", () => {
    const token = `${digits(9)}:AA${rand(33, URLSAFE)}`;
    expect(secrets.find(`curl https://api.telegram.org/bot${token}/getMe`).map((s) => [s.label, s.text])).toEqual([["TELEGRAM_BOT_TOKEN", token]]);
  });

  it("flags AWS's documented example key pair on purpose (it is the key shape; a scanner cannot tell a pasted example from a real key)", () => {
    const found = secrets.find("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    expect(found.map((s) => s.label)).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
  });
});

describe("Secrets: key blocks", () => {
  it("finds PEM private keys of every kind, whole", () => {
    for (const type of ["RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]) {
      const block = pem(type);
      expect(secrets.find(`here:\n${block}\n`).map((s) => [s.label, s.text]), type).toEqual([["PRIVATE_KEY", block]]);
    }
  });

  it("finds an encrypted legacy PEM key with its headers", () => {
    const body = Array.from({ length: 5 }, () => rand(64, BASE64)).join("\n");
    const block = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${rand(32, "0123456789ABCDEF")}\n\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(secrets.find(block).map((s) => s.text)).toEqual([block]);
  });

  it("finds the private key of a GCP service-account JSON file", () => {
    const key = pem("PRIVATE KEY").replace(/\n/g, "\\n");
    const json = `{"type": "service_account", "project_id": "demo", "private_key": "${key}\\n", "client_email": "svc@demo.iam.gserviceaccount.com"}`;
    const found = secrets.find(json);
    expect(found.map((s) => s.label)).toContain("PRIVATE_KEY");
    expect(found.find((s) => s.label === "PRIVATE_KEY")?.text).toBe(key);
  });

  it("finds a PEM private key that was base64-encoded again (kubeconfig client-key-data), not an encoded certificate", () => {
    const encoded = Buffer.from(pem("RSA PRIVATE KEY")).toString("base64");
    expect(secrets.find(`users:\n- name: admin\n  user:\n    client-key-data: ${encoded}\n`).map((s) => [s.label, s.text])).toEqual([["PRIVATE_KEY", encoded]]);
    const cert = Buffer.from(pem("CERTIFICATE")).toString("base64");
    expect(secrets.find(`clusters:\n- cluster:\n    certificate-authority-data: ${cert}\n`)).toEqual([]);
  });

  it("finds a PuTTY key file and an SSH2 key", () => {
    const lines = (n: number): string => Array.from({ length: n }, () => rand(64, BASE64)).join("\n");
    const ppk = `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n${lines(2)}\nPrivate-Lines: 1\n${lines(1)}\nPrivate-MAC: ${rand(64, HEX)}`;
    expect(secrets.find(ppk).map((s) => [s.label, s.text])).toEqual([["PUTTY_PRIVATE_KEY", ppk]]);
    const ssh2 = `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: "rsa-key"\n${lines(4)}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----`;
    expect(secrets.find(ssh2).map((s) => s.label)).toEqual(["PRIVATE_KEY"]);
  });

  it("does not flag key headers without a key, public keys or certificates", () => {
    for (const text of [
      "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
      "-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----",
      "A PEM file starts with -----BEGIN OPENSSH PRIVATE KEY----- and ends with the END line.",
      pem("PUBLIC KEY"),
      pem("CERTIFICATE"),
      `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${rand(43, BASE64)} user@host`,
    ]) {
      expect(secrets.find(text), text).toEqual([]);
    }
  });
});

describe("Secrets: rule set contract", () => {
  it("every rule begins with a literal character, so the combined pattern can file it by that character", () => {
    const guard = "(?<![A-Za-z0-9_])";
    for (const rule of SECRET_RULES) {
      const rest = rule.pattern.startsWith(guard) ? rule.pattern.slice(guard.length) : rule.pattern;
      expect(/^(?:[A-Za-z0-9_~:-]|\\\.)(?![{?*+])/.test(rest), `${rule.id}: ${rule.pattern.slice(0, 40)}`).toBe(true);
    }
  });

  it("every rule compiles on its own and has a label and a score in (0, 1]", () => {
    for (const rule of SECRET_RULES) {
      expect(() => new RegExp(rule.pattern), rule.id).not.toThrow();
      expect(rule.id).toMatch(/^[a-z0-9_]+$/);
      expect(rule.score).toBeGreaterThan(0);
      expect(rule.score).toBeLessThanOrEqual(1);
    }
  });
});
