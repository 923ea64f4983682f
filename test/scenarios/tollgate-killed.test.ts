// Tollgate goes away while a request is in flight. Envoy's ext_proc filter (failure_mode_allow: false, as both
// shipped envoy yamls set it) turns a gRPC error into a 500 local reply while the response headers have not gone
// downstream yet, and into a stream reset once they have (ext_proc.cc onGrpcError → sendLocalReply, which resets
// when headers were already sent). ext_authz (failure_mode_allow: false, status_on_error 503) refuses new requests
// while Tollgate is unreachable. Whatever happens, the client must get an error or a clean end — never hang — and
// the record of the request Tollgate was handling must still reach its audit file.
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { auditRecords, emulatorRecordOf, eventually, startStack, type Stack } from "./stack.js";

let s: Stack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** drain_timeout_ms 0: stop() force-closes open ext_proc streams at once, as a crash or a kill would. */
const KILL = { server: ", drain_timeout_ms: 0" };

/** Fails the test instead of letting it hang when the client never learns the request is over. */
function withinMs<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: the client still had no outcome after ${ms} ms (it hangs)`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe("Tollgate stopped while a request is open", () => {
  it("mid-stream (after the 200 went out): the stream is reset, the SDK's iterator throws, nothing hangs", async () => {
    s = await startStack(KILL);
    const stack = s;
    const id = "killed-mid-stream";
    const content = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";
    const client = stack.openai({ "x-test-content": content, "x-test-chunk-size": "4", "x-test-chunk-delay-ms": "40" });
    const stream = await client.chat.completions.create({ model: "fake-gpt", stream: true, messages: [{ role: "user", content: "Count for me." }] }, { headers: { "x-request-id": id } });
    let text = "";
    let stopping: Promise<void> | undefined;
    const consumed = (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (text.length > 0 && !stopping) stopping = stack.tollgate.stop();
      }
    })();
    const outcome = await withinMs(15_000, "mid-stream kill", consumed.then(() => "ended" as const, (e: unknown) => e));
    await stopping;
    // Headers were out, so Envoy can only reset: the SDK surfaces the broken stream as an error.
    expect(outcome).toBeInstanceOf(Error);
    // undici's "terminated" (other side closed), which the OpenAI SDK's stream iterator passes on as is.
    expect((outcome as Error).message).toMatch(/terminated|closed|reset/i);
    expect(text.length).toBeGreaterThan(0);
    expect(content.startsWith(text)).toBe(true);
    expect(text).not.toBe(content);
    const record = await emulatorRecordOf(stack, id);
    expect(record.response).toMatchObject({ status: 200, reset: true });
    // The request Tollgate was serving is recorded, not lost, even though its stream was torn down.
    const audit = auditRecords(stack.auditFile).filter((r) => r.request_id === id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: "cancelled", status: 200, route: "chat" });
  });

  it("before the response headers: Envoy answers 500 and the SDK raises InternalServerError", async () => {
    s = await startStack(KILL);
    const stack = s;
    const id = "killed-before-headers";
    const client = stack.openai({ "x-test-delay-ms": "3000" });
    const pending = client.chat.completions.create({ model: "fake-gpt", messages: [{ role: "user", content: "Take your time." }] }, { headers: { "x-request-id": id } }).catch((e: unknown) => e);
    // The provider holds its answer back; Tollgate dies while Envoy waits for it.
    await eventually(() => stack.provider.received.find((r) => r.headers["x-request-id"]?.[0] === id), "the request at the provider");
    await stack.tollgate.stop();
    const err = await withinMs(15_000, "kill before headers", pending);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(500);
    expect((await emulatorRecordOf(stack, id)).localReply?.details).toMatch(/^ext_proc_error_gRPC_error_/);
  });

  it("after it is gone: ext_authz cannot be reached, new requests get 503 and never reach the provider", async () => {
    s = await startStack(KILL);
    const stack = s;
    await stack.tollgate.stop();
    const id = "after-kill";
    const err = await withinMs(15_000, "request after the kill", stack.openai().chat.completions.create({ model: "fake-gpt", messages: [{ role: "user", content: "Anyone there?" }] }, { headers: { "x-request-id": id } }).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
    expect(stack.provider.received).toEqual([]);
  });
});
