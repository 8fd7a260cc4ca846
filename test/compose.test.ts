// docker-compose.yml cannot run here (no Docker engine), so this keeps it honest instead: the
// services, ports, environment and volumes it must have, the search attributes it registers
// (against the product's list), and the josh command lines it runs (against the real CLI). Its
// Temporal services run from deploy/temporal/, the files `josh cluster` runs for real in
// test/cluster.test.ts: the checks here tie the two together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SEARCH_ATTRIBUTES } from '../src/shared/taskQueues';
import { PORT_VARS, serverArgs } from '../src/cluster/deploy';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../src/temporal/devServer';
import { TEMPORAL_SERVER_VERSION } from '../src/temporal/provisionServer';

const ROOT = path.resolve(__dirname, '..');

const Service = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  env_file: z.array(z.object({ path: z.string(), required: z.boolean() })).optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  deploy: z.object({ replicas: z.union([z.string(), z.number()]) }).optional(),
  container_name: z.string().optional(),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
});
const Compose = z.object({
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.unknown().nullable()),
});

// `merge: true` resolves the `<<: *josh` keys the way Compose does.
const compose = Compose.parse(
  parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }),
);
const svc = (name: string) => {
  const s = compose.services[name];
  assert.ok(s, `service ${name} exists`);
  return s;
};
/** `${VAR:-default}` → default, the value Compose uses when VAR is unset. */
const withDefaults = (s: string) => s.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

void test('Temporal runs temporalio/server on PostgreSQL, the version josh cluster builds, and publishes gRPC 7233', () => {
  const pg = svc('postgresql');
  assert.match(pg.image ?? '', /^postgres:/);
  assert.ok(
    pg.volumes?.some((v) => v.startsWith('temporal-db:')),
    'database on a named volume',
  );
  const t = svc('temporal');
  // temporalio/auto-setup is deprecated: the plain server image, with the schema made beforehand.
  assert.equal(withDefaults(t.image ?? ''), `temporalio/server:${TEMPORAL_SERVER_VERSION}`);
  assert.equal(t.environment?.POSTGRES_SEEDS, 'postgresql');
  assert.equal(t.environment?.POSTGRES_USER, pg.environment?.POSTGRES_USER);
  assert.equal(
    withDefaults(t.environment?.POSTGRES_PWD ?? ''),
    withDefaults(pg.environment?.POSTGRES_PASSWORD ?? ''),
  );
  assert.equal(t.depends_on?.['temporal-schema']?.condition, 'service_completed_successfully');
  assert.ok(t.ports?.map(withDefaults).includes('127.0.0.1:7233:7233'));
});

/** The folder every Temporal service mounts, and where. */
const DEPLOY_MOUNT = '/etc/temporal/josh';
const mountsDeploy = (name: string) =>
  assert.ok(
    svc(name).volumes?.includes(`./deploy/temporal:${DEPLOY_MOUNT}:ro`),
    `${name} mounts deploy/temporal`,
  );

