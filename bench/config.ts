/**
 * Configuration loading time for a large generated file (200 apps, 200 processes,
 * variables and interpolation in every block): the first load in a fresh `node` process
 * (WebAssembly parser start-up included), the same with the parse cached, warm loads in
 * one process, and the size curve (1k to 24k blocks and a 10 MB file). Beside it, the
 * raw hcl2json parse of the same text: the floor our pre-pass, merge, variables,
 * interpolation and validation are built on. (Jaffle's own loader, Python `hcl` +
 * jsonschema, is not installed here, so it cannot be measured in the same run.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { rawHcl2Json } from "../src/config/hcl2json.js";
import { loadConfig } from "../src/config/index.js";
import { printTable, type Row } from "./table.js";

const distRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIRST_LOAD_RUNS = 5;
/** The size curve: top-level blocks (half apps, half processes; JAFFLE_BENCH_CURVE overrides); loading must grow linearly. */
const CURVE_BLOCKS = (process.env["JAFFLE_BENCH_CURVE"] ?? "1000,4000,16000,24000").split(",").map(Number);
/** The targets: 24,000 blocks in under 3 s; a 10 MB file in under 10 s and 1 GiB. */
const LARGE_FILE_BYTES = 10_000_000;
const WARM_RUNS = 20;

/** A jaffle.hcl with `apps` apps and `processes` processes, using variables and `${...}` throughout. */
export function generateConfig(apps = 200, processes = 200): string {
  const lines: string[] = [];
  for (let v = 0; v < 20; v++) lines.push(`variable "v${v}" {\n  default = "value-${v}"\n}\n`);
  lines.push('variable "base_port" {\n  default = 3000\n}\n', 'variable "debug" {\n  default = false\n}\n');
  lines.push('kernel "node" {}\n', 'kernel "py" {\n  kernel_name = "python3"\n  pass_env    = ["PATH", "HOME"]\n}\n');
  for (let a = 0; a < apps; a++) {
    const watchdog = a % 2 === 0;
    lines.push(
      `app "app${a}" {`,
      `  class    = "${watchdog ? "jaffle.app.watchdog.WatchdogApp" : "ServerBridgeApp"}"`,
      `  kernel   = "${a % 3 === 0 ? "py" : "node"}"`,
      `  disabled = "\${var.debug}"`,
      "  logger {",
      `    level          = "info"`,
      `    suppress_regex = ["^\\\\s*$", "noise-${a}"]`,
      "    replace_regex  = [",
      "      {",
      `        from = "^(\\\\d{3}) (.*)"`,
      // HCL2-valid (double quotes inside \${}) so that the raw hcl2json baseline can parse the same text.
      `        to   = "\${fg("green")}\\\\1\${reset()} \\\\2"`,
      "      },",
      "    ]",
      "  }",
      "  options {",
      ...(watchdog
        ? [
            "    handlers = [",
            "      {",
            `        watch_path  = "src/\${var.v${a % 20}}"`,
            `        patterns    = ["*.ts", "*.js"]`,
            `        throttle    = 0.5`,
            `        code_blocks = ["app${a + 1}.handle_watchdog_event({event})"]`,
            "      },",
            "    ]",
          ]
        : [
            `    app_class = "./servers/s${a}.ts#Server"`,
            `    argv      = ["--port=\${var.base_port}", "--name=\${var.v${a % 20}}"]`,
            "    threaded  = true",
          ]),
      "  }",
      "}",
      "",
    );
  }
  for (let p = 0; p < processes; p++) {
    lines.push(
      `process "proc${p}" {`,
      `  command        = "node worker.js --id=${p} --tag=\${var.v${p % 20}}"`,
      `  restart        = "on-failure"`,
      `  max_restarts   = 3`,
      "  env {",
      `    PORT = "\${var.base_port}"`,
      `    NAME = "proc-${p}"`,
      "  }",
      "  logger {",
      `    level = "debug"`,
      "  }",
      "}",
      "",
    );
  }
  return lines.join("\n");
}

/** Runs `code` (an ES module body that prints one number of milliseconds) in a fresh node. */
function freshNodeMs(code: string): number {
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    cwd: distRoot,
  });
  return Number(output.trim().split("\n").at(-1));
}

/**
 * One load of `file` in a fresh `node` process through `jaffle config`'s loader, with the
 * cache in `cache`: wall time of the load itself and the process's peak RSS (GNU time).
 */
function loadInFreshNode(file: string, cache: string): { ms: number; mib: number } {
  const configUrl = pathToFileURL(join(distRoot, "src", "config", "index.js")).href;
  const rssFile = `${file}.rss`;
  const code = `const t0 = performance.now(); const { loadConfig } = await import(${JSON.stringify(configUrl)}); await loadConfig([${JSON.stringify(file)}], { env: {}, cacheDir: ${JSON.stringify(cache)} }); console.log(performance.now() - t0);`;
  const result = spawnSync(
    "/usr/bin/time",
    ["-f", "%M", "-o", rssFile, "--", process.execPath, "--input-type=module", "-e", code],
    {
      encoding: "utf8",
      cwd: distRoot,
      maxBuffer: 1 << 20,
    },
  );
  if (result.status !== 0) throw new Error(`loading ${file} failed: ${result.stderr}`);
  const ms = Number(result.stdout.trim().split("\n").at(-1));
  return { ms, mib: Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1)) / 1024 };
}

