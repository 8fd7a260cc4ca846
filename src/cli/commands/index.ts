// One line per command module; each exports `register(program)`.
import type { Command } from 'commander';

const modules: { register(program: Command): void }[] = [];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
