/**
 * jaffle installed from a git URL of this repository (its committed HEAD): npm clones it,
 * installs its dependencies and runs `prepare`, which must build dist/ with declarations,
 * so the project type-checks against them and `npx jaffle start` runs.
 */
import { test } from "node:test";
import { freePort, repoRoot } from "../helpers/index.js";
import { checkInstalledProject, mustRun, projectWith } from "./support.js";

test(
  "npm install git+file://<this repository>#HEAD: prepare builds it; types and npx jaffle start work",
  { timeout: 1_200_000 },
  async (t) => {
    const head = (await mustRun(t, "git", ["rev-parse", "HEAD"], { cwd: repoRoot })).stdout.trim();
    const dir = await projectWith(t, `git+file://${repoRoot}#${head}`);
    await checkInstalledProject(t, dir, await freePort());
  },
);
