#!/usr/bin/env node
// The print gate: the print edition (print.html) of a built site, as
// Chromium prints it.
//
//   node print.mjs SITE_DIR [--name=LABEL] [--keep=DIR]
//
// In Chromium, with print media emulated, it checks that:
//  - every note is an article that starts a new page, and so do the
//    contents and the chronology, glossary and sources;
//  - nothing of the site's navigation or script is there, and every `#`
//    link points at an element of the page (no link to another page of
//    the site is left);
//  - an external link has its address printed after it, except where the
//    address is the link's text already (the list of sources).
// Then headless Chromium prints the page to PDF, with the command a reader
// could run (chromium --headless --print-to-pdf=FILE URL), and the PDF's
// pages are counted: at least one per note, plus the front matter, the
// contents and one per reference part; at most that plus one page per
// 1,200 characters of text (a runaway layout, a blank page after every
// break, would exceed it). The PDF is kept in target/browser-screenshots/
// LABEL/print.pdf (or --keep=DIR).
// A site built with `print = false` has no print.html: reported, not failed.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, Report, launch, pageUrl, parseArgs } from './lib.mjs';

const USAGE = 'usage: node print.mjs SITE_DIR [--name=LABEL] [--keep=DIR]';
const { siteDir, options } = parseArgs(process.argv.slice(2), USAGE);
const label = options.name || basename(siteDir);
const keepDir = options.keep
  ? String(options.keep)
  : fileURLToPath(new URL(`../../target/browser-screenshots/${label}/`, import.meta.url));
const report = new Report('print');
const where = `${label} print.html`;

// The pages of a PDF: its page objects, and the /Count of its page tree.
function pdfPages(bytes) {
  const text = bytes.toString('latin1');
  const objects = (text.match(/\/Type\s*\/Page(?![A-Za-z])/g) || []).length;
  const counts = [...text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)]
    .map((m) => Number(m[1] || m[2]));
  return { objects, count: counts.length ? Math.max(...counts) : null };
}

async function inBrowser() {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    // Nothing but the site's own files may be fetched.
    await context.route((url) => url.protocol !== 'file:', (route) => {
      report.fail(where, `request to another host: ${route.request().url()}`);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') report.fail(where, `console error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => report.fail(where, `uncaught error: ${error.message}`));
    await page.goto(pageUrl(siteDir, 'print.html'), { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    return await page.evaluate(() => {
      const breaks = (selector) => [...document.querySelectorAll(selector)]
        .map((e) => ({ id: e.id, breakBefore: getComputedStyle(e).breakBefore }));
      const ids = new Set([...document.querySelectorAll('[id]')].map((e) => e.id));
      const links = [...document.querySelectorAll('[href]')].map((e) => e.getAttribute('href'));
      const unresolved = links.filter((h) => h.startsWith('#'))
        .filter((h) => { try { return !ids.has(decodeURIComponent(h.slice(1))); } catch { return true; } });
      const toPages = links.filter((h) => !h.startsWith('#') && !/^(https?:|mailto:)/.test(h) && !h.endsWith('.css'));
      const external = [...document.querySelectorAll('main a[href^="http"]')];
      const after = (a) => getComputedStyle(a, '::after').content;
      const inText = external.find((a) => !a.closest('.print-source-list'));
      const inSources = external.find((a) => a.closest('.print-source-list'));
      const text = (document.querySelector('main')?.innerText || '').replace(/\s+/g, ' ');
      return {
        notes: breaks('article.print-note'),
        parts: breaks('.print-toc, section.print-part'),
        chrome: document.querySelectorAll('script, nav.site-nav, .pager, .skip-link').length,
        unresolved,
        toPages,
        externalAfter: inText ? { href: inText.getAttribute('href'), content: after(inText) } : null,
        sourceAfter: inSources ? after(inSources) : null,
        endnotes: document.querySelectorAll('article.print-note li.footnote').length,
        endnotesShown: [...document.querySelectorAll('article.print-note li.footnote')]
          .filter((li) => li.getClientRects().length > 0).length,
        chars: text.length,
      };
    });
  } finally {
    await browser.close();
  }
}

function printToPdf(file) {
  const profile = mkdtempSync(join(tmpdir(), 'briefbook-print-'));
  try {
    const result = spawnSync(CHROMIUM, [
      '--headless',
      ...CHROMIUM_ARGS,
      `--user-data-dir=${profile}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${file}`,
      pageUrl(siteDir, 'print.html'),
    ], { encoding: 'utf8', timeout: 180_000 });
    if (result.error) throw result.error;
    return result;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

if (!existsSync(join(siteDir, 'print.html'))) {
  report.note(`${label}: no print.html (built with print = false?); nothing to print`);
  report.finish();
} else {
  const dom = await inBrowser();
  const notes = dom.notes.length;
  const parts = dom.parts.length;
  report.note(`${label}: ${notes} notes, ${parts} other parts starting a page, ${dom.endnotes} endnotes, ${dom.chars} characters`);
  for (const n of [...dom.notes, ...dom.parts]) {
    report.check(n.breakBefore === 'page', where, `#${n.id} does not start a new page (break-before: ${n.breakBefore})`);
  }
  report.check(dom.chrome === 0, where, `${dom.chrome} elements of the site's navigation or script are on the print page`);
  report.check(dom.unresolved.length === 0, where, `links to no element of the page: ${dom.unresolved.slice(0, 5).join(', ')}`);
  report.check(dom.toPages.length === 0, where, `links to other pages of the site: ${dom.toPages.slice(0, 5).join(', ')}`);
  report.check(dom.endnotesShown === dom.endnotes, where, `${dom.endnotes - dom.endnotesShown} endnotes are hidden in print`);
  if (dom.externalAfter) {
    report.check(dom.externalAfter.content.includes(dom.externalAfter.href), where,
      `the external link to ${dom.externalAfter.href} does not print its address (::after is ${dom.externalAfter.content})`);
  }
  if (dom.sourceAfter !== null) {
    report.check(dom.sourceAfter === 'none' || dom.sourceAfter === 'normal', where,
      `the list of sources prints addresses twice (::after is ${dom.sourceAfter})`);
  }

  mkdirSync(keepDir, { recursive: true });
  const pdf = join(keepDir, 'print.pdf');
  rmSync(pdf, { force: true });
  const result = printToPdf(pdf);
  if (report.check(existsSync(pdf), where, `Chromium wrote no PDF (status ${result.status}): ${(result.stderr || '').trim().split('\n').slice(-3).join(' / ')}`)) {
    const { objects, count } = pdfPages(readFileSync(pdf));
    const pages = count ?? objects;
    // The front matter (title, introduction), the contents, each note and
    // each reference part start a page of their own.
    const least = 1 + parts + notes;
    const most = least + Math.ceil(dom.chars / 1200);
    report.note(`${label}: the PDF has ${pages} pages (${objects} page objects); expected ${least} to ${most}`);
    report.check(count === null || count === objects, where, `the PDF's page tree counts ${count} pages but has ${objects} page objects`);
    report.check(pages >= least, where, `the PDF has ${pages} pages, fewer than one per note and part (${least})`);
    report.check(pages <= most, where, `the PDF has ${pages} pages, more than the text can fill (${most})`);
  }
  report.finish();
}
