// Shared by the browser gates: how Chromium is started, which pages a
// site has, and how failures are collected and reported.
//
// Chromium is Debian's (/usr/bin/chromium), never a browser that
// playwright downloads. It is started with every background service off,
// so the only requests it makes are the ones the pages ask for.

import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.BRIEFBOOK_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

// Every .html file under `dir`, as paths relative to it with `/`, sorted.
export function htmlFiles(dir) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (name.endsWith('.html')) found.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return found;
}

// The file: URL of a page of the site.
export function pageUrl(siteDir, page) {
  return pathToFileURL(join(siteDir, ...page.split('/'))).href;
}

// The page of the site a file: URL points to (without fragment), or null
// when it points outside the site.
export function pageOf(siteDir, url) {
  const u = new URL(url);
  if (u.protocol !== 'file:') return null;
  u.hash = '';
  u.search = '';
  const path = fileURLToPath(u);
  const rel = relative(siteDir, path);
  if (rel.startsWith('..') || rel === '') return null;
  return rel.split(sep).join('/');
}

// Reads the command line: one site folder, and `--flag` or `--key=value` options.
export function parseArgs(argv, usage) {
  const options = {};
  const positional = [];
  for (const arg of argv) {
    if (arg.startsWith('--')) {
      const [key, value] = arg.slice(2).split('=', 2);
      options[key] = value === undefined ? true : value;
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1 || options.help) {
    console.error(usage);
    process.exit(2);
  }
  const siteDir = resolve(positional[0]);
  try {
    if (!statSync(join(siteDir, 'index.html')).isFile()) throw new Error();
  } catch {
    console.error(`${positional[0]}: no index.html there; build a book first`);
    process.exit(2);
  }
  return { siteDir, options };
}

// Collects failures; prints them and a plain summary, and sets the exit code.
export class Report {
  constructor(name) {
    this.name = name;
    this.failures = [];
    this.passed = 0;
    this.notes = [];
  }

  fail(where, message) {
    this.failures.push(`${where}: ${message}`);
  }

  check(ok, where, message) {
    if (ok) this.passed += 1;
    else this.fail(where, message);
    return ok;
  }

  note(message) {
    this.notes.push(message);
  }

  finish() {
    for (const n of this.notes) console.log(`  note: ${n}`);
    for (const f of this.failures) console.log(`  FAIL ${f}`);
    console.log(`${this.name}: ${this.passed} passed, ${this.failures.length} failed`);
    process.exitCode = this.failures.length ? 1 : 0;
  }
}
