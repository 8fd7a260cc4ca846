// The τ customer's scenario as parsed from its instruction (parse.ts): who it is, what it wants,
// one request at a time, and the facts it may give when asked. Only what the instruction says.

export type RetailIntent =
  | 'cancel'
  | 'return'
  | 'exchange'
  | 'modify_items'
  | 'modify_address'
  | 'modify_payment'
  | 'change_user_address'
  | 'info';

export type AirlineIntent =
  | 'book'
  | 'cancel_reservation'
  | 'change_flights'
  | 'change_cabin'
  | 'baggage'
  | 'passengers'
  | 'insurance'
  | 'compensation'
  | 'info';

export type Intent = RetailIntent | AirlineIntent;

export interface Address {
  address1?: string;
  address2?: string;
  city?: string;
  state?: string;
  country?: string;
  zip?: string;
}

/** One item the customer talks about: its product type and the option values it names. */
export interface ItemWish {
  product: string;
  /** The item's options as it has them now (only when the instruction says). */
  from: Record<string, string>;
  /** The options it wants instead; empty for "the same item". */
  to: Record<string, string>;
  /** Option values named for this item in plain words, when the instruction does not say which option. */
  values: string[];
  /** It wants the very same item again (an exchange for a new one like it). */
  same?: boolean;
  /** A wish in words the catalogue has no value for ("a bigger one"). */
  phrase?: string;
}

export interface TauRequest {
  intent: Intent;
  /** The instruction text this request came from. */
  text: string;
  orderIds: string[];
  reservationIds: string[];
  items: ItemWish[];
  /** A payment method id, or the customer's words for one ("gift card", "original payment"). */
  payment?: string;
  paymentWords?: string;
  reason?: string;
  address?: Address;
}

export interface Condition {
  /** The "if ..." part, as written. */
  when: string;
  /** What to do then, as written. */
  then: string;
  /** What the fallback asks for, read like a request (intents, ids, items). */
  intents: Intent[];
  items: ItemWish[];
}

export interface Identity {
  firstName?: string;
  lastName?: string;
  zip?: string;
  email?: string;
  userId?: string;
  /** Further zip codes or emails the scenario gives (to try when the first is not found). */
  otherZips?: string[];
  otherEmails?: string[];
}

export interface TauScenario {
  domain: 'retail' | 'airline';
  identity: Identity;
  requests: TauRequest[];
  /** Every id and value found, whatever request it belongs to (what the customer can answer with). */
  orderIds: string[];
  reservationIds: string[];
  paymentIds: string[];
  flightNumbers: string[];
  /** Dates as month and day (the instruction rarely gives a year). */
  dates: { month: number; day: number; text: string }[];
  airports: string[];
  cities: string[];
  cabin?: 'basic_economy' | 'economy' | 'business';
  baggage?: number;
  insurance?: boolean;
  passengers: { firstName: string; lastName?: string }[];
  /** Cancellation reasons the scenario gives ("ordered by mistake", "no longer needed"). */
  reasons: string[];
  conditions: Condition[];
  /** Personality words ("patient, shy") and behaviour sentences ("You like to do one thing at a time"). */
  persona: string[];
  /** What the customer does not know or remember ("email", "order id", "reservation id"). */
  unknown: string[];
  /** Things the customer wants to be told (a tracking number, a total). */
  questions: string[];
  /** The customer wants to give everything in its first message. */
  upfront: boolean;
}
