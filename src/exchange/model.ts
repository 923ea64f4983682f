// The provider-neutral request model. Provider codecs parse a body once into this shape; policies read it and
// never look at provider JSON themselves.

export type ApiFlavor = "openai" | "anthropic" | "mcp";
export type EndpointKind = "chat_completions" | "completions" | "embeddings" | "responses" | "messages" | "mcp";

export interface Endpoint {
  kind: EndpointKind;
  /** The client's API: decides the shape of errors and streamed events we send back. */
  api: ApiFlavor;
}

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

/** Which part of a request a piece of text came from; guardrails evaluate and report per segment. */
export type SegmentKind = "system" | "user" | "assistant" | "context" | "tool_args";

export interface TextSegment {
  kind: SegmentKind;
  role: Role;
  /** Index of the message (or JSON-RPC batch item) the text belongs to. */
  index: number;
  toolName?: string;
  text: string;
  /** JSON path of the string inside the parsed body, so redaction can write the new text back. */
  path: ReadonlyArray<string | number>;
}

export interface ToolCall {
  id?: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  /** All text of the message, parts joined with newlines (for token counting and digests). */
  text: string;
  toolCalls: ToolCall[];
  toolCallId?: string;
}

export interface LlmRequest {
  kind: "llm";
  endpoint: Endpoint;
  model?: string;
  stream: boolean;
  maxTokens?: number;
  /** Whether an OpenAI streaming request already asked for the usage chunk. */
  includeUsage: boolean;
  messages: ChatMessage[];
  segments: TextSegment[];
  /** Names of the tools the request declares. */
  tools: string[];
  /** The parsed JSON body; codecs rebuild bytes from it only when a policy changed it. */
  body: Record<string, unknown>;
}

export interface McpCall {
  /** JSON-RPC id; absent for notifications. */
  id?: string | number | null;
  method: string;
  toolName?: string;
  arguments?: unknown;
  /** Position in a batch (0 for a single request). */
  index: number;
}

export interface McpRequest {
  kind: "mcp";
  endpoint: Endpoint;
  batch: boolean;
  calls: McpCall[];
  segments: TextSegment[];
  body: unknown;
}

export type ParsedRequest = LlmRequest | McpRequest;

/** Token usage as the provider reported it (or as we counted it when it did not). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
}
