// One line per command module; each exports `register(program)`.
import type { Command } from 'commander';
import * as demo from './demo';
import * as harvest from './harvest';
import * as server from './server';

const modules: { register(program: Command): void }[] = [demo, harvest, server];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
