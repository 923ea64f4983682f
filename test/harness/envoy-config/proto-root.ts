// A protobufjs Root holding Envoy's v3 config protos (Bootstrap and every type an envoy.yaml names by `@type`).
// Types come from the protos vendored by @grpc/grpc-js-xds (≈ Envoy 1.31 API), the same files Tollgate serves
// from; proto/protos.json lists which ones. Nothing is copied into the repository.
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import protobuf from "protobufjs";
import { protoIncludeDirs, protoList } from "../../../src/transport/protos.js";

let cachedRoot: protobuf.Root | undefined;

/** Finds an import the way protoc does: first include directory that holds the file wins. */
function resolveImport(target: string): string {
  if (isAbsolute(target) && existsSync(target)) return target;
  for (const dir of protoIncludeDirs) {
    const candidate = join(dir, target);
    if (existsSync(candidate)) return candidate;
  }
  return target;
}

/** Loads (once per process) the config protos with field names kept as written in the .proto files. */
export function envoyConfigRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => resolveImport(target);
  root.loadSync(protoList.config, { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

/** The prefix Envoy accepts on `@type` URLs; anything after the last "/" is the full message name. */
export function typeNameFromUrl(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf("/");
  return slash === -1 ? typeUrl : typeUrl.slice(slash + 1);
}
