// Surface text for both simulated roles. Variants are picked with the request's PRNG so sampled
// branches read differently; every variant stays inside what the other side's reader (acts.ts)
// understands, which is what keeps the simulation consistent.
import type { DbRow } from '../env/toolwoz/db';
import type { BookSlot, Domain, SearchSlot, Slot } from './ontology';
import type { Rng } from './rng';

export const titleCase = (s: string): string => s.replace(/\b([a-z])/g, (c) => c.toUpperCase());

export const DOMAIN_NOUN: Record<Domain, string> = {
  restaurant: 'restaurant',
  hotel: 'place to stay',
  attraction: 'attraction',
  train: 'train',
};

/** How the caller says one constraint ("in the centre", "with free parking", ...). */
export function constraintPhrase(
  domain: Domain,
  slot: SearchSlot | BookSlot,
  value: string,
  rng: Rng,
): string {
  switch (slot) {
    case 'food':
      return rng.pick([
        `it should serve ${value} food`,
        `I'd like ${value} food`,
        `somewhere that serves ${value} food`,
      ]);
    case 'area':
      return rng.pick([
        `it should be in the ${value}`,
        `somewhere in the ${value} of town`,
        `in the ${value} please`,
      ]);
    case 'pricerange':
      return rng.pick([`it should be in the ${value} price range`, `something in the ${value} price range`]);
    case 'name':
      return rng.pick([`it is called ${value}`, `the one called ${value}`]);
    case 'parking':
      return value === 'no'
        ? `it doesn't need to have free parking`
        : rng.pick([`it should have free parking`, `with free parking`]);
    case 'internet':
      return value === 'no'
        ? `it doesn't need to have internet`
        : rng.pick([`it should have free wifi`, `with free wifi`]);
    case 'stars':
      return rng.pick([`it should have ${value} stars`, `a ${value} star place`]);
    case 'type':
      if (domain === 'hotel')
        return value === 'hotel'
          ? `it should be a hotel rather than a guesthouse`
          : `it should be a guesthouse`;
      return rng.pick([`I'd like to visit a ${value}`, `it should be a ${value}`]);
    case 'departure':
      return rng.pick([`departing from ${value}`, `leaving from ${value}`]);
    case 'destination':
      return rng.pick([`going to ${value}`, `travelling to ${value}`]);
    case 'day':
      return domain === 'train' ? `travelling on ${value}` : `on ${value}`;
    case 'leaveAt':
      return rng.pick([`leaving after ${value}`, `it should leave after ${value}`]);
    case 'arriveBy':
      return rng.pick([`arriving by ${value}`, `it should arrive by ${value}`]);
    case 'people':
      return `for ${value} people`;
    case 'time':
      return `at ${value}`;
    case 'stay':
      return `for ${value} nights`;
  }
}

export function intro(domain: Domain, rng: Rng): string {
  switch (domain) {
    case 'restaurant':
      return rng.pick([
        "I'm looking for a restaurant.",
        "I'm looking for a place to dine.",
        'I need a place to eat.',
      ]);
    case 'hotel':
      return rng.pick([
        "I'm looking for a place to stay.",
        'I need a place to stay.',
        "I'm looking for accommodation.",
      ]);
    case 'attraction':
      return rng.pick([
        "I'm looking for an attraction to visit.",
        "I'm looking for places to go in town.",
        'I want something to do in town.',
      ]);
    case 'train':
      return rng.pick(["I'm looking for a train.", 'I need a train.', 'I need to book a train.']);
  }
}

