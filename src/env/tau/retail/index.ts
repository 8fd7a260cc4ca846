// τ-bench's retail domain for the shared core: its 16 tools (the order of `tools.json`), bound by
// the parameter names of τ-bench's `invoke` signatures, and its DB in both layouts: v1's three
// files and τ²'s single db.json (τ² serves the same tools on a revised DB).
import * as path from 'node:path';
import { loadDbFile, loadTableFiles, type BaseDb } from '../core/db';
import { ToolError, type TauDomain, type ToolArgs, type ToolSpec } from '../core/types';
import type { DbView } from '../core/db';
import { calculate } from '../core/calculate';
import { RETAIL_SCHEMA } from './schema';
import {
  cancelPendingOrder,
  exchangeDeliveredOrderItems,
  modifyPendingOrderAddress,
  modifyPendingOrderItems,
  modifyPendingOrderPayment,
  modifyUserAddress,
  returnDeliveredOrderItems,
} from './orders';
import {
  findUserIdByEmail,
  findUserIdByNameZip,
  getOrderDetails,
  getProductDetails,
  getUserDetails,
  listAllProductTypes,
} from './reads';

export const RETAIL_TABLES = ['orders', 'products', 'users'] as const;

const ADDRESS = ['address1', 'address2', 'city', 'state', 'country', 'zip'] as const;

function spec(
  file: string,
  cls: string,
  params: readonly string[],
  run: (db: DbView, a: ToolArgs) => string,
  extra: Partial<ToolSpec> = {},
): ToolSpec {
  return { pyClass: `tau_bench.envs.retail.tools.${file}.${cls}`, params, run, ...extra };
}

export const RETAIL_TOOLS: Readonly<Record<string, ToolSpec>> = {
  calculate: spec('calculate', 'Calculate', ['expression'], (_db, a) => {
    const text = calculate(a.expression);
    // τ-bench returns its errors as text; mark them as errors all the same.
    if (text.startsWith('Error: ')) throw new ToolError(text.slice('Error: '.length));
    return text;
  }),
  cancel_pending_order: spec(
    'cancel_pending_order',
    'CancelPendingOrder',
    ['order_id', 'reason'],
    cancelPendingOrder,
  ),
  exchange_delivered_order_items: spec(
    'exchange_delivered_order_items',
    'ExchangeDeliveredOrderItems',
    ['order_id', 'item_ids', 'new_item_ids', 'payment_method_id'],
    exchangeDeliveredOrderItems,
  ),
  find_user_id_by_email: spec('find_user_id_by_email', 'FindUserIdByEmail', ['email'], (db, a) =>
    findUserIdByEmail(db, { email: a.email }),
  ),
  find_user_id_by_name_zip: spec(
    'find_user_id_by_name_zip',
    'FindUserIdByNameZip',
    ['first_name', 'last_name', 'zip'],
    (db, a) => findUserIdByNameZip(db, { first_name: a.first_name, last_name: a.last_name, zip: a.zip }),
  ),
  get_order_details: spec('get_order_details', 'GetOrderDetails', ['order_id'], (db, a) =>
    getOrderDetails(db, { order_id: a.order_id }),
  ),
  get_product_details: spec('get_product_details', 'GetProductDetails', ['product_id'], (db, a) =>
    getProductDetails(db, { product_id: a.product_id }),
  ),
  get_user_details: spec('get_user_details', 'GetUserDetails', ['user_id'], (db, a) =>
    getUserDetails(db, { user_id: a.user_id }),
  ),
  list_all_product_types: spec('list_all_product_types', 'ListAllProductTypes', [], (db) =>
    listAllProductTypes(db),
  ),
  modify_pending_order_address: spec(
    'modify_pending_order_address',
    'ModifyPendingOrderAddress',
    ['order_id', ...ADDRESS],
    modifyPendingOrderAddress,
  ),
  modify_pending_order_items: spec(
    'modify_pending_order_items',
    'ModifyPendingOrderItems',
    ['order_id', 'item_ids', 'new_item_ids', 'payment_method_id'],
    modifyPendingOrderItems,
  ),
  modify_pending_order_payment: spec(
    'modify_pending_order_payment',
    'ModifyPendingOrderPayment',
    ['order_id', 'payment_method_id'],
    modifyPendingOrderPayment,
  ),
  modify_user_address: spec(
    'modify_user_address',
    'ModifyUserAddress',
    ['user_id', ...ADDRESS],
    modifyUserAddress,
  ),
  return_delivered_order_items: spec(
    'return_delivered_order_items',
    'ReturnDeliveredOrderItems',
    ['order_id', 'item_ids', 'payment_method_id'],
    returnDeliveredOrderItems,
  ),
  think: spec('think', 'Think', ['thought'], () => ''),
  transfer_to_human_agents: spec(
    'transfer_to_human_agents',
    'TransferToHumanAgents',
    ['summary'],
    () => 'Transfer successful',
    {
      endsConversation: true,
    },
  ),
};

export const retailDomain: TauDomain = { name: 'retail', tools: RETAIL_TOOLS, tables: RETAIL_TABLES };

/** v1 (τ-bench as the JOSH paper ships it): `<dataDir>/taubench/retail/db/{orders,products,users}.json`. */
export function loadRetailV1Db(dataDir: string): BaseDb {
  return loadTableFiles(path.join(dataDir, 'taubench', 'retail', 'db'), RETAIL_TABLES, RETAIL_SCHEMA);
}

/** τ²: `<dataDir>/tau2/retail/db.json` with the same three tables. */
export function loadRetailTau2Db(dataDir: string): BaseDb {
  return loadDbFile(path.join(dataDir, 'tau2', 'retail', 'db.json'), RETAIL_TABLES, RETAIL_SCHEMA);
}

/** The tool schemas: v1's tools.json (τ² ships no schemas of its own; its tools are the same). */
export function retailToolsFile(dataDir: string): string {
  return path.join(dataDir, 'taubench', 'retail', 'tools.json');
}
