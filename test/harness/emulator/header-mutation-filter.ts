// envoy.filters.http.header_mutation (source/extensions/filters/http/header_mutation/header_mutation.cc with
// source/common/http/header_mutation.cc): remove a header, or add one per its append_action
// (default APPEND_IF_EXISTS_OR_ADD), on the request before later filters and on the response.
import type { HeaderMutationEntryConfig, HeaderMutationFilterConfig } from "../envoy-config/schema.js";
import type { DataStatus, StreamFilter, TrailersStatus } from "./filter-chain.js";
import type { HeaderMap } from "./header-map.js";

function apply(entries: readonly HeaderMutationEntryConfig[], headers: HeaderMap): void {
  for (const e of entries) {
    if (e.remove !== undefined) {
      headers.remove(e.remove);
      continue;
    }
    const option = e.append;
    if (!option) continue;
    const key = option.header.key.toLowerCase();
    const value = option.header.value ?? "";
    const action = option.append_action ?? (option.append === false ? "OVERWRITE_IF_EXISTS_OR_ADD" : "APPEND_IF_EXISTS_OR_ADD");
    const exists = headers.has(key);
    if (action === "APPEND_IF_EXISTS_OR_ADD") headers.addCopy(key, value);
    else if (action === "ADD_IF_ABSENT" && !exists) headers.addCopy(key, value);
    else if (action === "OVERWRITE_IF_EXISTS_OR_ADD" || (action === "OVERWRITE_IF_EXISTS" && exists)) headers.setCopy(key, value);
  }
}

/** The filter for one direction: mutate the headers, pass everything else through. */
function mutating(entries: readonly HeaderMutationEntryConfig[]): StreamFilter {
  return {
    headers: (h) => {
      apply(entries, h);
      return "Continue";
    },
    data: (): DataStatus => "Continue",
    trailers: (): TrailersStatus => "Continue",
  };
}

export function headerMutationFilters(config: HeaderMutationFilterConfig): { decoder: StreamFilter; encoder: StreamFilter } {
  return {
    decoder: mutating(config.mutations?.request_mutations ?? []),
    encoder: mutating(config.mutations?.response_mutations ?? []),
  };
}
