#!/usr/bin/env node
// The browser gate: a real Chromium reads a built site from disk (file://)
// the way a reader would, and fails on anything a reader would hit.
//
//   node walk.mjs SITE_DIR [--name=LABEL] [--screenshots=DIR] [--require-all]
//
// In each of five set-ups (desktop, wide with sidenotes, a 375 px phone,
// dark desktop, dark phone) it:
//  - opens index.html by file:// and follows every internal link until it
//    has visited every page (then any page no link reaches, e.g. 404.html);
//  - fails on any console error, uncaught page error, alert/confirm dialog
//    (an injected script), failed request, or request to anything but a
//    file: URL (such requests are also blocked);
//  - fails on a link that leaves the site's folder, a link to a missing
//    page or to a missing #fragment, and a page that scrolls sideways;
//  - checks that the page background is dark in dark mode and light
//    otherwise;
//  - hovers a citation marker (`.fn-ref a`): its preview (`.bb-popover`,
//    or on wide screens its sidenote) shows the footnote, inside the
//    viewport; moving away closes it;
//  - reaches a marker with the Tab key: the preview shows and is tied to
//    the marker by aria-describedby; Escape closes it and keeps focus;
//  - follows a footnote's paragraph link (`a.cite-loc`): the source page
//    opens with that paragraph as :target, in view, with a background that
//    differs from a paragraph that is not the target, and the quoted words
//    in a `mark.quoted` inside it, highlighted;
//  - hovers and tabs to a glossary link (`a.term`): its definition preview
//    shows; Escape closes it.
// A check whose element the book does not have (a book with no glossary
// link) is reported as not applicable, or fails with --require-all.
// Screenshots of every page and of each check go to
// target/browser-screenshots/LABEL/ (LABEL defaults to the folder's name).

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Report, htmlFiles, launch, pageOf, pageUrl, parseArgs } from './lib.mjs';

const USAGE = 'usage: node walk.mjs SITE_DIR [--name=LABEL] [--screenshots=DIR] [--require-all]';
const { siteDir, options } = parseArgs(process.argv.slice(2), USAGE);
const label = options.name || basename(siteDir);
const shotsRoot = options.screenshots
  ? String(options.screenshots)
  : fileURLToPath(new URL('../../target/browser-screenshots/', import.meta.url));
const shotsDir = join(shotsRoot, label);
rmSync(shotsDir, { recursive: true, force: true });
mkdirSync(shotsDir, { recursive: true });

const SETUPS = [
  { name: 'desktop', viewport: { width: 1024, height: 768 }, colorScheme: 'light' },
  { name: 'wide', viewport: { width: 1366, height: 900 }, colorScheme: 'light' },
  { name: 'phone', viewport: { width: 375, height: 740 }, colorScheme: 'light' },
  { name: 'dark', viewport: { width: 1024, height: 768 }, colorScheme: 'dark' },
  { name: 'phone-dark', viewport: { width: 375, height: 740 }, colorScheme: 'dark' },
];
const WAIT = { timeout: 5000 };
const report = new Report('browser');
const requireAll = Boolean(options['require-all']);

