#!/usr/bin/env node
// The accessibility gate: axe-core, in Chromium, on every page of a built
// site, in light and in dark mode; any violation of the WCAG 2.0/2.1 A and
// AA rules fails.
//
//   node axe.mjs SITE_DIR
//
// axe runs on the page as a reader gets it (after briefbook.js has run),
// at a desktop width and at a 375 px phone width.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Report, htmlFiles, launch, pageUrl, parseArgs } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const { siteDir } = parseArgs(process.argv.slice(2), 'usage: node axe.mjs SITE_DIR');
const SETUPS = [
  { name: 'light', viewport: { width: 1280, height: 900 }, colorScheme: 'light' },
  { name: 'dark', viewport: { width: 1280, height: 900 }, colorScheme: 'dark' },
  { name: 'phone-light', viewport: { width: 375, height: 740 }, colorScheme: 'light' },
  { name: 'phone-dark', viewport: { width: 375, height: 740 }, colorScheme: 'dark' },
];
const report = new Report('axe');
const pages = htmlFiles(siteDir);

const browser = await launch();
try {
  for (const setup of SETUPS) {
    const context = await browser.newContext({
      viewport: setup.viewport,
      colorScheme: setup.colorScheme,
      reducedMotion: 'reduce',
    });
    await context.route((url) => url.protocol !== 'file:', (route) => route.abort('blockedbyclient'));
    const page = await context.newPage();
    for (const p of pages) {
      await page.goto(pageUrl(siteDir, p), { waitUntil: 'load' });
      await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
      await page.evaluate(AXE_SOURCE);
      const result = await page.evaluate(async (tags) => {
        const r = await window.axe.run(document, {
          runOnly: { type: 'tag', values: tags },
          resultTypes: ['violations'],
        });
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
        }));
      }, TAGS);
      if (result.length === 0) {
        report.check(true);
        continue;
      }
      for (const v of result) {
        const nodes = v.nodes.slice(0, 3).map((n) => `\n      ${n.target}: ${n.summary.replace(/\s+/g, ' ')}`).join('');
        const more = v.nodes.length > 3 ? `\n      ... and ${v.nodes.length - 3} more` : '';
        report.fail(`${setup.name} ${p}`, `${v.id} (${v.impact}): ${v.help}${nodes}${more}`);
      }
    }
    await context.close();
  }
} catch (error) {
  report.fail(siteDir, `axe stopped: ${error.stack || error}`);
} finally {
  await browser.close();
}
report.note(`${pages.length} pages x ${SETUPS.length} set-ups, rules tagged ${TAGS.join(', ')}`);
report.finish();
