// The deploy folder the compose file and `josh cluster` share (deploy/temporal/ at the package
// root): the server config template, its dynamic config, and the two setup scripts.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** src/cluster (or dist/cluster) → the package root → deploy/temporal. */
export const DEPLOY_DIR = path.resolve(__dirname, '..', '..', 'deploy', 'temporal');

export const deployFile = (...parts: string[]): string => {
  const p = path.join(DEPLOY_DIR, ...parts);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: the package ships deploy/temporal/`);
  return p;
};

/** How compose and `josh cluster` start the server: the root is the deploy folder (mounted at
 * /etc/temporal/josh in the container), the config `config/josh.yaml`. */
export const serverArgs = (root: string): string[] => [
  '--root',
  root,
  '--config',
  'config',
  '--env',
  'josh',
  'start',
];

/** The ports of the four services in one server process (env names of config/josh.yaml). */
export const PORT_VARS = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;
export type PortVar = (typeof PORT_VARS)[number];
