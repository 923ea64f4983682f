// A streamed (SSE) response, chunk by chunk. Envoy applies one reply per chunk in order (STREAMED mode), so each
// reply either passes the chunk untouched or replaces it with exactly the events that may go out now. Events a
// policy holds back are emitted by a later reply; bytes of an event not yet complete wait for its end.
import type { Endpoint } from "./model.js";
import type { ExchangeContext } from "./context.js";
import { withinBudget } from "./deadline.js";
import type { ProviderCodec } from "../providers/codec.js";
import { SseParser } from "../providers/sse.js";
import type { Denial, Policy, PolicyEvent, StreamEvent } from "../policies/types.js";
import type { Logger } from "../telemetry/logger.js";

export interface StreamHooks {
  budgetMs: number;
  /** Records a failed policy; returns a denial when the route fails closed. */
  onFailure(policy: Policy, err: unknown): Denial | undefined;
  onEvents(events: PolicyEvent[]): void;
  log(): Logger;
}

export interface ChunkOutput {
  /** Bytes to send instead of the chunk; undefined passes the chunk as received. Empty means send nothing. */
  replacement?: Buffer;
  /** Set when this chunk ended the stream with an error event. */
  terminated?: { denial: Denial; by: string };
}

export const TRUNCATED: Denial = {
  status: 502,
  code: "upstream_truncated",
  message: "The provider ended the stream before it was complete.",
};

export class ResponseStream {
  private readonly parser = new SseParser();
  private sawTerminal = false;

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly codec: ProviderCodec,
    private readonly endpoint: Endpoint,
    private readonly policies: readonly Policy[],
    private readonly hooks: StreamHooks,
  ) {}

  async push(chunk: Buffer, endOfStream: boolean): Promise<ChunkOutput> {
    const carriedIn = this.parser.pendingBytes > 0;
    const input = this.parser.push(chunk).map((f) => this.codec.parseStreamFrame(this.endpoint, f));
    // A tail at end of stream is never passed as received: it is either completed or dropped.
    const tailAdjusted = endOfStream && this.parser.pendingBytes > 0;
    if (tailAdjusted) {
      const tail = this.completeTail();
      if (tail) input.push(tail);
    }
    for (const e of input) {
      if (e.usage) this.ctx.addUsage(e.usage);
      if (e.terminal) this.sawTerminal = true;
    }
    let events = input;
    const deadline = Date.now() + this.hooks.budgetMs;
    for (const policy of this.policies) {
      if (!policy.responseStream) continue;
      try {
        const result = await withinBudget(policy.responseStream(this.ctx, events, endOfStream), policy.name, deadline - Date.now());
        if (result.policyEvents) this.hooks.onEvents(result.policyEvents);
        events = result.events;
        if (result.terminate) return this.terminate(events, result.terminate, policy.name);
      } catch (err) {
        const denial = this.hooks.onFailure(policy, err);
        if (denial) return this.terminate(events, denial, policy.name);
      }
    }
    if (endOfStream && !this.sawTerminal && this.expectsTerminal()) {
      // A stream cut short must not look like success to the client (it would read a partial answer as whole).
      this.hooks.log().warn({ status: this.ctx.responseStatus }, "provider stream ended without its final event");
      return this.terminate(events, TRUNCATED, "exchange");
    }
    const untouched = !carriedIn && !tailAdjusted && this.parser.pendingBytes === 0 && events.length === input.length && events.every((e, i) => e === input[i]);
    if (untouched) return {};
    return { replacement: Buffer.from(events.map((e) => e.raw).join(""), "utf8") };
  }

  /**
   * Bytes left at end of stream without their blank line. A final event some servers end with a single newline
   * ("data: [DONE]\n") is completed and kept; anything else is a fragment of a cut stream and is dropped, since a
   * client cannot parse half an event.
   */
  private completeTail(): StreamEvent | undefined {
    const frame = this.parser.flush();
    if (!frame) return undefined;
    const event = this.codec.parseStreamFrame(this.endpoint, frame);
    if (event.terminal) return { ...event, raw: frame.raw.endsWith("\n") ? `${frame.raw}\n` : `${frame.raw}\n\n` };
    this.hooks.log().warn({ bytes: frame.bytes }, "dropped an incomplete event at the end of the provider stream");
    return undefined;
  }

  private terminate(events: StreamEvent[], denial: Denial, by: string): ChunkOutput {
    const text = events.map((e) => e.raw).join("") + this.codec.streamError(denial, this.ctx.requestId);
    return { replacement: Buffer.from(text, "utf8"), terminated: { denial, by } };
  }

  /** LLM streams end with an explicit final event; MCP event streams simply close. */
  private expectsTerminal(): boolean {
    const status = this.ctx.responseStatus ?? 0;
    return this.codec.api !== "mcp" && status >= 200 && status < 300;
  }
}
