// τ-bench's airline domain for the shared τ core: its 14 tools (τ-bench's order), its database
// tables, and where its data lives. The tools are ports written from τ-bench's documented behaviour
// (returns, database changes and error texts match τ-bench's; the code is our own).
import * as path from 'node:path';
import { loadTableFiles, type BaseDb } from '../core/db';
import type { TauDomain, ToolSpec } from '../core/types';
import type { TauBackend } from '../environment';
import { readToolsJson } from '../environment';
import {
  getReservationDetailsTool,
  getUserDetailsTool,
  listAllAirportsTool,
  sendCertificateTool,
  thinkTool,
  transferToHumanAgentsTool,
} from './account';
import { bookReservationTool } from './booking';
import { calculate } from '../core/calculate';
import {
  cancelReservationTool,
  updateReservationBaggagesTool,
  updateReservationFlightsTool,
  updateReservationPassengersTool,
} from './changes';
import { AIRLINE_SCHEMA } from './schema';
import { searchDirectFlightTool, searchOnestopFlightTool } from './search';

export const AIRLINE_TABLES = ['flights', 'reservations', 'users'] as const;

const calculateTool: ToolSpec = {
  pyClass: 'tau_bench.envs.airline.tools.calculate.Calculate',
  params: ['expression'],
  run: (_db, a) => calculate(a.expression),
};

export const airlineDomain: TauDomain = {
  name: 'airline',
  tables: AIRLINE_TABLES,
  tools: {
    book_reservation: bookReservationTool,
    calculate: calculateTool,
    cancel_reservation: cancelReservationTool,
    get_reservation_details: getReservationDetailsTool,
    get_user_details: getUserDetailsTool,
    list_all_airports: listAllAirportsTool,
    search_direct_flight: searchDirectFlightTool,
    search_onestop_flight: searchOnestopFlightTool,
    send_certificate: sendCertificateTool,
    think: thinkTool,
    transfer_to_human_agents: transferToHumanAgentsTool,
    update_reservation_baggages: updateReservationBaggagesTool,
    update_reservation_flights: updateReservationFlightsTool,
    update_reservation_passengers: updateReservationPassengersTool,
  },
};

export function airlineDir(dataDir: string): string {
  return path.join(dataDir, 'taubench', 'airline');
}

export function loadAirlineDb(dataDir: string): BaseDb {
  return loadTableFiles(path.join(airlineDir(dataDir), 'db'), AIRLINE_TABLES, AIRLINE_SCHEMA);
}

export const airlineBackend: TauBackend = {
  domain: airlineDomain,
  loadDb: loadAirlineDb,
  schemas: (dataDir) => readToolsJson(path.join(airlineDir(dataDir), 'tools.json'), airlineDomain),
};
