/**
 * `npm run bench [area ...]`: runs the benchmark areas in order and prints one table per
 * measurement. Each area module exports `bench()`; areas: commands, config, kernel, start, restart.
 */
const AREAS = ["commands", "config", "kernel", "start", "restart"] as const;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const areas = wanted.length > 0 ? AREAS.filter((a) => wanted.includes(a)) : [...AREAS];
  process.stdout.write(`# jaffle benchmarks\n\nnode ${process.version}, ${new Date().toISOString()}\n`);
  for (const area of areas) {
    const module = (await import(`./${area}.js`)) as { bench: () => Promise<void> };
    await module.bench();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
