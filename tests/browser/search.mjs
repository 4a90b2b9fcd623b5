#!/usr/bin/env node
// The search gate: a real Chromium uses the search box of a built site
// from disk (file://), the way a reader would.
//
//   node search.mjs SITE_DIR [--require-all] [--measure] [--queries=a,b,c]
//
// In light and dark mode, at a desktop and at a 375 px phone width, it:
//  - checks that the box is made by search.js in the page header, has a
//    label, and a polite live region for the number of results;
//  - checks that search.js folds words as the index does: a table of
//    hyphens, accents and scripts, and every word of every document of the
//    index (for books of up to 20,000 documents);
//  - types each query of CASES (below) whose target the site has: results
//    appear, one links to the expected page and #fragment, and the query's
//    words are highlighted (<mark>) in the results; "Sharaa" must find
//    "al‑Sharaa" written with a no-break hyphen (U+2011), "golan" and the
//    prefix "gola" must find "Golan Heights", an accented query must find
//    the unaccented words;
//  - follows a result with the keyboard: ArrowDown moves into the list and
//    between results with a visible focus ring, ArrowUp returns to the
//    box, Escape closes the list, Enter opens the result, and the page
//    opens at that paragraph or entry (its :target);
//  - checks that the results stay inside the viewport, that the page does
//    not scroll sideways, that the results are dark in dark mode, and runs
//    axe-core (WCAG 2.1 A and AA) on the open results;
//  - from a page in a sub-folder, that results still link to the right pages;
//  - that "/" moves to the box; that a query with more than a page of
//    results offers the next page, and that taking it shows the next
//    results and focuses the first of them; that "constructor", a
//    property of every JavaScript object, is searched like any other word;
//  - that the box is hidden in print;
//  - with JavaScript disabled, that there is no search box at all.
// Every request must be for a file: URL; console errors fail.
// A case whose target the site does not have is reported as not
// applicable, or fails with --require-all. Screenshots of the results go
// to target/browser-screenshots/search-<site>/. --measure prints the time each
// of --queries takes, first (index not loaded yet) and again.

import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Report, htmlFiles, launch, pageOf, pageUrl, parseArgs } from './lib.mjs';

