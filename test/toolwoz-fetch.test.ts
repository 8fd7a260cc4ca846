// `josh data fetch` offline: the real download code against a local HTTP server that serves this
// repo's ../shared files and a MultiWOZ-2.1-shaped zip built here from val.json.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import * as yazl from 'yazl';
import { resolveDataDir } from '../src/env/dataDir';
import { createToolwozEnvironment } from '../src/env/toolwoz';
import { fetchData } from '../src/env/toolwoz/fetch';
import { DEFAULT_MANIFEST, type FetchManifest } from '../src/env/toolwoz/fetchManifest';

const DATA = resolveDataDir(undefined, path.resolve(__dirname, '..'));
const BIN = path.resolve(__dirname, '..', 'bin', 'josh.js');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function buildZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(fs.readFileSync(path.join(DATA, 'multiwoz', 'val.json')), 'MultiWOZ_2.1/data.json');
  zip.addBuffer(
    fs.readFileSync(path.join(DATA, 'toolwoz', 'data', 'testListFile.json')),
    'MultiWOZ_2.1/testListFile.txt',
  );
  zip.addBuffer(
    fs.readFileSync(path.join(DATA, 'toolwoz', 'data', 'valListFile.json')),
    'MultiWOZ_2.1/valListFile.txt',
  );
  zip.addBuffer(Buffer.from('resource fork'), '__MACOSX/MultiWOZ_2.1/._data.json');
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

let server: http.Server;
let base: string;
let zipBytes: Buffer;
let requests: string[] = [];

/** /good/<mirrorPath> serves the files; /tampered/ changes tools.json; anything else is a 404. */
function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '';
  requests.push(url);
  const [, mode, ...rest] = url.split('/');
  const mirrorPath = rest.join('/');
  let body: Buffer | undefined;
  if (mirrorPath === 'multiwoz/MultiWOZ_2.1.zip') body = zipBytes;
  else if (mirrorPath.startsWith('toolwoz/') && !mirrorPath.includes('..')) {
    const file = path.join(DATA, mirrorPath);
    if (fs.existsSync(file)) body = fs.readFileSync(file);
  }
  if (mode === 'tampered' && mirrorPath === 'toolwoz/data/tools.json' && body)
    body = Buffer.concat([body, Buffer.from(' ')]);
  if (!body || (mode !== 'good' && mode !== 'tampered')) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
}

/** The default manifest with the archive checksums of the zip built here. */
function testManifest(): FetchManifest {
  const [archive] = DEFAULT_MANIFEST.archives;
  const valSha = sha256(fs.readFileSync(path.join(DATA, 'multiwoz', 'val.json')));
  return {
    files: DEFAULT_MANIFEST.files,
    archives: [
      {
        ...archive,
        sha256: sha256(zipBytes),
        members: archive.members.map((m) => (m.dest === 'multiwoz/data.json' ? { ...m, sha256: valSha } : m)),
      },
    ],
  };
}

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'josh-fetch-'));

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const EXPECTED_FILES = [
  'multiwoz/data.json',
  'multiwoz/testListFile.json',
  'multiwoz/valListFile.json',
  'toolwoz/data/tools.json',
  'toolwoz/data/valid_api_defs.json',
  'toolwoz/db/attraction_db.json',
  'toolwoz/db/hotel_db.json',
  'toolwoz/db/restaurant_db.json',
  'toolwoz/db/train_db.json',
];

void describe('josh data fetch (local HTTP server)', () => {
  before(async () => {
    zipBytes = await buildZip();
    server = http.createServer(serve);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  void test('downloads, verifies, unpacks into the full-release layout; the environment loads it', async () => {
    const dir = tempDir();
    const report = await fetchData(dir, { baseUrl: `${base}/good`, manifest: testManifest() });
    assert.deepEqual([...report.downloaded].sort(), EXPECTED_FILES);
    assert.deepEqual(listFiles(dir), EXPECTED_FILES, 'no archive or partial files left behind');
    for (const f of DEFAULT_MANIFEST.files) {
      assert.equal(sha256(fs.readFileSync(path.join(dir, f.dest))), f.sha256, f.dest);
    }
    const val = createToolwozEnvironment(dir).listTasks('val');
    assert.equal(val.length, 793);
    assert.equal(val.filter((t) => t.solvable).length, 755);

    requests = [];
    const again = await fetchData(dir, { baseUrl: `${base}/good`, manifest: testManifest() });
    assert.deepEqual(again.downloaded, [], 'a re-run keeps verified files');
    assert.deepEqual(requests, []);
  });

  void test('a file whose checksum does not match is rejected and not written', async () => {
    const dir = tempDir();
    await assert.rejects(
      fetchData(dir, { baseUrl: `${base}/tampered`, manifest: testManifest() }),
      /toolwoz\/data\/tools\.json: sha256 mismatch: expected 1a98bcbf/,
    );
    assert.deepEqual(listFiles(dir), [], 'nothing under a real name, no partial file');
  });

  void test('the published archive checksum is enforced unless the user opts out', async () => {
    const dir = tempDir();
    await assert.rejects(
      fetchData(dir, { baseUrl: `${base}/good` }),
      /MultiWOZ_2\.1\.zip: sha256 mismatch: .*--no-verify-archive/,
    );
    assert.ok(!fs.existsSync(path.join(dir, 'multiwoz', 'data.json')));
    await fetchData(dir, { baseUrl: `${base}/good`, verifyPublished: false });
    assert.deepEqual(listFiles(dir), EXPECTED_FILES);
  });

  void test('an HTTP error names the URL', async () => {
    await assert.rejects(
      fetchData(tempDir(), { baseUrl: `${base}/gone` }),
      /\/gone\/toolwoz\/data\/tools\.json: download failed \(HTTP 404/,
    );
  });

  void test('the CLI: josh data fetch --base-url, then josh tasks reads the result', async () => {
    const dir = path.join(tempDir(), 'new-data-dir');
    const run = promisify(execFile);
    const fetched = await run(process.execPath, [
      BIN,
      'data',
      'fetch',
      '--data-dir',
      dir,
      '--base-url',
      `${base}/good`,
      '--no-verify-archive',
    ]);
    assert.match(fetched.stdout, /9 files downloaded, 0 already present/);
    const tasks = await run(
      process.execPath,
      [BIN, 'tasks', '--env', 'toolwoz', '--split', 'val', '--data-dir', dir],
      { maxBuffer: 64 << 20 },
    );
    assert.equal(tasks.stdout.trim().split('\n').length, 793);
  });
});
