// Where a conversation's time goes between model calls: the hand-offs the Temporal server and the
// worker make, read from the event timestamps of its workflow histories (the conversation's and,
// in the `child` turn shape, its agent turns'; in the `activity` shape a turn is an activity of
// the conversation and has no history of its own). Used by scripts/bench.ts to explain the overhead ratio.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

// History event types (temporal.api.enums.v1.EventType) the hops are measured between.
const WFT_STARTED = 6;
const WFT_COMPLETED = 7;
const ACTIVITY_STARTED = 11;
const ACTIVITY_COMPLETED = 12;
const CHILD_STARTED = 31;

export const HOPS = {
  wftDispatch: 'workflow task scheduled → started (dispatch to a worker)',
  wftRun: 'workflow task started → completed (the worker: SDK + our code)',
  activityDispatch: 'activity scheduled → started (dispatch to a worker)',
  activityRun: 'activity started → completed (a model call or a whole agent turn: model latency in it)',
  childStart: 'child workflow initiated → started',
} as const;
export type Hop = keyof typeof HOPS;
export type HopStats = Record<Hop, { n: number; mean: number; p50: number; p90: number }>;

interface RawEvent {
  eventId?: unknown;
  eventType?: unknown;
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  workflowTaskStartedEventAttributes?: { scheduledEventId?: unknown } | null;
  workflowTaskCompletedEventAttributes?: { startedEventId?: unknown } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskCompletedEventAttributes?: { startedEventId?: unknown } | null;
  childWorkflowExecutionStartedEventAttributes?: { initiatedEventId?: unknown } | null;
}

const ms = (e: RawEvent): number =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** Adds the hops of one history to `into` (milliseconds per hop kind). */
export function collectHops(events: RawEvent[], into: Record<Hop, number[]>): void {
  const byId = new Map<number, RawEvent>();
  for (const e of events) byId.set(Number(e.eventId), e);
  const since = (id: unknown, e: RawEvent): number | null => {
    const from = byId.get(Number(id));
    return from ? ms(e) - ms(from) : null;
  };
  const push = (hop: Hop, v: number | null) => {
    if (v !== null) into[hop].push(v);
  };
  for (const e of events) {
    switch (Number(e.eventType)) {
      case WFT_STARTED:
        push('wftDispatch', since(e.workflowTaskStartedEventAttributes?.scheduledEventId, e));
        break;
      case WFT_COMPLETED:
        push('wftRun', since(e.workflowTaskCompletedEventAttributes?.startedEventId, e));
        break;
      case ACTIVITY_STARTED:
        push('activityDispatch', since(e.activityTaskStartedEventAttributes?.scheduledEventId, e));
        break;
      case ACTIVITY_COMPLETED:
        push('activityRun', since(e.activityTaskCompletedEventAttributes?.startedEventId, e));
        break;
      case CHILD_STARTED:
        push('childStart', since(e.childWorkflowExecutionStartedEventAttributes?.initiatedEventId, e));
        break;
      default:
    }
  }
}

function stats(xs: number[]): HopStats[Hop] {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return {
    n: s.length,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    p50: at(0.5),
    p90: at(0.9),
  };
}

/** Short name of a history event type (`ACTIVITY_TASK_SCHEDULED`). */
export function eventTypeName(t: unknown): string {
  const name = temporal.api.enums.v1.EventType[Number(t)] as string | undefined;
  return name ? name.replace(/^EVENT_TYPE_/, '') : `type ${String(t)}`;
}

/** Hops of the first `limit` conversations of harvest `harvestId` and all their agent turns;
 * `eventTypes`, if given, counts their events by type (where a harvest's events go). */
export async function hopProfile(
  client: Client,
  harvestId: string,
  limit = 4,
  eventTypes?: Map<string, number>,
): Promise<HopStats> {
  const into = Object.fromEntries(Object.keys(HOPS).map((k) => [k, [] as number[]])) as Record<Hop, number[]>;
  const conversations: string[] = [];
  for await (const wf of client.workflow.list({
    query: `JoshHarvestId="${harvestId}" AND JoshKind="conversation"`,
  })) {
    conversations.push(wf.workflowId);
    if (conversations.length >= limit) break;
  }
  const ids = [...conversations];
  for await (const wf of client.workflow.list({
    query: `JoshHarvestId="${harvestId}" AND JoshKind="turn"`,
  })) {
    // Turn ids are `<conversation id>/s<step>/n<node>`.
    if (conversations.some((c) => wf.workflowId.startsWith(`${c}/`))) ids.push(wf.workflowId);
  }
  for (const wid of ids) {
    const history = await client.workflow.getHandle(wid).fetchHistory();
    collectHops((history.events ?? []) as RawEvent[], into);
    for (const e of history.events ?? []) {
      const name = eventTypeName(e.eventType);
      eventTypes?.set(name, (eventTypes.get(name) ?? 0) + 1);
    }
  }
  return Object.fromEntries(Object.entries(into).map(([k, v]) => [k, stats(v)])) as HopStats;
}

export function hopTable(h: HopStats): string {
  const width = Math.max(...Object.values(HOPS).map((l) => l.length));
  return (Object.keys(HOPS) as Hop[])
    .map((k) => {
      const s = h[k];
      return `  ${HOPS[k].padEnd(width)} n ${String(s.n).padStart(5)}  mean ${s.mean.toFixed(1).padStart(6)} ms  p50 ${s.p50.toFixed(0).padStart(4)}  p90 ${s.p90.toFixed(0).padStart(4)}`;
    })
    .join('\n');
}