const USAGE = 'usage: node search.mjs SITE_DIR [--require-all] [--measure] [--queries=a,b,c]';
const { siteDir, options } = parseArgs(process.argv.slice(2), USAGE);
const requireAll = Boolean(options['require-all']);
const report = new Report('search');
const WAIT = { timeout: 10000 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shotsDir = join(fileURLToPath(new URL('../../target/browser-screenshots/', import.meta.url)), `search-${basename(siteDir)}`);
mkdirSync(shotsDir, { recursive: true });

// A query, the results any one of which must be found (page#fragment; a
// fragment ending in * is a prefix), and the word that must be
// highlighted in that result.
const CASES = [
  { query: 'Sharaa', targets: ['glossary.html#ahmed-al-sharaa', 'sources/ynet.html#p3'], mark: 'sharaa' },
  { query: 'sharâa', targets: ['glossary.html#ahmed-al-sharaa', 'sources/ynet.html#p3'], mark: 'sharaa' },
  { query: 'golan', targets: ['glossary.html#golan-heights'], mark: 'golan' },
  { query: 'gola', targets: ['glossary.html#golan-heights'], mark: 'golan' },
  { query: 'officially at war', targets: ['sources/nyt.html#p*'], mark: 'officially' },
];

const SETUPS = [
  { name: 'desktop', viewport: { width: 1024, height: 768 }, colorScheme: 'light' },
  { name: 'phone-dark', viewport: { width: 375, height: 740 }, colorScheme: 'dark' },
];

// Whether the site has `target` (page#id).
function hasTarget(target) {
  const [page, id] = target.split('#');
  const file = join(siteDir, ...page.split('/'));
  if (!existsSync(file)) return false;
  if (!id) return true;
  return readFileSync(file, 'utf8').includes(id.endsWith('*') ? `id="${id.slice(0, -1)}` : `id="${id}"`);
}

function isTarget(found, target) {
  return target.endsWith('*') ? found.startsWith(target.slice(0, -1)) : found === target;
}

function fold(text) {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function luminance(color) {
  const m = /rgba?\(([^)]+)\)/.exec(color || '');
  if (!m) return null;
  const [r, g, b] = m[1].split(',').slice(0, 3).map((v) => {
    const c = parseFloat(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

async function newPage(browser, setup, javaScriptEnabled = true) {
  const context = await browser.newContext({
    viewport: setup.viewport,
    colorScheme: setup.colorScheme,
    reducedMotion: 'reduce',
    javaScriptEnabled,
  });
  await context.route(
    (url) => !['file:', 'data:', 'about:'].includes(url.protocol),
    (route) => {
      report.fail(setup.name, `request to another host: ${route.request().url()}`);
      return route.abort('blockedbyclient');
    },
  );
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') report.fail(setup.name, `console error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => report.fail(setup.name, `uncaught error: ${error.message}`));
  page.on('requestfailed', (request) => {
    report.fail(setup.name, `request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  return { context, page };
}

// Types `query` into the box and waits for the answer; returns the results.
async function search(page, query) {
  const input = page.locator('.bb-search-input');
  await input.click();
  await input.fill('');
  await input.pressSequentially(query, { delay: 10 });
  await page.waitForFunction(
    (q) => {
      const t = window.briefbookSearch && window.briefbookSearch.timing;
      return t && t.query === q.trim();
    },
    query,
    WAIT,
  );
  return page.evaluate(() => ({
    status: document.querySelector('.bb-search-status').textContent,
    panelShown: !document.querySelector('.bb-search-panel').hidden,
    timing: window.briefbookSearch.timing,
    results: [...document.querySelectorAll('.bb-search-results a')].map((a) => ({
      href: a.href,
      text: a.textContent,
      marks: [...a.querySelectorAll('mark')].map((m) => m.textContent),
    })),
  }));
}

async function checkBox(page, where) {
  const info = await page.evaluate(() => {
    const box = document.querySelector('.site-header .bb-search');
    const input = box && box.querySelector('input');
    const status = box && box.querySelector('[aria-live]');
    return {
      box: Boolean(box),
      role: box && box.getAttribute('role'),
      label: input && input.labels && input.labels[0] ? input.labels[0].textContent.trim() : '',
      type: input && input.type,
      live: status ? status.getAttribute('aria-live') : null,
      controls: input && input.getAttribute('aria-controls'),
    };
  });
  if (!report.check(info.box, where, 'no search box in the page header')) return false;
  report.check(info.role === 'search', where, `the box is not a search landmark (role=${info.role})`);
  report.check(info.label.length > 0, where, 'the search box has no label');
  report.check(info.type === 'search', where, `the box is an input of type ${info.type}`);
  report.check(info.live === 'polite', where, `the result count is not a polite live region (aria-live=${info.live})`);
  report.check(Boolean(info.controls), where, 'the box does not say which element holds its results');
  return true;
}

async function checkCase(page, setup, from, c) {
  const where = `${setup.name} ${from} “${c.query}”`;
  const expected = c.targets.filter(hasTarget);
  if (!expected.length) {
    if (requireAll) report.fail(where, `the site has none of ${c.targets.join(', ')}`);
    else report.note(`${where}: not applicable (the site has none of ${c.targets.join(', ')})`);
    return null;
  }
  const answer = await search(page, c.query);
  report.check(answer.panelShown, where, 'the results are not shown');
  if (!report.check(answer.results.length > 0, where, `no results (status: ${answer.status})`)) return null;
  report.check(/\d+ results?|1 result/.test(answer.status), where, `the status does not give the number of results: ${answer.status}`);
  const hit = answer.results.find((r) => {
    const target = pageOf(siteDir, r.href);
    const hash = decodeURIComponent(new URL(r.href).hash);
    return expected.some((t) => isTarget(`${target}${hash}`, t));
  });
  if (!report.check(Boolean(hit), where, `no result links to ${expected.join(' or ')}; got ${answer.results.slice(0, 5).map((r) => r.href.slice(r.href.lastIndexOf('/') + 1)).join(', ')}`)) return null;
  report.check(hit.marks.some((m) => fold(m).startsWith(c.mark)), where,
    `the words are not highlighted in the result: marks ${JSON.stringify(hit.marks)}`);
  for (const r of answer.results) {
    report.check(r.marks.length > 0, where, `a result has no highlighted word: ${r.text.slice(0, 80)}`);
  }
  return hit;
}

// The keyboard path: ArrowDown into the results, between them, back up,
// Escape, and Enter to open the first result.
async function checkKeyboard(page, setup, from, c) {
  const where = `${setup.name} ${from} keyboard`;
  const answer = await search(page, c.query);
  if (answer.results.length === 0) return;
  const input = page.locator('.bb-search-input');
  await page.keyboard.press('ArrowDown');
  const first = await page.evaluate(() => {
    const a = document.activeElement;
    const style = getComputedStyle(a);
    return {
      inResults: Boolean(a.closest('.bb-search-results')),
      href: a.href,
      outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
      background: style.backgroundColor,
    };
  });
  report.check(first.inResults, where, 'ArrowDown does not move focus to the first result');
  report.check(first.outline, where, 'the focused result has no visible focus ring');
  if (answer.results.length > 1) {
    await page.keyboard.press('ArrowDown');
    const second = await page.evaluate(() => document.activeElement.href);
    report.check(second === answer.results[1].href, where, 'ArrowDown does not move to the next result');
    await page.keyboard.press('ArrowUp');
  }
  await page.keyboard.press('ArrowUp');
  report.check(await input.evaluate((el) => document.activeElement === el), where, 'ArrowUp from the first result does not return to the box');
  await page.keyboard.press('Escape');
  report.check(await page.locator('.bb-search-panel').isHidden(), where, 'Escape does not close the results');
  // Enter opens the first result.
  await page.keyboard.type(' ');
  await page.keyboard.press('Backspace');
  await page.waitForFunction(() => !document.querySelector('.bb-search-panel').hidden && document.querySelector('.bb-search-results a'), null, WAIT);
  const target = answer.results[0].href;
  await Promise.all([page.waitForURL((u) => u.href === target, WAIT).catch(() => {}), page.keyboard.press('Enter')]);
  report.check(page.url() === target, where, `Enter did not open the first result ${target} (at ${page.url()})`);
  const hash = new URL(target).hash;
  if (hash.length > 1) {
    const ok = await page.evaluate((id) => {
      const el = document.getElementById(id);
      return Boolean(el) && el.matches(':target');
    }, decodeURIComponent(hash.slice(1)));
    report.check(ok, where, `the result's page does not open at ${hash}`);
  }
}

// axe-core on the open results (the page's own gate, axe.mjs, sees only
// the closed box).
async function checkAxe(page, where) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document.querySelector('.bb-search'), {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
      preload: false, // it would fetch the stylesheets, which file:// refuses
    });
    return r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.help}`);
  });
  report.check(violations.length === 0, where, `axe on the open results: ${violations.join('; ')}`);
}

async function checkLayout(page, setup, where) {
  const box = await page.evaluate(() => {
    const panel = document.querySelector('.bb-search-panel');
    const r = panel.getBoundingClientRect();
    const root = document.documentElement;
    return {
      left: r.left, right: r.right, top: r.top,
      background: getComputedStyle(panel).backgroundColor,
      sideways: root.scrollWidth - root.clientWidth,
    };
  });
  report.check(box.left >= 0 && box.right <= setup.viewport.width + 0.5, where,
    `the results are not inside the viewport (${Math.round(box.left)}..${Math.round(box.right)})`);
  report.check(box.sideways <= 0, where, `the page scrolls sideways by ${box.sideways}px`);
  const lum = luminance(box.background);
  if (setup.colorScheme === 'dark') report.check(lum !== null && lum < 0.2, where, `dark mode, yet the results are on ${box.background}`);
  else report.check(lum !== null && lum > 0.6, where, `light mode, yet the results are on ${box.background}`);
}

// The browser folds words as the index was folded (src/search.rs): a fixed
// table, then every document of the index: each word of its text, cut by
// search.js, is a token of the index whose postings hold that document.
const FOLDING = [
  ['al\u2011Sharaa al\u2010Sharaa al-Sharaa', ['al', 'sharaa', 'al', 'sharaa', 'al', 'sharaa']],
  ['Golan Heights', ['golan', 'heights']],
  ['Ṣanʿāʾ Ḥamāh Quneiṭra', ['sana', 'hamah', 'quneitra']],
  ['Ærøskøbing Straße Łódź', ['aeroskobing', 'strasse', 'lodz']],
  ['e\u0301cole co\u00adoperation', ['ecole', 'cooperation']],
  ["Syria's U.S. x-ray", ['syria', 'ray']],
  ['ΣΟΦΊΑΣ σοφίας', ['σοφιασ', 'σοφιασ']],
  ['שָׁלוֹם مُحَمَّد ـعربـي', ['שלום', 'محمد', 'عربي']],
  ['हिन्दी が İstanbul', ['हिन्दी', 'が', 'istanbul']],
  ['1948 1,000', ['1948', '000']],
];

async function checkFolding(page, where) {
  for (const [text, expected] of FOLDING) {
    const got = await page.evaluate((t) => window.briefbookSearch.tokenize(t), text);
    report.check(JSON.stringify(got) === JSON.stringify(expected), where,
      `search.js cuts “${text}” into ${JSON.stringify(got)}, the index into ${JSON.stringify(expected)}`);
  }
  const problems = await page.evaluate(async () => {
    const root = document.querySelector('script[src$="search.js"]').src.replace(/search\.js$/, '');
    const load = (path) => new Promise((resolve, reject) => {
      const el = document.createElement('script');
      el.src = root + path;
      el.onload = () => { el.remove(); resolve(el.bbData); };
      el.onerror = () => reject(new Error(path));
      document.head.appendChild(el);
    });
    const meta = await load('search/meta.js');
    if (meta.docs > 20000) return null; // a large book: the table above is enough
    const postings = new Map();
    for (const name of meta.shards) {
      if (!name) continue;
      const data = await load(`search/t-${name}.js`);
      for (let i = 0; i < data.length; i += 2) postings.set(data[i], data[i + 1]);
    }
    const decode = (text) => {
      const docs = new Set();
      let value = 0;
      let previous = -1;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        const digit = code < 0x5c ? code - 0x23 : code - 0x24;
        if (digit >= 45) { value = value * 45 + digit - 45; continue; }
        value = value * 45 + digit;
        previous = previous + 1 + Math.floor(value / 2);
        docs.add(previous);
        value = 0;
      }
      return docs;
    };
    const problems = [];
    for (const [first, name] of meta.chunks) {
      const docs = await load(`search/d-${name}.js`);
      docs.forEach((doc, i) => {
        for (const token of window.briefbookSearch.tokenize(doc[4])) {
          const list = postings.get(token);
          if (!list || !decode(list).has(first + i)) problems.push(`${doc[3]}: “${token}”`);
        }
      });
    }
    return problems;
  });
  if (problems === null) {
    report.note(`${where}: the index is large; its documents were not all re-tokenised`);
  } else {
    report.check(problems.length === 0, where,
      `words that search.js cuts differently from the index: ${problems.slice(0, 8).join(', ')}`);
  }
}

// "/" from anywhere on the page moves to the box.
async function checkSlash(page, where) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press('/');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('bb-search-input'));
  report.check(focused, where, '"/" does not move focus to the search box');
}

// A query with more results than one page (ten) shows ten and a button
// for the next; the button adds the next results, keeps the results open
// and focuses the first new one. The first of MANY that has so many
// results is used.
const MANY = ['the', 'syria', 'and', 'der'];
async function checkMore(page, where) {
  for (const query of MANY) {
    const answer = await search(page, query);
    if (answer.timing.results <= 10) continue;
    const total = answer.timing.results;
    report.check(answer.results.length === 10, where, `“${query}” shows ${answer.results.length} of ${total} results at first, not 10`);
    const more = page.locator('.bb-search-more button');
    const label = (await more.count()) ? await more.textContent() : '';
    if (!report.check(label === `Show ${Math.min(total - 10, 10)} more of ${(total - 10).toLocaleString('en')}`, where,
      `“${query}”: ${total} results, yet the button for more says “${label}”`)) return;
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('.bb-search-results a').length === n, Math.min(total, 20), WAIT)
      .catch(() => {});
    const after = await page.evaluate(() => {
      const links = [...document.querySelectorAll('.bb-search-results a')];
      return {
        count: links.length,
        focused: links.indexOf(document.activeElement),
        open: !document.querySelector('.bb-search-panel').hidden,
        marks: links.every((a) => a.querySelector('mark')),
      };
    });
    report.check(after.count === Math.min(total, 20), where, `“${query}”: after “more”, ${after.count} results are shown, not ${Math.min(total, 20)}`);
    report.check(after.open, where, `“${query}”: taking “more” closes the results`);
    report.check(after.focused === 10, where, `“${query}”: after “more”, focus is on result ${after.focused + 1}, not on the first new one (11)`);
    report.check(after.marks, where, `“${query}”: a result shown after “more” has no highlighted word`);
    return;
  }
  if (requireAll) report.fail(where, `none of ${MANY.join(', ')} has more than 10 results`);
  else report.note(`${where}: no query of ${MANY.join(', ')} has more than 10 results; “more” not checked`);
}

// "constructor", which every JavaScript object has as a property, is a
// word like any other: a query for it is searched, not dropped.
async function checkObjectWords(page, where) {
  const answer = await search(page, 'constructor').catch(() => null);
  report.check(answer !== null && answer.panelShown && answer.status.includes('“constructor”'), where,
    `the query “constructor” is not searched (status: ${answer ? answer.status : 'no answer'})`);
}

// A page in a sub-folder, to check that links work from any depth.
function deepPage() {
  const pages = htmlFiles(siteDir);
  return pages.find((p) => p.startsWith('sources/') && p !== 'sources/index.html') || pages.find((p) => p.includes('/'));
}

const browser = await launch();
try {
  for (const setup of SETUPS) {
    const { context, page } = await newPage(browser, setup);
    const starts = ['index.html', deepPage()].filter(Boolean);
    for (const from of starts) {
      await page.goto(pageUrl(siteDir, from), { waitUntil: 'load' });
      if (!(await checkBox(page, `${setup.name} ${from}`))) continue;
      if (setup === SETUPS[0] && from === 'index.html') {
        const where = `${setup.name} ${from}`;
        await checkFolding(page, where);
        await checkSlash(page, where);
        await checkMore(page, where);
        await checkObjectWords(page, where);
      }
      let laidOut = false;
      for (const c of CASES) {
        const hit = await checkCase(page, setup, from, c);
        if (hit && !laidOut) {
          await checkLayout(page, setup, `${setup.name} ${from}`);
          await checkAxe(page, `${setup.name} ${from}`);
          await page.screenshot({ path: join(shotsDir, `${setup.name}-${from.replace(/\W/g, '_')}.png`) });
          laidOut = true;
        }
      }
      const usable = CASES.find((c) => c.targets.some(hasTarget));
      if (usable) {
        await checkKeyboard(page, setup, from, usable);
        await page.goto(pageUrl(siteDir, from), { waitUntil: 'load' });
      }
      await page.emulateMedia({ media: 'print' });
      report.check(await page.locator('.bb-search').isHidden(), `${setup.name} ${from}`, 'the search box is printed');
      await page.emulateMedia({ media: 'screen' });
    }
    await context.close();
  }

  // Without JavaScript: no box at all.
  const { context, page } = await newPage(browser, SETUPS[0], false);
  for (const p of ['index.html', deepPage()].filter(Boolean)) {
    await page.goto(pageUrl(siteDir, p), { waitUntil: 'load' });
    const boxes = await page.locator('input, .bb-search, [role=search]').count();
    report.check(boxes === 0, `no-script ${p}`, `without JavaScript the page has ${boxes} search element(s)`);
  }
  await context.close();

  if (options.measure) {
    // Each query in a fresh page (nothing loaded yet), then again (shards
    // and documents already loaded). The scripts the page adds are counted.
    const queries = String(options.queries || 'talks,border security,negotiat,Sharaa,golan').split(',');
    const bytes = (dir) => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    const files = readdirSync(join(siteDir, 'search'));
    const shardFiles = files.filter((f) => f.startsWith('t-'));
    console.log(`index: ${files.length} files, ${(bytes(join(siteDir, 'search')) / 1e6).toFixed(2)} MB `
      + `(shards ${shardFiles.length}, ${(shardFiles.reduce((n, f) => n + statSync(join(siteDir, 'search', f)).size, 0) / 1e6).toFixed(2)} MB); `
      + `meta.js ${statSync(join(siteDir, 'search', 'meta.js')).size} bytes`);
    console.log('| query | results | first query: total (index files + match + results) | again | loaded for it |');
    console.log('|---|---:|---:|---:|---:|');
    const { context, page } = await newPage(browser, SETUPS[0]);
    const ms = (t) => `${t.toFixed(1)} ms`;
    for (const q of queries) {
      await page.goto(pageUrl(siteDir, 'index.html'), { waitUntil: 'load' });
      await page.evaluate(() => {
        window.__loaded = [];
        new MutationObserver((records) => {
          for (const r of records) {
            for (const n of r.addedNodes) if (n.tagName === 'SCRIPT' && n.src.includes('/search/')) window.__loaded.push(n.src);
          }
        }).observe(document.head, { childList: true });
      });
      const cold = (await search(page, q)).timing;
      const loaded = await page.evaluate(() => window.__loaded);
      const kb = loaded.reduce((n, url) => {
        const path = pageOf(siteDir, url);
        return n + (path ? statSync(join(siteDir, ...path.split('/'))).size : 0);
      }, 0) / 1024;
      await page.locator('.bb-search-input').fill('');
      await page.evaluate(() => { window.briefbookSearch.timing = null; });
      const warm = (await search(page, q)).timing;
      console.log(`| ${q} | ${cold.results} | ${ms(cold.total)} (${ms(cold.lookup)} + ${ms(cold.rank)} + ${ms(cold.show)}) | ${ms(warm.total)} | ${loaded.length} files, ${kb.toFixed(0)} KB |`);
    }
    await context.close();
  }
} finally {
  await browser.close();
}
report.finish();
