// The airline tools that read a record, list the airports, issue a certificate, or do nothing to the
// database (think, transfer to a human agent).
import type { DbView } from '../core/db';
import { pyDumps, type PyValue } from '../core/pyjson';
import { ToolError, type ToolArgs, type ToolSpec } from '../core/types';
import { pyFormat } from './py';
import { dictItem, record, tableHas, writable } from './records';

const TOOLS = 'tau_bench.envs.airline.tools';

// τ-bench's fixed list: IATA code → city, in its order (what `list_all_airports` returns; the
// simulated model knows it too, as a model knows the airports it has read of).
export const AIRPORTS: readonly (readonly [string, string])[] = [
  ['SFO', 'San Francisco'],
  ['JFK', 'New York'],
  ['LAX', 'Los Angeles'],
  ['ORD', 'Chicago'],
  ['DFW', 'Dallas'],
  ['DEN', 'Denver'],
  ['SEA', 'Seattle'],
  ['ATL', 'Atlanta'],
  ['MIA', 'Miami'],
  ['BOS', 'Boston'],
  ['PHX', 'Phoenix'],
  ['IAH', 'Houston'],
  ['LAS', 'Las Vegas'],
  ['MCO', 'Orlando'],
  ['EWR', 'Newark'],
  ['CLT', 'Charlotte'],
  ['MSP', 'Minneapolis'],
  ['DTW', 'Detroit'],
  ['PHL', 'Philadelphia'],
  ['LGA', 'LaGuardia'],
];
const AIRPORTS_TEXT = pyDumps(new Map(AIRPORTS.map(([code, city]) => [code, city])));

// send_certificate's ids, tried in order (τ-bench assumes at most three per task).
const CERTIFICATE_IDS = ['certificate_3221322', 'certificate_3221323', 'certificate_3221324'];

function getUserDetails(db: DbView, a: ToolArgs): string {
  if (!tableHas(db, 'users', a.user_id)) throw new ToolError('user not found');
  return pyDumps(record(db, 'users', a.user_id));
}

function getReservationDetails(db: DbView, a: ToolArgs): string {
  // τ-bench's own wording for a missing reservation.
  if (!tableHas(db, 'reservations', a.reservation_id)) throw new ToolError('user not found');
  return pyDumps(record(db, 'reservations', a.reservation_id));
}

function sendCertificate(db: DbView, a: ToolArgs): string {
  if (!tableHas(db, 'users', a.user_id)) throw new ToolError('user not found');
  const held = dictItem(record(db, 'users', a.user_id), 'payment_methods');
  const id = CERTIFICATE_IDS.find((c) => !held.has(c));
  // All three taken: τ-bench's tool falls off its loop and returns None, which prints as "None".
  if (id === undefined) return 'None';
  const certificate = new Map<string, PyValue>([
    ['source', 'certificate'],
    ['amount', a.amount],
    ['id', id],
  ]);
  dictItem(writable(db, 'users', a.user_id), 'payment_methods').set(id, certificate);
  return `Certificate ${id} added to user ${a.user_id} with amount ${pyFormat(a.amount)}.`;
}

export const getUserDetailsTool: ToolSpec = {
  pyClass: `${TOOLS}.get_user_details.GetUserDetails`,
  params: ['user_id'],
  run: getUserDetails,
};

export const getReservationDetailsTool: ToolSpec = {
  pyClass: `${TOOLS}.get_reservation_details.GetReservationDetails`,
  params: ['reservation_id'],
  run: getReservationDetails,
};

export const listAllAirportsTool: ToolSpec = {
  pyClass: `${TOOLS}.list_all_airports.ListAllAirports`,
  params: [],
  run: () => AIRPORTS_TEXT,
};

export const sendCertificateTool: ToolSpec = {
  pyClass: `${TOOLS}.send_certificate.SendCertificate`,
  params: ['user_id', 'amount'],
  run: sendCertificate,
};

export const thinkTool: ToolSpec = {
  pyClass: `${TOOLS}.think.Think`,
  params: ['thought'],
  run: () => '',
};

export const transferToHumanAgentsTool: ToolSpec = {
  pyClass: `${TOOLS}.transfer_to_human_agents.TransferToHumanAgents`,
  params: ['summary'],
  run: () => 'Transfer successful',
  endsConversation: true,
};
