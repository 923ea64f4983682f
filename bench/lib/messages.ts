// The traffic the load generator sends: what Envoy puts on the wire for an OpenAI chat completion passing through
// Tollgate's shipped processing modes (headers SEND, bodies BUFFERED, SSE switched to STREAMED by mode_override).
// Everything is encoded once with the project's own proto definitions; per request only the ids change.
import { loadServiceProtos, lookupService, SERVICE_NAMES } from "../../src/transport/protos.js";
import { grpcFrame } from "./h2grpc.js";
import { IdSource, MessageTemplate } from "./template.js";

export const SSE_CHUNKS = 50;
const BODY_BYTES = 1024;

const REQUEST_ID_SLOT = "@REQUEST-ID".padEnd(36, "@");
const TRACE_ID_SLOT = "@TRACE-ID".padEnd(32, "@");
const STREAM_ID_SLOT = "9".repeat(19);
const SPAN_ID = "00f067aa0ba902b7";

export interface BenchRequestOptions {
  authorization: string;
  model: string;
}

/** gRPC-framed messages for one variant, ready to write; `render*` give per-request copies with fresh ids. */
export interface ExtProcMessages {
  renderRequestHeaders(): Buffer;
  requestBody: Buffer;
  responseHeaders: Buffer;
  /** BUFFERED response: one message. SSE: SSE_CHUNKS messages, the last with end_of_stream. */
  responseBodyChunks: Buffer[];
  /** The whole response body in one message, sent when the server did not switch SSE to STREAMED. */
  responseBodyBuffered: Buffer;
}

type Serialize = (value: object) => Buffer;

function serializers(): { processingRequest: Serialize; checkRequest: Serialize } {
  const root = loadServiceProtos();
  const extProc = lookupService(root, SERVICE_NAMES.extProc).service.Process;
  const authz = lookupService(root, SERVICE_NAMES.extAuthz).service.Check;
  if (!extProc || !authz) throw new Error("ext_proc Process or ext_authz Check missing from the loaded protos");
  return { processingRequest: extProc.requestSerialize, checkRequest: authz.requestSerialize };
}

const FILLER =
  "Our deploy pipeline runs integration tests against a staging cluster before promoting a build. Yesterday the " +
  "promotion step waited for twenty minutes on a health check that never turned green, although the service logs " +
  "show it started normally. Which settings of the readiness probe should we look at first, and how do we tell a " +
  "slow dependency from a misconfigured probe? Please keep the answer short and list the checks in order. ";

/** JSON text of exactly `size` bytes: `build(text)` with `text` cut from repeated filler to fit. */
function jsonOfSize(size: number, build: (text: string) => object): string {
  const overhead = JSON.stringify(build("")).length;
  const text = FILLER.repeat(Math.ceil(size / FILLER.length)).slice(0, size - overhead);
  const json = JSON.stringify(build(text));
  if (json.length !== size) throw new Error(`body is ${json.length} bytes, wanted ${size}`);
  return json;
}

export function chatRequestBody(model: string, stream: boolean): string {
  return jsonOfSize(BODY_BYTES, (text) => ({
    model,
    messages: [
      { role: "system", content: "You are a concise assistant for an engineering team. Cite the runbook section." },
      { role: "user", content: text },
    ],
    temperature: 0.2,
    max_tokens: 256,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  }));
}

export function chatCompletionBody(model: string): string {
  return jsonOfSize(BODY_BYTES, (text) => ({
    id: "chatcmpl-bench0001",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 212, completion_tokens: 187, total_tokens: 399 },
    system_fingerprint: "fp_bench",
  }));
}

/** SSE events as OpenAI sends them with include_usage: role, content deltas, finish, usage, [DONE]. */
export function sseEvents(model: string): string[] {
  const chunk = (choices: object[], usage?: object): string =>
    `data: ${JSON.stringify({ id: "chatcmpl-bench0001", object: "chat.completion.chunk", created: 1_700_000_000, model, choices, ...(usage ? { usage } : {}) })}\n\n`;
  const words = FILLER.split(" ");
  const events = [chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }])];
  for (let i = 0; events.length < SSE_CHUNKS - 3; i++) {
    events.push(chunk([{ index: 0, delta: { content: ` ${words[i % words.length] ?? "ok"}` }, finish_reason: null }]));
  }
  events.push(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
  events.push(chunk([], { prompt_tokens: 212, completion_tokens: SSE_CHUNKS - 3, total_tokens: 212 + SSE_CHUNKS - 3 }));
  events.push("data: [DONE]\n\n");
  return events;
}

