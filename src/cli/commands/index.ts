// One line per command module; each exports `register(program)`.
import type { Command } from 'commander';
import * as demo from './demo';
import * as exportCmd from './export';
import * as harvest from './harvest';
import * as server from './server';
import * as worker from './worker';

const modules: { register(program: Command): void }[] = [demo, exportCmd, harvest, server, worker];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
