// How the τ agent reads a customer's words (src/simmodel/tau/agent/understand.ts, variants.ts):
// identities, ids, intents, payment wishes, addresses, yes and no, items and options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Item, Product } from '../src/simmodel/tau/agent/retailData';
import {
  cancelReason,
  isAffirmative,
  orderIds,
  paymentWish,
  readAddress,
  readIdentity,
  retailIntents,
} from '../src/simmodel/tau/agent/understand';
import { chooseVariant, focusedClauses, mentionedItems } from '../src/simmodel/tau/agent/variants';

describe('the τ agent reads the customer', () => {
  it('identities: email, name and zip, user id', () => {
    assert.deepEqual(readIdentity(['Sure, my email is mia.jackson5798@example.com.']), {
      email: 'mia.jackson5798@example.com',
    });
    assert.deepEqual(
      readIdentity(["I don't remember my email, but my name is Ivan Kim and my zip code is 60636."]),
      { firstName: 'Ivan', lastName: 'Kim', zip: '60636' },
    );
    assert.deepEqual(readIdentity(['My user id is ethan_martin_2396.']), { userId: 'ethan_martin_2396' });
    // An order id's digits are not a zip code.
    assert.equal(readIdentity(['It is order #W6236251.']).zip, undefined);
  });

  it('order ids with or without the #', () => {
    assert.deepEqual(orderIds('Orders #W6236251 and W2618034, please.'), ['#W6236251', '#W2618034']);
  });

  it('intents in the order they are asked for; the status decides exchange or modify', () => {
    assert.deepEqual(retailIntents('I want to exchange a coffee maker and cancel an order.'), [
      'items',
      'cancel',
    ]);
    assert.deepEqual(retailIntents("Hi, I'd like to return some items."), ['return']);
    assert.deepEqual(retailIntents('I need to change the shipping address of an order.'), ['address']);
    assert.deepEqual(retailIntents('Please update my default address.'), ['user-address']);
    assert.deepEqual(retailIntents("I'd like to change the payment method of an order."), ['payment']);
    assert.deepEqual(retailIntents('What is the status of my order?'), []);
  });

  it('cancel reasons, the last one said', () => {
    assert.equal(cancelReason('Please cancel it, I ordered it by mistake.'), 'ordered by mistake');
    assert.equal(cancelReason('I no longer need it.'), 'no longer needed');
    assert.equal(cancelReason('Just cancel it.'), undefined);
  });

  it('payment wishes: an id, a kind, a card by its last four, the original method', () => {
    assert.deepEqual(paymentWish(['Please use my gift card gift_card_5715854.']), {
      kind: 'id',
      id: 'gift_card_5715854',
    });
    assert.deepEqual(paymentWish(['Refund it to PayPal.']), { kind: 'source', source: 'paypal' });
    assert.deepEqual(paymentWish(['The visa card ending in 7447.']), {
      kind: 'source',
      source: 'credit_card',
      lastFour: '7447',
      brand: 'visa',
    });
    assert.deepEqual(paymentWish(['Use the original payment method.']), { kind: 'original' });
    // The latest wish wins.
    assert.deepEqual(paymentWish(['Use PayPal.', 'No, use credit_card_7952624 instead.']), {
      kind: 'id',
      id: 'credit_card_7952624',
    });
  });

  it('addresses, with or without a second line', () => {
    assert.deepEqual(
      readAddress(['Please change it to 629 Sunset Drive, Suite 581, San Diego, CA 92159, USA.']),
      {
        address1: '629 Sunset Drive',
        address2: 'Suite 581',
        city: 'San Diego',
        state: 'CA',
        country: 'USA',
        zip: '92159',
      },
    );
    assert.equal(readAddress(['The new address is 12 Elm Street, Austin, TX 78701.'])?.address2, '');
  });

  it('a plain yes is a yes; a yes with a correction is not', () => {
    assert.ok(isAffirmative('Yes, please go ahead.'));
    assert.ok(isAffirmative('Sure, proceed.'));
    assert.ok(!isAffirmative('Yes, but use my PayPal instead.'));
    assert.ok(!isAffirmative('No, that is not right.'));
  });
});

describe('the τ agent finds items and variants', () => {
  const item = (name: string, id: string, options: Record<string, string>): Item => ({
    name,
    product_id: `p-${name}`,
    item_id: id,
    price: 100,
    options,
  });
  const camera = item('Digital Camera', '1', { zoom: '10x', storage: 'CF card' });
  const action = item('Action Camera', '2', { resolution: '4K' });
  const boardA = item('Skateboard', '3', { 'deck material': 'plastic', length: '34 inch' });
  const boardB = item('Skateboard', '4', { 'deck material': 'plastic', length: '28 inch' });
  const order = {
    order_id: '#W1',
    status: 'delivered',
    items: [camera, action, boardA, boardB],
    paymentIds: [],
  };

  it('a shared head noun does not name both products; twins are told apart by their description', () => {
    assert.deepEqual(mentionedItems(['I want to return the camera.'], order), []);
    assert.deepEqual(mentionedItems(['I want to return the Digital Camera.'], order), [camera]);
    assert.deepEqual(
      mentionedItems(
        ["I'd like to exchange the Skateboard (plastic, 34 inch).", 'I want length 28 inch.'],
        order,
      ),
      [boardA],
    );
  });

  it('the variant with the options asked for, or the same item when asked for the same options', () => {
    const product: Product = {
      name: 'Digital Camera',
      product_id: 'p-Digital Camera',
      variants: [
        { item_id: '1', options: { zoom: '10x', storage: 'CF card' }, available: true, price: 100 },
        { item_id: '5', options: { zoom: '5x', storage: 'CF card' }, available: true, price: 90 },
        { item_id: '6', options: { zoom: '5x', storage: 'SD card' }, available: true, price: 95 },
      ],
    };
    const events = (text: string) => [{ kind: 'customer' as const, text }];
    const pick = (text: string) => chooseVariant(focusedClauses(events(text), [camera]), camera, product);
    const five = pick('For the Digital Camera, I would like zoom 5x.');
    assert.equal(five.kind === 'found' && five.variant.item_id, '5');
    assert.equal(five.kind === 'found' && five.near.map((v) => v.item_id).join(), '6');
    const same = pick('For the Digital Camera, I would like the exact same options.');
    assert.equal(same.kind === 'found' && same.variant.item_id, '1');
    assert.equal(pick('Hello.').kind, 'no-wish');
  });
});