void test('the server starts from deploy/temporal/config/josh.yaml with the arguments josh cluster uses', () => {
  const t = svc('temporal');
  mountsDeploy('temporal');
  const script = ([] as string[]).concat(t.command ?? []).join('\n');
  assert.ok(
    script.includes(`exec temporal-server ${serverArgs(DEPLOY_MOUNT).join(' ')}`),
    `the compose command runs: temporal-server ${serverArgs(DEPLOY_MOUNT).join(' ')}`,
  );
  // Every variable the template reads has a value from compose or a default in the template.
  const template = fs.readFileSync(path.join(ROOT, 'deploy/temporal/config/josh.yaml'), 'utf8');
  assert.match(template.split('\n')[0] ?? '', /^# enable-template/, 'the server renders the file');
  const env = { ...t.environment, TEMPORAL_BROADCAST_ADDRESS: 'set by the command' };
  const read = [...template.matchAll(/env "(\w+)"/g)].map((m) => m[1]!);
  const defaulted = new Set([...template.matchAll(/default "[^"]*" \(env "(\w+)"\)/g)].map((m) => m[1]));
  for (const v of read) {
    assert.ok(
      v in env || defaulted.has(v),
      `${v}: read by config/josh.yaml, set by neither compose nor a default`,
    );
  }
  // The ports josh cluster sets are the template's.
  for (const v of PORT_VARS) assert.ok(read.includes(v), `config/josh.yaml reads ${v}`);
});

void test('the cluster runs with the dynamic config the dev server uses (no ~45 ms hand-off wait)', () => {
  const t = svc('temporal');
  const target = t.environment?.DYNAMIC_CONFIG_FILE_PATH;
  assert.equal(target, `${DEPLOY_MOUNT}/dynamicconfig.yaml`);
  const file = parse(
    fs.readFileSync(path.join(ROOT, 'deploy/temporal/dynamicconfig.yaml'), 'utf8'),
  ) as Record<string, { value: unknown }[]>;
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) {
    assert.equal(String(file[key]?.[0]?.value), value, `deploy/temporal/dynamicconfig.yaml: ${key}`);
  }
  // josh cluster points the server at the same file.
  const cluster = fs.readFileSync(path.join(ROOT, 'src/cluster/index.ts'), 'utf8');
  assert.match(cluster, /DYNAMIC_CONFIG_FILE_PATH: deployFile\('dynamicconfig\.yaml'\)/);
});

void test('the schema job runs deploy/temporal/setup-schema.sh in admin-tools of the same version', () => {
  const s = svc('temporal-schema');
  mountsDeploy('temporal-schema');
  assert.equal(withDefaults(s.image ?? ''), `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
  assert.deepEqual(s.entrypoint, ['sh', `${DEPLOY_MOUNT}/setup-schema.sh`]);
  assert.equal(s.depends_on?.postgresql?.condition, 'service_healthy');
  for (const [k, v] of Object.entries(s.environment ?? {}))
    assert.equal(svc('temporal').environment?.[k], v, `${k}: the same database settings as the server`);
  const script = fs.readFileSync(path.join(ROOT, 'deploy/temporal/setup-schema.sh'), 'utf8');
  for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d'])
    assert.ok(script.includes(step), `setup-schema.sh: ${step}`);
});

void test("the setup job registers the namespace and exactly the product's search attributes, with their types", () => {
  const setup = svc('temporal-setup');
  mountsDeploy('temporal-setup');
  assert.equal(withDefaults(setup.image ?? ''), `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
  assert.deepEqual(setup.entrypoint, ['sh', `${DEPLOY_MOUNT}/setup-namespace.sh`]);
  const script = fs.readFileSync(path.join(ROOT, 'deploy/temporal/setup-namespace.sh'), 'utf8');
  const registered = Object.fromEntries([...script.matchAll(/(Josh\w+)=(\w+)/g)].map((m) => [m[1], m[2]]));
  assert.deepEqual(registered, SEARCH_ATTRIBUTES);
  assert.match(script, /operator namespace create/);
  assert.equal(setup.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.equal(setup.depends_on?.temporal?.condition, 'service_healthy');
});

void test('the Web UI talks to the cluster and is published on 8233 like the dev server', () => {
  const ui = svc('temporal-ui');
  assert.match(ui.image ?? '', /^temporalio\/ui:/);
  assert.equal(ui.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.ok(ui.ports?.map(withDefaults).includes('127.0.0.1:8233:8080'));
});

void test('workers: built here, scalable, configured by env, keys only from the env file', () => {
  const w = svc('worker');
  assert.ok(w.build, 'built from the Dockerfile');
  assert.deepEqual(w.command, ['worker']);
  assert.ok(w.deploy && Number(withDefaults(String(w.deploy.replicas))) >= 1, 'deploy.replicas');
  assert.equal(w.container_name, undefined, 'a fixed container name would prevent --scale');
  assert.equal(w.ports, undefined, 'published ports would clash when scaled');
  const env = w.environment ?? {};
  assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.equal(env.TEMPORAL_NAMESPACE, 'default');
  assert.equal(withDefaults(env.OPENAI_BASE_URL ?? ''), 'http://sim-model:8787/v1', 'sim model by default');
  assert.ok(!('OPENAI_API_KEY' in env) && !('TEMPORAL_API_KEY' in env), 'no secrets inline');
  assert.deepEqual(w.env_file, [{ path: '.env', required: false }]);
  assert.equal(w.depends_on?.['temporal-setup']?.condition, 'service_completed_successfully');

  // The run directory is one named volume shared by all replicas; the dataset is mounted read-only.
  assert.ok(w.volumes?.includes(`runs:${env.JOSH_RUNS_DIR}`), 'runs volume at JOSH_RUNS_DIR');
  assert.ok(
    w.volumes?.some((v) => v.endsWith(`:${env.JOSH_DATA_DIR}:ro`)),
    'data mounted at JOSH_DATA_DIR',
  );
  assert.ok('runs' in compose.volumes && 'temporal-db' in compose.volumes);
});

void test('the sim-model service listens where the workers look for it', () => {
  const sim = svc('sim-model');
  assert.ok(sim.build);
  const cmd = sim.command as string[];
  assert.equal(cmd[0], 'sim-model');
  assert.equal(cmd[cmd.indexOf('--port') + 1], '8787');
  assert.equal(cmd[cmd.indexOf('--host') + 1], '0.0.0.0', 'reachable from other containers');
  assert.equal(sim.environment?.JOSH_DATA_DIR, '/data');
});

void test('the josh commands and flags the compose file uses exist in the CLI', () => {
  const help = (cmd: string) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'josh.js'), cmd, '--help'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `josh ${cmd} --help: ${r.stderr}`);
    return r.stdout;
  };
  const sim = help('sim-model');
  for (const flag of ['--host', '--port']) assert.ok(sim.includes(flag), `sim-model ${flag}`);
  const worker = help('worker');
  for (const v of ['JOSH_RUNS_DIR', 'JOSH_LLM_CONCURRENCY', 'TEMPORAL_ADDRESS'])
    assert.ok(worker.includes(v), v);
});

void test('the Dockerfile installs from the lockfile and runs the josh CLI', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM node:20/m);
  assert.match(dockerfile, /COPY package\.json package-lock\.json/);
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/josh\.js"\]/);
  for (const m of dockerfile.matchAll(/^COPY (\S+) \.\/\S*$/gm)) {
    assert.ok(fs.existsSync(path.join(ROOT, m[1] ?? '')), `${m[1]} exists`);
  }
});
