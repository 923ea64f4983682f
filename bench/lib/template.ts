// A pre-encoded protobuf message with fixed-width slots that change per request (x-request-id, trace id).
// Encoding once and patching bytes keeps the load generator's CPU per request far below the server's, which is
// what lets a single Node client saturate a single Node server. Slots are ASCII and keep their width, so the
// protobuf length prefixes stay valid.

export class MessageTemplate {
  private readonly offsets: number[][];

  /**
   * @param encoded the message encoded with placeholder values
   * @param placeholders distinct ASCII strings that occur in `encoded`; every occurrence becomes a slot
   */
  constructor(
    private readonly encoded: Buffer,
    private readonly placeholders: readonly string[],
  ) {
    this.offsets = placeholders.map((placeholder) => {
      const found: number[] = [];
      for (let at = encoded.indexOf(placeholder); at !== -1; at = encoded.indexOf(placeholder, at + 1)) found.push(at);
      if (found.length === 0) throw new Error(`placeholder ${JSON.stringify(placeholder)} not in the encoded message`);
      return found;
    });
  }

  /** A fresh copy with `values[i]` written over every occurrence of placeholder i (same byte length required). */
  render(values: readonly string[]): Buffer {
    const out = Buffer.from(this.encoded);
    this.placeholders.forEach((placeholder, i) => {
      const value = values[i];
      if (value === undefined || value.length !== placeholder.length) {
        throw new Error(`slot ${i} needs ${placeholder.length} ASCII characters, got ${JSON.stringify(value)}`);
      }
      for (const at of this.offsets[i] ?? []) out.write(value, at, "latin1");
    });
    return out;
  }

  /** The message as encoded, for messages that never change (bodies). */
  get bytes(): Buffer {
    return this.encoded;
  }
}

/** Per-process unique, fixed-width ids in the shapes Envoy and W3C tracing use. */
export class IdSource {
  private counter = 0;
  private readonly prefix: string;

  constructor(seed = Math.floor(Math.random() * 0xffffffff)) {
    this.prefix = seed.toString(16).padStart(8, "0").slice(-8);
  }

  /** Next ids: a UUID-shaped x-request-id, a 32-hex trace id and a 19-digit Envoy stream id. */
  next(): { requestId: string; traceId: string; streamId: string } {
    this.counter += 1;
    const n = this.counter.toString(16).padStart(12, "0").slice(-12);
    return {
      requestId: `${this.prefix}-0000-4000-8000-${n}`,
      traceId: `${this.prefix}${"0".repeat(12)}${n}`,
      streamId: (1_000_000_000_000_000_000n + BigInt(this.counter)).toString(),
    };
  }
}
