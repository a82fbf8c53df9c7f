/**
 * The resolved configuration: what `loadConfig()` returns after parsing, merging,
 * validating and interpolating every file. `jaffle config` prints exactly this as
 * JSON. Each block type is a map keyed by the block's label, in file order.
 */
import type { Level } from "../shared/levels.js";
import type { ReplaceRule, VariableValue } from "../expression/replace.js";

export type { ReplaceRule, VariableValue };

export type VariableType = "str" | "bool" | "int" | "float" | "list" | "dict";

export interface VariableConfig {
  type: VariableType;
  default?: VariableValue;
  /** The value in force after defaults, J_VAR_* and command-line values. */
  value: VariableValue;
}

export interface LoggerConfig {
  level?: Level;
  suppress_regex: string[];
  replace_regex: ReplaceRule[];
  /** Rename the source in log lines. */
  name?: string;
}

/** The root `logger` block: a logger block that also bounds the output's backlog. */
export interface RootLoggerConfig extends LoggerConfig {
  /** How many bytes of log output may wait for a slow reader before lines are dropped (default 8 MiB). */
  backlog_bytes?: number;
}

/** How the supervisor decides that a process or app is up. Any field given must pass. */
export interface ReadinessCheck {
  /** An http(s) URL that must answer with one of `status` (default: any 2xx or 3xx). */
  url?: string;
  /** The HTTP statuses that count as ready for `url`. */
  status?: number[];
  /** A TCP port on 127.0.0.1 that must accept a connection. */
  port?: number;
  /** A regular expression that one of the source's log lines must match. */
  log_regex?: string;
  /** Seconds to wait before the source counts as failed (default: the run's --ready-timeout). */
  timeout?: number;
}

export interface KernelConfig {
  /** An installed kernelspec name; absent: the built-in Node.js kernel. */
  kernel_name?: string;
  /** Environment variable names copied from jaffle's environment into the kernel. */
  pass_env: string[];
  /** Extra environment for the kernel. */
  env: Record<string, string>;
  /** Run the kernel on this Jupyter Server or gateway (wins over the root block). */
  gateway?: GatewayConfig;
}

/** A `gateway {}` block (issue 15); what is absent comes from the root block or the environment. */
export interface GatewayConfig {
  url?: string;
  /** Sent as `Authorization: token ...`; never logged. */
  token?: string;
  /** The kernel's working directory on the server, relative to its root. */
  path?: string;
  /** Sent in the start request (Enterprise Gateway reads KERNEL_* variables from it). */
  env?: Record<string, string>;
}

export interface AppConfig {
  class: string;
  kernel: string;
  start?: string;
  logger: LoggerConfig;
  options: Record<string, unknown>;
  disabled: boolean;
  ready?: ReadinessCheck;
  /** Names of apps and processes that must be ready before this app is created. */
  depends_on: string[];
}

export type RestartPolicy = "never" | "on-failure" | "always";

export interface ProcessConfig {
  command: string;
  tty: boolean;
  env: Record<string, string>;
  /** Working directory, relative to the project directory. */
  cwd?: string;
  logger: LoggerConfig;
  disabled: boolean;
  restart: RestartPolicy;
  /** Most restarts before giving up (default 5). */
  max_restarts: number;
  /** Seconds a process must stay up for its restart counter and backoff to reset. */
  restart_window: number;
  /** Seconds between SIGTERM and SIGKILL when the process is stopped (default 5). */
  stop_timeout: number;
  ready?: ReadinessCheck;
  /** Names of apps and processes that must be ready before this process starts. */
  depends_on: string[];
  /** Log the process's blank lines too (dropped by default: tsc prints many). */
  keep_blank_lines: boolean;
}

export interface JobConfig {
  command: string;
  env: Record<string, string>;
  cwd?: string;
  tty: boolean;
  logger: LoggerConfig;
  /** Log lines that show nothing too (dropped by default, as for processes). */
  keep_blank_lines: boolean;
}

export interface JaffleConfig {
  variable: Record<string, VariableConfig>;
  kernel: Record<string, KernelConfig>;
  app: Record<string, AppConfig>;
  process: Record<string, ProcessConfig>;
  job: Record<string, JobConfig>;
  logger: RootLoggerConfig;
  /** The root `gateway {}` block: the default server for every kernel with a kernel_name. */
  gateway?: GatewayConfig;
}