/** An Envoy HeaderMap message (HttpHeaders.headers). */
function headerMap(headers: [string, string][]): { headers: { key: string; raw_value: Buffer }[] } {
  // Envoy sends every entry as raw_value bytes with `value` empty (≥1.29), keys lower-case, pseudo-headers first.
  return { headers: headers.map(([key, value]) => ({ key, raw_value: Buffer.from(value) })) };
}

function requestHeaderList(opts: BenchRequestOptions, contentLength: number): [string, string][] {
  return [
    [":authority", "llm-gateway.internal"],
    [":path", "/v1/chat/completions"],
    [":method", "POST"],
    [":scheme", "https"],
    ["content-type", "application/json"],
    ["content-length", String(contentLength)],
    ["accept", "application/json"],
    ["user-agent", "OpenAI/JS 6.49.0"],
    ["authorization", opts.authorization],
    ["x-forwarded-proto", "https"],
    ["x-request-id", REQUEST_ID_SLOT],
    ["traceparent", `00-${TRACE_ID_SLOT}-${SPAN_ID}-01`],
  ];
}

export function buildExtProcMessages(variant: "buffered" | "sse", opts: BenchRequestOptions): ExtProcMessages {
  const { processingRequest } = serializers();
  const sse = variant === "sse";
  const requestBody = chatRequestBody(opts.model, sse);
  // metadata_context is always present (possibly empty) on messages from Envoy.
  const encode = (msg: object): Buffer => grpcFrame(processingRequest({ ...msg, metadata_context: {} }));

  const requestHeaders = new MessageTemplate(
    encode({ request_headers: { headers: headerMap(requestHeaderList(opts, requestBody.length)), end_of_stream: false } }),
    [REQUEST_ID_SLOT, TRACE_ID_SLOT],
  );
  const ids = new IdSource();

  const responseBodyText = sse ? sseEvents(opts.model) : [chatCompletionBody(opts.model)];
  const responseHeaderList: [string, string][] = sse
    ? [[":status", "200"], ["content-type", "text/event-stream"], ["cache-control", "no-cache"]]
    : [[":status", "200"], ["content-type", "application/json"], ["content-length", String(responseBodyText.join("").length)]];
  responseHeaderList.push(["x-envoy-upstream-service-time", "412"]);

  return {
    renderRequestHeaders: () => {
      const { requestId, traceId } = ids.next();
      return requestHeaders.render([requestId, traceId]);
    },
    requestBody: encode({ request_body: { body: Buffer.from(requestBody), end_of_stream: true } }),
    responseHeaders: encode({ response_headers: { headers: headerMap(responseHeaderList), end_of_stream: false } }),
    responseBodyChunks: responseBodyText.map((text, i) =>
      encode({ response_body: { body: Buffer.from(text), end_of_stream: i === responseBodyText.length - 1 } }),
    ),
    responseBodyBuffered: encode({ response_body: { body: Buffer.from(responseBodyText.join("")), end_of_stream: true } }),
  };
}

/** A gRPC-framed CheckRequest as Envoy's ext_authz filter builds it for the same HTTP request (headers map, no body). */
export function buildCheckRequest(opts: BenchRequestOptions): () => Buffer {
  const { checkRequest } = serializers();
  const headers = Object.fromEntries(requestHeaderList(opts, BODY_BYTES));
  const template = new MessageTemplate(
    grpcFrame(checkRequest({
      attributes: {
        source: { address: { socket_address: { address: "10.20.30.40", port_value: 51514 } } },
        destination: { address: { socket_address: { address: "10.20.0.10", port_value: 8443 } } },
        request: {
          time: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 },
          http: {
            id: STREAM_ID_SLOT,
            method: "POST",
            headers,
            path: "/v1/chat/completions",
            host: "llm-gateway.internal",
            scheme: "https",
            protocol: "HTTP/1.1",
          },
        },
        metadata_context: {},
      },
    })),
    [REQUEST_ID_SLOT, TRACE_ID_SLOT, STREAM_ID_SLOT],
  );
  const ids = new IdSource();
  return () => {
    const { requestId, traceId, streamId } = ids.next();
    return template.render([requestId, traceId, streamId]);
  };
}
