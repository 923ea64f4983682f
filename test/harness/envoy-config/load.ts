// Loads envoy/*.yaml the way Envoy would: strict proto checking of the whole Bootstrap (and of the Envoy config
// fragments embedded in an Istio EnvoyFilter), with every problem reported as file:line:col path: message.
import { readFileSync } from "node:fs";
import * as YAML from "yaml";
import { envoyConfigRoot } from "./proto-root.js";
import { checkMessage, type ConfigIssue, type ValidationContext } from "./strict-yaml.js";

export type { ConfigIssue } from "./strict-yaml.js";

export const BOOTSTRAP_TYPE = "envoy.config.bootstrap.v3.Bootstrap";

export interface ValidationResult {
  /** The config with proto field names (camelCase keys normalised to snake_case); partial when errors exist. */
  value: unknown;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${source}:${i.line}:${i.col} ${i.path}: ${i.message}`).join("\n");
}

export class EnvoyConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`invalid Envoy config ${source}:\n${formatIssues(source, issues)}`);
    this.name = "EnvoyConfigError";
  }
}

interface ParsedYaml {
  doc: YAML.Document.Parsed;
  lineCounter: YAML.LineCounter;
  syntaxErrors: ConfigIssue[];
}

function syntaxIssues(doc: YAML.Document.Parsed, lineCounter: YAML.LineCounter): ConfigIssue[] {
  return doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { path: "(yaml)", line: pos.line, col: pos.col, message: e.message.split("\n")[0] ?? e.message };
  });
}

function parseAll(text: string): ParsedYaml[] {
  const lineCounter = new YAML.LineCounter();
  return YAML.parseAllDocuments(text, { lineCounter, uniqueKeys: true }).flatMap((doc) =>
    doc instanceof YAML.Document ? [{ doc, lineCounter, syntaxErrors: syntaxIssues(doc, lineCounter) }] : [],
  );
}

/** Checks one node of a parsed document against a message type. */
export function validateNode(parsed: ParsedYaml, node: unknown, typeName: string, basePath: string, checkRequired: boolean): ValidationResult {
  const root = envoyConfigRoot();
  const ctx: ValidationContext = { root, doc: parsed.doc, lineCounter: parsed.lineCounter, errors: [], warnings: [], checkRequired };
  const yamlNode = YAML.isNode(node) ? node : null;
  const value = checkMessage(ctx, yamlNode, root.lookupType(typeName), basePath);
  return { value, errors: ctx.errors, warnings: ctx.warnings };
}

/** Validates YAML text (one document) as the given Envoy message type. */
export function validateYamlAs(text: string, typeName: string, checkRequired = true): ValidationResult {
  const [parsed] = parseAll(text);
  if (!parsed) return { value: undefined, errors: [{ path: "(yaml)", line: 1, col: 1, message: "empty document" }], warnings: [] };
  if (parsed.syntaxErrors.length > 0) return { value: undefined, errors: parsed.syntaxErrors, warnings: [] };
  return validateNode(parsed, parsed.doc.contents, typeName, "", checkRequired);
}

/** Reads and strictly validates an Envoy bootstrap file; throws EnvoyConfigError listing every problem. */
export function loadEnvoyBootstrap(path: string): unknown {
  const result = validateYamlAs(readFileSync(path, "utf8"), BOOTSTRAP_TYPE);
  if (result.errors.length > 0) throw new EnvoyConfigError(path, result.errors);
  return result.value;
}

/** Istio `applyTo` → the Envoy message type its patch.value holds (istio.io EnvoyFilter reference). */
const ISTIO_PATCH_TYPES: Record<string, string> = {
  LISTENER: "envoy.config.listener.v3.Listener",
  FILTER_CHAIN: "envoy.config.listener.v3.FilterChain",
  NETWORK_FILTER: "envoy.config.listener.v3.Filter",
  HTTP_FILTER: "envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter",
  ROUTE_CONFIGURATION: "envoy.config.route.v3.RouteConfiguration",
  VIRTUAL_HOST: "envoy.config.route.v3.VirtualHost",
  HTTP_ROUTE: "envoy.config.route.v3.Route",
  CLUSTER: "envoy.config.cluster.v3.Cluster",
};

export interface IstioPatchResult extends ValidationResult {
  document: number;
  patch: number;
  applyTo: string;
  operation: string;
}

/**
 * Validates every `spec.configPatches[].patch.value` of the EnvoyFilter documents in a multi-document file.
 * MERGE patches are partial by design, so required-field rules are only applied to whole objects.
 */
export function validateIstioEnvoyFilters(text: string): IstioPatchResult[] {
  const results: IstioPatchResult[] = [];
  parseAll(text).forEach((parsed, docIndex) => {
    const content = parsed.doc.toJS() as { kind?: string } | null;
    if (content?.kind !== "EnvoyFilter") return;
    const patches = parsed.doc.getIn(["spec", "configPatches"], true);
    if (!YAML.isSeq(patches)) return;
    patches.items.forEach((patchNode, i) => {
      if (!YAML.isMap(patchNode)) return;
      const applyTo = String(patchNode.get("applyTo") ?? "");
      const patch = patchNode.get("patch", true);
      const operation = YAML.isMap(patch) ? String(patch.get("operation") ?? "") : "";
      const typeName = ISTIO_PATCH_TYPES[applyTo];
      const base = { document: docIndex, patch: i, applyTo, operation };
      const path = `spec.configPatches[${i}].patch.value`;
      if (!typeName || !YAML.isMap(patch)) {
        results.push({ ...base, value: undefined, warnings: [], errors: [{ path, line: 1, col: 1, message: `unsupported applyTo "${applyTo}"` }] });
        return;
      }
      results.push({ ...base, ...validateNode(parsed, patch.get("value", true), typeName, path, operation !== "MERGE") });
    });
  });
  return results;
}
