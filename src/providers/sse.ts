// Incremental server-sent-events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html).
// Upstream chunk boundaries fall anywhere, even inside a UTF-8 sequence, so framing works on bytes: an event is
// complete only at its blank line, and the rest waits for the next chunk.

export interface SseFrame {
  /** The event's exact text including the terminating blank line. */
  raw: string;
  /** Byte length of the event as received. */
  bytes: number;
  event?: string;
  /** `data:` lines joined with "\n". */
  data?: string;
}

const LF_LF = Buffer.from("\n\n");
const CRLF_CRLF = Buffer.from("\r\n\r\n");

function nextBoundary(buf: Buffer): { index: number; length: number } | undefined {
  const a = buf.indexOf(LF_LF);
  const b = buf.indexOf(CRLF_CRLF);
  if (a === -1 && b === -1) return undefined;
  if (b === -1 || (a !== -1 && a < b)) return { index: a, length: 2 };
  return { index: b, length: 4 };
}

export class SseParser {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Buffer): SseFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: SseFrame[] = [];
    for (;;) {
      const boundary = nextBoundary(this.pending);
      if (!boundary) break;
      const end = boundary.index + boundary.length;
      frames.push(parseFrame(this.pending.subarray(0, end)));
      this.pending = this.pending.subarray(end);
    }
    return frames;
  }

  /** At end of stream: whatever is left (an event without its blank line, as a truncated stream leaves). */
  flush(): SseFrame | undefined {
    if (this.pending.length === 0) return undefined;
    const frame = parseFrame(this.pending);
    this.pending = Buffer.alloc(0);
    return frame;
  }

  /** Bytes received that do not yet form a complete event. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

function parseFrame(bytes: Buffer): SseFrame {
  const raw = bytes.toString("utf8");
  const frame: SseFrame = { raw, bytes: bytes.length };
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\n|\r/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") frame.event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length > 0) frame.data = data.join("\n");
  return frame;
}

/** The `event:` name of a raw event, if it has one. */
export function sseEventName(raw: string): string | undefined {
  return /^event: ?(.*?)\r?$/m.exec(raw)?.[1];
}

export function formatSse(data: string, event?: string): string {
  const lines = data.split("\n").map((l) => `data: ${l}`);
  return `${event ? `event: ${event}\n` : ""}${lines.join("\n")}\n\n`;
}
