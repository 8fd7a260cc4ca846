// One line per command module; each exports `register(program)`.
import type { Command } from 'commander';
import * as cluster from './cluster';
import * as compare from './compare';
import * as data from './data';
import * as demo from './demo';
import * as evalCmd from './eval';
import * as exportCmd from './export';
import * as harvest from './harvest';
import * as loop from './loop';
import * as report from './report';
import * as runs from './runs';
import * as schedule from './schedule';
import * as score from './score';
import * as server from './server';
import * as simModel from './simModel';
import * as tasks from './tasks';
import * as train from './train';
import * as worker from './worker';

const modules: { register(program: Command): void }[] = [
  cluster,
  compare,
  data,
  demo,
  evalCmd,
  exportCmd,
  harvest,
  loop,
  report,
  runs,
  schedule,
  score,
  server,
  simModel,
  tasks,
  train,
  worker,
];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
