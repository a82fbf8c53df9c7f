/**
 * The server bridge's self-description (`jaffle.app.tornado.TornadoBridgeApp`, also
 * `TornadoBridgeApp`, `ServerBridgeApp`): Jaffle's options (`app_class`, `argv`, which
 * Jaffle's code read as `args`, `threaded`, `clear_cache`) plus `ready_url`, and the one
 * options type the kernel-side runtimes receive (`BridgeSetup`).
 */
import { schemaParts } from "../../config/schema.js";
import { describeApp } from "../descriptor.js";

const { str, bool, strings, object, emptyList } = schemaParts;

export interface BridgeOptions {
  appClass: string;
  argv: string[];
  threaded: boolean;
  /** undefined: the default (the project's own modules). */
  clearCache: string[] | undefined;
  /** An http(s) URL that answers once the server is up. */
  readyUrl: string | undefined;
}

/**
 * What `createBridge` (node-runtime.ts) and `create_bridge` (tornado_bridge.py) are
 * given, as one JSON object in both languages.
 */
export interface BridgeSetup {
  /** The app's name, also its handle's name in the kernel. */
  name: string;
  appClass: string;
  argv: string[];
  threaded: boolean;
  projectDir: string;
  /** Modules to evict before each start; absent or null = the project's own modules. */
  clearCache?: string[] | null;
}

export const serverBridgeDescriptor = describeApp({
  classNames: ["jaffle.app.tornado.TornadoBridgeApp", "TornadoBridgeApp", "ServerBridgeApp"],
  optionsSchema: object({
    app_class: { schema: str(), required: true },
    argv: { schema: strings, default: emptyList, aliases: ["args"] },
    threaded: { schema: bool, default: () => false },
    /** Absent: the bridge finds the modules under the project directory itself. */
    clear_cache: { schema: strings },
    ready_url: { schema: str({ url: true }) },
  }),
  convert: (checked): BridgeOptions => ({
    appClass: (checked["app_class"] as string).trim(),
    argv: checked["argv"] as string[],
    threaded: checked["threaded"] as boolean,
    clearCache: checked["clear_cache"] as string[] | undefined,
    readyUrl: checked["ready_url"] as string | undefined,
  }),
  load: async () => (await import("./index.js")).ServerBridgeApp,
});
