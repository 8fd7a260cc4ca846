// What the dev server did during a row, from its own Prometheus metrics (`temporal server
// start-dev --metrics-port`): the requests its frontend served and the writes its store made
// (mutable state and tasks, and the visibility records the Web UI lists), per model call. Unlike
// CPU these are counts, the same on a busy machine as on an idle one, so a change that saves
// requests (issue 17) shows even where the CPU figures are within the noise.

/** Counters by name: `frontend <Operation>`, `store <Operation>` and `visibility <Operation>`. */
export type ServerCounts = Map<string, number>;

/** The store operations that write (the rest read). */
const STORE_WRITES = new Set([
  'UpdateWorkflowExecution',
  'CreateWorkflowExecution',
  'ConflictResolveWorkflowExecution',
  'SetWorkflowExecution',
  'CreateTasks',
]);

/** The visibility store's writes: a workflow's row at its start, on a search-attribute change
 * (including the server's own `BuildIds` after a workflow's first task) and at its close. */
const VISIBILITY_WRITES = new Set([
  'RecordWorkflowExecutionStarted',
  'UpsertWorkflowExecution',
  'RecordWorkflowExecutionClosed',
]);

/** The server's request and store counters now, or undefined if its metrics do not answer. */
export async function scrapeServer(url: string): Promise<ServerCounts | undefined> {
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    text = await res.text();
  } catch {
    return undefined;
  }
  const counts: ServerCounts = new Map();
  for (const line of text.split('\n')) {
    const m =
      /^(service_requests|persistence_requests|visibility_persistence_requests)\{([^}]*)\} ([0-9.e+]+)$/.exec(
        line,
      );
    if (!m) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key =
      m[1] === 'service_requests'
        ? labels.service_name === 'frontend'
          ? `frontend ${labels.operation}`
          : undefined
        : m[1] === 'persistence_requests'
          ? `store ${labels.operation}`
          : `visibility ${labels.operation}`;
    if (key) counts.set(key, (counts.get(key) ?? 0) + Number(m[3]));
  }
  return counts;
}

export interface ServerPerCall {
  /** Requests to the frontend (workers' polls and completions, heartbeats, the client's calls). */
  requests: number;
  /** Store writes (mutable state, new executions, tasks). */
  writes: number;
  /** Visibility writes (a workflow's row at start, on a search-attribute change, at close). */
  visibilityWrites: number;
  /** Each counter worth 0.05 per call or more, largest first. */
  byOperation: { name: string; perCall: number }[];
}

export function perCall(before: ServerCounts, after: ServerCounts, calls: number): ServerPerCall {
  const delta = [...after].map(([name, v]) => ({ name, perCall: (v - (before.get(name) ?? 0)) / calls }));
  const sum = (pick: (name: string) => boolean) =>
    delta.filter((d) => pick(d.name)).reduce((a, d) => a + d.perCall, 0);
  return {
    requests: sum((n) => n.startsWith('frontend ')),
    writes: sum((n) => n.startsWith('store ') && STORE_WRITES.has(n.slice('store '.length))),
    visibilityWrites: sum(
      (n) => n.startsWith('visibility ') && VISIBILITY_WRITES.has(n.slice('visibility '.length)),
    ),
    byOperation: delta.filter((d) => d.perCall >= 0.05).sort((a, b) => b.perCall - a.perCall),
  };
}

export function serverMix(s: ServerPerCall | undefined): string {
  if (!s)
    return '  server requests per model call: not measured (--server-metrics counts them on the dev server)';
  return [
    `  server per model call: ${s.requests.toFixed(2)} frontend requests, ${s.writes.toFixed(2)} store writes, ` +
      `${s.visibilityWrites.toFixed(2)} visibility writes`,
    ...s.byOperation.map((o) => `    ${o.name.padEnd(44)} ${o.perCall.toFixed(2)}`),
  ].join('\n');
}
