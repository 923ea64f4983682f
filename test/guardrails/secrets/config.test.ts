import { describe, expect, it } from "vitest";
import { Secrets } from "../../../src/guardrails/secrets/index.js";
import { ALNUM, BASE64, HEX, URLSAFE, base64Bytes, rand, reseed } from "./fake.js";

const secrets = new Secrets();
const texts = (input: string): string[] => secrets.find(input).map((s) => s.text);
const labelled = (input: string): [string, string][] => secrets.find(input).map((s) => [s.label, s.text]);

reseed(777);

describe("Secrets: connection strings", () => {
  const password = `${rand(6)}!${rand(9)}`;
  for (const url of [
    `postgres://app:${password}@db.internal:5432/prod`,
    `postgresql://app:${password}@10.0.0.12/prod?sslmode=require`,
    `mysql://root:${password}@mysql.svc.cluster.local:3306/shop`,
    `mongodb+srv://admin:${password}@cluster0.ab1cd.mongodb.net/?retryWrites=true`,
    `redis://:${password}@cache.internal:6379/0`,
    `amqp://guest1:${password}@rabbit.internal:5672/vhost`,
  ]) {
    it(`finds the password in ${url.slice(0, url.indexOf(":"))}://`, () => {
      expect(labelled(`DATABASE_URL=${url}`)).toEqual([["URL_CREDENTIALS", password]]);
    });
  }

  it("finds Password= in ADO.NET / JDBC-style connection strings without the next field", () => {
    expect(texts(`Server=tcp:db.example.net,1433;Database=app;User ID=sa;Password=${password};Encrypt=True;`)).toEqual([password]);
    expect(texts(`jdbc:postgresql://db:5432/app?user=app&password=${password}&ssl=true`)).toEqual([password]);
  });

  it("finds Azure storage and Service Bus keys in connection strings", () => {
    const storage = `${rand(86, BASE64)}==`;
    expect(labelled(`DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${storage};EndpointSuffix=core.windows.net`)).toEqual([["AZURE_STORAGE_KEY", storage]]);
    const bus = `${rand(43, BASE64)}=`;
    expect(labelled(`Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${bus}`)).toEqual([["AZURE_STORAGE_KEY", bus]]);
  });

  it("finds an Azure SAS signature", () => {
    const sig = `${rand(40, ALNUM)}%2B${rand(3)}%3D`;
    expect(labelled(`https://acme.blob.core.windows.net/c/b.txt?sv=2022-11-02&se=2025-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=${sig}`)).toEqual([["AZURE_SAS_TOKEN", sig]]);
  });

  it("does not flag stand-in passwords in URLs", () => {
    for (const url of [
      "postgres://user:password@localhost:5432/db",
      "mysql://root:${MYSQL_PASSWORD}@db/app",
      "mongodb://<user>:<password>@host:27017",
      "redis://:changeme@localhost:6379",
      "amqp://guest:****@localhost",
      "https://user:pass@example.com",
      "see http://localhost:8080/health and https://example.com:443/",
    ]) {
      expect(texts(url), url).toEqual([]);
    }
  });
});

