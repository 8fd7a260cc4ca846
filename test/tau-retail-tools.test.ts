// τ-bench retail's tools on the real v1 DB: each tool's result and error texts, branch isolation,
// determinism, and the CPU cost of a call at branch depth 20 (printed). Expected texts were
// produced once with python3 running τ-bench's retail tool behaviour on the same DB, and pasted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { clearStateCache, executeWithPrior } from '../src/env/tau/core/state';
import { ToolError, type TauCall } from '../src/env/tau/core/types';
import { loadRetailV1Db, retailDomain } from '../src/env/tau/retail';
import { calculate } from '../src/env/tau/core/calculate';

const db = loadRetailV1Db(resolveDataDir());
const run = (name: string, args: Record<string, unknown> | string, prior: TauCall[] = []) =>
  executeWithPrior(retailDomain, db, prior, name, args);

const PENDING = '#W6779827'; // ethan_lopez_6291, paid 4079.45 by gift_card_7219486 (balance 49, an int)
const DELIVERED = '#W4817420'; // ava_moore_2033, paid by gift_card_8168843

describe('retail tools', () => {
  test('lookups: ids, records as json.dumps, errors', () => {
    assert.equal(
      run('find_user_id_by_email', { email: 'NOPE@example.com' }).content,
      'Error: user not found',
    );
    assert.equal(
      run('find_user_id_by_email', { email: 5 }).content,
      "Error: 'int' object has no attribute 'lower'",
    );
    assert.equal(
      run('find_user_id_by_name_zip', { first_name: 'ETHAN', last_name: 'lopez', zip: '00000' }).content,
      'Error: user not found',
    );
    const user = run('get_user_details', { user_id: 'ethan_lopez_6291' }).content;
    assert.match(user, /^\{"name": \{"first_name": "Ethan", "last_name": "Lopez"\}, /);
    assert.match(
      user,
      /"gift_card_7219486": \{"source": "gift_card", "balance": 49, "id": "gift_card_7219486"\}/,
    );
    const email = (JSON.parse(user) as { email: string }).email;
    assert.equal(run('find_user_id_by_email', { email: email.toUpperCase() }).content, 'ethan_lopez_6291');
    assert.equal(run('get_user_details', { user_id: 'x' }).content, 'Error: user not found');
    assert.equal(run('get_order_details', { order_id: 'W6779827' }).content, 'Error: order not found');
    assert.equal(
      run('get_order_details', { order_id: ['#W6779827'] }).content,
      "Error: unhashable type: 'list'",
    );
    assert.equal(run('get_product_details', { product_id: '1' }).content, 'Error: product not found');
    assert.match(run('get_product_details', { product_id: '9523456873' }).content, /^\{"name": "T-Shirt", /);
    assert.ok(
      run('list_all_product_types', {}).content.startsWith(
        '{"Action Camera": "3377618313", "Air Purifier": "3821016478", "Backpack": "2524789262", "Bicycle": "9783735446", "Blueto',
      ),
    );
    assert.deepEqual(run('think', { thought: 'hm' }), { content: '', error: false });
    assert.deepEqual(run('transfer_to_human_agents', { summary: 's' }), {
      content: 'Transfer successful',
      error: false,
      endsConversation: true,
    });
  });

  test('calculate evaluates as Python and rounds to 2 decimals', () => {
    // python3: τ-bench's calculate on each expression
    const cases: [string, string][] = [
      ['2 + 2', '4.0'],
      ['1/3', '0.33'],
      ['2.675 * 1', '2.67'],
      ['-7 // 2', '-4.0'],
      ['2 ** 3 ** 2', '512.0'],
      ['-2 ** 2', '-4.0'],
      ['.5 + 5.', '5.5'],
      ['12345678901234567890 * 98765432109876543210', '1.219326311370218e+39'],
      ['1/0', 'Error: division by zero'],
      ['1.0//0', 'Error: float floor division by zero'],
      ['(1', "Error: '(' was never closed (<string>, line 1)"],
      ['1)', "Error: unmatched ')' (<string>, line 1)"],
      [
        '007',
        'Error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)',
      ],
      ['', 'Error: invalid syntax (<string>, line 0)'],
      ['1 2', 'Error: invalid syntax (<string>, line 1)'],
      ['()', "Error: float() argument must be a string or a real number, not 'tuple'"],
      ['(-8)**0.5', "Error: float() argument must be a string or a real number, not 'complex'"],
      ['2(3)', "Error: 'int' object is not callable"],
      ['10**400', 'Error: int too large to convert to float'],
      ['2.0**10000', "Error: (34, 'Numerical result out of range')"],
      ['1e5', 'Error: invalid characters in expression'],
    ];
    // The tool's text: its result, or `Error: ...` for what it raises.
    const text = (e: string): string => {
      try {
        return calculate(e);
      } catch (err) {
        if (err instanceof ToolError) return `Error: ${err.message}`;
        throw err;
      }
    };
    for (const [e, want] of cases) assert.equal(text(e), want, e);
    assert.deepEqual(run('calculate', { expression: '1/0' }), {
      content: 'Error: division by zero',
      error: true,
    });
  });

  test('cancel: refund to a gift card at once (int balance + float amount → float), errors in order', () => {
    const out = run('cancel_pending_order', { order_id: PENDING, reason: 'no longer needed' });
    assert.ok(
      out.content.endsWith(
        '"amount": 4079.45, "payment_method_id": "gift_card_7219486"}, {"transaction_type": "refund", "amount": 4079.45, "payment_method_id": "gift_card_7219486"}], "cancel_reason": "no longer needed"}',
      ),
    );
    const after = [
      { name: 'cancel_pending_order', arguments: { order_id: PENDING, reason: 'no longer needed' } },
    ];
    assert.match(
      run('get_user_details', { user_id: 'ethan_lopez_6291' }, after).content,
      /"gift_card_7219486": \{"source": "gift_card", "balance": 4128.45, /,
    );
    assert.equal(
      run('cancel_pending_order', { order_id: PENDING, reason: 'no longer needed' }, after).content,
      'Error: non-pending order cannot be cancelled',
    );
    assert.equal(
      run('cancel_pending_order', { order_id: PENDING, reason: 'bored' }).content,
      'Error: invalid reason',
    );
    assert.equal(
      run('cancel_pending_order', { order_id: DELIVERED, reason: 'bored' }).content,
      'Error: non-pending order cannot be cancelled',
    );
    assert.equal(
      run('cancel_pending_order', { order_id: PENDING }).content,
      "Error: CancelPendingOrder.invoke() missing 1 required positional argument: 'reason'",
    );
  });

  test('return: sorted items, payment rules, one return per order', () => {
    const args = {
      order_id: DELIVERED,
      item_ids: ['4900661478', '6777246137'],
      payment_method_id: 'gift_card_8168843',
    };
    assert.ok(
      run('return_delivered_order_items', args).content.endsWith(
        '"return_items": ["4900661478", "6777246137"], "return_payment_method_id": "gift_card_8168843"}',
      ),
    );
    const after = [{ name: 'return_delivered_order_items', arguments: args }];
    assert.equal(
      run('return_delivered_order_items', { ...args, item_ids: ['4900661478'] }, after).content,
      'Error: non-delivered order cannot be returned',
    );
    assert.equal(
      run('return_delivered_order_items', { ...args, item_ids: ['4900661478', '4900661478'] }).content,
      'Error: some item not found',
    );
    assert.equal(
      run('return_delivered_order_items', { ...args, payment_method_id: 'paypal_0' }).content,
      'Error: payment method not found',
    );
    assert.equal(
      run('return_delivered_order_items', { ...args, order_id: PENDING }).content,
      'Error: non-delivered order cannot be returned',
    );
  });

  test('modify payment / address / items and exchange: errors named as τ-bench names them', () => {
    assert.equal(
      run('modify_pending_order_payment', { order_id: PENDING, payment_method_id: 'gift_card_7219486' })
        .content,
      'Error: the new payment method should be different from the current one',
    );
    const pay = run('modify_pending_order_payment', {
      order_id: PENDING,
      payment_method_id: 'credit_card_9789590',
    });
    assert.ok(
      pay.content.endsWith(
        '{"transaction_type": "refund", "amount": 4079.45, "payment_method_id": "gift_card_7219486"}]}',
      ),
    );
    const address = {
      address1: '1 A St',
      address2: '',
      city: 'X',
      state: 'CA',
      country: 'USA',
      zip: '12345',
    };
    assert.match(
      run('modify_pending_order_address', { order_id: PENDING, ...address }).content,
      /"address": \{"address1": "1 A St", "address2": "", "city": "X", "state": "CA", "country": "USA", "zip": "12345"\}/,
    );
    assert.equal(
      run('modify_pending_order_address', { order_id: DELIVERED, ...address }).content,
      'Error: non-pending order cannot be modified',
    );
    assert.match(
      run('modify_user_address', { user_id: 'ethan_lopez_6291', ...address }).content,
      /"address": \{"address1": "1 A St"/,
    );
    assert.equal(
      run('modify_user_address', { user_id: 'nobody', ...address }).content,
      'Error: user not found',
    );
    assert.equal(
      run('exchange_delivered_order_items', {
        order_id: DELIVERED,
        item_ids: ['1'],
        new_item_ids: ['2'],
        payment_method_id: 'x',
      }).content,
      'Error: 1 not found',
    );
    assert.equal(
      run('exchange_delivered_order_items', {
        order_id: DELIVERED,
        item_ids: ['4900661478'],
        new_item_ids: [],
        payment_method_id: 'x',
      }).content,
      'Error: the number of items to be exchanged should match',
    );
    assert.equal(
      run('exchange_delivered_order_items', {
        order_id: DELIVERED,
        item_ids: ['4900661478'],
        new_item_ids: ['0'],
        payment_method_id: 'x',
      }).content,
      'Error: new item 0 not found or available',
    );
    assert.equal(
      run('modify_pending_order_items', {
        order_id: DELIVERED,
        item_ids: [],
        new_item_ids: [],
        payment_method_id: 'x',
      }).content,
      'Error: non-pending order cannot be modified',
    );
  });

  test('sibling branches write differently and each sees only its own write; same input, same text', () => {
    const a: TauCall[] = [
      { name: 'cancel_pending_order', arguments: { order_id: PENDING, reason: 'no longer needed' } },
    ];
    const b: TauCall[] = [
      { name: 'cancel_pending_order', arguments: { order_id: PENDING, reason: 'ordered by mistake' } },
    ];
    const seenA = run('get_order_details', { order_id: PENDING }, a).content;
    const seenB = run('get_order_details', { order_id: PENDING }, b).content;
    assert.match(seenA, /"cancel_reason": "no longer needed"/);
    assert.match(seenB, /"cancel_reason": "ordered by mistake"/);
    assert.match(run('get_order_details', { order_id: PENDING }).content, /"status": "pending"/);
    clearStateCache();
    assert.equal(run('get_order_details', { order_id: PENDING }, a).content, seenA);
  });

  test('a call at branch depth 20 costs little CPU (figure printed)', () => {
    const prior: TauCall[] = [];
    for (let i = 0; i < 20; i++) {
      prior.push(
        i % 2
          ? { name: 'get_order_details', arguments: { order_id: PENDING } }
          : {
              name: 'modify_user_address',
              arguments: {
                user_id: 'ethan_lopez_6291',
                address1: `${i} St`,
                address2: '',
                city: 'X',
                state: 'CA',
                country: 'USA',
                zip: '1',
              },
            },
      );
    }
    run('get_user_details', { user_id: 'ethan_lopez_6291' }, prior); // warm: states of every prefix cached
    const n = 200;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++)
      run(
        'modify_pending_order_address',
        {
          order_id: PENDING,
          address1: `${i}`,
          address2: '',
          city: 'X',
          state: 'CA',
          country: 'USA',
          zip: '1',
        },
        prior,
      );
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000 / n;
    console.log(`retail tool call at depth 20: ${ms.toFixed(3)} ms CPU per call (mean of ${n})`);
    const cold = process.cpuUsage();
    clearStateCache();
    run('get_user_details', { user_id: 'ethan_lopez_6291' }, prior);
    const c = process.cpuUsage(cold);
    console.log(
      `retail tool call at depth 20, cold cache (replays 20 calls): ${((c.user + c.system) / 1000).toFixed(3)} ms CPU`,
    );
  });
});
