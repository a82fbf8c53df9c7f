// Imported once by each booting worker of a threaded Node server bridge, through the
// loader namespace the app will use: it starts Node's loader-hooks thread and esbuild
// before a restart needs them. Kept as TypeScript on purpose (tsc does not compile .mts
// here: tsconfig includes *.ts) so that importing it really runs the transform.
export const warmed: boolean = true;