/** "Ashley Hotel is a 2-star hotel in the north ..." — what the agent says about a search result. */
export function describeRow(domain: Domain, row: DbRow): string {
  const s = (k: string): string => (typeof row[k] === 'string' ? (row[k] as string) : '');
  const name = titleCase(s('name'));
  switch (domain) {
    case 'restaurant':
      return `${name} is a ${s('pricerange')} ${s('food')} restaurant in the ${s('area')} of town.`;
    case 'hotel': {
      const extras = [
        s('parking') === 'yes' ? 'free parking' : '',
        s('internet') === 'yes' ? 'free wifi' : '',
      ].filter(Boolean);
      return `${name} is a ${s('stars')} star ${s('type')} in the ${s('area')}, in the ${s('pricerange')} price range${extras.length ? `, with ${extras.join(' and ')}` : ''}.`;
    }
    case 'attraction':
      return `${name} is a ${s('type')} in the ${s('area')} of town.`;
    case 'train':
      return `Train ${s('trainID')} leaves ${s('departure')} on ${s('day')} at ${s('leaveAt')} and arrives in ${s('destination')} at ${s('arriveBy')}. The fare is ${s('price')}.`;
  }
}

const ATTR_WORDS: Record<string, string> = {
  phone: 'phone number',
  address: 'address',
  postcode: 'postcode',
  price: 'price',
  'entrance fee': 'entrance fee',
  pricerange: 'price range',
  duration: 'travel time',
  arriveBy: 'arrival time',
  leaveAt: 'departure time',
  trainID: 'train ID',
  area: 'area',
  stars: 'star rating',
  internet: 'internet',
  parking: 'parking',
  food: 'food type',
  type: 'type',
  openhours: 'opening hours',
};

export const attrWord = (attr: string): string => ATTR_WORDS[attr] ?? attr;

/** The agent's answer to attribute questions, from the row it found. */
export function answerRequests(row: DbRow | undefined, requests: string[]): string {
  const parts: string[] = [];
  for (const r of requests) {
    if (r === 'reference') continue;
    const v = row?.[r === 'trainID' ? 'trainID' : r];
    const text = typeof v === 'string' ? v : v !== undefined && v !== null ? JSON.stringify(v) : undefined;
    parts.push(text && text !== '?' ? `the ${attrWord(r)} is ${text}` : `I don't have the ${attrWord(r)}`);
  }
  if (parts.length === 0) return '';
  const s = parts.join(', and ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

const QUESTIONS: Partial<Record<Slot, string[]>> = {
  area: ['Which area of town would you like?', 'Do you have a part of town in mind?'],
  pricerange: ['What price range are you looking for?', 'Do you have a price range in mind?'],
  food: ['What type of food would you like?', 'Is there a cuisine you prefer?'],
  stars: ['How many stars should it have?'],
  parking: ['Do you need free parking?'],
  internet: ['Do you need free wifi?'],
  departure: ['Where will you be departing from?', 'Where are you leaving from?'],
  destination: ['Where are you travelling to?', 'What is your destination?'],
  day: ['What day would you like?', 'Which day is that for?'],
  leaveAt: ['What time would you like to leave or arrive by?'],
  arriveBy: ['What time would you like to leave or arrive by?'],
  people: ['For how many people?', 'How many people will there be?'],
  time: ['What time would you like?', 'At what time?'],
  stay: ['How many nights will you be staying?', 'For how many nights?'],
};

export function question(domain: Domain, slot: Slot, rng: Rng): string {
  if (slot === 'type') {
    return domain === 'hotel'
      ? 'Would you prefer a hotel or a guesthouse?'
      : 'What type of attraction are you interested in?';
  }
  return rng.pick(QUESTIONS[slot] ?? [`Could you tell me the ${slot}?`]);
}

export function bookingSummary(domain: Domain, args: Record<string, string>): string {
  const name = domain === 'train' ? (args.trainID ?? 'the train') : titleCase(args.name ?? 'it');
  switch (domain) {
    case 'restaurant':
      return `a table at ${name} for ${args.people ?? '?'} people on ${args.day ?? '?'} at ${args.time ?? '?'}`;
    case 'hotel':
      return `${name} for ${args.people ?? '?'} people for ${args.stay ?? '?'} nights starting ${args.day ?? '?'}`;
    case 'train':
      return `${args.people ?? '?'} tickets on ${name}`;
    case 'attraction':
      return name;
  }
}
