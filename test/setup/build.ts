import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Integration tests run the real entry point, bin/usage-readiness.js, which runs the compiled
 * dist/. Compiling first (incremental: a second run with no change takes about a second) keeps
 * those tests from running a stale build of the sources they are meant to check.
 */
export default function buildOnce(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
