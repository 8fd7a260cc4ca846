// The embedded dev server runs without its Prometheus metrics (src/temporal/cliMetricsSwitch.ts):
// recording them was a sixth of its CPU per model call, and nobody reads them. An explicit
// --metrics-port, or JOSH_DEV_SERVER_METRICS=on, brings them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEV_SERVER_METRICS_ENV } from '../src/temporal/cliMetricsSwitch';
import { startDevServer } from '../src/temporal/devServer';
import { cachedCliPath } from '../src/temporal/provision';
import { freePort } from '../src/temporal/ports';
import { temporalCliPath } from './helpers/chaos';

/** The URL the server printed for its metrics, if it printed one. */
const metricsLine = (log: string): string | undefined =>
  /^Metrics:\s+(http\S+)/m.exec(fs.readFileSync(log, 'utf8'))?.[1];

void test('the dev server starts without a metrics endpoint; --metrics-port or JOSH_DEV_SERVER_METRICS=on brings it back', async (t) => {
  const cli = await temporalCliPath();
  // Only this project's build has the switch; another CLI keeps its metrics, which is fine.
  if (path.resolve(cli) !== cachedCliPath()) return t.skip(`${cli} is not this project's build`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-metrics-'));
  const saved = process.env[DEV_SERVER_METRICS_ENV];
  try {
    const off = path.join(dir, 'off.log');
    const server = await startDevServer({ cliPath: cli, port: 0, uiPort: false, logFile: off });
    await server.stop();
    assert.match(fs.readFileSync(off, 'utf8'), /^Server:/m, 'the server did start');
    assert.equal(metricsLine(off), undefined);

    const port = await freePort();
    const explicit = path.join(dir, 'explicit.log');
    const withPort = await startDevServer({
      cliPath: cli,
      port: 0,
      uiPort: false,
      logFile: explicit,
      extraArgs: ['--metrics-port', String(port)],
    });
    try {
      assert.equal(metricsLine(explicit), `http://localhost:${port}/metrics`);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^# TYPE /m);
    } finally {
      await withPort.stop();
    }

    process.env[DEV_SERVER_METRICS_ENV] = 'on';
    const on = path.join(dir, 'on.log');
    const asked = await startDevServer({ cliPath: cli, port: 0, uiPort: false, logFile: on });
    await asked.stop();
    assert.match(metricsLine(on) ?? '', /^http:\/\/localhost:\d+\/metrics$/);
  } finally {
    if (saved === undefined) delete process.env[DEV_SERVER_METRICS_ENV];
    else process.env[DEV_SERVER_METRICS_ENV] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