function shotName(page) {
  return page.replace(/\//g, '__').replace(/\.html$/, '');
}

function oneLine(text) {
  return (text || '').replace(/\s+/g, ' ').trim();
}

// Relative luminance of a computed `rgb(...)` colour.
function luminance(color) {
  const m = /rgba?\(([^)]+)\)/.exec(color || '');
  if (!m) return null;
  const [r, g, b] = m[1].split(',').slice(0, 3).map((v) => {
    const c = parseFloat(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// Waits for running CSS transitions and animations, so computed colours are final.
async function settle(page) {
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
}

// Listens for everything a reader must never meet.
function watch(context, page, setup, where) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') report.fail(`${setup.name} ${where.page}`, `console error: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    report.fail(`${setup.name} ${where.page}`, `a script opened a ${dialog.type()} dialog: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => {
    report.fail(`${setup.name} ${where.page}`, `uncaught error: ${error.message}`);
  });
  page.on('requestfailed', (request) => {
    if (request.url().startsWith('file:')) {
      report.fail(`${setup.name} ${where.page}`, `request failed: ${request.url()} (${request.failure()?.errorText})`);
    }
  });
}

async function newSetup(browser, setup) {
  const context = await browser.newContext({
    viewport: setup.viewport,
    colorScheme: setup.colorScheme,
    reducedMotion: 'reduce',
    serviceWorkers: 'block',
  });
  // Nothing but the site's own files may be fetched: record and block the rest.
  await context.route(
    (url) => !['file:', 'data:', 'blob:', 'about:'].includes(url.protocol),
    (route) => {
      report.fail(setup.name, `request to another host: ${route.request().url()}`);
      return route.abort('blockedbyclient');
    },
  );
  const page = await context.newPage();
  const where = { page: '(start)' };
  watch(context, page, setup, where);
  return { context, page, where };
}

// Visits every page; returns what later checks need.
async function walk(page, setup, where) {
  const all = htmlFiles(siteDir);
  const queue = ['index.html'];
  const seen = new Set(queue);
  const ids = new Map(); // page -> Set of ids
  const fragmentLinks = []; // [from, page, fragment]
  const found = { citation: null, marker: null, term: null };
  let externalLinks = 0;
  const visit = async (current) => {
    where.page = current;
    const url = pageUrl(siteDir, current);
    try {
      await page.goto(url, { waitUntil: 'load' });
    } catch (error) {
      report.fail(`${setup.name} ${current}`, `cannot open: ${error.message.split('\n')[0]}`);
      return;
    }
    const info = await page.evaluate(() => {
      const links = [];
      for (const el of document.querySelectorAll('a[href], area[href], link[href], script[src], img[src], iframe[src], source[src], video[src], audio[src]')) {
        links.push(el.href || el.src);
      }
      const markers = [...document.querySelectorAll('.fn-ref a')];
      let citation = null;
      markers.some((a, index) => {
        const href = a.getAttribute('href') || '';
        const note = href.startsWith('#') ? document.getElementById(decodeURIComponent(href.slice(1))) : null;
        if (note && note.querySelector('a.cite-loc') && note.querySelector('blockquote.passage mark')) {
          citation = { index, note: note.id };
          return true;
        }
        return false;
      });
      const root = document.documentElement;
      const bg = [document.body, root].map((el) => getComputedStyle(el).backgroundColor)
        .find((c) => c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent');
      return {
        links,
        ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
        names: [...document.querySelectorAll('a[name]')].map((e) => e.getAttribute('name')),
        markers: markers.length,
        citation,
        terms: document.querySelectorAll('a.term').length,
        sideways: root.scrollWidth - root.clientWidth,
        background: bg || 'rgb(255, 255, 255)',
      };
    });
    ids.set(current, new Set([...info.ids, ...info.names]));
    report.check(info.sideways <= 0, `${setup.name} ${current}`,
      `the page scrolls sideways by ${info.sideways}px at ${setup.viewport.width}px wide`);
    const lum = luminance(info.background);
    if (setup.colorScheme === 'dark') {
      report.check(lum !== null && lum < 0.2, `${setup.name} ${current}`, `dark mode, yet the background is ${info.background}`);
    } else {
      report.check(lum !== null && lum > 0.6, `${setup.name} ${current}`, `light mode, yet the background is ${info.background}`);
    }
    if (!found.citation && info.citation) found.citation = { page: current, ...info.citation };
    if (!found.marker && info.markers) found.marker = { page: current };
    if (!found.term && info.terms) found.term = { page: current };
    for (const link of info.links) {
      let u;
      try {
        u = new URL(link);
      } catch {
        report.fail(`${setup.name} ${current}`, `link that is not a URL: ${link}`);
        continue;
      }
      if (u.protocol !== 'file:') {
        externalLinks += 1;
        continue;
      }
      const target = pageOf(siteDir, link);
      if (target === null) {
        report.fail(`${setup.name} ${current}`, `link leaves the site's folder: ${link}`);
        continue;
      }
      if (!existsSync(join(siteDir, ...target.split('/')))) {
        report.fail(`${setup.name} ${current}`, `link to a missing file: ${target}`);
        continue;
      }
      if (u.hash.length > 1) fragmentLinks.push([current, target, decodeURIComponent(u.hash.slice(1))]);
      if (target.endsWith('.html') && !seen.has(target) && all.includes(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
    await page.screenshot({ path: join(shotsDir, setup.name, `${shotName(current)}.png`) });
  };
  while (queue.length) await visit(queue.shift());
  const reached = seen.size;
  const unreached = all.filter((p) => !seen.has(p));
  for (const p of unreached) {
    seen.add(p);
    await visit(p);
  }
  for (const [from, target, fragment] of fragmentLinks) {
    const targetIds = ids.get(target);
    if (targetIds && !targetIds.has(fragment)) {
      report.fail(`${setup.name} ${from}`, `link to ${target}#${fragment}: no element has that id`);
    }
  }
  report.check(all.every((p) => seen.has(p)) && all.length > 0, setup.name, 'not every page was visited');
  return { pages: all.length, reached, unreached, externalLinks, found };
}

async function popoverState(page) {
  return page.evaluate(() => {
    const box = document.querySelector('.bb-popover');
    if (!box || box.hidden) return { shown: false };
    const r = box.getBoundingClientRect();
    return {
      shown: r.width > 0 && r.height > 0 && getComputedStyle(box).visibility !== 'hidden',
      text: box.textContent,
      left: r.left,
      right: r.right,
      top: r.top,
      bottom: r.bottom,
    };
  });
}

function checkInViewport(where, setup, state, what) {
  report.check(state.left >= 0 && state.right <= setup.viewport.width + 0.5 && state.top >= 0 && state.bottom <= setup.viewport.height + 0.5,
    where, `${what} is not inside the viewport (${Math.round(state.left)}..${Math.round(state.right)} x ${Math.round(state.top)}..${Math.round(state.bottom)})`);
}

// Puts keyboard focus on `target` the way a reader does: focus what comes
// before it in the tab order, then press Tab.
async function tabTo(page, locator) {
  const handle = await locator.elementHandle();
  await page.evaluate((target) => {
    const focusable = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
      .filter((e) => e.tabIndex >= 0 && !e.closest('[hidden], [inert]') && e.getClientRects().length > 0);
    const i = focusable.indexOf(target);
    if (document.activeElement) document.activeElement.blur();
    if (i > 0) focusable[i - 1].focus();
  }, handle);
  await page.keyboard.press('Tab');
  return page.evaluate((target) => document.activeElement === target, handle);
}

async function waitPopover(page, shown) {
  try {
    await page.locator('.bb-popover').waitFor({ state: shown ? 'visible' : 'hidden', ...WAIT });
  } catch {
    // The state is checked (and reported) by the caller.
  }
  return popoverState(page);
}

// A marker's preview on hover and keyboard focus; Escape closes it.
async function checkPreview(page, setup, where, locator, expected, kind) {
  await locator.scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await locator.hover();
  const sidenote = kind === 'citation' && await page.evaluate(() => document.querySelector('aside.sidenote') !== null);
  if (sidenote) {
    // Wide screens show citations beside the text: hovering the marker marks its sidenote.
    const activeSidenote = async () => {
      try {
        await page.locator('aside.sidenote.is-active').first().waitFor({ state: 'visible', ...WAIT });
        return await page.locator('aside.sidenote.is-active').first().textContent();
      } catch {
        return null;
      }
    };
    let active = await activeSidenote();
    if (active === null) {
      // Say what the pointer was over, then hover once more: a pointer event
      // lost on a busy machine is not a fault of the page.
      const under = await locator.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const what = hit ? `${hit.tagName.toLowerCase()}${hit === el ? ' (the marker)' : ''}` : 'nothing';
        const asides = document.querySelectorAll('aside.sidenote').length;
        const active = document.querySelectorAll('aside.sidenote.is-active').length;
        return `${what}; ${active} of ${asides} sidenotes active`;
      });
      report.note(`${where}: the first hover marked no sidenote (the marker's centre is over ${under}); hovering again`);
      await page.mouse.move(0, 0);
      await locator.hover();
      active = await activeSidenote();
    }
    report.check(active !== null, where, `hovering a ${kind} marker does not mark its sidenote`);
    if (active !== null && expected.mark) {
      report.check(oneLine(active).includes(oneLine(expected.mark).slice(0, 40)), where,
        `the active sidenote does not show the quoted words “${oneLine(expected.mark)}”`);
    }
  } else {
    const state = await waitPopover(page, true);
    if (report.check(state.shown, where, `hovering a ${kind} link shows no preview`)) {
      report.check(oneLine(state.text).includes(oneLine(expected.text).slice(0, 40)), where,
        `the ${kind} preview does not show “${oneLine(expected.text).slice(0, 40)}” but “${oneLine(state.text).slice(0, 80)}”`);
      checkInViewport(where, setup, state, `the ${kind} preview`);
      await page.screenshot({ path: join(shotsDir, setup.name, `check-${kind}-hover.png`) });
    }
    await page.mouse.move(0, 0);
    const after = await waitPopover(page, false);
    report.check(!after.shown, where, `moving the pointer away leaves the ${kind} preview open`);
  }

  // Keyboard.
  await page.mouse.move(0, 0);
  const focused = await tabTo(page, locator);
  if (!report.check(focused, where, `the Tab key does not reach the ${kind} link`)) return;
  const state = await waitPopover(page, true);
  if (report.check(state.shown, where, `keyboard focus on a ${kind} link shows no preview`)) {
    report.check(oneLine(state.text).includes(oneLine(expected.text).slice(0, 40)), where,
      `the ${kind} preview on focus does not show “${oneLine(expected.text).slice(0, 40)}”`);
    checkInViewport(where, setup, state, `the ${kind} preview on focus`);
    const described = await locator.getAttribute('aria-describedby');
    report.check(described === 'bb-popover', where, `the focused ${kind} link is not described by its preview (aria-describedby=${described})`);
    await page.screenshot({ path: join(shotsDir, setup.name, `check-${kind}-focus.png`) });
    await page.keyboard.press('Escape');
    const closed = await waitPopover(page, false);
    report.check(!closed.shown, where, `Escape does not close the ${kind} preview`);
    const still = await locator.evaluate((el) => document.activeElement === el);
    report.check(still, where, `Escape moved focus away from the ${kind} link`);
  }
}

// Follows a footnote's paragraph link to the source page.
async function checkParagraphLink(page, setup, where, noteId, expectedMark) {
  const link = page.locator(`[id="${noteId}"] a.cite-loc`).first();
  await link.scrollIntoViewIfNeeded();
  const href = await link.evaluate((a) => a.href);
  await link.click();
  try {
    await page.waitForURL(href, WAIT);
    await page.waitForLoadState('load');
  } catch {
    report.fail(where, `following the paragraph link did not open ${href} (at ${page.url()})`);
    return;
  }
  await settle(page);
  const r = await page.evaluate((expected) => {
    let id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch { /* raw */ }
    const target = document.getElementById(id);
    if (!target) return { found: false, id };
    const others = [...document.querySelectorAll('li.paragraph')].filter((p) => p !== target);
    const other = others.find((p) => p.classList.contains('cited')) || others[0] || null;
    const bg = (el) => getComputedStyle(el).backgroundColor;
    const rect = target.getBoundingClientRect();
    const marks = [...target.querySelectorAll('mark.quoted')];
    const mark = marks.find((m) => m.textContent.replace(/\s+/g, ' ').trim().includes(expected)) || marks[0] || null;
    return {
      found: true,
      id,
      isTarget: target.matches(':target'),
      background: bg(target),
      otherBackground: other ? bg(other) : getComputedStyle(document.body).backgroundColor,
      mark: mark ? mark.textContent : null,
      markBackground: mark ? bg(mark) : null,
      inView: rect.top < innerHeight && rect.bottom > 0,
    };
  }, oneLine(expectedMark));
  const at = `${where} -> ${pageOf(siteDir, href)}#${r.id}`;
  if (!report.check(r.found, at, 'the paragraph linked to does not exist')) return;
  report.check(r.isTarget, at, 'the paragraph is not the :target');
  report.check(r.inView, at, 'the paragraph is not in view after following the link');
  report.check(r.background !== r.otherBackground, at,
    `the target paragraph is not highlighted (background ${r.background}, same as a paragraph not linked to)`);
  if (report.check(r.mark !== null, at, 'the target paragraph has no mark.quoted')) {
    report.check(oneLine(r.mark).includes(oneLine(expectedMark)), at,
      `the highlighted words “${oneLine(r.mark)}” are not the quoted words “${oneLine(expectedMark)}”`);
    report.check(r.markBackground !== r.background, at, 'the quoted words are not highlighted within the paragraph');
  }
  await page.screenshot({ path: join(shotsDir, setup.name, 'check-paragraph-link.png') });
}

async function interactions(page, setup, where, found) {
  const applicable = (what, ok) => {
    if (ok) return true;
    if (requireAll) report.fail(setup.name, `the book has no ${what} to check`);
    else if (setup.name === SETUPS[0].name) report.note(`not applicable: the book has no ${what}`);
    return false;
  };
  if (applicable('citation marker whose footnote quotes a paragraph', found.citation)) {
    const { page: p, index, note } = found.citation;
    where.page = p;
    const at = `${setup.name} ${p}`;
    await page.goto(pageUrl(siteDir, p), { waitUntil: 'load' });
    const marker = page.locator('.fn-ref a').nth(index);
    const expected = await page.evaluate((id) => {
      const n = document.getElementById(id);
      return {
        text: n.querySelector('blockquote.passage mark').textContent,
        mark: n.querySelector('blockquote.passage mark').textContent,
      };
    }, note);
    await checkPreview(page, setup, at, marker, expected, 'citation');
    await page.mouse.move(0, 0);
    await checkParagraphLink(page, setup, at, note, expected.mark);
  } else if (found.marker) {
    report.note(`${setup.name}: markers exist but none quotes a paragraph with a link to it`);
  }
  if (applicable('glossary link', found.term)) {
    const p = found.term.page;
    where.page = p;
    const at = `${setup.name} ${p}`;
    await page.goto(pageUrl(siteDir, p), { waitUntil: 'load' });
    const term = page.locator('a.term').first();
    const preview = (await term.getAttribute('data-preview')) || '';
    report.check(preview.length > 0, at, 'the glossary link carries no definition (data-preview)');
    await checkPreview(page, setup, at, term, { text: preview }, 'term');
  }
}

const browser = await launch();
try {
  for (const setup of SETUPS) {
    mkdirSync(join(shotsDir, setup.name), { recursive: true });
    const { context, page, where } = await newSetup(browser, setup);
    const result = await walk(page, setup, where);
    if (setup.name === SETUPS[0].name) {
      report.note(`${label}: ${result.pages} pages, ${result.reached} reached by links from index.html`
        + `${result.unreached.length ? ` (not linked: ${result.unreached.join(', ')})` : ''}, ${result.externalLinks} links to other hosts (not followed)`);
    }
    await interactions(page, setup, where, result.found);
    await context.close();
  }
} catch (error) {
  report.fail(label, `the walk stopped: ${error.stack || error}`);
} finally {
  await browser.close();
}
report.note(`screenshots in ${shotsDir}`);
report.finish();
