// Reads a config file: YAML → zod validation → resolved secrets. Every error names the file, line, column and
// key path, so a bad config line is found at once.
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from "yaml";
import type { z } from "zod";
import { packagePath } from "../paths.js";
import { configSchema, type Config, type SecretRef } from "./schema.js";

export interface ConfigError {
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. routes[2].providers[0]. */
  path: string;
  message: string;
}

export class ConfigLoadError extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map(formatConfigError).join("\n"));
    this.name = "ConfigLoadError";
  }
}

export function formatConfigError(e: ConfigError): string {
  const where = e.path ? ` ${e.path}:` : "";
  return `${e.file}:${e.line}:${e.column}:${where} ${e.message}`;
}

/** The built-in config: what `npm start` runs on a fresh clone. */
export const BUILTIN_CONFIG_PATH = packagePath("config", "tollgate.yaml");

/** A loaded config plus the secrets it references, read once per load. */
export interface LoadedConfig {
  file: string;
  config: Config;
  /** Resolved secret values by "env:NAME" / "file:PATH"; absent when unavailable. */
  secrets: ReadonlyMap<string, string>;
  /** Things that are allowed but worth a log line (missing provider credentials, demo keys). */
  warnings: string[];
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function positionOf(doc: Document, counter: LineCounter, path: ReadonlyArray<PropertyKey>): { line: number; column: number } {
  // Walk down as far as the path exists; a missing key is reported at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node = path.length === 0 && n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

/** Where a key itself (not its value) stands: an unknown key is best pointed at by its name. */
function positionOfKey(doc: Document, counter: LineCounter, parent: ReadonlyArray<PropertyKey>, key: string): { line: number; column: number } {
  const node = parent.length === 0 ? doc.contents : doc.getIn(parent as unknown[], true);
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (pair && isNode(pair.key) && pair.key.range) {
      const pos = counter.linePos(pair.key.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return positionOf(doc, counter, [...parent, key]);
}

export function secretKey(ref: SecretRef): string {
  return "env" in ref ? `env:${ref.env}` : `file:${ref.file}`;
}

function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv): string | undefined {
  if ("env" in ref) {
    const value = env[ref.env];
    return value && value.length > 0 ? value : undefined;
  }
  try {
    const value = readFileSync(ref.file, "utf8").trim();
    return value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Parses and validates config text. Throws ConfigLoadError listing every problem found. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigLoadError(
      doc.errors.map((err) => {
        const pos = counter.linePos(err.pos[0]);
        return { file, line: pos.line, column: pos.col, path: "", message: err.message.split("\n")[0] ?? err.message };
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigLoadError(
      parsed.error.issues.flatMap((issue: z.core.$ZodIssue) => {
        // An unknown key is reported at the key itself, one error per key, so a typo points at its own line.
        if (issue.code === "unrecognized_keys") {
          return issue.keys.map((k) => ({
            file,
            ...positionOfKey(doc, counter, issue.path, k),
            path: formatPath([...issue.path, k]),
            message: "unknown key (misspelled?)",
          }));
        }
        return [{ file, ...positionOf(doc, counter, issue.path), path: formatPath(issue.path), message: issue.message }];
      }),
    );
  }
  const config = parsed.data;
  const secrets = new Map<string, string>();
  const warnings: string[] = [];
  const resolve = (ref: SecretRef | undefined, what: string) => {
    if (!ref) return;
    const value = readSecret(ref, env);
    if (value === undefined) warnings.push(`${what}: secret ${secretKey(ref)} is not set`);
    else secrets.set(secretKey(ref), value);
  };
  for (const p of config.providers) resolve(p.credential, `provider ${p.name}`);
  resolve(config.auth.principal_secret, "auth.principal_secret");
  if (config.store.kind === "redis") resolve(config.store.password, "store.password");
  return { file, config, secrets, warnings };
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigLoadError([{ file, line: 0, column: 0, path: "", message: `cannot read config file: ${reason}` }]);
  }
  return parseConfig(text, file, env);
}
