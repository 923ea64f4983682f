// One HTTP request's worth of ext_proc (or ext_authz) traffic, driven the way Envoy's filter drives it: one bidi
// stream, each phase sent only once the previous reply arrived, STREAMED chunks pipelined with replies taken FIFO,
// and the stream closed then reset (Envoy's ExternalProcessorStreamImpl::close) after the last reply.
// Callback style rather than promises: this runs hundreds of thousands of times per cell in the load generator.
import type { GrpcConnection } from "./h2grpc.js";
import type { ExtProcMessages } from "./messages.js";
import type { Outcomes } from "./types.js";
import { BODY_MODE, REPLY_KIND, summarizeCheckResponse, summarizeProcessingResponse, type ReplySummary } from "./wire.js";

export const PROCESS_PATH = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";
export const CHECK_PATH = "/envoy.service.auth.v3.Authorization/Check";
/** Envoy sends the ext_authz timeout (default 200 ms) as grpc-timeout; ext_proc streams carry none. */
const CHECK_TIMEOUT = "200m";

export interface ExchangeResult {
  outcome: keyof Outcomes;
  /** Messages the client sent on the stream. */
  messages: number;
  /** HTTP status of an immediate_response / denied Check. */
  status?: number;
  /** Why a stream ended badly, for the first few error reports. */
  detail?: string;
}

export type ExchangeDone = (result: ExchangeResult) => void;

/** Tollgate's shipped filter config: headers SEND, both bodies BUFFERED; mode_override may change body modes. */
const CONFIGURED_BODY_MODE = BODY_MODE.BUFFERED;

export function extProcExchange(conn: GrpcConnection, msgs: ExtProcMessages, graceful: boolean, done: ExchangeDone): void {
  let expectedKind: number = REPLY_KIND.request_headers;
  let outstanding = 1;
  let sent = 0;
  let finished = false;
  let requestBodyMode: number = CONFIGURED_BODY_MODE;
  let responseBodyMode: number = CONFIGURED_BODY_MODE;

  const call = conn.call(PROCESS_PATH, {
    onMessage: (reply) => onReply(reply),
    onEnd: (status) => {
      if ("error" in status) finish({ outcome: "rpcError", messages: sent, detail: status.error });
      else if (status.code === 0) finish({ outcome: "closedEarly", messages: sent });
      else finish({ outcome: "rpcError", messages: sent, detail: `grpc-status ${status.code} ${status.message}` });
    },
  });

  const finish = (result: ExchangeResult): void => {
    if (finished) return;
    finished = true;
    // Envoy does not hold the HTTP request for the gRPC close, so neither does the closed loop.
    call.closeLikeEnvoy(graceful);
    done(result);
  };
  const send = (framed: Buffer): void => {
    sent += 1;
    call.write(framed);
  };
  const expect = (kind: number, replies: number): void => {
    expectedKind = kind;
    outstanding = replies;
  };

  const sendResponseHeaders = (): void => {
    expect(REPLY_KIND.response_headers, 1);
    send(msgs.responseHeaders);
  };

  const sendResponseBody = (): void => {
    if (responseBodyMode === BODY_MODE.NONE) return finish({ outcome: "complete", messages: sent });
    // STREAMED: each upstream chunk is its own message, sent without waiting (pipelined). Every other mode sends
    // the whole body at once (the 1 KB JSON fits BUFFERED_PARTIAL's limit, so it is one message there too).
    const chunks = responseBodyMode === BODY_MODE.STREAMED ? msgs.responseBodyChunks : [msgs.responseBodyBuffered];
    expect(REPLY_KIND.response_body, chunks.length);
    for (const chunk of chunks) send(chunk);
  };

  const onReply = (reply: Buffer): void => {
    if (finished) return;
    let summary: ReplySummary;
    try {
      summary = summarizeProcessingResponse(reply);
    } catch (err) {
      return finish({ outcome: "spurious", messages: sent, detail: `undecodable reply: ${String(err)}` });
    }
    if (summary.kind === REPLY_KIND.immediate_response) {
      return finish({ outcome: "immediate", messages: sent, status: summary.immediateStatus ?? 200 });
    }
    if (summary.kind !== expectedKind) {
      return finish({ outcome: "spurious", messages: sent, detail: `reply kind ${summary.kind} while waiting for ${expectedKind}` });
    }
    // Envoy honours mode_override only on headers replies (allow_mode_override is set in Tollgate's envoy.yaml);
    // since 1.34 both body modes come from the override, an absent field meaning NONE.
    const headersReply = expectedKind === REPLY_KIND.request_headers || expectedKind === REPLY_KIND.response_headers;
    if (summary.modeOverride && headersReply) {
      requestBodyMode = summary.requestBodyMode ?? BODY_MODE.NONE;
      responseBodyMode = summary.responseBodyMode ?? BODY_MODE.NONE;
    }
    outstanding -= 1;
    if (outstanding > 0) return;
    switch (expectedKind) {
      case REPLY_KIND.request_headers:
        if (requestBodyMode === BODY_MODE.NONE) return sendResponseHeaders();
        expect(REPLY_KIND.request_body, 1);
        return send(msgs.requestBody);
      case REPLY_KIND.request_body:
        return sendResponseHeaders();
      case REPLY_KIND.response_headers:
        return sendResponseBody();
      default:
        return finish({ outcome: "complete", messages: sent });
    }
  };

  send(msgs.renderRequestHeaders());
}

export function authzExchange(conn: GrpcConnection, render: () => Buffer, done: ExchangeDone): void {
  let reply: Buffer | undefined;
  const call = conn.call(
    CHECK_PATH,
    {
      onMessage: (message) => {
        reply = message;
      },
      onEnd: (status) => {
        if ("error" in status) return done({ outcome: "rpcError", messages: 1, detail: status.error });
        if (status.code !== 0 || !reply) {
          return done({ outcome: "rpcError", messages: 1, detail: `grpc-status ${status.code} ${status.message}` });
        }
        let summary;
        try {
          summary = summarizeCheckResponse(reply);
        } catch (err) {
          return done({ outcome: "spurious", messages: 1, detail: `undecodable CheckResponse: ${String(err)}` });
        }
        if (summary.code === 0) return done({ outcome: "complete", messages: 1 });
        // Envoy's deny: denied_response.status, 403 when unset.
        return done({ outcome: "immediate", messages: 1, status: summary.deniedStatus ?? 403 });
      },
    },
    CHECK_TIMEOUT,
  );
  call.writeLast(render());
}
