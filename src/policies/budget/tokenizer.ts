// Prompt token counting for reservations, offline, with js-tiktoken's shipped encodings.
//
//   o200k_base   gpt-4o*, gpt-4.1*, gpt-4.5*, gpt-5*, o1*/o3*/o4*, chatgpt-4o*, gpt-oss*
//   cl100k_base  gpt-4 / gpt-4-turbo, gpt-3.5*, text-embedding-3-*, text-embedding-ada-002
//   approximate  Claude and every other family: cl100k_base count × 1.25, rounded up. Anthropic publishes no offline
//                tokenizer for Claude 3 and later; its tokenizer yields more tokens than cl100k_base for the same
//                text, so we overestimate on purpose: a reservation that is too high only holds budget until the
//                response reconciles it to the provider's count, one that is too low could let a cap slip.
//
// Counting is CPU work on the data path, so very long texts are counted exactly up to EXACT_CHARS and the rest is
// extrapolated from the measured tokens-per-character of the counted part (plus 10%).
import { Tiktoken } from "js-tiktoken/lite";
import type { LlmRequest } from "../../exchange/model.js";

export type EncodingName = "o200k_base" | "cl100k_base";

export interface TokenFamily {
  encoding: EncodingName;
  /** Multiplier applied to the count (1 when the encoding is the model's own). */
  factor: number;
}

const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)(\b|-|$)/;
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)(\b|-|$)/;
export const APPROXIMATION_FACTOR = 1.25;

export function familyFor(model: string | undefined): TokenFamily {
  const name = (model ?? "").toLowerCase().replace(/^[a-z0-9_-]+\//, "");
  if (O200K.test(name)) return { encoding: "o200k_base", factor: 1 };
  if (CL100K.test(name)) return { encoding: "cl100k_base", factor: 1 };
  return { encoding: "cl100k_base", factor: APPROXIMATION_FACTOR };
}

/** Chat formats frame each message (3 tokens) around its role (1 token) and prime the reply (3), per OpenAI's guide. */
const PER_MESSAGE = 4;
const REPLY_PRIMING = 3;
const EXACT_CHARS = 200_000;

/** One load per encoding, shared by every caller that arrives while it is still loading. */
const encoders = new Map<EncodingName, Promise<Tiktoken>>();

async function build(name: EncodingName): Promise<Tiktoken> {
  const module = name === "o200k_base" ? await import("js-tiktoken/ranks/o200k_base") : await import("js-tiktoken/ranks/cl100k_base");
  return new Tiktoken(module.default);
}

function encoder(name: EncodingName): Promise<Tiktoken> {
  let pending = encoders.get(name);
  if (!pending) {
    pending = build(name);
    encoders.set(name, pending);
    pending.catch(() => encoders.delete(name));
  }
  return pending;
}

/** Load the encodings before traffic arrives (o200k takes most of a second to build). */
export async function warmTokenizers(names: EncodingName[] = ["o200k_base", "cl100k_base"]): Promise<void> {
  await Promise.all(names.map(encoder));
}

function countWith(enc: Tiktoken, text: string): number {
  if (text.length <= EXACT_CHARS) return enc.encode(text, "all").length;
  const head = enc.encode(text.slice(0, EXACT_CHARS), "all").length;
  return head + Math.ceil(((text.length - EXACT_CHARS) * head * 1.1) / EXACT_CHARS);
}

export class TokenCounter {
  private constructor(
    private readonly enc: Tiktoken,
    readonly family: TokenFamily,
  ) {}

  static async forModel(model: string | undefined): Promise<TokenCounter> {
    const family = familyFor(model);
    return new TokenCounter(await encoder(family.encoding), family);
  }

  /** Tokens of a piece of text (streamed deltas are counted one by one: a small overestimate at joins). */
  text(text: string): number {
    if (text.length === 0) return 0;
    return Math.ceil(countWith(this.enc, text) * this.family.factor);
  }

  /** Prompt tokens of a parsed request: message texts, tool calls, declared tool schemas, and chat overhead. */
  prompt(request: LlmRequest): number {
    let tokens = 0;
    for (const message of request.messages) {
      tokens += PER_MESSAGE + countWith(this.enc, message.text);
      for (const call of message.toolCalls) tokens += countWith(this.enc, call.name) + countWith(this.enc, call.arguments);
    }
    // Tool definitions are billed as prompt tokens; counting their JSON is close to what providers do.
    const tools = request.body["tools"];
    if (Array.isArray(tools) && tools.length > 0) tokens += countWith(this.enc, JSON.stringify(tools));
    if (request.messages.length > 0) tokens += REPLY_PRIMING;
    return Math.ceil(tokens * this.family.factor);
  }
}