/** Blocks that make a file of about `bytes` bytes (the generator's blocks are all alike). */
function blocksForBytes(bytes: number): number {
  const sample = generateConfig(500, 500).length;
  return Math.ceil(((bytes / sample) * 1000) / 2) * 2;
}

/** The size curve: first load (empty cache) and cached load, per size, with ms per 1,000 blocks. */
async function curve(dir: string): Promise<void> {
  // JAFFLE_BENCH_CURVE=1000,4000,16000 measures those sizes only (no 10 MB row).
  const sizes = process.env["JAFFLE_BENCH_CURVE"] ? CURVE_BLOCKS : [...CURVE_BLOCKS, blocksForBytes(LARGE_FILE_BYTES)];
  const lines = [
    "\n### Config loading by size, fresh node per load (targets: 24,000 blocks < 3 s; 10 MB < 10 s and 1 GiB)\n",
    "| blocks | size | first load | ms per 1k blocks | peak RSS | cached load | ms per 1k blocks | peak RSS |",
    "| ------ | ---- | ---------- | ---------------- | -------- | ----------- | ---------------- | -------- |",
  ];
  for (const blocks of sizes) {
    const file = join(dir, `curve-${blocks}.hcl`);
    const text = generateConfig(blocks / 2, blocks / 2);
    writeFileSync(file, text);
    const cache = join(dir, `cache-${blocks}`);
    const first = loadInFreshNode(file, cache);
    const cached = loadInFreshNode(file, cache);
    const per = (ms: number) => ((ms / blocks) * 1000).toFixed(0);
    lines.push(
      `| ${blocks} | ${(text.length / 1e6).toFixed(1)} MB | ${first.ms.toFixed(0)} ms | ${per(first.ms)} | ${first.mib.toFixed(0)} MiB | ${cached.ms.toFixed(0)} ms | ${per(cached.ms)} | ${cached.mib.toFixed(0)} MiB |`,
    );
    rmSync(file);
    rmSync(cache, { recursive: true, force: true });
  }
  process.stdout.write(lines.join("\n") + "\n\n");
}

export async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "jaffle-bench-config-"));
  try {
    const file = join(dir, "jaffle.hcl");
    const text = generateConfig();
    writeFileSync(file, text);
    const hclUrl = pathToFileURL(join(distRoot, "src", "config", "hcl2json.js")).href;

    // First load (empty cache): the clock starts before the loader's modules are imported.
    const cache = join(dir, "cache");
    const firstJaffle: number[] = [];
    const cachedJaffle: number[] = [];
    const firstRaw: number[] = [];
    for (let run = 0; run < FIRST_LOAD_RUNS; run++) {
      rmSync(cache, { recursive: true, force: true });
      firstJaffle.push(loadInFreshNode(file, cache).ms);
      cachedJaffle.push(loadInFreshNode(file, cache).ms);
      firstRaw.push(
        freshNodeMs(
          `import { readFileSync } from "node:fs"; const t0 = performance.now(); const { rawHcl2Json } = await import(${JSON.stringify(hclUrl)}); await rawHcl2Json(readFileSync(${JSON.stringify(file)}, "utf8")); console.log(performance.now() - t0);`,
        ),
      );
    }

    // Warm: one process loading again and again; "parsed" empties the cache each time.
    const warmCached: number[] = [];
    const warmParsed: number[] = [];
    const warmRaw: number[] = [];
    const source = readFileSync(file, "utf8");
    await loadConfig([file], { env: {}, cacheDir: cache });
    await rawHcl2Json(source);
    for (let run = 0; run < WARM_RUNS; run++) {
      let t0 = performance.now();
      await loadConfig([file], { env: {}, cacheDir: cache });
      warmCached.push(performance.now() - t0);
      rmSync(cache, { recursive: true, force: true });
      t0 = performance.now();
      await loadConfig([file], { env: {}, cacheDir: cache });
      warmParsed.push(performance.now() - t0);
      t0 = performance.now();
      await rawHcl2Json(source);
      warmRaw.push(performance.now() - t0);
    }

    const size = `${(text.length / 1024).toFixed(0)} KiB, ${text.split("\n").length} lines`;
    const firstRows: Row[] = [
      {
        name: "jaffle loadConfig, empty cache (parse, merge, variables, interpolation, validation)",
        samples: firstJaffle,
      },
      { name: "jaffle loadConfig, file unchanged (cached parse)", samples: cachedJaffle },
      { name: "@cdktf/hcl2json parse only, in process", samples: firstRaw },
    ];
    printTable(`Config first load in a fresh node, 200 apps + 200 processes (${size})`, "ms", firstRows);
    const warmRows: Row[] = [
      { name: "jaffle loadConfig, file unchanged (cached parse)", samples: warmCached },
      { name: "jaffle loadConfig, empty cache (parsed again)", samples: warmParsed },
      { name: "@cdktf/hcl2json parse only, in process", samples: warmRaw },
    ];
    printTable(`Config warm load, 200 apps + 200 processes (${size})`, "ms", warmRows);
    await curve(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
