// Proves the suite runs against a real Temporal server: a workflow runs on a real worker, its
// event history comes back from the server, and search attributes round-trip through visibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../src/shared/taskQueues';
import * as activities from './fixtures/activities';
import { REWARD, STATUS, SUCCESS } from './fixtures/workflows';
import { testClient, withWorker } from './helpers/temporal';

const EventType = temporal.api.enums.v1.EventType;
const KIND = defineSearchAttributeKey('JoshKind', SearchAttributeType.KEYWORD);
const TASK_ID = defineSearchAttributeKey('JoshTaskId', SearchAttributeType.KEYWORD);
const workflowsPath = require.resolve('./fixtures/workflows');

void test('the server is a real Temporal dev server with our search attributes registered', async () => {
  const client = await testClient();
  const info = await client.workflowService.getSystemInfo({});
  assert.match(info.serverVersion ?? '', /^\d+\.\d+\.\d+/);
  const registered = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const got = registered.customAttributes?.[name];
    assert.ok(got !== undefined, `${name} is registered`);
    const typeName = temporal.api.enums.v1.IndexedValueType[got];
    assert.equal(typeName, `INDEXED_VALUE_TYPE_${type.toUpperCase()}`, `${name} has type ${type}`);
  }
});

void test('a workflow runs on a worker and its history is read back from the server', async () => {
  const client = await testClient();
  const workflowId = `foundation-${randomUUID()}`;
  const result = await withWorker({ workflowsPath, activities }, (taskQueue) =>
    client.workflow.execute('greet', { taskQueue, workflowId, args: ['temporal'] }),
  );
  assert.equal(result, 'hello, TEMPORAL');

  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const types = (history.events ?? []).map((e) => e.eventType);
  assert.equal(types[0], EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  assert.equal(types.at(-1), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  assert.ok(types.includes(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED), 'the activity ran');
  assert.ok(types.includes(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES));
});

void test('search attributes set at start and upserted by the workflow round-trip and are queryable', async () => {
  const client = await testClient();
  const taskId = `task-${randomUUID()}`;
  const workflowId = `foundation-sa-${randomUUID()}`;
  await withWorker({ workflowsPath, activities }, (taskQueue) =>
    client.workflow.execute('greet', {
      taskQueue,
      workflowId,
      args: ['search'],
      typedSearchAttributes: [
        { key: KIND, value: 'test' },
        { key: TASK_ID, value: taskId },
      ],
    }),
  );
  const desc = await client.workflow.getHandle(workflowId).describe();
  assert.equal(desc.typedSearchAttributes.get(KIND), 'test');
  assert.equal(desc.typedSearchAttributes.get(TASK_ID), taskId);
  assert.equal(desc.typedSearchAttributes.get(STATUS), 'done');
  assert.equal(desc.typedSearchAttributes.get(REWARD), 0.75);
  assert.equal(desc.typedSearchAttributes.get(SUCCESS), true);

  // Visibility is eventually consistent; the Web UI filters use exactly this query language.
  const query = `JoshTaskId = "${taskId}" AND JoshStatus = "done" AND JoshReward > 0.5`;
  let found: string[] = [];
  for (let i = 0; i < 40 && found.length === 0; i++) {
    found = [];
    for await (const wf of client.workflow.list({ query })) found.push(wf.workflowId);
    if (found.length === 0) await new Promise((r) => setTimeout(r, 250));
  }
  assert.deepEqual(found, [workflowId]);
});
