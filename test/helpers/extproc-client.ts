// A raw ext_proc client for unit tests: sends ProcessingRequests on one stream and awaits replies one by one,
// the way Envoy's filter does, plus helpers to build Envoy-shaped messages (raw_value header bytes).
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { loadServiceProtos, loaderOptions, lookupService, SERVICE_NAMES } from "../../src/transport/protos.js";
import type { ProcessingRequest, ProcessingResponse } from "../../src/envoy/types.js";

export interface RawStream {
  send(msg: ProcessingRequest): void;
  /** The next reply; rejects if the stream ends first or nothing arrives within `ms`. */
  next(ms?: number): Promise<ProcessingResponse>;
  /** Sends and waits for the reply. */
  roundTrip(msg: ProcessingRequest, ms?: number): Promise<ProcessingResponse>;
  halfClose(): void;
  cancel(): void;
  /** Resolves with the gRPC status when the stream ends. */
  status: Promise<grpc.StatusObject>;
  close(): void;
}

type Method = (...args: unknown[]) => unknown;

export function grpcClient(target: string, service: keyof typeof SERVICE_NAMES, creds = grpc.credentials.createInsecure()): grpc.Client & Record<string, Method | undefined> {
  const Ctor = lookupService(loadServiceProtos(), SERVICE_NAMES[service]);
  return new Ctor(target, creds) as unknown as grpc.Client & Record<string, Method | undefined>;
}

/** A method of a dynamically loaded client, failing loudly when the proto has no such method. */
export function method(client: Record<string, Method | undefined>, name: string): Method {
  const fn = client[name];
  if (!fn) throw new Error(`client has no method ${name}`);
  return fn.bind(client);
}

export function openStream(target: string): RawStream {
  const client = grpcClient(target, "extProc");
  const call = method(client, "Process")() as grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
  const replies: ProcessingResponse[] = [];
  const waiters: ((r: ProcessingResponse | Error) => void)[] = [];
  let ended: Error | undefined;
  call.on("data", (r: ProcessingResponse) => {
    const w = waiters.shift();
    if (w) w(r);
    else replies.push(r);
  });
  const status = new Promise<grpc.StatusObject>((resolve) => {
    call.on("status", (s: grpc.StatusObject) => {
      ended = new Error(`stream ended: ${s.code} ${s.details}`);
      for (const w of waiters.splice(0)) w(ended);
      resolve(s);
    });
  });
  call.on("error", () => undefined);
  const next = (ms = 2000) =>
    new Promise<ProcessingResponse>((resolve, reject) => {
      const queued = replies.shift();
      if (queued) return resolve(queued);
      if (ended) return reject(ended);
      const timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
      waiters.push((r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      });
    });
  return {
    send: (msg) => call.write(msg),
    next,
    roundTrip: (msg, ms) => {
      call.write(msg);
      return next(ms);
    },
    halfClose: () => call.end(),
    cancel: () => call.cancel(),
    status,
    close: () => client.close(),
  };
}

export function headers(map: Record<string, string>): { headers: { key: string; raw_value: Buffer }[] } {
  return { headers: Object.entries(map).map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) };
}

export function chatRequestHeaders(extra: Record<string, string> = {}, path = "/v1/chat/completions"): ProcessingRequest {
  return {
    request_headers: {
      headers: headers({
        ":method": "POST",
        ":path": path,
        ":authority": "gateway.local",
        ":scheme": "https",
        "content-type": "application/json",
        "x-request-id": "req-1",
        authorization: "Bearer test-key",
        ...extra,
      }),
      end_of_stream: false,
    },
  };
}

export function body(phase: "request_body" | "response_body", data: string | object, eos = true): ProcessingRequest {
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return { [phase]: { body: Buffer.from(text), end_of_stream: eos } };
}

export function responseHeaders(status: number, contentType: string, eos = false): ProcessingRequest {
  return { response_headers: { headers: headers({ ":status": String(status), "content-type": contentType }), end_of_stream: eos } };
}

/** Header mutation of a reply as a plain name → value map (raw_value decoded) plus the removed names. */
export function mutationOf(reply: ProcessingResponse): { set: Record<string, string>; remove: string[] } {
  const common =
    reply.request_headers?.response ?? reply.request_body?.response ?? reply.response_headers?.response ?? reply.response_body?.response;
  const set: Record<string, string> = {};
  for (const o of common?.header_mutation?.set_headers ?? []) set[o.header.key] = Buffer.from(o.header.raw_value).toString("utf8");
  return { set, remove: common?.header_mutation?.remove_headers ?? [] };
}

/** HTTP status of an ImmediateResponse (the loader decodes Envoy's StatusCode enum to its name). */
export function immediateStatus(reply: ProcessingResponse): number | undefined {
  const code: unknown = reply.immediate_response?.status.code;
  if (code === undefined) return undefined;
  return typeof code === "number" ? code : statusCodes().get(String(code));
}

let codes: Map<string, number> | undefined;
function statusCodes(): Map<string, number> {
  if (!codes) {
    const def = protoLoader.loadSync("envoy/type/v3/http_status.proto", loaderOptions);
    const type = def["envoy.type.v3.StatusCode"] as { type: { value: { name: string; number: number }[] } };
    codes = new Map(type.type.value.map((v) => [v.name, v.number]));
  }
  return codes;
}

export const CHAT_BODY = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there" }] };
