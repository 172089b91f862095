"""Layout checks run in Chromium on a rendered page: the page must not scroll sideways, and no
word may be broken across lines (issue 16 point 11: 店/舗, 配信実/績, 090-1234-/5678).

Words are what the browser's own Japanese word segmenter (Intl.Segmenter, ICU's dictionary)
says they are, plus the tokens a front desk reads as one: phone numbers, chassis numbers,
plates, dates and badges. A word is broken when its characters sit on more than one line.
"""

from __future__ import annotations

OVERFLOW_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

BROKEN_WORDS_JS = r"""
() => {
  const TOKENS = [
    /\d{2,4}-\d{2,4}-\d{3,4}/g,                                  // phone numbers
    /[A-Z0-9]{2,10}-\d{5,8}/g,                                   // chassis numbers
    /\d{4}年\d{1,2}月\d{1,2}日(\([月火水木金土日]\))?/g,           // dates
    /[\u3400-\u9fff]{1,4} [0-9A-Z]{2,3} [\u3040-\u309f] [\d・\-]{1,6}/g,  // plates
  ];
  const CJK = /[\u3040-\u30ff\u3400-\u9fff]/, HIRAGANA_FIRST = /^[\u3040-\u309f]/;
  const segmenter = new Intl.Segmenter('ja', {granularity: 'word'});
  const lines = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start); range.setEnd(node, end);
    const tops = [];
    for (const r of range.getClientRects()) {
      if (r.width < 1) continue;
      if (!tops.some(t => Math.abs(t - r.top) < r.height / 2)) tops.push(r.top);
    }
    return tops.length;
  };
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement, text = node.textContent;
    if (!el || !text.trim() || el.closest('.visually-hidden, script, style, option, [hidden], [aria-hidden=true]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const spans = [];
    for (const s of segmenter.segment(text)) {
      // Content words; a compound particle (に対する, について) may end a line like any particle.
      if (s.isWordLike && s.segment.length >= 2 && CJK.test(s.segment) && !HIRAGANA_FIRST.test(s.segment)) {
        spans.push([s.index, s.index + s.segment.length]);
      }
    }
    for (const re of TOKENS) for (const m of text.matchAll(re)) spans.push([m.index, m.index + m[0].length]);
    if (el.closest('.badge')) spans.push([0, text.length]);
    for (const [start, end] of spans) {
      if (lines(node, start, end) > 1) broken.push(`${el.tagName.toLowerCase()}: "${text.slice(start, end)}"`);
    }
  }
  return [...new Set(broken)];
}
"""


def layout_problems(page, label: str) -> list[str]:
    problems = [f"{label}: {word} is broken across lines" for word in page.evaluate(BROKEN_WORDS_JS)]
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow > 1:
        problems.append(f"{label}: the page scrolls sideways by {overflow} px")
    return problems
