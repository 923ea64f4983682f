// Header names shared by Tollgate, envoy/*.yaml and the test harness. Envoy's route table and Tollgate must agree
// on these, so they live in one place and tests check envoy.yaml against them.

/** Set by Tollgate in request_body; Envoy's route reads it via `cluster_header` to pick the upstream cluster. */
export const CLUSTER_HEADER = "x-tollgate-cluster";

/** Set by ext_authz on allow; Envoy forwards them to ext_proc with the request headers. */
export const PRINCIPAL_HEADERS = {
  keyId: "x-tollgate-key-id",
  cohort: "x-tollgate-cohort",
  routes: "x-tollgate-routes",
  /** HMAC over the principal so ext_proc can tell ext_authz set it, not the client. */
  signature: "x-tollgate-principal-sig",
} as const;

/** Internal headers removed before the request goes upstream (besides the client's own credentials). */
export const INTERNAL_HEADER_PREFIX = "x-tollgate-";

/** Correlates logs, spans and audit records; Envoy's HCM sets x-request-id on every request. */
export const REQUEST_ID_HEADER = "x-request-id";
export const TRACEPARENT_HEADER = "traceparent";
