/* The page script of a josh run report (src/report). Plain browser JavaScript, inlined into the
 * HTML with d3-hierarchy (global `d3`, used for the tree layout only) and the run's data (the
 * #report-data JSON). Conversation trees are gzip+base64 strings decoded only when opened, so a
 * 1,000-conversation report opens as fast as its list; all text goes in via textContent. */
/* global d3 */
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('report-data').textContent);
  const COL = Object.fromEntries(DATA.columns.map((c, i) => [c, i]));
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const treeCache = new Map();

  // ---- small helpers -------------------------------------------------------------------------
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat()) if (c) el.append(c);
    return el;
  }
  const pct = (x) => (Number.isFinite(x) ? (100 * x).toFixed(1) + '%' : '–');
  const dec = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
  const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
  const ci = (i, f) => (i ? f(i.estimate) + ' [' + f(i.low) + ', ' + f(i.high) + ']' : '–');
  const workflowUrl = (id) =>
    DATA.ui.url +
    '/namespaces/' +
    encodeURIComponent(DATA.ui.namespace) +
    '/workflows/' +
    encodeURIComponent(id);
  const uiLink = (id, text) =>
    h('a', { href: workflowUrl(id), target: '_blank', rel: 'noopener', title: id }, text);

  // ---- header and summary --------------------------------------------------------------------
  function renderHeader() {
    const r = DATA.run;
    const c = r.config;
    document.title = 'josh report: ' + r.id;
    document.getElementById('title').textContent = 'Run ' + r.id;
    document.getElementById('subtitle').textContent =
      r.mode +
      ' · ' +
      r.env +
      '/' +
      r.split +
      ' · agent ' +
      c.agentModel +
      ' (temperature ' +
      c.agentTemperature +
      ') · user ' +
      c.userSim +
      ' ' +
      c.userModel +
      ' · status ' +
      r.status +
      (r.finishedAt ? ' · finished ' + r.finishedAt : '');
  }

  function card(value, key, note) {
    return h(
      'div',
      { class: 'card' },
      h('div', { class: 'v', text: value }),
      h('div', { class: 'k', text: key }),
      note ? h('div', { class: 'muted', text: note }) : null,
    );
  }

  function renderSummary() {
    const S = DATA.summary;
    const el = document.getElementById('summary');
    const level = Math.round(S.bootstrap.level * 100) + '% CI';
    const u = S.usage;
    const totalTokens =
      u.agent.promptTokens + u.agent.completionTokens + u.user.promptTokens + u.user.completionTokens;
    const cards = h(
      'div',
      { class: 'cards' },
      card(
        int(S.conversations) +
          (S.expected !== null && S.expected !== S.conversations ? ' / ' + int(S.expected) : ''),
        'conversations',
        S.overall.tasks + ' tasks × ' + S.trials + ' trial' + (S.trials > 1 ? 's' : ''),
      ),
      card(
        pct(S.overall.successRate.estimate),
        'success rate',
        level + ' ' + pct(S.overall.successRate.low) + ' – ' + pct(S.overall.successRate.high),
      ),
      card(
        dec(S.overall.averageReward.estimate),
        'average reward',
        level + ' ' + dec(S.overall.averageReward.low) + ' – ' + dec(S.overall.averageReward.high),
      ),
      S.solvable
        ? card(
            pct(S.solvable.successRate.estimate),
            'success, solvable subset',
            S.solvable.tasks + ' tasks; reward ' + dec(S.solvable.averageReward.estimate),
          )
        : null,
      card(
        int(u.agent.calls + u.user.calls),
        'LLM calls',
        'agent ' + int(u.agent.calls) + ' · user ' + int(u.user.calls),
      ),
      card(int(totalTokens), 'tokens', int(totalTokens / Math.max(1, S.conversations)) + ' per conversation'),
      card(
        S.cost ? '$' + S.cost.total.toFixed(2) : '–',
        'estimated cost',
        S.cost
          ? S.cost.missing.length
            ? 'no price for ' + S.cost.missing.join(', ')
            : 'agent + user'
          : 'no prices given (--prices)',
      ),
    );
    el.append(h('h2', { text: 'Summary' }), cards);
    if (DATA.run.mode === 'harvest') {
      el.append(
        h('p', {
          class: 'muted',
          text: 'Harvest rewards are JOSH progress rewards (goal calls met along the search); evaluate with josh eval for the whole-conversation metric.',
        }),
      );
    }

    const charts = h('div', { class: 'charts' });
    const rows = DATA.rows;
    const rewards = rows.map((r) => r[COL.reward]);
    const rewardBins = [
      ['0', (x) => x === 0],
      ['<.2', (x) => x > 0 && x < 0.2],
      ['.2–.4', (x) => x >= 0.2 && x < 0.4],
      ['.4–.6', (x) => x >= 0.4 && x < 0.6],
      ['.6–.8', (x) => x >= 0.6 && x < 0.8],
      ['.8–1', (x) => x >= 0.8 && x < 1],
      ['1', (x) => x === 1],
    ];
    charts.append(
      h(
        'div',
        null,
        h('h3', { text: 'Reward per conversation' }),
        barChart(
          rewardBins.map((b) => b[0]),
          rewardBins.map((b) => rewards.filter(b[1]).length),
          { fullLast: true },
        ),
      ),
    );
    charts.append(
      h('div', null, h('h3', { text: 'Success by domain (' + level + ')' }), domainChart(S.domains)),
    );
    const calls = rows.map((r) => r[COL.agentCalls] + r[COL.userCalls]);
    const hc = histogram(calls);
    charts.append(
      h(
        'div',
        null,
        h('h3', { text: 'LLM calls per conversation (mean ' + (mean(calls) || 0).toFixed(1) + ')' }),
        barChart(hc.labels, hc.counts, { ranges: hc.ranges }),
      ),
    );
    const toks = rows.map((r) => r[COL.tokens]);
    const ht = histogram(toks);
    charts.append(
      h(
        'div',
        null,
        h('h3', { text: 'Tokens per conversation (mean ' + int(mean(toks)) + ')' }),
        barChart(ht.labels, ht.counts, { ranges: ht.ranges }),
      ),
    );
    el.append(charts);

    if (S.passK.length) {
      el.append(
        h('h3', { text: 'pass^k (τ-bench: C(c,k)/C(n,k) per task, averaged)' }),
        h(
          'table',
          null,
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { text: 'k' }),
              h('th', { text: 'tasks' }),
              h('th', { text: 'pass^k ' + level }),
            ),
          ),
          h(
            'tbody',
            null,
            S.passK.map((p) =>
              h(
                'tr',
                null,
                h('td', { text: p.k }),
                h('td', { text: p.tasks }),
                h('td', { text: ci(p, dec) }),
              ),
            ),
          ),
        ),
      );
    }
    const domRows = S.domains.map((d) =>
      h(
        'tr',
        null,
        h('td', { text: d.domain }),
        h('td', { class: 'num', text: d.tasks }),
        h('td', { class: 'num', text: d.conversations }),
        h('td', { class: 'num', text: ci(d.successRate, pct) }),
        h('td', { class: 'num', text: ci(d.averageReward, dec) }),
      ),
    );
    if (S.solvable)
      domRows.unshift(
        h(
          'tr',
          null,
          h('td', { text: 'solvable subset' }),
          h('td', { class: 'num', text: S.solvable.tasks }),
          h('td', { class: 'num', text: S.solvable.conversations }),
          h('td', { class: 'num', text: ci(S.solvable.successRate, pct) }),
          h('td', { class: 'num', text: ci(S.solvable.averageReward, dec) }),
        ),
      );
    domRows.unshift(
      h(
        'tr',
        null,
        h('td', { text: 'all tasks' }),
        h('td', { class: 'num', text: S.overall.tasks }),
        h('td', { class: 'num', text: S.overall.conversations }),
        h('td', { class: 'num', text: ci(S.overall.successRate, pct) }),
        h('td', { class: 'num', text: ci(S.overall.averageReward, dec) }),
      ),
    );
    el.append(
      h(
        'details',
        null,
        h('summary', { text: 'Breakdown table (a multi-domain task counts in each of its domains)' }),
        h(
          'table',
          null,
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['', 'tasks', 'conv.', 'success rate ' + level, 'average reward ' + level].map((t, i) =>
                h('th', { class: i ? 'num' : null, text: t }),
              ),
            ),
          ),
          h('tbody', null, domRows),
        ),
      ),
      h(
        'details',
        null,
        h('summary', { text: 'Configuration' }),
        h(
          'table',
          null,
          h(
            'tbody',
            null,
            Object.entries(DATA.run.config).map(([k, v]) =>
              h(
                'tr',
                null,
                h('td', { text: k }),
                h('td', { text: typeof v === 'object' ? JSON.stringify(v) : String(v) }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function mean(xs) {
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  }

  /** About ten equal-width integer bins over the values' range. */
  function histogram(values) {
    if (!values.length) return { labels: [], counts: [] };
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const width = Math.max(1, Math.ceil((hi - lo + 1) / 10));
    const n = Math.floor((hi - lo) / width) + 1;
    const counts = new Array(n).fill(0);
    for (const v of values) counts[Math.floor((v - lo) / width)]++;
    const short = (x) =>
      x >= 10000 ? Math.round(x / 1000) + 'k' : x >= 1000 ? (x / 1000).toFixed(1) + 'k' : String(x);
    // Bars are labelled by their lower bound (room for ~10 labels); the tooltip has the range.
    const labels = counts.map((_, i) => short(lo + i * width));
    const ranges = counts.map((_, i) =>
      width === 1 ? String(lo + i) : lo + i * width + '–' + (lo + (i + 1) * width - 1),
    );
    return { labels, counts, ranges };
  }

  function barChart(labels, counts, opts) {
    const W = 360;
    const H = 150;
    const pad = 22;
    const max = Math.max(1, ...counts);
    const bw = (W - 10) / Math.max(1, counts.length);
    const svg = s('svg', {
      width: W,
      height: H + pad + 4,
      viewBox: '0 0 ' + W + ' ' + (H + pad + 4),
      role: 'img',
    });
    counts.forEach((c, i) => {
      const bh = (c / max) * (H - 14);
      const x = 5 + i * bw;
      const full = opts && opts.fullLast && i === counts.length - 1;
      const range = opts && opts.ranges ? opts.ranges[i] : labels[i];
      svg.append(
        s(
          'rect',
          {
            class: 'bar' + (full ? ' full' : ''),
            x: x + 2,
            y: H - bh,
            width: Math.max(1, bw - 4),
            height: bh,
          },
          s('title', { text: range + ': ' + c }),
        ),
      );
      if (c)
        svg.append(
          s('text', { class: 'bar-label', x: x + bw / 2, y: H - bh - 3, 'text-anchor': 'middle', text: c }),
        );
      svg.append(
        s('text', { class: 'bar-label', x: x + bw / 2, y: H + 14, 'text-anchor': 'middle', text: labels[i] }),
      );
    });
    return svg;
  }

  function domainChart(domains) {
    if (!domains.length)
      return h('p', { class: 'muted', text: 'No domain information (task ids not in the data directory).' });
    const W = 360;
    const row = 26;
    const left = 90;
    const H = domains.length * row + 20;
    const x = (v) => left + v * (W - left - 50);
    const svg = s('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    domains.forEach((d, i) => {
      const y = 6 + i * row;
      const r = d.successRate;
      svg.append(
        s('text', {
          class: 'bar-label',
          x: left - 6,
          y: y + 13,
          'text-anchor': 'end',
          text: d.domain + ' (' + d.tasks + ')',
        }),
      );
      svg.append(
        s(
          'rect',
          { class: 'bar', x: left, y: y + 2, width: Math.max(1, x(r.estimate) - left), height: 16 },
          s('title', { text: d.domain + ': ' + ci(r, pct) }),
        ),
      );
      svg.append(s('line', { class: 'whisker', x1: x(r.low), x2: x(r.high), y1: y + 10, y2: y + 10 }));
      svg.append(s('line', { class: 'whisker', x1: x(r.low), x2: x(r.low), y1: y + 5, y2: y + 15 }));
      svg.append(s('line', { class: 'whisker', x1: x(r.high), x2: x(r.high), y1: y + 5, y2: y + 15 }));
      svg.append(s('text', { class: 'bar-label', x: x(1) + 4, y: y + 13, text: pct(r.estimate) }));
    });
    return svg;
  }

  // ---- conversation list ---------------------------------------------------------------------
  const listState = { sort: null, desc: false, text: '', outcome: 'all', domain: '' };
  const LIST_COLUMNS = [
    ['task', 'taskId'],
    ['trial', 'trial', true],
    ['domains', 'domains'],
    ['reward', 'reward', true],
    ['success', 'success'],
    ['steps', 'steps', true],
    ['nodes', 'nodes', true],
    ['LLM calls', 'calls', true],
    ['tokens', 'tokens', true],
    ['stop', 'stopReason'],
    ['golden path', 'hasGolden'],
    ['Temporal', null],
  ];

  function cellValue(r, key) {
    if (key === 'calls') return r[COL.agentCalls] + r[COL.userCalls];
    if (key === 'domains') return r[COL.domains].join(' ');
    return r[COL[key]];
  }

  function renderList() {
    const el = document.getElementById('conversations');
    const domains = [...new Set(DATA.rows.flatMap((r) => r[COL.domains]))].sort();
    const tbody = h('tbody');
    const count = h('span', { class: 'muted' });
    const draw = () => {
      let idx = DATA.rows.map((_, i) => i);
      const t = listState.text.toLowerCase();
      idx = idx.filter((i) => {
        const r = DATA.rows[i];
        if (t && !r[COL.taskId].toLowerCase().includes(t)) return false;
        if (listState.domain && !r[COL.domains].includes(listState.domain)) return false;
        const rw = r[COL.reward];
        if (listState.outcome === 'success' && !r[COL.success]) return false;
        if (listState.outcome === 'failure' && r[COL.success]) return false;
        if (listState.outcome === 'partial' && !(rw > 0 && rw < 1)) return false;
        if (listState.outcome === 'zero' && rw !== 0) return false;
        return true;
      });
      if (listState.sort) {
        const k = listState.sort;
        idx.sort((a, b) => {
          const va = cellValue(DATA.rows[a], k);
          const vb = cellValue(DATA.rows[b], k);
          const c = va < vb ? -1 : va > vb ? 1 : a - b;
          return listState.desc ? -c : c;
        });
      }
      const frag = document.createDocumentFragment();
      for (const i of idx) frag.append(listRow(i));
      tbody.replaceChildren(frag);
      count.textContent = idx.length + ' of ' + DATA.rows.length + ' conversations';
    };
    const head = h(
      'tr',
      null,
      LIST_COLUMNS.map(([label, key, num]) =>
        h('th', {
          class: (num ? 'num ' : '') + (key ? 'sortable' : ''),
          text: label,
          onclick: key
            ? () => {
                listState.desc = listState.sort === key ? !listState.desc : false;
                listState.sort = key;
                draw();
              }
            : null,
        }),
      ),
    );
    const filters = h(
      'div',
      { class: 'filters' },
      h('input', {
        type: 'search',
        placeholder: 'task id…',
        oninput: (e) => ((listState.text = e.target.value), draw()),
      }),
      h(
        'select',
        { onchange: (e) => ((listState.outcome = e.target.value), draw()) },
        [
          ['all', 'all outcomes'],
          ['success', 'success (reward 1)'],
          ['failure', 'not successful'],
          ['partial', 'partial reward'],
          ['zero', 'reward 0'],
        ].map(([v, t]) => h('option', { value: v, text: t })),
      ),
      h(
        'select',
        { onchange: (e) => ((listState.domain = e.target.value), draw()) },
        h('option', { value: '', text: 'all domains' }),
        domains.map((d) => h('option', { value: d, text: d })),
      ),
      count,
      h('span', { class: 'muted', text: 'click a row to open its search tree' }),
    );
    el.append(
      h('h2', { text: 'Conversations' }),
      filters,
      h('div', { class: 'list-wrap' }, h('table', { id: 'conv-table' }, h('thead', null, head), tbody)),
    );
    draw();
  }

  function listRow(i) {
    const r = DATA.rows[i];
    const tr = h(
      'tr',
      { 'data-index': i, onclick: () => openConversation(i, null) },
      h('td', { text: r[COL.taskId] }),
      h('td', { class: 'num', text: r[COL.trial] }),
      h('td', { text: r[COL.domains].join(', ') }),
      h('td', { class: 'num', text: dec(r[COL.reward]) }),
      h('td', { class: r[COL.success] ? 'ok' : 'bad', text: r[COL.success] ? '✓' : '✗' }),
      h('td', { class: 'num', text: r[COL.steps] }),
      h('td', { class: 'num', text: r[COL.nodes] }),
      h('td', { class: 'num', text: r[COL.agentCalls] + r[COL.userCalls] }),
      h('td', { class: 'num', text: int(r[COL.tokens]) }),
      h('td', { text: r[COL.stopReason] }),
      h('td', { text: r[COL.hasGolden] ? 'yes' : '' }),
      h('td', null, uiLink(r[COL.workflowId], 'workflow')),
    );
    if (i === openIndex) tr.classList.add('open');
    return tr;
  }

  // ---- one conversation: decode, lay out, draw -----------------------------------------------
  let openIndex = -1;

  async function decodeTree(i) {
    if (treeCache.has(i)) return treeCache.get(i);
    if (typeof DecompressionStream === 'undefined') {
      throw new Error(
        'this browser cannot decompress the embedded trees (DecompressionStream: Chrome 80+, Firefox 113+, Safari 16.4+)',
      );
    }
    const bin = atob(DATA.trees[i]);
    const bytes = new Uint8Array(bin.length);
    for (let k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    const tree = JSON.parse(await new Response(stream).text());
    treeCache.set(i, tree);
    return tree;
  }

  /** Visual nodes are agent turns: a search node with several turns becomes a chain of them. */
  function buildVisualTree(tree, stopReason) {
    const nodes = new Map(
      tree.nodes.map((n) => [
        n[0],
        { id: n[0], parentId: n[1], flags: n[2], endReason: n[3], turns: n[4], children: [] },
      ]),
    );
    for (const n of nodes.values())
      if (n.parentId !== null && nodes.has(n.parentId)) nodes.get(n.parentId).children.push(n.id);
    for (const n of nodes.values()) n.children.sort((a, b) => a - b);
    // The last collapse target is the deepest golden node; what is not under it and not golden was
    // pruned by a collapse. With no collapse at all, the whole tree is the final tree.
    const golden = [...nodes.values()].filter((n) => n.flags & 1);
    const finalRoot =
      golden.find((g) => !g.children.some((c) => nodes.get(c).flags & 1)) ||
      nodes.get(0) ||
      [...nodes.values()][0];
    const inFinal = new Set();
    const mark = (id) => {
      inFinal.add(id);
      nodes.get(id).children.forEach(mark);
    };
    if (finalRoot) mark(finalRoot.id);

    const start = { key: 'start', kind: 'start', children: [], golden: golden.length > 0 };
    const attach = (id, parentVis) => {
      const n = nodes.get(id);
      const isGolden = Boolean(n.flags & 1);
      const base = {
        nodeId: id,
        node: n,
        golden: isGolden,
        successful: Boolean(n.flags & 2) && !isGolden,
        pruned: !isGolden && !inFinal.has(id),
      };
      let last = parentVis;
      if (n.turns.length === 0 && n.parentId !== null) {
        const v = Object.assign({ key: id + '.empty', kind: 'empty', children: [], parent: last }, base);
        last.children.push(v);
        last = v;
      }
      n.turns.forEach((t, ti) => {
        const isLast = ti === n.turns.length - 1;
        const v = Object.assign(
          { key: id + '.' + ti, kind: 'turn', turnIndex: ti, turn: t, children: [], parent: last },
          base,
          {
            rewarded: t[2].length > 0,
            error:
              t[4] !== null ||
              (isLast &&
                n.endReason &&
                n.endReason !== 'user-ended' &&
                n.endReason !== 'done' &&
                Boolean(n.flags & 4)),
            ended: isLast && n.endReason === 'user-ended',
            live:
              stopReason === 'max-steps' &&
              isLast &&
              n.children.length === 0 &&
              !(n.flags & 4) &&
              inFinal.has(id),
          },
        );
        last.children.push(v);
        last = v;
      });
      for (const c of n.children) attach(c, last);
    };
    const root = nodes.get(0) || [...nodes.values()].find((n) => n.parentId === null);
    if (root) attach(root.id, start);
    return { start, nodes };
  }

  async function openConversation(i, selectKey) {
    openIndex = i;
    for (const tr of document.querySelectorAll('#conv-table tbody tr'))
      tr.classList.toggle('open', Number(tr.dataset.index) === i);
    const r = DATA.rows[i];
    const el = document.getElementById('viewer');
    el.replaceChildren(
      h('h2', { text: 'Conversation ' + r[COL.taskId] + (r[COL.trial] ? ' trial ' + r[COL.trial] : '') }),
      h('p', { class: 'muted', text: 'decoding…' }),
    );
    el.hidden = false;
    history.replaceState(null, '', '#c=' + encodeURIComponent(r[COL.taskId] + '~t' + r[COL.trial]));
    let tree;
    try {
      tree = await decodeTree(i);
    } catch (err) {
      el.replaceChildren(
        h('h2', { text: 'Conversation ' + r[COL.taskId] }),
        h('p', { class: 'bad', text: String(err && err.message ? err.message : err) }),
      );
      return;
    }
    if (openIndex !== i) return; // another conversation was opened meanwhile
    const vis = buildVisualTree(tree, r[COL.stopReason]);
    const detail = h('div', { class: 'detail', id: 'detail' });
    const info = h(
      'p',
      null,
      h('span', {
        class: 'badge ' + (r[COL.success] ? 'successful' : 'error'),
        text: r[COL.success] ? 'success' : 'no success',
      }),
      'reward ' +
        dec(r[COL.reward]) +
        ' of ' +
        r[COL.goalCount] +
        ' goal calls · ' +
        r[COL.steps] +
        ' steps · ' +
        r[COL.nodes] +
        ' search nodes · stop: ' +
        r[COL.stopReason] +
        ' · ',
      uiLink(r[COL.workflowId], 'conversation workflow in the Temporal Web UI'),
    );
    const svg = drawTree(vis, tree, detail);
    el.replaceChildren(
      h('h2', { text: 'Conversation ' + r[COL.taskId] + (r[COL.trial] ? ' trial ' + r[COL.trial] : '') }),
      info,
      legend(),
      h('div', { class: 'viewer' }, h('div', { class: 'tree-wrap' }, svg), detail),
    );
    const all = [];
    const walk = (v) => {
      all.push(v);
      v.children.forEach(walk);
    };
    walk(vis.start);
    const pick =
      (selectKey && all.find((v) => v.key === selectKey)) ||
      [...all].reverse().find((v) => v.golden && v.kind === 'turn') ||
      all[1] ||
      all[0];
    select(pick, tree, detail);
    el.scrollIntoView({ block: 'start' });
  }

  function legend() {
    const item = (cls, text, extra) => {
      const g = s(
        'g',
        { class: 'tnode ' + cls, transform: 'translate(12,10)' },
        s('circle', { class: 'dot', r: 6 }),
        extra || null,
      );
      return h('span', null, s('svg', { width: 26, height: 20 }, g), ' ' + text);
    };
    return h(
      'div',
      { class: 'legend' },
      item('golden', 'golden path'),
      item('successful', 'led to a reward (not chosen)'),
      item('', 'rewarded turn', s('circle', { class: 'reward', r: 9 })),
      item('', 'other turn'),
      item('pruned', 'pruned at a collapse'),
      item('error', 'agent error'),
      item('', 'user hung up', s('rect', { class: 'ended', x: 8, y: -3.5, width: 7, height: 7 })),
      item('live', 'still live when the steps ran out'),
    );
  }

  function drawTree(vis, tree, detail) {
    const DX = 96;
    const DY = 24;
    const root = d3.hierarchy(vis.start, (v) => v.children);
    d3
      .tree()
      .nodeSize([DY, DX])
      .separation((a, b) => (a.parent === b.parent ? 1 : 1.25))(root);
    let minX = Infinity;
    let maxX = -Infinity;
    let maxDepth = 0;
    root.each((n) => {
      minX = Math.min(minX, n.x);
      maxX = Math.max(maxX, n.x);
      maxDepth = Math.max(maxDepth, n.depth);
    });
    const top = 30;
    const left = 30;
    const width = left + maxDepth * DX + 120;
    const height = top + (maxX - minX) + 30;
    const px = (n) => left + n.depth * DX;
    const py = (n) => top + n.x - minX;
    const svg = s('svg', { width, height, class: 'search-tree', 'data-nodes': root.descendants().length });
    const axis = s('g', { class: 'axis' });
    for (let d = 0; d <= maxDepth; d++)
      axis.append(
        s('text', {
          x: left + d * DX,
          y: 12,
          'text-anchor': 'middle',
          text: d === 0 ? 'start' : 'step ' + d,
        }),
      );
    svg.append(axis);
    const links = s('g');
    for (const l of root.links()) {
      const a = l.source;
      const b = l.target;
      const mx = (px(a) + px(b)) / 2;
      const cls = 'link' + (b.data.golden ? ' golden' : '') + (b.data.pruned ? ' pruned' : '');
      links.append(
        s('path', {
          class: cls,
          d:
            'M' +
            px(a) +
            ',' +
            py(a) +
            'C' +
            mx +
            ',' +
            py(a) +
            ' ' +
            mx +
            ',' +
            py(b) +
            ' ' +
            px(b) +
            ',' +
            py(b),
        }),
      );
    }
    svg.append(links);
    const nodesG = s('g');
    for (const n of root.descendants()) {
      const v = n.data;
      const cls = [
        'tnode',
        v.kind === 'start' ? 'start' : '',
        v.golden ? 'golden' : '',
        v.successful ? 'successful' : '',
        v.rewarded ? 'rewarded' : '',
        v.error ? 'error' : '',
        v.pruned ? 'pruned' : '',
        v.live ? 'live' : '',
      ]
        .filter(Boolean)
        .join(' ');
      const g = s('g', {
        class: cls,
        transform: 'translate(' + px(n) + ',' + py(n) + ')',
        'data-key': v.key,
        tabindex: 0,
      });
      g.append(s('title', { text: nodeTitle(v, tree) }));
      if (v.rewarded) g.append(s('circle', { class: 'reward', r: 10 }));
      g.append(s('circle', { class: 'dot', r: 6.5 }));
      if (v.ended) g.append(s('rect', { class: 'ended', x: 8, y: -3.5, width: 7, height: 7 }));
      if (v.rewarded)
        g.append(
          s('text', {
            x: 0,
            y: 20,
            'text-anchor': 'middle',
            text: v.turn[2].map((gi) => tree.goals[gi] || 'goal ' + gi).join(', '),
          }),
        );
      g.addEventListener('click', () => select(v, tree, detail));
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') select(v, tree, detail);
      });
      nodesG.append(g);
    }
    svg.append(nodesG);
    return svg;
  }

  function nodeTitle(v, tree) {
    if (v.kind === 'start') return 'opening: ' + tree.opening;
    if (v.kind === 'empty') return 'node ' + v.nodeId + ': no turn taken';
    const t = v.turn;
    const calls = t[1]
      .filter((m) => m.role === 'assistant' && m.toolCalls)
      .flatMap((m) => m.toolCalls.map((c) => c.name));
    const said = [...t[1]]
      .reverse()
      .find((m) => m.role === 'assistant' && !(m.toolCalls && m.toolCalls.length));
    return (
      'node ' +
      v.nodeId +
      ', step ' +
      t[0] +
      (calls.length ? '\ncalls: ' + calls.join(', ') : '') +
      (said && said.content ? '\nagent: ' + said.content.slice(0, 160) : '')
    );
  }

  function select(v, tree, detail) {
    for (const g of document.querySelectorAll('svg.search-tree .tnode.selected'))
      g.classList.remove('selected');
    const g = document.querySelector('svg.search-tree .tnode[data-key="' + CSS.escape(v.key) + '"]');
    if (g) g.classList.add('selected');
    detail.replaceChildren(...renderDetail(v, tree).filter((c) => c !== null));
  }

  function badges(v) {
    return [
      v.golden ? h('span', { class: 'badge golden', text: 'golden path' }) : null,
      v.successful ? h('span', { class: 'badge successful', text: 'successful' }) : null,
      v.rewarded ? h('span', { class: 'badge rewarded', text: 'rewarded' }) : null,
      v.error ? h('span', { class: 'badge error', text: 'error' }) : null,
      v.pruned ? h('span', { class: 'badge pruned', text: 'pruned' }) : null,
      v.ended ? h('span', { class: 'badge', text: 'user hung up' }) : null,
      v.live ? h('span', { class: 'badge', text: 'live when the steps ran out' }) : null,
    ];
  }

  /** The environment's final reward and what decided it, e.g. "final reward 0 (dbMatch: false)". */
  function finalRewardText(f) {
    const info = Object.entries(f.info || {})
      .map(([k, val]) => k + ': ' + JSON.stringify(val))
      .join(', ');
    return 'final reward ' + f.reward + (info ? ' (' + info + ')' : '');
  }

  function renderDetail(v, tree) {
    const r = DATA.rows[openIndex];
    if (v.kind === 'start') {
      return [
        h('h3', { text: 'Start of the conversation' }),
        tree.final ? h('p', { class: 'muted final-reward', text: finalRewardText(tree.final) }) : null,
        messageView({ role: 'user', content: tree.opening }),
      ];
    }
    if (v.kind === 'empty')
      return [
        h('h3', { text: 'Node ' + v.nodeId }),
        h('p', { class: 'muted', text: 'This node took no turn.' }),
      ];
    const t = v.turn;
    const out = [
      h('h3', {
        class: 'detail-title',
        text:
          'Node ' +
          v.nodeId +
          ' · step ' +
          t[0] +
          (v.node.turns.length > 1 ? ' · turn ' + (v.turnIndex + 1) + ' of ' + v.node.turns.length : ''),
      }),
      h('div', null, badges(v)),
      h(
        'p',
        null,
        uiLink(r[COL.workflowId] + '/s' + t[0] + '/n' + v.nodeId, 'this agent turn in the Temporal Web UI'),
        ' · ',
        uiLink(r[COL.workflowId], 'conversation workflow'),
      ),
    ];
    if (t[2].length)
      out.push(
        h(
          'p',
          null,
          'Rewarded goal calls: ',
          t[2].map((gi) => (tree.goals[gi] || 'goal') + ' (#' + gi + ')').join(', '),
        ),
      );
    const prefix = pathBefore(v);
    const before = h(
      'details',
      { class: 'before' },
      h('summary', {
        text:
          'Conversation before this turn (' +
          prefix.length +
          (prefix.length === 1 ? ' message)' : ' messages)'),
      }),
    );
    before.addEventListener('toggle', () => {
      if (before.open && before.children.length === 1) before.append(...prefix.map(messageView));
    });
    out.push(before, h('div', { class: 'turn-messages' }, t[1].map(messageView)));
    if (t[4])
      out.push(
        h(
          'div',
          { class: 'msg error' },
          h('div', { class: 'role', text: 'turn error' }),
          h('div', { text: t[4] }),
        ),
      );
    if (t[3] !== null) out.push(messageView({ role: 'user', content: t[3] }));
    return out;
  }

  /** Messages before a turn: the opening, then every earlier turn's messages and user reply. */
  function pathBefore(v) {
    const chain = [];
    for (let p = v.parent; p && p.kind !== 'start'; p = p.parent) if (p.kind === 'turn') chain.push(p.turn);
    const msgs = [{ role: 'user', content: currentOpening() }];
    for (const t of chain.reverse()) {
      msgs.push(...t[1]);
      if (t[3] !== null) msgs.push({ role: 'user', content: t[3] });
    }
    return msgs;
  }

  function currentOpening() {
    const tree = treeCache.get(openIndex);
    return tree ? tree.opening : '';
  }

  function prettyJson(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 1);
    } catch {
      return text;
    }
  }

  function messageView(m) {
    const box = h(
      'div',
      { class: 'msg ' + m.role },
      h('div', { class: 'role', text: m.role === 'tool' ? 'tool result · ' + m.name : m.role }),
    );
    if (m.role === 'tool') box.append(h('pre', { text: prettyJson(m.content) }));
    else if (m.content) box.append(h('div', { text: m.content }));
    if (m.role === 'assistant' && m.toolCalls) {
      for (const c of m.toolCalls) {
        const args = typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments, null, 1);
        box.append(h('div', { class: 'muted', text: 'tool call' }), h('pre', { text: c.name + ' ' + args }));
      }
    }
    return box;
  }

  // ---- boot ----------------------------------------------------------------------------------
  renderHeader();
  renderSummary();
  renderList();
  const m = /^#c=(.+)$/.exec(location.hash);
  if (m) {
    const key = decodeURIComponent(m[1]);
    const i = DATA.rows.findIndex((r) => r[COL.taskId] + '~t' + r[COL.trial] === key);
    if (i >= 0) void openConversation(i, null);
  }
  document.body.dataset.ready = 'true';
})();
