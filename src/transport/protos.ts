// Loads the gRPC service definitions Tollgate serves. Envoy's protos come from the npm package
// @grpc/grpc-js-xds (its deps/ folder vendors data-plane-api at about Envoy 1.31); the health proto comes from
// grpc-health-check. Nothing is copied into this repository: proto/protos.json lists what we load.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { readFileSync } from "node:fs";
import * as protoLoader from "@grpc/proto-loader";
import * as grpc from "@grpc/grpc-js";
import { packagePath } from "../paths.js";

const require = createRequire(import.meta.url);

export const xdsDepsDir = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
export const healthProtoDir = join(dirname(require.resolve("grpc-health-check/package.json")), "proto");

/** Include paths in the order protoc would search them for the vendored Envoy API. */
export const protoIncludeDirs = [
  join(xdsDepsDir, "envoy-api"),
  join(xdsDepsDir, "xds"),
  join(xdsDepsDir, "googleapis"),
  join(xdsDepsDir, "protoc-gen-validate"),
  healthProtoDir,
];

interface ProtoList {
  services: string[];
  config: string[];
}

export const protoList = JSON.parse(readFileSync(packagePath("proto", "protos.json"), "utf8")) as ProtoList;

/**
 * keepCase keeps Envoy's snake_case field names (raw_value, end_of_stream) so code reads like the proto docs;
 * oneofs adds the discriminator property (e.g. `request: "request_headers"`); bytes stay Buffers and
 * defaults stay off so unset fields are distinguishable from zero values (presence matters for Envoy).
 */
export const loaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  oneofs: true,
  includeDirs: protoIncludeDirs,
};

let cachedServices: grpc.GrpcObject | undefined;

/** The service protos (ext_proc, ext_authz, health) as a grpc-js package object, loaded once per process. */
export function loadServiceProtos(): grpc.GrpcObject {
  if (!cachedServices) {
    const def = protoLoader.loadSync(protoList.services, loaderOptions);
    cachedServices = grpc.loadPackageDefinition(def);
  }
  return cachedServices;
}

/** Walks a dotted name ("envoy.service.ext_proc.v3.ExternalProcessor") in a loaded package object. */
export function lookupService(root: grpc.GrpcObject, name: string): grpc.ServiceClientConstructor {
  let node: unknown = root;
  for (const part of name.split(".")) {
    node = (node as Record<string, unknown>)[part];
    if (node === undefined) throw new Error(`proto service ${name} not found (missing ${part})`);
  }
  return node as grpc.ServiceClientConstructor;
}

export const SERVICE_NAMES = {
  extProc: "envoy.service.ext_proc.v3.ExternalProcessor",
  extAuthz: "envoy.service.auth.v3.Authorization",
  health: "grpc.health.v1.Health",
} as const;
