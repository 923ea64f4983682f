import type { ApiFlavor } from "../exchange/model.js";
import type { ProviderCodec } from "./codec.js";
import { anthropicCodec } from "./anthropic.js";
import { mcpCodec } from "./mcp.js";
import { openaiCodec } from "./openai.js";

export const codecs: Record<ApiFlavor, ProviderCodec> = {
  openai: openaiCodec,
  anthropic: anthropicCodec,
  mcp: mcpCodec,
};