describe("Secrets: config files and commands", () => {
  it("finds .env assignments of SECRET/TOKEN/PASSWORD/KEY variables", () => {
    const v = [rand(40), rand(32, HEX), `${rand(8)}#${rand(8)}`, rand(64, HEX), rand(24)];
    const env = [
      `DJANGO_SECRET_KEY=${v[0]}`,
      `export API_TOKEN="${v[1]}"`,
      `DB_PASSWORD='${v[2]}'`,
      `JWT_SECRET=${v[3]}`,
      `SMTP_PASS=${v[4]}`,
      "NODE_ENV=production",
      "PORT=3000",
      "LOG_LEVEL=debug",
    ].join("\n");
    expect(texts(env)).toEqual(v);
  });

  it("labels key-word values by the provider the key names (Cohere, Mistral, Datadog, Okta)", () => {
    const cohere = rand(40);
    const mistral = rand(32);
    expect(labelled(`COHERE_API_KEY=${cohere}\nMISTRAL_API_KEY=${mistral}`)).toEqual([
      ["COHERE_API_KEY", cohere],
      ["MISTRAL_API_KEY", mistral],
    ]);
    const dd = rand(32, HEX);
    expect(labelled(`DD_API_KEY: ${dd}`).map(([, t]) => t)).toEqual([dd]);
  });

  it("finds AWS credentials files, session tokens included", () => {
    const secret = rand(40, BASE64);
    const session = `IQoJb3JpZ2luX2Vj${base64Bytes(420).replace(/=+$/, "")}`;
    const key = `ASIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`;
    const file = `[default]\naws_access_key_id = ${key}\naws_secret_access_key = ${secret}\naws_session_token = ${session}\nregion = eu-west-1`;
    expect(labelled(file)).toEqual([
      ["AWS_ACCESS_KEY_ID", key],
      ["AWS_SECRET_ACCESS_KEY", secret],
      ["AWS_SESSION_TOKEN", session],
    ]);
    expect(labelled(`{"Credentials": {"AccessKeyId": "${key}", "SecretAccessKey": "${secret}"}}`)).toEqual([
      ["AWS_ACCESS_KEY_ID", key],
      ["AWS_SECRET_ACCESS_KEY", secret],
    ]);
  });

  it("finds .npmrc auth tokens, .netrc and .pypirc passwords", () => {
    const npm = `npm_${rand(36)}`;
    expect(labelled(`//registry.npmjs.org/:_authToken=${npm}`)).toEqual([["NPM_TOKEN", npm]]);
    const legacy = rand(36, `${HEX}-`);
    expect(texts(`//npm.pkg.github.com/:_authToken=${legacy}\nalways-auth=true`)).toEqual([legacy]);
    const netrc = `${rand(10)}7${rand(5)}`;
    expect(texts(`machine api.example.com\n  login deploy\n  password ${netrc}`)).toEqual([netrc]);
    const pypi = `pypi-AgEIcHlwaS5vcmc${rand(60, URLSAFE)}`;
    expect(labelled(`[pypi]\nusername = __token__\npassword = ${pypi}`)).toEqual([["PYPI_TOKEN", pypi]]);
  });

  it("finds docker config auths", () => {
    const auth = Buffer.from(`deploy:${rand(20)}`).toString("base64");
    expect(texts(`{"auths": {"https://index.docker.io/v1/": {"auth": "${auth}"}}}`)).toEqual([auth]);
  });

  it("finds passwords on command lines", () => {
    const p = `${rand(10)}9`;
    expect(texts(`curl -u admin:${p} https://jenkins.internal/api/json`)).toEqual([p]);
    expect(texts(`curl --user "ci:${p}" -X POST https://example.com`)).toEqual([p]);
    expect(texts(`redis-cli -h cache -a ${p} ping`)).toEqual([p]);
    expect(texts(`sshpass -p '${p}' ssh root@10.0.0.2`)).toEqual([p]);
    expect(texts(`mysql -u root -p${p} shop`)).toEqual([p]);
    expect(texts("curl -u admin:$ADMIN_PASSWORD https://x.example.com; mysql -uroot -p$MYSQL_PWD")).toEqual([]);
  });

  it("finds Authorization headers of every scheme", () => {
    const t = rand(40, URLSAFE);
    expect(texts(`Authorization: Bearer ${t}`)).toEqual([t]);
    expect(texts(`Authorization: token ${t}`)).toEqual([t]);
    expect(texts(`"Authorization": "Bot ${t}"`)).toEqual([t]);
    expect(texts(`authorization: ${t}`)).toEqual([t]);
    const okta = `00${rand(40, URLSAFE)}`;
    expect(labelled(`Authorization: SSWS ${okta}`)).toEqual([["OKTA_API_TOKEN", okta]]);
    const basic = Buffer.from(`svc:${rand(16)}`).toString("base64");
    expect(labelled(`Authorization: Basic ${basic}`)).toEqual([["BASIC_AUTH", `Basic ${basic}`]]);
    expect(texts(`X-API-Key: ${t}\nPRIVATE-TOKEN: ${t.slice(0, 20)}`)).toEqual([t, t.slice(0, 20)]);
  });
});

