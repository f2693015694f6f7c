import { Writable } from 'node:stream';
import pino, { type Logger, type LevelWithSilent } from 'pino';

/**
 * Logs to the run's stderr (stdout stays clean for `--json` output): JSON
 * lines, or pretty when stderr is a terminal and pino-pretty is installed.
 * Takes its level as an argument: it does not read configuration itself.
 */
export async function createLogger(level: LevelWithSilent, options: { pretty: boolean; write: (text: string) => void }): Promise<Logger> {
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      options.write(chunk.toString());
      done();
    },
  });
  if (options.pretty) {
    try {
      const { default: pinoPretty } = await import('pino-pretty');
      return pino({ level }, pinoPretty({ destination, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
    } catch {
      // pino-pretty is a development dependency; fall through to JSON.
    }
  }
  return pino({ level }, destination);
}

export type { Logger };
