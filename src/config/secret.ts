import { z } from "zod";

/** A secret value: read from an environment variable or a file at load time, never written in the config. */
export const secretRef = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);
