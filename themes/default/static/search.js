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
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var header = document.querySelector('.site-header');
  if (!script || !script.src || !header || typeof Promise === 'undefined' || !''.normalize) return;

  var WORD, MARK;
  try {
    WORD = new RegExp('[\\p{Alphabetic}\\p{N}\\p{M}]', 'u');
    MARK = new RegExp('\\p{M}', 'u');
  } catch (e) {
    return; // a browser without Unicode property escapes could not fold as the index does
  }

  var ROOT = script.src.replace(/[?#].*$/, '').replace(/[^\/]*$/, '');
  var PAGE_SIZE = 10;
  var MAX_TERMS = 16;
  var MAX_TOKEN = 64;
  var KINDS = { n: 'Note', g: 'Glossary', e: 'Chronology', s: 'Source' };

  /* ---------- Folding: the same rules as src/search.rs ---------- */

  // Diacritics removed (search.rs: STRIP).
  var STRIP = /[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  var STRIP_ONE = new RegExp('^' + STRIP.source + '$');
  // Dropped without cutting a word (search.rs: IGNORED).
  var IGNORED = /^[\u00ad\u02bc\u02be\u02bf\u0640\u200c\u200d\u2060\ufeff]$/;
  var SPELLED = {
    '\u00df': 'ss', '\u00e6': 'ae', '\u0153': 'oe', '\u00f8': 'o', '\u0111': 'd', '\u00f0': 'd',
    '\u0142': 'l', '\u0127': 'h', '\u0131': 'i', '\u0167': 't', '\u00fe': 'th', '\u0140': 'l', '\u03c2': '\u03c3'
  };

  function foldChar(ch) {
    var out = '';
    for (var x of ch.toLowerCase()) {
      if (STRIP_ONE.test(x)) continue;
      if (SPELLED[x]) { out += SPELLED[x]; continue; }
      var code = x.codePointAt(0);
      if (code < 0x80 || (code >= 0xac00 && code <= 0xd7a3)) { out += x; continue; }
      var s = x.normalize('NFD').replace(STRIP, '');
      if (MARK.test(s)) { out += x; continue; }
      for (var y of s) out += SPELLED[y] || y;
    }
    return out;
  }

  // Tokens of `text`: {t: folded token, s: start, e: end} (UTF-16 offsets).
  function tokenize(text) {
    var found = [];
    var token = '';
    var start = -1;
    var i = 0;
    function end(at) {
      if (start >= 0 && token && !(token.length === 1 && token.charCodeAt(0) < 0x80)) {
        if (token.length > MAX_TOKEN) token = Array.from(token).slice(0, MAX_TOKEN).join('');
        found.push({ t: token, s: start, e: at });
      }
      token = '';
      start = -1;
    }
    for (var ch of text) {
      var code = ch.charCodeAt(0);
      if (code < 0x80) {
        if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)) {
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

  // The shard of a token: FNV-1a over the UTF-16 units of its first three characters.
  function shardOf(token, count) {
    var key = Array.from(token).slice(0, 3).join('');
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h % count;
  }

  // Postings: base-45 digits from '#'; continuation digits after 'O' ('\' skipped).
  function decode(text) {
    var values = [];
    var value = 0;
    var previous = -1;
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      var digit = code < 0x5c ? code - 0x23 : code - 0x24;
      if (digit >= 45) {
        value = value * 45 + digit - 45;
      } else {
        value = value * 45 + digit;
        var doc = previous + 1 + Math.floor(value / 2);
        values.push(doc * 2 + (value % 2));
        previous = doc;
        value = 0;
      }
    }
    return Int32Array.from(values);
  }

  /* ---------- Loading the index ---------- */

  var api = window.briefbookSearch = {
    meta: receive, shard: receive, docs: receive,
    timing: null,   // the last query's times in ms, for measurements
    tokenize: function (text) { return tokenize(text).map(function (t) { return t.t; }); }
  };
  var files = {};

  function receive(data) {
    var current = document.currentScript;
    if (current) current.bbData = data;
  }

  function load(path) {
    if (files[path]) return files[path];
    var promise = new Promise(function (resolve, reject) {
      var el = document.createElement('script');
      el.src = ROOT + path;
      el.async = true;
      el.onload = function () {
        el.remove();
        if (el.bbData !== undefined) resolve(el.bbData);
        else reject(new Error(path + ' holds no index data'));
      };
      el.onerror = function () {
        el.remove();
        reject(new Error('cannot load ' + path));
      };
      document.head.appendChild(el);
    });
    files[path] = promise;
    promise.catch(function () { delete files[path]; }); // allow a later retry
    return promise;
  }

  var meta = null;
  function loadMeta() {
    return meta ? Promise.resolve(meta) : load('search/meta.js').then(function (m) {
      meta = m;
      meta.firsts = m.chunks.map(function (c) { return c[0]; });
      return meta;
    });
  }

  var shards = {};
  function loadShard(n) {
    var name = meta.shards[n];
    if (!name) return Promise.resolve(null);
    if (shards[n]) return Promise.resolve(shards[n]);
    return load('search/t-' + name + '.js').then(function (data) {
      var shard = { tokens: [], postings: [], decoded: [] };
      for (var i = 0; i + 1 < data.length; i += 2) {
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

  // First index whose token is not below `token` (JavaScript string order, as the index is sorted).
  function lowerBound(tokens, token) {
    var lo = 0;
    var hi = tokens.length;
    while (lo < hi) {
      var mid = (lo + hi) >>> 1;
      if (tokens[mid] < token) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function loadDocs(ids) {
    var wanted = {};
    ids.forEach(function (id) {
      var c = lowerBound(meta.firsts, id + 1) - 1;
      if (c >= 0) wanted[c] = true;
    });
    var chunks = Object.keys(wanted).map(Number);
    return Promise.all(chunks.map(function (c) {
      return load('search/d-' + meta.chunks[c][1] + '.js');
    })).then(function (lists) {
      var byChunk = {};
      chunks.forEach(function (c, i) { byChunk[c] = lists[i]; });
      return ids.map(function (id) {
        var c = lowerBound(meta.firsts, id + 1) - 1;
        var list = byChunk[c];
        return list ? list[id - meta.chunks[c][0]] : null;
      });
    });
  }

  /* ---------- Queries ---------- */

  // {terms, prefix, text} or null when there is nothing to look for.
  function parse(text) {
    var seen = {};
    var terms = [];
    tokenize(text).forEach(function (t) {
      if (!seen[t.t] && terms.length < MAX_TERMS) { seen[t.t] = true; terms.push(t.t); }
    });
    if (!terms.length) return null;
    var last = terms[terms.length - 1];
    var typing = !/[\s.,;:!?)"”’]$/.test(text);
    return { terms: terms, prefix: typing && Array.from(last).length >= 3, text: text.trim() };
  }

  // Whether a folded token of a document matches the query (for highlighting).
  function matches(q, token) {
    var last = q.terms[q.terms.length - 1];
    if (q.prefix && token.lastIndexOf(last, 0) === 0) return true;
    return q.terms.indexOf(token) >= 0;
  }

  // Documents holding every term, best first.
  function rank(q, lists) {
    var n = meta.docs;
    var hits = new Uint8Array(n);
    var titles = new Uint8Array(n);
    var titled = new Uint8Array(n);
    var exact = new Uint8Array(n);
    var k;
    for (k = 0; k < lists.length; k++) {
      var last = k === lists.length - 1;
      for (var l = 0; l < lists[k].length; l++) {
        var postings = lists[k][l].postings;
        var isExact = lists[k][l].exact;
        for (var j = 0; j < postings.length; j++) {
          var v = postings[j];
          var d = v >> 1;
          if (hits[d] === k) hits[d] = k + 1;
          else if (hits[d] !== k + 1) continue;
          if ((v & 1) && titled[d] !== k + 1) { titled[d] = k + 1; titles[d]++; }
          if (last && isExact) exact[d] = 1;
        }
      }
    }
    var all = lists.length;
    var buckets = [];
    for (var d2 = 0; d2 < n; d2++) {
      if (hits[d2] !== all) continue;
      var score = titles[d2] * 2 + exact[d2];
      (buckets[score] || (buckets[score] = [])).push(d2);
    }
    var ranked = [];
    for (k = buckets.length - 1; k >= 0; k--) {
      if (buckets[k]) ranked = ranked.concat(buckets[k]);
    }
    return ranked;
  }

  // The postings lists of each term: [[{postings, exact}]], or null if a term matches nothing.
  function lookup(q) {
    var count = meta.shards.length;
    var numbers = q.terms.map(function (t) { return shardOf(t, count); });
    return Promise.all(numbers.map(loadShard)).then(function (loaded) {
      var lists = [];
      for (var k = 0; k < q.terms.length; k++) {
        var term = q.terms[k];
        var shard = loaded[k];
        var found = [];
        if (shard) {
          var prefix = q.prefix && k === q.terms.length - 1;
          for (var i = lowerBound(shard.tokens, term); i < shard.tokens.length; i++) {
            var token = shard.tokens[i];
            if (token === term) found.push({ postings: postingsAt(shard, i), exact: true });
            else if (prefix && token.lastIndexOf(term, 0) === 0) found.push({ postings: postingsAt(shard, i), exact: false });
            else break;
          }
        }
        if (!found.length) return null;
        lists.push(found);
      }
      return lists;
    });
  }

  /* ---------- The box ---------- */

  var uid = 'bb-search';
  var box = element('div', 'bb-search');
  box.setAttribute('role', 'search');
  var label = element('label', 'bb-search-label', 'Search this book');
  label.htmlFor = uid + '-input';
  var input = document.createElement('input');
  input.type = 'search';
  input.id = uid + '-input';
  input.className = 'bb-search-input';
  input.placeholder = 'Search';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.setAttribute('aria-controls', uid + '-panel');
  input.setAttribute('aria-describedby', uid + '-status');
  input.setAttribute('enterkeyhint', 'search');
  var panel = element('div', 'bb-search-panel');
  panel.id = uid + '-panel';
  panel.hidden = true;
  // A polite live region: the number of results is read out, not every result.
  var status = element('p', 'bb-search-status');
  status.id = uid + '-status';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  var list = element('ol', 'bb-search-results');
  list.setAttribute('aria-label', 'Search results');
  panel.appendChild(status);
  panel.appendChild(list);
  box.appendChild(label);
  box.appendChild(input);
  box.appendChild(panel);
  header.appendChild(box);

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  var generation = 0;  // the query being answered; older answers are dropped
  var current = null;  // {q, ranked, shown}
  var timer = 0;

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
    var q = parse(input.value);
    var mine = ++generation;
    if (!q) {
      current = null;
      list.textContent = '';
      say('');
      close();
      return;
    }
    open();
    var started = performance.now();
    var slow = setTimeout(function () { if (mine === generation) say('Searching…'); }, 150);
    var loaded, matched;
    loadMeta()
      .then(function () { return lookup(q); })
      .then(function (lists) {
        if (mine !== generation) return null;
        loaded = performance.now();
        var ranked = lists ? rank(q, lists) : [];
        matched = performance.now();
        current = { q: q, ranked: ranked, shown: 0 };
        list.textContent = '';
        return more(mine);
      })
      .then(function () {
        clearTimeout(slow);
        if (mine !== generation || !current) return;
        var n = current.ranked.length;
        say(n === 0 ? 'No results for “' + q.text + '”.'
          : (n === 1 ? '1 result' : n.toLocaleString('en') + ' results') + ' for “' + q.text + '”.');
        var done = performance.now();
        api.timing = { query: q.text, results: n, lookup: loaded - started, rank: matched - loaded, show: done - matched, total: done - started };
      })
      .catch(function () {
        clearTimeout(slow);
        if (mine === generation) say('The search index could not be loaded.');
      });
  }

  // Shows the next page of results.
  function more(mine) {
    var ids = current.ranked.slice(current.shown, current.shown + PAGE_SIZE);
    if (!ids.length) return Promise.resolve();
    return loadDocs(ids).then(function (docs) {
      if (mine !== generation) return;
      var old = list.querySelector('.bb-search-more');
      if (old) old.remove();
      docs.forEach(function (doc) { if (doc) list.appendChild(item(doc, current.q)); });
      current.shown += ids.length;
      var left = current.ranked.length - current.shown;
      if (left > 0) {
        var li = element('li', 'bb-search-more');
        var button = element('button', null, 'Show ' + Math.min(left, PAGE_SIZE) + ' more of ' + left.toLocaleString('en'));
        button.type = 'button';
        button.addEventListener('click', function () {
          var first = current.shown;
          more(generation).then(function () {
            var link = list.querySelectorAll('a')[first];
            if (link) link.focus();
          });
        });
        li.appendChild(button);
        list.appendChild(li);
      }
    });
  }

  // One result: kind and context, title, and a snippet, matches in <mark>.
  function item(doc, q) {
    var li = element('li', 'bb-search-result');
    var a = element('a');
    a.href = ROOT + doc[3];
    var meta = element('span', 'bb-search-meta', KINDS[doc[0]] || '');
    if (doc[2]) {
      meta.appendChild(document.createTextNode(' · '));
      var context = element('span', 'bb-search-context', doc[2]);
      context.dir = 'auto';
      meta.appendChild(context);
    }
    var title = element('span', 'bb-search-title');
    title.dir = 'auto';
    highlight(title, doc[1], q);
    a.appendChild(meta);
    a.appendChild(title);
    var text = snippet(doc[4], q);
    if (text) {
      var excerpt = element('span', 'bb-search-snippet');
      excerpt.dir = 'auto';
      highlight(excerpt, text, q);
      a.appendChild(excerpt);
    }
    li.appendChild(a);
    return li;
  }

  // About 200 characters of `text` around its first match, cut at spaces.
  function snippet(text, q) {
    var LENGTH = 200;
    if (text.length <= LENGTH) return text;
    var first = 0;
    var tokens = tokenize(text);
    for (var i = 0; i < tokens.length; i++) {
      if (matches(q, tokens[i].t)) { first = tokens[i].s; break; }
    }
    var start = Math.max(0, first - 60);
    if (start > 0) {
      var space = text.indexOf(' ', start);
      start = space >= 0 && space < first ? space + 1 : start;
    }
    var end = Math.min(text.length, start + LENGTH);
    if (end < text.length) {
      var cut = text.lastIndexOf(' ', end);
      if (cut > first) end = cut;
    }
    return (start > 0 ? '… ' : '') + text.slice(start, end) + (end < text.length ? ' …' : '');
  }

  function highlight(el, text, q) {
    var at = 0;
    tokenize(text).forEach(function (t) {
      if (!matches(q, t.t)) return;
      if (t.s > at) el.appendChild(document.createTextNode(text.slice(at, t.s)));
      el.appendChild(element('mark', null, text.slice(t.s, t.e)));
      at = t.e;
    });
    if (at < text.length) el.appendChild(document.createTextNode(text.slice(at)));
  }

  /* ---------- Keyboard and focus ---------- */

  function targets() {
    return Array.prototype.slice.call(list.querySelectorAll('a, button'));
  }

  input.addEventListener('focus', function () {
    loadMeta().catch(function () { say('The search index could not be loaded.'); });
    open();
  });
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, 60);
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'ArrowDown') {
      var first = targets()[0];
      if (first && !panel.hidden) { event.preventDefault(); first.focus(); }
    } else if (event.key === 'Enter') {
      var link = list.querySelector('a');
      if (link && !panel.hidden) { event.preventDefault(); link.click(); }
    } else if (event.key === 'Escape') {
      if (!panel.hidden) close();
      else if (input.value) { input.value = ''; search(); }
      event.preventDefault();
    }
  });
  panel.addEventListener('keydown', function (event) {
    var all = targets();
    var i = all.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      var next = i + (event.key === 'ArrowDown' ? 1 : -1);
      if (next < 0) input.focus();
      else if (all[Math.min(next, all.length - 1)]) all[Math.min(next, all.length - 1)].focus();
    } else if (event.key === 'Home' && all.length) {
      event.preventDefault();
      all[0].focus();
    } else if (event.key === 'End' && all.length) {
      event.preventDefault();
      all[all.length - 1].focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
      input.focus();
    }
  });
  // A click in the results must not take focus from the box first (the
  // results would close before the click lands).
  panel.addEventListener('mousedown', function (event) {
    if (!(event.target.closest && event.target.closest('button'))) event.preventDefault();
  });
  // Leaving the box (Tab, a click elsewhere) closes the results.
  box.addEventListener('focusout', function (event) {
    if (!event.relatedTarget || !box.contains(event.relatedTarget)) close();
  });
  // A result on this page: follow it, then get out of the way.
  list.addEventListener('click', function (event) {
    if (event.target.closest && event.target.closest('a')) close();
  });
  // "/" focuses the box, as on many sites, unless the reader is typing.
  document.addEventListener('keydown', function (event) {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    input.focus();
  });
})();
