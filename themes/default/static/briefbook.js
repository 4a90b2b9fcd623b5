/* briefbook default theme: optional enhancements.
 *
 * Every page works without this file: footnote markers and glossary terms
 * are ordinary links, the glossary shows every term, and :target in the
 * stylesheet highlights the paragraph a citation links to. This script
 * only adds previews, sidenotes, a glossary filter and focus handling.
 * No libraries and no network: books are also read from file://.
 */
(function () {
  'use strict';

  var TRIGGERS = '.fn-ref a, a.term';
  var SHOW_DELAY = 250;  // long enough that sweeping the pointer across a paragraph opens nothing
  var HIDE_DELAY = 200;  // long enough to move the pointer from the trigger onto the popover

  function matches(el, selector) {
    try { return el.matches(selector); } catch (e) { return false; } // unknown pseudo-class in old browsers
  }
  var FOCUS_VISIBLE = (function () {
    try { document.body.matches(':focus-visible'); return true; } catch (e) { return false; }
  })();

  // The footnote a marker points to, or null (marker from another page, missing note).
  function footnoteFor(link) {
    var href = link.getAttribute('href') || '';
    if (href.charAt(0) !== '#') return null;
    var id = href.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* keep it raw */ }
    return document.getElementById(id);
  }

  // A copy of a footnote's content that can live a second time in the page:
  // no ids (they would clash with the original) and no ↩ links (they only
  // make sense at the bottom). Links are kept for the mouse but taken out
  // of the tab order: popovers and sidenotes are not places to tab into,
  // and sidenotes are aria-hidden, which must not contain focusable links.
  function cloneNote(footnote) {
    var box = document.createElement('div');
    box.className = 'bb-note';
    Array.prototype.forEach.call(footnote.childNodes, function (node) {
      box.appendChild(node.cloneNode(true));
    });
    Array.prototype.forEach.call(box.querySelectorAll('.backrefs'), function (el) { el.remove(); });
    Array.prototype.forEach.call(box.querySelectorAll('[id]'), function (el) { el.removeAttribute('id'); });
    Array.prototype.forEach.call(box.querySelectorAll('a, button, input, [tabindex]'), function (el) {
      el.setAttribute('tabindex', '-1');
    });
    return box;
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  /* ---------- Popover ---------- */

  var popover = null;
  var current = null;    // the trigger the popover belongs to
  var byFocus = false;   // shown for keyboard focus: pointer moves must not close it
  var showTimer = 0;
  var hideTimer = 0;

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
    var box = getPopover();
    var preview = trigger.getAttribute('data-preview') || '';
    var isTerm = trigger.classList.contains('term');
    var note = isTerm ? null : footnoteFor(trigger);
    if (!note && !preview) return false;
    box.textContent = '';
    box.appendChild(element('p', 'bb-kicker', isTerm ? 'Glossary' : 'Note ' + trigger.textContent.trim()));
    box.appendChild(note ? cloneNote(note) : element('p', null, preview));
    return true;
  }

  // Below the trigger when it fits, else above, whichever has more room;
  // aligned with the trigger's start edge, always inside the viewport.
  function place(trigger) {
    var box = popover;
    var margin = 8, gap = 6;
    var rects = trigger.getClientRects();
    var r = rects.length ? rects[0] : trigger.getBoundingClientRect(); // a wrapped link: its first line
    var vw = document.documentElement.clientWidth;
    var vh = window.innerHeight;
    box.style.maxHeight = '';
    box.style.left = '0px';
    box.style.top = '0px';
    var below = vh - r.bottom - gap - margin;
    var above = r.top - gap - margin;
    var h = box.offsetHeight;
    var downwards = h <= below || below >= above;
    var room = Math.max(downwards ? below : above, 80);
    if (h > room) {
      box.style.maxHeight = room + 'px';
      h = box.offsetHeight;
    }
    var w = box.offsetWidth;
    var start = getComputedStyle(trigger).direction === 'rtl' ? r.right - w : r.left;
    var x = Math.max(margin, Math.min(start, vw - w - margin));
    var y = downwards ? r.bottom + gap : r.top - gap - h;
    box.style.left = Math.round(x + window.pageXOffset) + 'px';
    box.style.top = Math.round(y + window.pageYOffset) + 'px';
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
    place(trigger);
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
    hideTimer = setTimeout(function () {
      if (!current) return;
      if (matches(popover, ':hover')) return;
      if (byFocus && document.activeElement === current) return;
      hide();
    }, HIDE_DELAY);
  }

  // Links copied into the popover are not triggers: showing their preview
  // would replace the content they sit in.
  function triggerOf(node) {
    var t = node && node.nodeType === 1 && node.closest ? node.closest(TRIGGERS) : null;
    return t && !t.closest('.bb-popover') ? t : null;
  }

  // Pointer events rather than mouse events: a tap on a touch screen must
  // just follow the link, not flash a popover first.
  document.addEventListener('pointerover', function (e) {
    if (e.pointerType && e.pointerType !== 'mouse' && e.pointerType !== 'pen') return;
    var t = triggerOf(e.target);
    if (t) {
      if (t.contains(e.relatedTarget)) return;
      linkSidenote(t, true);
      clearTimeout(hideTimer);
      // The sidenote already shows this note right beside it.
      if (sidenoteOf.get(t) || t === current) return;
      clearTimeout(showTimer);
      showTimer = setTimeout(function () { show(t, false); }, current ? 0 : SHOW_DELAY);
    } else if (popover && popover.contains(e.target)) {
      clearTimeout(hideTimer);
    } else {
      var aside = e.target.closest && e.target.closest('aside.sidenote');
      if (aside && markerOf.get(aside)) linkSidenote(markerOf.get(aside), true);
    }
  });

  document.addEventListener('pointerout', function (e) {
    if (e.pointerType && e.pointerType !== 'mouse' && e.pointerType !== 'pen') return;
    var t = triggerOf(e.target);
    if (t && !t.contains(e.relatedTarget)) {
      linkSidenote(t, false);
      clearTimeout(showTimer);
      if (current) hideSoon();
    } else if (popover && popover.contains(e.target) && !popover.contains(e.relatedTarget)) {
      hideSoon();
    } else {
      var aside = e.target.closest && e.target.closest('aside.sidenote');
      if (aside && !aside.contains(e.relatedTarget) && markerOf.get(aside)) linkSidenote(markerOf.get(aside), false);
    }
  });

  // Keyboard focus shows the preview at once (and, through
  // aria-describedby, lets screen readers read it). Focus from a mouse
  // click does not: the click is about to follow the link.
  document.addEventListener('focusin', function (e) {
    var t = triggerOf(e.target);
    if (t && (!FOCUS_VISIBLE || matches(t, ':focus-visible'))) {
      show(t, true);
    }
  });

  document.addEventListener('focusout', function (e) {
    if (triggerOf(e.target) === current) {
      byFocus = false;
      hideSoon();
    }
  });

  document.addEventListener('keydown', function (e) {
    if ((e.key === 'Escape' || e.key === 'Esc') && current) {
      var trigger = current;
      hide();
      if (popover.contains(document.activeElement)) trigger.focus();
    }
  });

  document.addEventListener('click', function (e) {
    if (triggerOf(e.target)) hide();
  });

  window.addEventListener('resize', hide);

  /* ---------- Sidenotes ---------- */

  var sidenoteOf = new WeakMap(); // marker link -> its sidenote
  var markerOf = new WeakMap();   // sidenote -> marker link
  var wide = window.matchMedia ? window.matchMedia('(min-width: 1200px)') : null;

  function linkSidenote(marker, on) {
    var aside = sidenoteOf.get(marker);
    if (!aside) return;
    aside.classList.toggle('is-active', on);
    var sup = marker.closest('.fn-ref');
    if (sup) sup.classList.toggle('is-active', on);
  }

  function words(text, n) {
    var w = text.trim().split(/\s+/);
    return w.length > n ? w.slice(0, n).join(' ') + '\u2026' : text.trim();
  }

  // Citing books put a note on nearly every sentence, so full passages in
  // the margin would pile up far below their markers. A sidenote keeps the
  // evidence only: source, paragraph link and the quoted words. The whole
  // passage stays in the footnote and the popover.
  function compact(note) {
    Array.prototype.forEach.call(note.querySelectorAll('p.cite'), function (p) {
      Array.prototype.forEach.call(p.querySelectorAll('time, .cite-original'), function (el) { el.remove(); });
      if (p.querySelector('.cite-outlet')) {
        Array.prototype.forEach.call(p.querySelectorAll('cite'), function (el) { el.remove(); });
      } else {
        Array.prototype.forEach.call(p.querySelectorAll('cite a'), function (a) {
          a.title = a.textContent;
          a.textContent = words(a.textContent, 6);
        });
      }
      // Removing parts leaves runs of ", , " between what is left.
      p.normalize();
      Array.prototype.forEach.call(p.childNodes, function (node) {
        if (node.nodeType === 3) node.data = node.data.replace(/,(\s*,)+/g, ',');
      });
      var last = p.lastChild;
      if (last && last.nodeType === 3) last.data = last.data.replace(/[,\s]+$/, '');
    });
    Array.prototype.forEach.call(note.querySelectorAll('blockquote.passage'), function (quote) {
      var marks = quote.querySelectorAll('mark');
      var first = quote.querySelector('p');
      var line = element('p', 'sidenote-quote');
      if (first && first.hasAttribute('dir')) line.setAttribute('dir', first.getAttribute('dir'));
      if (quote.hasAttribute('lang')) line.setAttribute('lang', quote.getAttribute('lang'));
      if (marks.length) {
        // <q> rather than typed quotation marks: it gets the marks of the
        // passage's language, on the right sides in right-to-left text.
        var q = element('q');
        Array.prototype.forEach.call(marks, function (m, i) {
          q.appendChild(document.createTextNode((i ? ' \u2026 ' : '') + m.textContent));
        });
        line.appendChild(q);
      } else if (first) {
        line.className = 'sidenote-excerpt';
        line.textContent = words(first.textContent, 10);
      }
      quote.parentNode.replaceChild(line, quote);
    });
    return note;
  }

  function removeSidenotes() {
    Array.prototype.forEach.call(document.querySelectorAll('aside.sidenote'), function (aside) {
      var marker = markerOf.get(aside);
      if (marker) sidenoteOf.delete(marker);
      aside.remove();
    });
  }

  function placeSidenotes() {
    removeSidenotes();
    if (!wide || !wide.matches) return;
    var seen = [];
    var placed = [];
    var markers = document.querySelectorAll('article.note .fn-ref a, article.intro .fn-ref a');
    Array.prototype.forEach.call(markers, function (link) {
      var note = footnoteFor(link);
      if (!note || seen.indexOf(note) >= 0) return; // a note cited twice gets one sidenote
      seen.push(note);
      var aside = element('aside', 'sidenote');
      aside.setAttribute('aria-hidden', 'true'); // the footnote list stays for screen readers
      var body = compact(cloneNote(note));
      var first = body.firstElementChild;
      var number = element('span', 'sidenote-number', link.textContent.trim());
      if (first && first.tagName === 'P') first.insertBefore(number, first.firstChild);
      else aside.appendChild(number);
      aside.appendChild(body);
      // Inline, right after the marker, the float starts on the marker's
      // line. Inside tables, headings and code a float would break the
      // layout, so it goes just before that block instead.
      var sup = link.closest('.fn-ref') || link;
      var block = sup.closest('table, h1, h2, h3, h4, h5, h6, pre, figure');
      var anchor = block && block.closest('article') ? block : null;
      if (anchor) anchor.parentNode.insertBefore(aside, anchor);
      else sup.parentNode.insertBefore(aside, sup.nextSibling);
      placed.push({ link: link, aside: aside, anchor: anchor || sup });
    });
    dropFarSidenotes(placed);
  }

  // Floats stack: when notes are denser than the text, each one lands
  // lower than its marker, and far down a long note a sidenote would sit
  // screens away from what it annotates. Simulate the stacking once
  // (sizes do not depend on position) and keep a note only if it can sit
  // within half a screen of its marker; the others stay footnotes with a
  // popover. Removing them in one go costs one layout, not one per note.
  function dropFarSidenotes(placed) {
    var limit = Math.max(320, window.innerHeight / 2);
    var bottom = -Infinity;
    var drop = [];
    var boxes = placed.map(function (p) {
      var style = getComputedStyle(p.aside);
      return {
        top: p.anchor.getBoundingClientRect().top,
        height: p.aside.offsetHeight,
        before: parseFloat(style.marginTop) || 0,
        after: parseFloat(style.marginBottom) || 0
      };
    });
    placed.forEach(function (p, i) {
      var b = boxes[i];
      var top = Math.max(b.top, bottom); // top of the margin box
      if (top - b.top > limit) { drop.push(p.aside); return; }
      bottom = top + b.before + b.height + b.after;
      sidenoteOf.set(p.link, p.aside);
      markerOf.set(p.aside, p.link);
    });
    drop.forEach(function (aside) { aside.remove(); });
  }

  if (wide) {
    placeSidenotes();
    if (wide.addEventListener) wide.addEventListener('change', placeSidenotes);
    else if (wide.addListener) wide.addListener(placeSidenotes); // Safari < 14
    // Which notes fit depends on the window height and on images that
    // load later and push the text down.
    var again = 0;
    var replace = function () { clearTimeout(again); again = setTimeout(placeSidenotes, 250); };
    window.addEventListener('resize', replace);
    if (document.readyState !== 'complete') window.addEventListener('load', replace);
  }

  /* ---------- Glossary filter ---------- */

  var filter = document.querySelector('fieldset.kind-filter');
  if (filter) {
    var entries = document.querySelectorAll('.term-entry');
    var count = element('output', 'kind-count');
    count.setAttribute('aria-live', 'polite');
    filter.appendChild(count);

    var applyFilter = function () {
      var checked = filter.querySelector('input[name="kind"]:checked');
      var kind = checked ? checked.value : '';
      var shown = 0;
      Array.prototype.forEach.call(entries, function (entry) {
        entry.hidden = kind !== '' && entry.getAttribute('data-kind') !== kind;
        if (!entry.hidden) shown++;
      });
      Array.prototype.forEach.call(document.querySelectorAll('section.letter'), function (section) {
        section.hidden = !section.querySelector('.term-entry:not([hidden])');
        // A letter with nothing left under it should not be offered either.
        var h = section.querySelector('h2[id]');
        var jump = h && document.querySelector('nav.letters a[href="#' + h.id + '"]');
        if (jump) jump.hidden = section.hidden;
      });
      count.textContent = kind === '' ? '' : shown + ' of ' + entries.length + ' terms shown';
    };

    // Following a link to a term the filter hides would land nowhere.
    var revealTarget = function () {
      var id = location.hash.slice(1);
      var target = null;
      try { target = id && document.getElementById(decodeURIComponent(id)); } catch (e) { target = null; }
      if (target && target.closest('[hidden]')) {
        var all = filter.querySelector('input[name="kind"][value=""]');
        if (all) { all.checked = true; applyFilter(); target.scrollIntoView(); }
      }
    };

    filter.hidden = false;
    filter.addEventListener('change', applyFilter);
    window.addEventListener('hashchange', revealTarget);
    applyFilter(); // the browser may have restored a choice on back/forward
    revealTarget();
  }

  /* ---------- Source pages: the cited paragraph ---------- */

  // :target already highlights #pN; moving focus there as well lets screen
  // reader and keyboard users continue reading from the cited paragraph,
  // and centring shows it with its context.
  function focusParagraph() {
    if (!/^#p\d+$/.test(location.hash)) return;
    var p = document.getElementById(location.hash.slice(1));
    if (!p || !p.classList.contains('paragraph')) return;
    p.setAttribute('tabindex', '-1');
    p.scrollIntoView({ block: 'center' });
    try { p.focus({ preventScroll: true }); } catch (e) { p.focus(); }
  }

  if (document.body.classList.contains('source')) {
    window.addEventListener('hashchange', focusParagraph);
    // After load: the browser's own jump to the fragment would undo the centring.
    if (document.readyState === 'complete') focusParagraph();
    else window.addEventListener('load', focusParagraph);
  }
})();
