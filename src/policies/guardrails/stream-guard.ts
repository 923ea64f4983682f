// Post-guardrails on a streamed answer. Output text accumulates as events arrive; the newest text is held back
// (its events are replaced by nothing in Envoy's STREAMED replies and released later) until it can no longer be
// the start of something a guardrail flags. So no flagged text ever reaches the client, even a card number or a
// key split across chunks: a value is released only once it has been seen whole.
import type { Span, Verdict } from "../../guardrails/types.js";
import type { StreamEvent } from "../types.js";
import { replacement } from "../../guardrails/redact.js";
import type { RedactStyle } from "../../guardrails/types.js";
import { mergeSpans } from "./redact.js";

export interface HeldEvent {
  event: StreamEvent;
  /** Range of the stream's output text this event carries (empty for events without text). */
  start: number;
  end: number;
}

export interface WindowFinding {
  action: "block" | "redact" | "monitor";
  verdict: Verdict;
}

export interface GuardOutcome {
  events: StreamEvent[];
  /** A block rule fired: end the stream (the events above are the clean text before the offending span). */
  blocked?: WindowFinding;
}

/** Judges a window of output text; spans it returns are relative to the window. */
export type WindowJudge = (text: string) => WindowFinding[];

/** Rewrites an event's output text (codec-specific: OpenAI delta.content, Anthropic delta.text, …). */
export type TextRewriter = (event: StreamEvent, text: string) => StreamEvent;

export class StreamGuard {
  private text = "";
  private released = 0;
  private held: HeldEvent[] = [];
  private redactions: Span[] = [];
  /** Length of the text at the last judgment: only text judged at least once is ever released. */
  private judged = 0;

  constructor(
    private readonly judge: WindowJudge,
    private readonly rewrite: TextRewriter,
    private readonly holdBack: number,
    private readonly style: RedactStyle,
    /** Judge again only once this much new text has arrived (or the stream ends): a chunk of a few characters
     * rarely changes a verdict, and judging every chunk would cost every evaluator once per chunk. */
    private readonly judgeEvery: number = 0,
  ) {}

  /** Characters of output text currently held back. */
  get heldChars(): number {
    return this.text.length - this.released;
  }

  push(events: StreamEvent[], endOfStream: boolean): GuardOutcome {
    for (const event of events) {
      const start = this.text.length;
      if (event.textDelta) this.text += event.textDelta;
      this.held.push({ event, start, end: this.text.length });
    }
    if (!endOfStream && this.text.length - this.judged < this.judgeEvery) {
      // Not judged yet: nothing new may go out. Events without text that wait on nothing still pass.
      return { events: this.release(this.released, false) };
    }
    this.judged = this.text.length;
    // Look a hold-back's length behind what was released, so a span that began in released text is still found
    // (its released part cannot be recalled, which is what the hold-back is sized to prevent).
    const windowStart = Math.max(0, this.released - this.holdBack);
    const findings = this.text.length > windowStart ? this.judge(this.text.slice(windowStart)) : [];
    for (const f of findings) {
      const spans = f.verdict.spans.map((s) => ({ ...s, start: s.start + windowStart, end: s.end + windowStart }));
      if (f.action === "block" || (f.action === "redact" && spans.length === 0)) {
        const cut = spans.length > 0 ? Math.min(...spans.map((s) => s.start)) : this.released;
        return { events: this.release(Math.max(cut, this.released), false), blocked: { ...f, verdict: { ...f.verdict, spans } } };
      }
      if (f.action === "redact") this.redactions = mergeSpans([...this.redactions, ...spans.filter((s) => s.end > this.released)]);
    }
    const safe = endOfStream ? this.text.length : this.safePoint();
    return { events: this.release(safe, endOfStream) };
  }

  /**
   * Text may go out up to here: never the last `holdBack` characters, and never a word still being written
   * (a key or an address is one run of non-space characters, however long).
   */
  private safePoint(): number {
    let runStart = this.text.length;
    while (runStart > this.released && !/\s/.test(this.text[runStart - 1]!)) runStart--;
    return Math.max(this.released, Math.min(this.text.length - this.holdBack, runStart));
  }

  private release(upTo: number, all: boolean): StreamEvent[] {
    const out: StreamEvent[] = [];
    while (this.held.length > 0) {
      const h = this.held[0]!;
      if (!all && h.end > upTo) break;
      this.held.shift();
      out.push(h.end > h.start ? this.masked(h) : h.event);
      this.released = Math.max(this.released, h.end);
    }
    return out;
  }

  /** The event with any redacted span inside it masked; a span crossing events puts its placeholder in the first. */
  private masked(h: HeldEvent): StreamEvent {
    const hits = this.redactions.filter((s) => s.start < h.end && s.end > h.start);
    if (hits.length === 0) return h.event;
    let out = "";
    let pos = h.start;
    for (const s of hits) {
      if (s.start > pos) out += this.text.slice(pos, s.start);
      if (s.start >= h.start) out += replacement(s, this.style);
      pos = Math.min(h.end, s.end);
    }
    out += this.text.slice(pos, h.end);
    return this.rewrite(h.event, out);
  }
}
