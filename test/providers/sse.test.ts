import { describe, expect, it } from "vitest";
import { SseParser, formatSse } from "../../src/providers/sse.js";

describe("SseParser", () => {
  it("frames events across arbitrary chunk boundaries, even inside UTF-8 sequences", () => {
    const text = `${formatSse('{"a":"é"}')}event: ping\ndata: x\n\n: comment\ndata: line1\ndata: line2\n\n`;
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const p = new SseParser();
      const frames = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))];
      expect(frames.map((f) => f.data)).toEqual(['{"a":"é"}', "x", "line1\nline2"]);
      expect(frames[1]!.event).toBe("ping");
      expect(frames.map((f) => f.raw).join("")).toBe(text);
      expect(p.pendingBytes).toBe(0);
    }
  });

  it("accepts CRLF line endings and keeps an unterminated tail for flush", () => {
    const p = new SseParser();
    expect(p.push(Buffer.from("data: 1\r\n\r\ndata: 2"))).toHaveLength(1);
    expect(p.pendingBytes).toBe(7);
    expect(p.flush()).toMatchObject({ data: "2", raw: "data: 2" });
    expect(p.flush()).toBeUndefined();
  });
});
