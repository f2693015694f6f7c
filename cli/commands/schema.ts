import type { Command } from 'commander';
import { eventJsonSchema } from '../../schemas/index.js';
import type { RunEnv } from '../program.js';

export function registerSchema(program: Command, run: RunEnv): void {
  program
    .command('schema')
    .description('print the JSON Schema of accepted input events (for producers to validate against)')
    .action(() => {
      run.stdout(JSON.stringify(eventJsonSchema(), null, 2));
    });
}
