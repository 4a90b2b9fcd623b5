/* briefbook default theme: optional enhancements.
 *
 * Every page works without this file: footnote markers and glossary terms
 * are ordinary links, the glossary shows every term, and :target in the
 * stylesheet highlights the paragraph a citation links to. This script
 * only adds previews, sidenotes, a glossary filter and focus handling.
 * No libraries and no network: books are also read from file://.
 *
 * The language is ES2015 (const and let, arrow functions, template
 * literals, for...of, Set, WeakMap) and nothing later, as in search.js:
 * every browser with the pointer events the previews follow has it.
 * Newer parts of the DOM are tested for before use (:focus-visible,
 * MediaQueryList.addEventListener). A classic script, not a module:
 * Chromium refuses to load modules from file://. Each concern below is a
 * group of functions; the last lines start them, in this order.
 */
(function () {
  'use strict';

  /* ---------- Elements and footnotes, for every part ---------- */

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  // The elements under `root` that match `selector`, as an array.
  function all(root, selector) {
    return Array.from(root.querySelectorAll(selector));
  }

  function matches(el, selector) {
    try { return el.matches(selector); } catch (e) { return false; } // unknown pseudo-class in old browsers
  }

  // The footnote a marker points to, or null (marker from another page, missing note).
  function footnoteFor(link) {
    const href = link.getAttribute('href') || '';
    if (href.charAt(0) !== '#') return null;
    let id = href.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* keep it raw */ }
    return document.getElementById(id);
  }

  // A copy of a footnote's content that can live a second time in the page:
  // no ids (they would clash with the original) and no ↩ links (they only
  // make sense at the bottom). Links are kept for the mouse but taken out
  // of the tab order: popovers and sidenotes are not places to tab into,
  // and sidenotes are aria-hidden, which must not contain focusable links.
  function cloneNote(footnote) {
    const box = element('div', 'bb-note');
    for (const node of Array.from(footnote.childNodes)) box.appendChild(node.cloneNode(true));
    for (const el of all(box, '.backrefs')) el.remove();
    for (const el of all(box, '[id]')) el.removeAttribute('id');
    for (const el of all(box, 'a, button, input, [tabindex]')) el.setAttribute('tabindex', '-1');
    return box;
  }

  /* ---------- Sidenotes ---------- */

  const sidenotes = (() => {
    const sidenoteOf = new WeakMap(); // marker link -> its sidenote
    const markerOf = new WeakMap();   // sidenote -> marker link
    const wide = window.matchMedia ? window.matchMedia('(min-width: 1200px)') : null;

    // Marks a marker and its sidenote as the pair the pointer is on.
    function setActive(marker, on) {
      const aside = sidenoteOf.get(marker);
      if (!aside) return;
      aside.classList.toggle('is-active', on);
      const sup = marker.closest('.fn-ref');
      if (sup) sup.classList.toggle('is-active', on);
    }

    function words(text, n) {
      const w = text.trim().split(/\s+/);
      return w.length > n ? `${w.slice(0, n).join(' ')}\u2026` : text.trim();
    }

    // A citation line with only the source and the paragraph link left.
    function shortenCitation(p) {
      for (const el of all(p, 'time, .cite-original')) el.remove();
      if (p.querySelector('.cite-outlet')) {
        for (const el of all(p, 'cite')) el.remove();
      } else {
        for (const a of all(p, 'cite a')) {
          a.title = a.textContent;
          a.textContent = words(a.textContent, 6);
        }
      }
      // Removing parts leaves runs of ", , " between what is left.
      p.normalize();
      for (const node of Array.from(p.childNodes)) {
        if (node.nodeType === Node.TEXT_NODE) node.data = node.data.replace(/,(\s*,)+/g, ',');
      }
      const last = p.lastChild;
      if (last && last.nodeType === Node.TEXT_NODE) last.data = last.data.replace(/[,\s]+$/, '');
    }

    // The line that stands for a quoted passage: its marked words, or
    // else the start of its first paragraph.
    function quoteLine(quote) {
      const marks = Array.from(quote.querySelectorAll('mark'));
      const first = quote.querySelector('p');
      const line = element('p', 'sidenote-quote');
      if (first && first.hasAttribute('dir')) line.setAttribute('dir', first.getAttribute('dir'));
      if (quote.hasAttribute('lang')) line.setAttribute('lang', quote.getAttribute('lang'));
      if (marks.length) {
        // <q> rather than typed quotation marks: it gets the marks of the
        // passage's language, on the right sides in right-to-left text.
        const q = element('q');
        marks.forEach((m, i) => {
          q.appendChild(document.createTextNode(`${i ? ' \u2026 ' : ''}${m.textContent}`));
        });
        line.appendChild(q);
      } else if (first) {
        line.className = 'sidenote-excerpt';
        line.textContent = words(first.textContent, 10);
      }
      return line;
    }

    // Citing books put a note on nearly every sentence, so full passages in
    // the margin would pile up far below their markers. A sidenote keeps the
    // evidence only: source, paragraph link and the quoted words. The whole
    // passage stays in the footnote and the popover.
    function compact(note) {
      for (const p of all(note, 'p.cite')) shortenCitation(p);
      for (const quote of all(note, 'blockquote.passage')) quote.parentNode.replaceChild(quoteLine(quote), quote);
      return note;
    }

    function sidenoteFor(link, note) {
      const aside = element('aside', 'sidenote');
      aside.setAttribute('aria-hidden', 'true'); // the footnote list stays for screen readers
      const body = compact(cloneNote(note));
      const first = body.firstElementChild;
      const number = element('span', 'sidenote-number', link.textContent.trim());
      if (first && first.tagName === 'P') first.insertBefore(number, first.firstChild);
      else aside.appendChild(number);
      aside.appendChild(body);
      return aside;
    }

    function removeAll() {
      for (const aside of all(document, 'aside.sidenote')) {
        const marker = markerOf.get(aside);
        if (marker) sidenoteOf.delete(marker);
        aside.remove();
      }
    }

    function placeAll() {
      removeAll();
      if (!wide || !wide.matches) return;
      const seen = new Set();
      const placed = [];
      for (const link of all(document, 'article.note .fn-ref a, article.intro .fn-ref a')) {
        const note = footnoteFor(link);
        if (!note || seen.has(note)) continue; // a note cited twice gets one sidenote
        seen.add(note);
        const aside = sidenoteFor(link, note);
        // Inline, right after the marker, the float starts on the marker's
        // line. Inside tables, headings and code a float would break the
        // layout, so it goes just before that block instead.
        const sup = link.closest('.fn-ref') || link;
        const block = sup.closest('table, h1, h2, h3, h4, h5, h6, pre, figure');
        const anchor = block && block.closest('article') ? block : null;
        if (anchor) anchor.parentNode.insertBefore(aside, anchor);
        else sup.parentNode.insertBefore(aside, sup.nextSibling);
        placed.push({ link, aside, anchor: anchor || sup });
      }
      dropFar(placed);
    }

    // Floats stack: when notes are denser than the text, each one lands
    // lower than its marker, and far down a long note a sidenote would sit
    // screens away from what it annotates. Simulate the stacking once
    // (sizes do not depend on position) and keep a note only if it can sit
    // within half a screen of its marker; the others stay footnotes with a
    // popover. Removing them in one go costs one layout, not one per note.
    function dropFar(placed) {
      const limit = Math.max(320, window.innerHeight / 2);
      const boxes = placed.map(({ aside, anchor }) => {
        const style = getComputedStyle(aside);
        return {
          top: anchor.getBoundingClientRect().top,
          height: aside.offsetHeight,
          before: parseFloat(style.marginTop) || 0,
          after: parseFloat(style.marginBottom) || 0
        };
      });
      let bottom = -Infinity;
      const drop = [];
      placed.forEach(({ link, aside }, i) => {
        const b = boxes[i];
        const top = Math.max(b.top, bottom); // top of the margin box
        if (top - b.top > limit) { drop.push(aside); return; }
        bottom = top + b.before + b.height + b.after;
        sidenoteOf.set(link, aside);
        markerOf.set(aside, link);
      });
      drop.forEach((aside) => aside.remove());
    }

    function start() {
      if (!wide) return;
      placeAll();
      if (wide.addEventListener) wide.addEventListener('change', placeAll);
      else if (wide.addListener) wide.addListener(placeAll); // Safari < 14
      // Which notes fit depends on the window height and on images that
      // load later and push the text down.
      let again = 0;
      const placeSoon = () => { clearTimeout(again); again = setTimeout(placeAll, 250); };
      window.addEventListener('resize', placeSoon);
      if (document.readyState !== 'complete') window.addEventListener('load', placeSoon);
    }

    return {
      start,
      setActive,
      of: (marker) => sidenoteOf.get(marker),
      markerOf: (aside) => markerOf.get(aside)
    };
  })();

  /* ---------- Previews: the popover of a footnote or a term ---------- */

  const previews = (() => {
    const TRIGGERS = '.fn-ref a, a.term';
    const SHOW_DELAY = 250;  // long enough that sweeping the pointer across a paragraph opens nothing
    const HIDE_DELAY = 200;  // long enough to move the pointer from the trigger onto the popover
    const FOCUS_VISIBLE = (() => {
      try { document.body.matches(':focus-visible'); return true; } catch (e) { return false; }
    })();

    let popover = null;
    let current = null;    // the trigger the popover belongs to
    let byFocus = false;   // shown for keyboard focus: pointer moves must not close it
    let showTimer = 0;
    let hideTimer = 0;

    function getPopover() {
      if (!popover) {
        popover = element('div', 'bb-popover');
        popover.id = 'bb-popover';
        popover.setAttribute('role', 'tooltip');
        popover.hidden = true;
        document.body.appendChild(popover);
      }
      return popover;
    }

    // Fills the popover for a trigger; false when there is nothing to show.
    function fill(trigger) {
      const box = getPopover();
      const preview = trigger.getAttribute('data-preview') || '';
      const isTerm = trigger.classList.contains('term');
      const note = isTerm ? null : footnoteFor(trigger);
      if (!note && !preview) return false;
      box.textContent = '';
      box.appendChild(element('p', 'bb-kicker', isTerm ? 'Glossary' : `Note ${trigger.textContent.trim()}`));
      box.appendChild(note ? cloneNote(note) : element('p', null, preview));
      return true;
    }

    // Below the trigger when it fits, else above, whichever has more room;
    // aligned with the trigger's start edge, always inside the viewport.
    function position(trigger) {
      const box = popover;
      const margin = 8;
      const gap = 6;
      const rects = trigger.getClientRects();
      const r = rects.length ? rects[0] : trigger.getBoundingClientRect(); // a wrapped link: its first line
      const vw = document.documentElement.clientWidth;
      const vh = window.innerHeight;
      box.style.maxHeight = '';
      box.style.left = '0px';
      box.style.top = '0px';
      const below = vh - r.bottom - gap - margin;
      const above = r.top - gap - margin;
      let h = box.offsetHeight;
      const downwards = h <= below || below >= above;
      const room = Math.max(downwards ? below : above, 80);
      if (h > room) {
        box.style.maxHeight = `${room}px`;
        h = box.offsetHeight;
      }
      const w = box.offsetWidth;
      const start = getComputedStyle(trigger).direction === 'rtl' ? r.right - w : r.left;
      const x = Math.max(margin, Math.min(start, vw - w - margin));
      const y = downwards ? r.bottom + gap : r.top - gap - h;
      box.style.left = `${Math.round(x + window.pageXOffset)}px`;
      box.style.top = `${Math.round(y + window.pageYOffset)}px`;
    }

    function show(trigger, fromFocus) {
      clearTimeout(showTimer);
      clearTimeout(hideTimer);
      if (current === trigger) { byFocus = byFocus || fromFocus; return; }
      hide();
      if (!fill(trigger)) return;
      current = trigger;
      byFocus = fromFocus;
      popover.hidden = false;
      popover.scrollTop = 0;
      position(trigger);
      trigger.setAttribute('aria-describedby', popover.id);
    }

    function hide() {
      clearTimeout(showTimer);
      clearTimeout(hideTimer);
      if (!current) return;
      current.removeAttribute('aria-describedby');
      current = null;
      byFocus = false;
      popover.hidden = true;
    }

    function hideSoon() {
      clearTimeout(hideTimer);
      hideTimer = setTimeout(() => {
        if (!current) return;
        if (matches(popover, ':hover')) return;
        if (byFocus && document.activeElement === current) return;
        hide();
      }, HIDE_DELAY);
    }

    // Links copied into the popover are not triggers: showing their preview
    // would replace the content they sit in.
    function triggerOf(node) {
      const t = node && node.nodeType === Node.ELEMENT_NODE && node.closest ? node.closest(TRIGGERS) : null;
      return t && !t.closest('.bb-popover') ? t : null;
    }

    // The sidenote `node` is in, if any.
    function sidenoteAround(node) {
      return node.closest && node.closest('aside.sidenote');
    }

    // Pointer events rather than mouse events: a tap on a touch screen must
    // just follow the link, not flash a popover first.
    function isMouse(e) {
      return !e.pointerType || e.pointerType === 'mouse' || e.pointerType === 'pen';
    }

    function onPointerOver(e) {
      if (!isMouse(e)) return;
      const t = triggerOf(e.target);
      if (t) {
        if (t.contains(e.relatedTarget)) return;
        sidenotes.setActive(t, true);
        clearTimeout(hideTimer);
        // The sidenote already shows this note right beside it.
        if (sidenotes.of(t) || t === current) return;
        clearTimeout(showTimer);
        showTimer = setTimeout(() => show(t, false), current ? 0 : SHOW_DELAY);
      } else if (popover && popover.contains(e.target)) {
        clearTimeout(hideTimer);
      } else {
        const aside = sidenoteAround(e.target);
        const marker = aside && sidenotes.markerOf(aside);
        if (marker) sidenotes.setActive(marker, true);
      }
    }

    function onPointerOut(e) {
      if (!isMouse(e)) return;
      const t = triggerOf(e.target);
      if (t && !t.contains(e.relatedTarget)) {
        sidenotes.setActive(t, false);
        clearTimeout(showTimer);
        if (current) hideSoon();
      } else if (popover && popover.contains(e.target) && !popover.contains(e.relatedTarget)) {
        hideSoon();
      } else {
        const aside = sidenoteAround(e.target);
        const marker = aside && !aside.contains(e.relatedTarget) && sidenotes.markerOf(aside);
        if (marker) sidenotes.setActive(marker, false);
      }
    }

    // Keyboard focus shows the preview at once (and, through
    // aria-describedby, lets screen readers read it). Focus from a mouse
    // click does not: the click is about to follow the link.
    function onFocusIn(e) {
      const t = triggerOf(e.target);
      if (t && (!FOCUS_VISIBLE || matches(t, ':focus-visible'))) show(t, true);
    }

    function onFocusOut(e) {
      if (triggerOf(e.target) === current) {
        byFocus = false;
        hideSoon();
      }
    }

    function onKeyDown(e) {
      if ((e.key === 'Escape' || e.key === 'Esc') && current) {
        const trigger = current;
        hide();
        if (popover.contains(document.activeElement)) trigger.focus();
      }
    }

    function onClick(e) {
      if (triggerOf(e.target)) hide();
    }

    function start() {
      document.addEventListener('pointerover', onPointerOver);
      document.addEventListener('pointerout', onPointerOut);
      document.addEventListener('focusin', onFocusIn);
      document.addEventListener('focusout', onFocusOut);
      document.addEventListener('keydown', onKeyDown);
      document.addEventListener('click', onClick);
      window.addEventListener('resize', hide);
    }

    return { start };
  })();

  /* ---------- Glossary filter ---------- */

  // The element the address's #fragment names, or null.
  function hashTarget() {
    const id = location.hash.slice(1);
    if (!id) return null;
    try { return document.getElementById(decodeURIComponent(id)); } catch (e) { return null; }
  }

  function startGlossaryFilter() {
    const filter = document.querySelector('fieldset.kind-filter');
    if (!filter) return;
    const entries = all(document, '.term-entry');
    const count = element('output', 'kind-count');
    count.setAttribute('aria-live', 'polite');
    filter.appendChild(count);

    function apply() {
      const checked = filter.querySelector('input[name="kind"]:checked');
      const kind = checked ? checked.value : '';
      let shown = 0;
      for (const entry of entries) {
        entry.hidden = kind !== '' && entry.getAttribute('data-kind') !== kind;
        if (!entry.hidden) shown++;
      }
      for (const section of all(document, 'section.letter')) {
        section.hidden = !section.querySelector('.term-entry:not([hidden])');
        // A letter with nothing left under it should not be offered either.
        const h = section.querySelector('h2[id]');
        const jump = h && document.querySelector(`nav.letters a[href="#${h.id}"]`);
        if (jump) jump.hidden = section.hidden;
      }
      count.textContent = kind === '' ? '' : `${shown} of ${entries.length} terms shown`;
    }

    // Following a link to a term the filter hides would land nowhere.
    function revealTarget() {
      const target = hashTarget();
      if (target && target.closest('[hidden]')) {
        const everything = filter.querySelector('input[name="kind"][value=""]');
        if (everything) { everything.checked = true; apply(); target.scrollIntoView(); }
      }
    }

    filter.hidden = false;
    filter.addEventListener('change', apply);
    window.addEventListener('hashchange', revealTarget);
    apply(); // the browser may have restored a choice on back/forward
    revealTarget();
  }

  /* ---------- Source pages: the cited paragraph ---------- */

  // :target already highlights #pN; moving focus there as well lets screen
  // reader and keyboard users continue reading from the cited paragraph,
  // and centring shows it with its context.
  function focusParagraph() {
    if (!/^#p\d+$/.test(location.hash)) return;
    const p = document.getElementById(location.hash.slice(1));
    if (!p || !p.classList.contains('paragraph')) return;
    p.setAttribute('tabindex', '-1');
    p.scrollIntoView({ block: 'center' });
    try { p.focus({ preventScroll: true }); } catch (e) { p.focus(); }
  }

  function startCitedParagraph() {
    if (!document.body.classList.contains('source')) return;
    window.addEventListener('hashchange', focusParagraph);
    // After load: the browser's own jump to the fragment would undo the centring.
    if (document.readyState === 'complete') focusParagraph();
    else window.addEventListener('load', focusParagraph);
  }

  /* ---------- Start ---------- */

  previews.start();
  sidenotes.start();
  startGlossaryFilter();
  startCitedParagraph();
})();
