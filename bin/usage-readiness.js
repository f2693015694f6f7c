#!/usr/bin/env node
// Runs the compiled program in dist/ (`npm run build`; `npm ci` builds it through `prepare`).

// A closed pipe (`report | head`) is a normal end of output, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js')) throw error;
  process.stderr.write('usage-readiness: the compiled program is missing (dist/); run `npm run build` in the package directory\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2), cli.processRunEnv());
