// Hot reload: watch the config file, rebuild the Runtime, swap it in one assignment. An invalid file keeps the
// old config running, logs every error with its line, and counts the failure.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Logger } from "../telemetry/logger.js";
import type { Metrics } from "../telemetry/metrics.js";
import { ConfigLoadError, formatConfigError, type LoadedConfig } from "./load.js";
import { buildRuntime, type Runtime, type RuntimeServices } from "./runtime.js";

export class ConfigHolder {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((runtime: Runtime) => void)[] = [];

  /** `load` reads the file and applies command-line overrides, the same way on every reload. */
  constructor(
    private readonly load: () => LoadedConfig,
    private readonly services: RuntimeServices,
    private runtime: Runtime,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  readonly current = (): Runtime => this.runtime;

  onChange(listener: (runtime: Runtime) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the file. Resolves true when the new config is in force. */
  async reload(): Promise<boolean> {
    const file = this.runtime.loaded.file;
    try {
      const next = await buildRuntime(this.load(), this.services);
      this.runtime = next;
      this.metrics.configReloads.inc({ result: "success" });
      for (const w of next.loaded.warnings) this.logger.warn({ file }, w);
      this.logger.info({ file, routes: next.config.routes.length, providers: next.config.providers.length }, "config reloaded");
      for (const l of this.listeners) l(next);
      return true;
    } catch (err) {
      this.metrics.configReloads.inc({ result: "failure" });
      const errors = err instanceof ConfigLoadError ? err.errors.map(formatConfigError) : [err instanceof Error ? err.message : String(err)];
      this.logger.error({ file, errors }, "config reload failed; the previous config stays in force");
      return false;
    }
  }

  /**
   * Watches the file's directory, not the file: editors and Kubernetes ConfigMaps replace files by rename, which a
   * watch on the old inode would miss. Changes are debounced so a burst of writes reloads once.
   */
  watch(debounceMs = 200): void {
    const file = resolve(this.runtime.loaded.file);
    const name = basename(file);
    this.watcher = watch(dirname(file), (_event, changed) => {
      // Kubernetes swaps the ..data symlink; anything else in the directory is not ours.
      if (changed !== null && changed !== name && changed !== "..data") return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), debounceMs);
    });
    this.watcher.on("error", (err) => this.logger.error({ err, file }, "config watch failed; reload with SIGHUP"));
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
