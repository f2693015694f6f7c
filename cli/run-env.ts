import type { Readable } from 'node:stream';
import type { RuntimeOptions } from '../runtime/index.js';

/**
 * Everything a command run touches outside itself. `main()` gets it from its
 * caller: the binary passes the process's streams and signals
 * (`processRunEnv()`), tests pass their own and run commands in-process.
 */
export interface RunEnv {
  env: Record<string, string | undefined>;
  /** One line of output (newline added). */
  stdout: (line: string) => void;
  /** One line of diagnostics (newline added). */
  stderr: (line: string) => void;
  /** Raw diagnostics text: log records, a progress bar's carriage returns. */
  stderrText: (text: string) => void;
  /** Input of `--file -` and `load -`. */
  stdin: Readable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Resolves on the first shutdown request (SIGTERM, SIGINT) after the call; register before start-up so an early one is not lost. */
  shutdownSignal: () => { signal: Promise<string>; dispose: () => void };
  /** An open store to use instead of the configured one (in-process tests; it is closed with the run). */
  store?: RuntimeOptions['store'];
}

/** The real process: its standard streams and its SIGTERM/SIGINT. */
export function processRunEnv(): RunEnv {
  return {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    stderrText: (text) => process.stderr.write(text),
    stdin: process.stdin,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    shutdownSignal() {
      let dispose = () => undefined as void;
      const signal = new Promise<string>((resolve) => {
        const on = (s: NodeJS.Signals) => resolve(s);
        process.once('SIGTERM', on);
        process.once('SIGINT', on);
        dispose = () => {
          process.off('SIGTERM', on);
          process.off('SIGINT', on);
        };
      });
      return { signal, dispose };
    },
  };
}
