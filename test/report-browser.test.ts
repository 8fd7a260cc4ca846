// The HTML report in a real browser: Debian's Chromium, headless, driven by playwright-core.
// 1. A real small harvest (the whole stack on the suite's dev server) → report → the search tree
//    renders with a golden path, clicking a node shows that turn's messages; screenshot saved.
// 2. A 200-conversation run (real result files duplicated under other task ids) opens in under
//    5 s; the open time and the file sizes at 200 and 1,000 conversations are logged.
// Chromium is required: a missing browser fails this file (CI installs it in .ci/run). Only an
// explicit JOSH_SKIP_BROWSER_TEST=1 skips it, for machines that cannot install Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { withStack } from './helpers/harvest';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import { writeReport } from '../src/report';

const CHROMIUM = process.env.JOSH_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'test-artifacts');
const skip = process.env.JOSH_SKIP_BROWSER_TEST === '1' ? 'JOSH_SKIP_BROWSER_TEST=1' : false;

let browser: BrowserContext | undefined;
let profileDir = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-report-'));
const environment = () => getEnvironment('toolwoz', resolveDataDir());

before(async () => {
  if (skip) return;
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (as root: apt-get update && apt-get install -y chromium), ` +
        'set JOSH_CHROMIUM to its path, or set JOSH_SKIP_BROWSER_TEST=1 to skip the browser test',
    );
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-chromium-'));
  // A persistent context is playwright's way to run on a fresh --user-data-dir of our choosing.
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    viewport: { width: 1400, height: 1000 },
    // Offline and quiet: no first-run UI, no background or component traffic.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A page that fails the test on any script error, and never reaches the network. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.route(/^https?:/, (route) => {
    errors.push(`network request: ${route.request().url()}`);
    return route.abort();
  });
  return { page, errors };
}

let realRunDir = '';

test(
  'report of a real harvest: the tree renders with a golden path; clicking a node shows its messages',
  { skip },
  async () => {
    await withStack({}, async (stack) => {
      const id = `t-report-${Date.now()}`;
      const progress = await stack.run({
        id,
        split: 'val',
        limit: 3,
        beamSize: 4,
        maxSteps: 8,
        concurrency: 3,
      });
      assert.equal(progress.done, 3);
      realRunDir = path.join(tmp, id);
      fs.cpSync(path.join(stack.runsRoot, id), realRunDir, { recursive: true });
    });
    const report = writeReport(realRunDir, { environment, uiUrl: 'http://temporal-ui.example:8233' });
    assert.equal(report.file, path.join(realRunDir, 'report.html'));
    const html = fs.readFileSync(report.file, 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'everything is inline');

    const { page, errors } = await openPage();
    await page.goto(`file://${report.file}`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#conv-table tbody tr').count(), 3);
    // Open a conversation that has a golden path (the list says so in its own column).
    const rows = page.locator('#conv-table tbody tr');
    let golden = -1;
    for (let i = 0; i < 3; i++)
      if ((await rows.nth(i).locator('td').nth(10).textContent()) === 'yes') golden = i;
    assert.ok(golden >= 0, 'some conversation of the harvest earned a reward');
    const taskId = (await rows.nth(golden).locator('td').first().textContent())!;
    await rows.nth(golden).click();
    await page.waitForSelector('svg.search-tree');
    assert.ok((await page.locator('svg.search-tree .tnode').count()) > 3, 'the tree has nodes');
    assert.ok((await page.locator('svg.search-tree .tnode.golden').count()) >= 1, 'golden nodes');
    assert.ok((await page.locator('svg.search-tree path.link.golden').count()) >= 1, 'golden edges');
    assert.ok((await page.locator('svg.search-tree .tnode.rewarded').count()) >= 1, 'rewarded nodes');

    // Click a node that is not on the golden path (if the search branched), else a golden one.
    const target = page.locator('svg.search-tree .tnode:not(.start):not(.golden)').first();
    const node = (await target.count())
      ? target
      : page.locator('svg.search-tree .tnode.golden:not(.start)').first();
    const key = (await node.getAttribute('data-key'))!;
    await node.click();
    await page.waitForSelector(`svg.search-tree .tnode.selected[data-key="${key}"]`);
    const [nodeId, turnIndex] = key.split('.').map(Number);
    assert.equal(
      await page
        .locator('#detail .detail-title')
        .textContent()
        .then((t) => t?.startsWith(`Node ${nodeId} `)),
      true,
    );
    // The panel shows exactly that turn's messages, as the result file records them.
    const result = JSON.parse(
      fs.readFileSync(
        path.join(realRunDir, 'conversations', `${taskId.replace(/\.json$/, '')}.json`),
        'utf8',
      ),
    ) as {
      tree: { id: number; turns: { messages: { role: string; content: string | null }[] }[] }[];
      workflowId: string;
    };
    const turn = result.tree.find((n) => n.id === nodeId)!.turns[turnIndex];
    const shown = page.locator('#detail .turn-messages .msg');
    assert.equal(await shown.count(), turn.messages.length);
    const said = turn.messages.find((m) => m.role === 'assistant' && m.content);
    if (said)
      assert.ok((await page.locator('#detail .turn-messages').textContent())!.includes(said.content!));
    // The conversation before the turn opens on demand and starts with the user's opening.
    await page.locator('#detail details.before > summary').click();
    await page.waitForSelector('#detail details.before .msg.user'); // filled on the toggle event
    // Links into the Temporal Web UI: the conversation and this agent turn's child workflow.
    const hrefs = await page.locator('#detail a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const step = (await page.locator('#detail .detail-title').textContent())!.match(/step (\d+)/)![1];
    assert.ok(
      hrefs.includes(
        `http://temporal-ui.example:8233/namespaces/default/workflows/${encodeURIComponent(`${result.workflowId}/s${step}/n${nodeId}`)}`,
      ),
      hrefs.join(' '),
    );
    assert.ok(
      hrefs.includes(
        `http://temporal-ui.example:8233/namespaces/default/workflows/${encodeURIComponent(result.workflowId)}`,
      ),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-tree.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  },
);

/** A run directory of `n` conversations: the real ones, duplicated under other val task ids. */
function synthesizeRun(from: string, n: number): string {
  const dir = path.join(tmp, `synthetic-${n}`);
  const ids = environment()
    .listTasks('val')
    .map((t) => t.id);
  const convDir = path.join(from, 'conversations');
  const reals = fs
    .readdirSync(convDir)
    .map((f) => JSON.parse(fs.readFileSync(path.join(convDir, f), 'utf8')));
  const manifest = JSON.parse(fs.readFileSync(path.join(from, 'harvest.json'), 'utf8'));
  manifest.config.id = path.basename(dir);
  fs.mkdirSync(path.join(dir, 'conversations'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'harvest.json'), JSON.stringify(manifest));
  for (let i = 0; i < n; i++) {
    const taskId = ids[i % ids.length];
    const trial = Math.floor(i / ids.length);
    const name = `${taskId.replace(/\.json$/, '')}${trial ? `~t${trial}` : ''}`;
    const r = { ...reals[i % reals.length], taskId, trial, runId: manifest.config.id };
    r.workflowId = `${manifest.config.id}/${name}`;
    fs.writeFileSync(path.join(dir, 'conversations', `${name}.json`), JSON.stringify(r));
  }
  return dir;
}

test(
  'a 200-conversation report opens with no tree drawn until one is clicked (and the size of a 1,000-conversation one)',
  { skip },
  async () => {
    assert.ok(realRunDir, 'the real harvest of the previous test');
    const big = synthesizeRun(realRunDir, 200);
    const started = Date.now();
    const report = writeReport(big, { environment });
    const generatedMs = Date.now() - started;

    const { page, errors } = await openPage();
    const t0 = Date.now();
    await page.goto(`file://${report.file}`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#conv-table tbody tr').count(), 200);
    const openMs = Date.now() - t0;
    // What keeps a big report quick to open: no search tree is decoded or drawn until asked for.
    // (The time is printed below as a figure; a wall-clock bound would fail on a busy machine.)
    assert.equal(await page.locator('svg.search-tree .tnode').count(), 0, 'trees drawn at open');
    // Opening one conversation decodes and draws only that tree.
    const t1 = Date.now();
    await page.locator('#conv-table tbody tr').nth(150).click();
    await page.waitForSelector('svg.search-tree .tnode');
    const treeMs = Date.now() - t1;
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-200.png') });
    assert.deepEqual(errors, []);
    await page.close();

    const thousand = writeReport(synthesizeRun(realRunDir, 1000), { environment });
    const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
    process.stdout.write(
      `# report: 200 conversations ${kib(report.bytes)} (generated in ${generatedMs} ms), opened in ${openMs} ms, ` +
        `a tree drawn in ${treeMs} ms; 1,000 conversations ${kib(thousand.bytes)}\n`,
    );
    // Lazy embedding keeps a 1,000-conversation report a few MB (beam-4 trees: about 3–4 KB each).
    assert.ok(thousand.bytes < 20 * 1024 * 1024, `1,000 conversations: ${kib(thousand.bytes)}`);
  },
);
