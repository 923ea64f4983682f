// Builders for ext_proc replies. Each ProcessingRequest gets exactly one reply of the matching kind
// (envoy/service/ext_proc/v3/external_processor.proto); anything else is a spurious message to Envoy.
import type { CommonResponse, HeaderMutation, ImmediateResponse, ProcessingResponse, RequestPhase } from "./types.js";

export function commonReply(phase: RequestPhase, response: CommonResponse = {}): ProcessingResponse {
  switch (phase) {
    case "request_trailers":
      return { request_trailers: response.header_mutation ? { header_mutation: response.header_mutation } : {} };
    case "response_trailers":
      return { response_trailers: response.header_mutation ? { header_mutation: response.header_mutation } : {} };
    default:
      return { [phase]: { response } };
  }
}

export function immediateReply(status: number, headers: HeaderMutation | undefined, body: string, details: string): ProcessingResponse {
  const immediate: ImmediateResponse = { status: { code: status }, body: Buffer.from(body, "utf8"), details };
  if (headers) immediate.headers = headers;
  return { immediate_response: immediate };
}
