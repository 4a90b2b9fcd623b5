/* briefbook default theme: offline full-text search.
 *
 * Pages never contain a search box: this script makes one in the page
 * header, so that without JavaScript there is no box that cannot work.
 * The index (src/search.rs) is a set of scripts under search/, loaded with
 * <script> tags because file:// forbids fetch() and XHR:
 *
 *   search/meta.js     the number of documents, the shards and chunks
 *   search/t-*.js      shards: [token, postings, token, postings, ...]
 *   search/d-*.js      documents: [kind, title, context, url, text]
 *
 * Nothing is loaded until the box is focused; then meta.js, then for each
 * query the one shard of each word and the chunks of the results shown.
 * Query words are folded exactly as the index was (lower case, no
 * diacritics, cut at hyphens and apostrophes); the last word matches as a
 * prefix once it has three characters and the query does not end in a
 * space. A result must hold every word; results with the words in their
 * title come first, then exact matches of the last word, then the book's
 * order (glossary, chronology, notes, sources).
 *
 * The language is ES2015 (const and let, arrow functions, template
 * literals, for...of, destructuring) and nothing later, as in
 * briefbook.js; folding also needs the Unicode property escapes of
 * ES2018 regular expressions, and a browser without them gets no box. A
 * classic script, not a module: Chromium refuses to load modules from
 * file://. Each concern below is a group of functions; the box and its
 * keys come last.
 */
