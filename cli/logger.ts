import pino, { type Logger, type LevelWithSilent } from 'pino';

/**
 * JSON logs to stderr (stdout stays clean for `--json` output); pretty when
 * stderr is a terminal and pino-pretty is installed. Takes its level as an
 * argument: it does not read configuration itself.
 */
export async function createLogger(level: LevelWithSilent, options: { pretty?: boolean } = {}): Promise<Logger> {
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    try {
      const { default: pinoPretty } = await import('pino-pretty');
      return pino({ level }, pinoPretty({ destination: 2, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
    } catch {
      // pino-pretty is a development dependency; fall through to JSON.
    }
  }
  return pino({ level }, pino.destination(2));
}

export type { Logger };
