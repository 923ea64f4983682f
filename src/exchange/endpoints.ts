// Which API a request speaks, from its :path (and, for MCP, its body). Query strings never change the endpoint.
import type { Endpoint } from "./model.js";

const LLM_ENDPOINTS = new Map<string, Endpoint>([
  ["/v1/chat/completions", { kind: "chat_completions", api: "openai" }],
  ["/v1/completions", { kind: "completions", api: "openai" }],
  ["/v1/embeddings", { kind: "embeddings", api: "openai" }],
  ["/v1/responses", { kind: "responses", api: "openai" }],
  ["/v1/messages", { kind: "messages", api: "anthropic" }],
]);

export const MCP_ENDPOINT: Endpoint = { kind: "mcp", api: "mcp" };

export function pathOnly(path: string): string {
  const q = path.search(/[?#]/);
  const p = q === -1 ? path : path.slice(0, q);
  // Collapse duplicate slashes so "//v1/messages" cannot slip past recognition.
  return p.replace(/\/{2,}/g, "/");
}

export function endpointFromPath(path: string): Endpoint | undefined {
  return LLM_ENDPOINTS.get(pathOnly(path));
}
