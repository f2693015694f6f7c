import { noFlagSink, type FlagSink } from '../scoring/index.js';
import type { CommandContext } from './context.js';

/** The flag sink a command publishes to: none until a Kafka publisher is wired in. */
export async function flagSinkFor(_ctx: CommandContext): Promise<{ sink: FlagSink; close(): Promise<void> }> {
  return { sink: noFlagSink, close: async () => undefined };
}
