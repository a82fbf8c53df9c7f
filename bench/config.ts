/**
 * Configuration loading time for a large generated file (200 apps, 200 processes,
 * variables and interpolation in every block): the first load in a fresh `node` process
 * (WebAssembly parser start-up included) and warm loads in one process. Beside it, the
 * raw hcl2json parse of the same text: the floor our pre-pass, merge, variables,
 * interpolation and validation are built on. (Jaffle's own loader, Python `hcl` +
 * jsonschema, is not installed here, so it cannot be measured in the same run.)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { rawHcl2Json } from "../src/config/hcl.js";
import { loadConfig } from "../src/config/index.js";
import { printTable, type Row } from "./table.js";

const distRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIRST_LOAD_RUNS = 5;
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

export async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "jaffle-bench-config-"));
  try {
    const file = join(dir, "jaffle.hcl");
    const text = generateConfig();
    writeFileSync(file, text);
    const configUrl = pathToFileURL(join(distRoot, "src", "config", "index.js")).href;
    const hclUrl = pathToFileURL(join(distRoot, "src", "config", "hcl.js")).href;

    // First load: the clock starts before the loader's modules are imported.
    const firstJaffle: number[] = [];
    const firstRaw: number[] = [];
    for (let run = 0; run < FIRST_LOAD_RUNS; run++) {
      firstJaffle.push(
        freshNodeMs(
          `const t0 = performance.now(); const { loadConfig } = await import(${JSON.stringify(configUrl)}); await loadConfig([${JSON.stringify(file)}], { env: {} }); console.log(performance.now() - t0);`,
        ),
      );
      firstRaw.push(
        freshNodeMs(
          `import { readFileSync } from "node:fs"; const t0 = performance.now(); const { rawHcl2Json } = await import(${JSON.stringify(hclUrl)}); await rawHcl2Json(readFileSync(${JSON.stringify(file)}, "utf8")); console.log(performance.now() - t0);`,
        ),
      );
    }

    const warmJaffle: number[] = [];
    const warmRaw: number[] = [];
    const source = readFileSync(file, "utf8");
    await loadConfig([file], { env: {} });
    await rawHcl2Json(source);
    for (let run = 0; run < WARM_RUNS; run++) {
      let t0 = performance.now();
      await loadConfig([file], { env: {} });
      warmJaffle.push(performance.now() - t0);
      t0 = performance.now();
      await rawHcl2Json(source);
      warmRaw.push(performance.now() - t0);
    }

    const size = `${(text.length / 1024).toFixed(0)} KiB, ${text.split("\n").length} lines`;
    const firstRows: Row[] = [
      { name: "jaffle loadConfig (parse, merge, variables, interpolation, validation)", samples: firstJaffle },
      { name: "@cdktf/hcl2json parse only", samples: firstRaw },
    ];
    printTable(`Config first load in a fresh node, 200 apps + 200 processes (${size})`, "ms", firstRows);
    const warmRows: Row[] = [
      { name: "jaffle loadConfig (parse, merge, variables, interpolation, validation)", samples: warmJaffle },
      { name: "@cdktf/hcl2json parse only", samples: warmRaw },
    ];
    printTable(`Config warm load, 200 apps + 200 processes (${size})`, "ms", warmRows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