(function () {
  'use strict';

  const script = document.currentScript;
  const header = document.querySelector('.site-header');
  if (!script || !script.src || !header || typeof Promise === 'undefined' || !''.normalize) return;

  // A regular expression with Unicode property escapes, or null where the
  // browser has none (built from a string: a literal would not even parse).
  function unicodePattern(source) {
    try { return new RegExp(source, 'u'); } catch (e) { return null; }
  }
  const WORD = unicodePattern('[\\p{Alphabetic}\\p{N}\\p{M}]');
  const MARK = unicodePattern('\\p{M}');
  if (!WORD || !MARK) return; // a browser without Unicode property escapes could not fold as the index does

  const ROOT = script.src.replace(/[?#].*$/, '').replace(/[^\/]*$/, '');
  const PAGE_SIZE = 10;
  const MAX_TERMS = 16;
  const MAX_TOKEN = 64;
  const SNIPPET_LENGTH = 200;
  const KINDS = { n: 'Note', g: 'Glossary', e: 'Chronology', s: 'Source' };

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  /* ---------- Folding: the same rules as src/search.rs ---------- */

  // Diacritics removed (search.rs: STRIP).
  const STRIP = /[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  const STRIP_ONE = new RegExp(`^${STRIP.source}$`);
  // Dropped without cutting a word (search.rs: IGNORED).
  const IGNORED = /^[\u00ad\u02bc\u02be\u02bf\u0640\u200c\u200d\u2060\ufeff]$/;
  const SPELLED = {
    '\u00df': 'ss', '\u00e6': 'ae', '\u0153': 'oe', '\u00f8': 'o', '\u0111': 'd', '\u00f0': 'd',
    '\u0142': 'l', '\u0127': 'h', '\u0131': 'i', '\u0167': 't', '\u00fe': 'th', '\u0140': 'l', '\u03c2': '\u03c3'
  };

  function foldChar(ch) {
    let out = '';
    for (const x of ch.toLowerCase()) {
      if (STRIP_ONE.test(x)) continue;
      if (SPELLED[x]) { out += SPELLED[x]; continue; }
      const code = x.codePointAt(0);
      if (code < 0x80 || (code >= 0xac00 && code <= 0xd7a3)) { out += x; continue; }
      const s = x.normalize('NFD').replace(STRIP, '');
      if (MARK.test(s)) { out += x; continue; }
      for (const y of s) out += SPELLED[y] || y;
    }
    return out;
  }

  function isAsciiWordChar(code) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  }

  // Tokens of `text`: {t: folded token, s: start, e: end} (UTF-16 offsets).
  function tokenize(text) {
    const found = [];
    let token = '';
    let start = -1;
    let i = 0;
    function end(at) {
      if (start >= 0 && token && !(token.length === 1 && token.charCodeAt(0) < 0x80)) {
        if (token.length > MAX_TOKEN) token = Array.from(token).slice(0, MAX_TOKEN).join('');
        found.push({ t: token, s: start, e: at });
      }
      token = '';
      start = -1;
    }
    for (const ch of text) {
      const code = ch.charCodeAt(0);
      if (code < 0x80) {
        if (isAsciiWordChar(code)) {
          if (start < 0) start = i;
          token += ch.toLowerCase();
        } else {
          end(i);
        }
      } else if (!IGNORED.test(ch) && !STRIP_ONE.test(ch)) {
        if (WORD.test(ch)) {
          if (start < 0) start = i;
          token += foldChar(ch);
        } else {
          end(i);
        }
      }
      i += ch.length;
    }
    end(i);
    return found;
  }

  /* ---------- The index's format (src/search.rs) ---------- */

  // The shard of a token: FNV-1a over the UTF-16 units of its first three characters.
  function shardOf(token, count) {
    const key = Array.from(token).slice(0, 3).join('');
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h % count;
  }

  // Postings: base-45 digits from '#'; continuation digits after 'O' ('\' skipped).
  function decode(text) {
    const values = [];
    let value = 0;
    let previous = -1;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const digit = code < 0x5c ? code - 0x23 : code - 0x24;
      if (digit >= 45) {
        value = value * 45 + digit - 45;
      } else {
        value = value * 45 + digit;
        const doc = previous + 1 + Math.floor(value / 2);
        values.push(doc * 2 + (value % 2));
        previous = doc;
        value = 0;
      }
    }
    return Int32Array.from(values);
  }

  // First index whose token is not below `token` (JavaScript string order, as the index is sorted).
  function lowerBound(tokens, token) {
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tokens[mid] < token) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /* ---------- Loading the index ---------- */

  const index = (() => {
    const files = {};   // path -> the promise of its data
    const shards = {};  // shard number -> {tokens, postings, decoded}
    let meta = null;

    // What the index's scripts call (briefbookSearch.meta(…) and the like):
    // the data is left on the script element that is running.
    function receive(data) {
      const running = document.currentScript;
      if (running) running.bbData = data;
    }

    function load(path) {
      if (files[path]) return files[path];
      const promise = new Promise((resolve, reject) => {
        const el = document.createElement('script');
        el.src = ROOT + path;
        el.async = true;
        el.onload = () => {
          el.remove();
          if (el.bbData !== undefined) resolve(el.bbData);
          else reject(new Error(`${path} holds no index data`));
        };
        el.onerror = () => {
          el.remove();
          reject(new Error(`cannot load ${path}`));
        };
        document.head.appendChild(el);
      });
      files[path] = promise;
      promise.catch(() => { delete files[path]; }); // allow a later retry
      return promise;
    }

    function loadMeta() {
      return meta ? Promise.resolve(meta) : load('search/meta.js').then((m) => {
        meta = m;
        meta.firsts = m.chunks.map((c) => c[0]);
        return meta;
      });
    }

    function loadShard(n) {
      const name = meta.shards[n];
      if (!name) return Promise.resolve(null);
      if (shards[n]) return Promise.resolve(shards[n]);
      return load(`search/t-${name}.js`).then((data) => {
        const shard = { tokens: [], postings: [], decoded: [] };
        for (let i = 0; i + 1 < data.length; i += 2) {
          shard.tokens.push(data[i]);
          shard.postings.push(data[i + 1]);
        }
        shards[n] = shard;
        return shard;
      });
    }

    function postingsAt(shard, i) {
      if (!shard.decoded[i]) shard.decoded[i] = decode(shard.postings[i]);
      return shard.decoded[i];
    }

    // The postings of `term` in `shard` and, when `prefix`, of every
    // longer token that starts with it: [{postings, exact}].
    function postingsOf(shard, term, prefix) {
      const found = [];
      for (let i = lowerBound(shard.tokens, term); i < shard.tokens.length; i++) {
        const token = shard.tokens[i];
        if (token === term) found.push({ postings: postingsAt(shard, i), exact: true });
        else if (prefix && token.startsWith(term)) found.push({ postings: postingsAt(shard, i), exact: false });
        else break;
      }
      return found;
    }

    // The postings lists of each term: [[{postings, exact}]], or null if a term matches nothing.
    function lookup(q) {
      const count = meta.shards.length;
      const numbers = q.terms.map((t) => shardOf(t, count));
      return Promise.all(numbers.map((n) => loadShard(n))).then((loaded) => {
        const lists = [];
        for (let k = 0; k < q.terms.length; k++) {
          const prefix = q.prefix && k === q.terms.length - 1;
          const found = loaded[k] ? postingsOf(loaded[k], q.terms[k], prefix) : [];
          if (!found.length) return null;
          lists.push(found);
        }
        return lists;
      });
    }

    // The chunk that holds document `id`.
    function chunkOf(id) {
      return lowerBound(meta.firsts, id + 1) - 1;
    }

    // The documents `ids`, in that order (null for one the index lacks).
    function loadDocs(ids) {
      const wanted = new Set();
      for (const id of ids) {
        const c = chunkOf(id);
        if (c >= 0) wanted.add(c);
      }
      const chunks = Array.from(wanted).sort((a, b) => a - b);
      return Promise.all(chunks.map((c) => load(`search/d-${meta.chunks[c][1]}.js`))).then((lists) => {
        const byChunk = new Map();
        chunks.forEach((c, i) => byChunk.set(c, lists[i]));
        return ids.map((id) => {
          const c = chunkOf(id);
          const list = byChunk.get(c);
          return list ? list[id - meta.chunks[c][0]] : null;
        });
      });
    }

    return { receive, loadMeta, lookup, loadDocs, docCount: () => meta.docs };
  })();

  const api = window.briefbookSearch = {
    meta: index.receive, shard: index.receive, docs: index.receive,
    timing: null,   // the last query's times in ms, for measurements
    tokenize: (text) => tokenize(text).map((t) => t.t)
  };

  /* ---------- Queries ---------- */

  // {terms, prefix, text} or null when there is nothing to look for.
  function parse(text) {
    const terms = [];
    for (const { t } of tokenize(text)) {
      if (terms.length < MAX_TERMS && terms.indexOf(t) < 0) terms.push(t);
    }
    if (!terms.length) return null;
    const last = terms[terms.length - 1];
    const typing = !/[\s.,;:!?)"”’]$/.test(text);
    return { terms, prefix: typing && Array.from(last).length >= 3, text: text.trim() };
  }

  // Whether a folded token of a document matches the query (for highlighting).
  function matchesQuery(q, token) {
    const last = q.terms[q.terms.length - 1];
    if (q.prefix && token.startsWith(last)) return true;
    return q.terms.indexOf(token) >= 0;
  }

  // The `docs` documents holding every term, best first.
  function rank(q, lists, docs) {
    const hits = new Uint8Array(docs);    // how many terms, from the first, a document holds
    const titles = new Uint8Array(docs);  // how many terms are in its title
    const titled = new Uint8Array(docs);  // the last term counted in `titles`, plus one
    const exact = new Uint8Array(docs);   // whether it holds the last term exactly
    lists.forEach((found, k) => {
      const last = k === lists.length - 1;
      for (const { postings, exact: isExact } of found) {
        for (let j = 0; j < postings.length; j++) {
          const v = postings[j];
          const d = v >> 1;
          if (hits[d] === k) hits[d] = k + 1;
          else if (hits[d] !== k + 1) continue;
          if ((v & 1) && titled[d] !== k + 1) { titled[d] = k + 1; titles[d]++; }
          if (last && isExact) exact[d] = 1;
        }
      }
    });
    const buckets = [];
    for (let d = 0; d < docs; d++) {
      if (hits[d] !== lists.length) continue;
      const score = titles[d] * 2 + exact[d];
      (buckets[score] || (buckets[score] = [])).push(d);
    }
    let ranked = [];
    for (let score = buckets.length - 1; score >= 0; score--) {
      if (buckets[score]) ranked = ranked.concat(buckets[score]);
    }
    return ranked;
  }

  /* ---------- Results: one item per document ---------- */

  // One result: kind and context, title, and a snippet, matches in <mark>.
  function item(doc, q) {
    const [kind, title, context, url, text] = doc;
    const li = element('li', 'bb-search-result');
    const a = element('a');
    a.href = ROOT + url;
    const about = element('span', 'bb-search-meta', KINDS[kind] || '');
    if (context) {
      about.appendChild(document.createTextNode(' · '));
      const where = element('span', 'bb-search-context', context);
      where.dir = 'auto';
      about.appendChild(where);
    }
    const heading = element('span', 'bb-search-title');
    heading.dir = 'auto';
    highlight(heading, title, q);
    a.appendChild(about);
    a.appendChild(heading);
    const excerpt = snippet(text, q);
    if (excerpt) {
      const span = element('span', 'bb-search-snippet');
      span.dir = 'auto';
      highlight(span, excerpt, q);
      a.appendChild(span);
    }
    li.appendChild(a);
    return li;
  }

  // About 200 characters of `text` around its first match, cut at spaces.
  function snippet(text, q) {
    if (text.length <= SNIPPET_LENGTH) return text;
    const hit = tokenize(text).find((t) => matchesQuery(q, t.t));
    const first = hit ? hit.s : 0;
    let start = Math.max(0, first - 60);
    if (start > 0) {
      const space = text.indexOf(' ', start);
      start = space >= 0 && space < first ? space + 1 : start;
    }
    let end = Math.min(text.length, start + SNIPPET_LENGTH);
    if (end < text.length) {
      const cut = text.lastIndexOf(' ', end);
      if (cut > first) end = cut;
    }
    return `${start > 0 ? '… ' : ''}${text.slice(start, end)}${end < text.length ? ' …' : ''}`;
  }

  // `text` into `el`, the words that match the query in <mark>.
  function highlight(el, text, q) {
    let at = 0;
    for (const t of tokenize(text)) {
      if (!matchesQuery(q, t.t)) continue;
      if (t.s > at) el.appendChild(document.createTextNode(text.slice(at, t.s)));
      el.appendChild(element('mark', null, text.slice(t.s, t.e)));
      at = t.e;
    }
    if (at < text.length) el.appendChild(document.createTextNode(text.slice(at)));
  }

  // What the live region says once the results are shown.
  function summary(n, text) {
    if (n === 0) return `No results for “${text}”.`;
    const count = n === 1 ? '1 result' : `${n.toLocaleString('en')} results`;
    return `${count} for “${text}”.`;
  }

  /* ---------- The box ---------- */

  function makeBox() {
    const uid = 'bb-search';
    const box = element('div', 'bb-search');
    box.setAttribute('role', 'search');
    const label = element('label', 'bb-search-label', 'Search this book');
    label.htmlFor = `${uid}-input`;
    const input = document.createElement('input');
    input.type = 'search';
    input.id = `${uid}-input`;
    input.className = 'bb-search-input';
    input.placeholder = 'Search';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.setAttribute('aria-controls', `${uid}-panel`);
    input.setAttribute('aria-describedby', `${uid}-status`);
    input.setAttribute('enterkeyhint', 'search');
    const panel = element('div', 'bb-search-panel');
    panel.id = `${uid}-panel`;
    panel.hidden = true;
    // A polite live region: the number of results is read out, not every result.
    const status = element('p', 'bb-search-status');
    status.id = `${uid}-status`;
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    const list = element('ol', 'bb-search-results');
    list.setAttribute('aria-label', 'Search results');
    panel.appendChild(status);
    panel.appendChild(list);
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(panel);
    return { box, input, panel, status, list };
  }

  const { box, input, panel, status, list } = makeBox();
  header.appendChild(box);

  let generation = 0;  // the query being answered; older answers are dropped
  let current = null;  // {q, ranked, shown}
  let timer = 0;

  function open() {
    if (input.value.trim()) panel.hidden = false;
  }
  function close() {
    panel.hidden = true;
  }
  function say(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function search() {
    const q = parse(input.value);
    const mine = ++generation;
    if (!q) {
      current = null;
      list.textContent = '';
      say('');
      close();
      return;
    }
    open();
    const started = performance.now();
    const slow = setTimeout(() => { if (mine === generation) say('Searching…'); }, 150);
    let loaded;
    let matched;
    index.loadMeta()
      .then(() => index.lookup(q))
      .then((lists) => {
        if (mine !== generation) return null;
        loaded = performance.now();
        const ranked = lists ? rank(q, lists, index.docCount()) : [];
        matched = performance.now();
        current = { q, ranked, shown: 0 };
        list.textContent = '';
        return more(mine);
      })
      .then(() => {
        clearTimeout(slow);
        if (mine !== generation || !current) return;
        const n = current.ranked.length;
        say(summary(n, q.text));
        const done = performance.now();
        api.timing = { query: q.text, results: n, lookup: loaded - started, rank: matched - loaded, show: done - matched, total: done - started };
      })
      .catch(() => {
        clearTimeout(slow);
        if (mine === generation) say('The search index could not be loaded.');
      });
  }

  // Shows the next page of results; with `focusFirst`, focus moves to
  // the first of them.
  function more(mine, focusFirst) {
    const ids = current.ranked.slice(current.shown, current.shown + PAGE_SIZE);
    if (!ids.length) return Promise.resolve();
    return index.loadDocs(ids).then((docs) => {
      if (mine !== generation) return;
      const old = list.querySelector('.bb-search-more');
      const items = docs.filter((doc) => doc).map((doc) => item(doc, current.q));
      for (const li of items) list.insertBefore(li, old);
      // Before the old button goes: a focused element that is removed
      // takes the focus out of the box, and that closes the results.
      if (focusFirst && items.length) items[0].querySelector('a').focus();
      if (old) old.remove();
      current.shown += ids.length;
      const left = current.ranked.length - current.shown;
      if (left > 0) list.appendChild(moreButton(left));
    });
  }

  // "Show 10 more of 25": the next page, focus on its first result.
  function moreButton(left) {
    const li = element('li', 'bb-search-more');
    const button = element('button', null, `Show ${Math.min(left, PAGE_SIZE)} more of ${left.toLocaleString('en')}`);
    button.type = 'button';
    button.addEventListener('click', () => { more(generation, true); });
    li.appendChild(button);
    return li;
  }

  /* ---------- Keyboard and focus ---------- */

  // What the arrow keys move between: the results and the "more" button.
  function targets() {
    return Array.from(list.querySelectorAll('a, button'));
  }

  function onInputKeyDown(event) {
    if (event.key === 'ArrowDown') {
      const first = targets()[0];
      if (first && !panel.hidden) { event.preventDefault(); first.focus(); }
    } else if (event.key === 'Enter') {
      const link = list.querySelector('a');
      if (link && !panel.hidden) { event.preventDefault(); link.click(); }
    } else if (event.key === 'Escape') {
      if (!panel.hidden) close();
      else if (input.value) { input.value = ''; search(); }
      event.preventDefault();
    }
  }

  function onPanelKeyDown(event) {
    const items = targets();
    const i = items.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = i + (event.key === 'ArrowDown' ? 1 : -1);
      const target = items[Math.min(next, items.length - 1)];
      if (next < 0) input.focus();
      else if (target) target.focus();
    } else if (event.key === 'Home' && items.length) {
      event.preventDefault();
      items[0].focus();
    } else if (event.key === 'End' && items.length) {
      event.preventDefault();
      items[items.length - 1].focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
      input.focus();
    }
  }

  // "/" focuses the box, as on many sites, unless the reader is typing.
  function onDocumentKeyDown(event) {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    input.focus();
  }

  input.addEventListener('focus', () => {
    index.loadMeta().catch(() => { say('The search index could not be loaded.'); });
    open();
  });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 60);
  });
  input.addEventListener('keydown', onInputKeyDown);
  panel.addEventListener('keydown', onPanelKeyDown);
  // A click in the results must not take focus from the box first (the
  // results would close before the click lands).
  panel.addEventListener('mousedown', (event) => {
    if (!(event.target.closest && event.target.closest('button'))) event.preventDefault();
  });
  // Leaving the box (Tab, a click elsewhere) closes the results.
  box.addEventListener('focusout', (event) => {
    if (!event.relatedTarget || !box.contains(event.relatedTarget)) close();
  });
  // A result on this page: follow it, then get out of the way.
  list.addEventListener('click', (event) => {
    if (event.target.closest && event.target.closest('a')) close();
  });
  document.addEventListener('keydown', onDocumentKeyDown);
})();