describe("Secrets: more key-word syntaxes", () => {
  it("finds secrets in XML elements, .NET appSettings, PHP define() and header setters", () => {
    const v = [`${rand(10)}#${rand(4)}`, rand(32), rand(28), rand(40)];
    expect(texts(`<datasource><password>${v[0]}</password><timeout>30</timeout></datasource>`)).toEqual([v[0]]);
    expect(texts(`<add key="StripeApiKey" value="${v[1]}" />\n<add key="Theme" value="dark-mode-2024" />`)).toEqual([v[1]]);
    expect(texts(`define('AUTH_SECRET', '${v[2]}');`)).toEqual([v[2]]);
    expect(texts(`req.setRequestHeader("X-Api-Key", "${v[3]}");`)).toEqual([v[3]]);
  });

  it("keeps a password's final ! after a colon or =, but not a sentence's", () => {
    const p = `${rand(8)}4!`;
    expect(texts(`Password: ${p}`)).toEqual([p]);
    expect(texts(`DB_PASSWORD=${p}`)).toEqual([p]);
    expect(texts(`my password is ${p.slice(0, -1)}!`)).toEqual([p.slice(0, -1)]);
    expect(texts(`the wifi pass is: ${p.slice(0, -1)}`)).toEqual([p.slice(0, -1)]);
    expect(texts("Did you change the password? I need a pass for tomorrow, pass the salt.")).toEqual([]);
  });

  it("does not take comparisons or word lists for values", () => {
    expect(texts("if (token > 5) return; while (password < limit) {}")).toEqual([]);
    expect(texts('const fields = ["token", "password", "secret"];')).toEqual([]);
  });

  it("labels a Postmark server token (a UUID) by its header, while bare UUIDs stay clean", () => {
    const token = `${rand(8, HEX)}-${rand(4, HEX)}-4${rand(3, HEX)}-9${rand(3, HEX)}-${rand(12, HEX)}`;
    expect(labelled(`X-Postmark-Server-Token: ${token}`)).toEqual([["POSTMARK_API_KEY", token]]);
    expect(texts(`request id ${token}`)).toEqual([]);
  });

  it("finds the key of a Sentry DSN and a Teams webhook", () => {
    const key = rand(32, HEX);
    expect(labelled(`SENTRY_DSN=https://${key}@o${rand(6, "123456789")}.ingest.us.sentry.io/${rand(7, "123456789")}`)).toEqual([["SENTRY_DSN", key]]);
    const hook = `https://acme.webhook.office.com/webhookb2/${rand(8, HEX)}-${rand(4, HEX)}-4${rand(3, HEX)}-a${rand(3, HEX)}-${rand(12, HEX)}@${rand(8, HEX)}/IncomingWebhook/${rand(32, HEX)}/${rand(8, HEX)}`;
    expect(labelled(`post to ${hook}`)).toEqual([["TEAMS_WEBHOOK", hook]]);
  });
});

describe("Secrets: Kubernetes Secret manifests", () => {
  const pass = Buffer.from(`${rand(14)}`).toString("base64");
  const url = Buffer.from(`postgres://app@db/app`).toString("base64");
  const yaml = `apiVersion: v1
kind: Secret
metadata:
  name: app-credentials
  namespace: prod
type: Opaque
data:
  username: ${Buffer.from("app").toString("base64")}
  db-password: ${pass}
  database-url: ${url}
stringData:
  api-config: "${rand(30)}"
`;

  it("flags every data value of a Secret except the public ones", () => {
    const found = labelled(yaml);
    expect(found.map(([, t]) => t)).toEqual([pass, url, expect.any(String)]);
    expect(found[0]?.[0]).toBe("KUBERNETES_SECRET");
  });

  it("reads the JSON form too", () => {
    const json = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" }, data: { token: pass } });
    expect(texts(json)).toEqual([pass]);
  });

  it("does not flag ConfigMaps or other documents of the same file", () => {
    const settings = Buffer.from("mode=production;replicas=3").toString("base64");
    const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  settings: ${settings}\n  log-level: debug\n`;
    expect(texts(configMap)).toEqual([]);
    expect(texts(configMap.replace("ConfigMap", "Secret"))).toEqual([settings]);
    const multi = `kind: Deployment\nspec:\n  data:\n    replicas: ${pass}\n---\n${yaml}`;
    expect(texts(multi)).toHaveLength(3);
  });
});
