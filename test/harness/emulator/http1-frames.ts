// How Envoy's HTTP/1 codec (source/common/http/http1/codec_impl.cc) hands a message body to the filter chain:
// what arrived in one read is one data frame, and the frame that completes the message carries end_stream —
// or, when the last bytes came in an earlier read, an empty frame does.
import type { IncomingMessage } from "node:http";

/**
 * Calls onFrame(bytes) for each read's worth of body, then onEnd(rest) with the bytes of the read that
 * completed the message (null if that read carried none). Nothing is delivered once isLive() is false.
 */
export function readBodyFrames(message: IncomingMessage, isLive: () => boolean, onFrame: (bytes: Buffer) => void, onEnd: (rest: Buffer | null) => void): void {
  let pending: Buffer | null = null;
  let flush: NodeJS.Immediate | null = null;
  message.on("data", (chunk: Buffer) => {
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    // Node emits several 'data' events per socket read; deliver them together once the read is processed.
    flush ??= setImmediate(() => {
      flush = null;
      const bytes = pending;
      pending = null;
      if (bytes && isLive()) onFrame(bytes);
    });
  });
  message.on("end", () => {
    if (flush) clearImmediate(flush);
    flush = null;
    const rest = pending;
    pending = null;
    if (isLive()) onEnd(rest);
  });
}
