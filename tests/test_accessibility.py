"""Accessibility of every staff page, checked on the HTML the server sends (issue 5's quality bar).

The route walk of test_outsider_walk gives every portal URL with a real object of company A
behind it; each page that answers 200 with HTML to its insider (the company admin) is parsed and
must hold: the document language, one h1, a name for every form control (a label, or
aria-label/aria-labelledby), a text or label for every link and button, alt text on images,
header cells in data tables, and no positive tabindex (which would break the keyboard order).
Contrast and the tablet layout are checked in Chromium (tests/browser).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from tests.test_outsider_walk import Cast, _insiders, project_routes

pytestmark = pytest.mark.django_db

_UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    in_label: bool = False
    children: list[_Element] = field(default_factory=list)


class _Page(HTMLParser):
    """The elements the checks need, with their text and whether they sit inside a <label>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[_Element] = []
        self.stack: list[_Element] = []

    def handle_starttag(self, tag, attrs):
        element = _Element(tag, {k: v or "" for k, v in attrs}, in_label=any(e.tag == "label" for e in self.stack))
        self.elements.append(element)
        if self.stack:
            self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text += data

    def all(self, *tags: str) -> list[_Element]:
        return [e for e in self.elements if e.tag in tags]


def _has_name(element: _Element, label_targets: set[str]) -> bool:
    attrs = element.attrs
    return bool(
        attrs.get("aria-label", "").strip() or attrs.get("aria-labelledby", "").strip() or attrs.get("title", "").strip()
        or element.in_label or (attrs.get("id") and attrs["id"] in label_targets)
    )


def _has_text(element: _Element) -> bool:
    if element.text.strip() or element.attrs.get("aria-label", "").strip() or element.attrs.get("title", "").strip():
        return True
    return any(child.tag == "img" and child.attrs.get("alt", "").strip() for child in element.children)


def accessibility_problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    problems = []
    html_tags = page.all("html")
    if not html_tags or not html_tags[0].attrs.get("lang"):
        problems.append("<html> has no lang")
    if len(page.all("h1")) != 1:
        problems.append(f"{len(page.all('h1'))} h1 elements (one expected)")
    label_targets = {label.attrs["for"] for label in page.all("label") if label.attrs.get("for")}
    for control in page.all("input", "select", "textarea"):
        if control.tag == "input" and control.attrs.get("type", "text") in _UNLABELLED_INPUT_TYPES:
            continue
        if not _has_name(control, label_targets):
            problems.append(f"<{control.tag} name={control.attrs.get('name')!r}> has no label")
    for link in page.all("a"):
        if "href" in link.attrs and not _has_text(link):
            problems.append(f"<a href={link.attrs['href']!r}> has no text")
    for button in page.all("button"):
        if not _has_text(button):
            problems.append(f"<button name={button.attrs.get('name')!r}> has no text")
    for image in page.all("img"):
        if "alt" not in image.attrs:
            problems.append(f"<img src={image.attrs.get('src')!r}> has no alt")
    for table in page.all("table"):
        if table.attrs.get("role") != "presentation" and not any(e.tag == "th" for e in _descendants(table)):
            problems.append("a data <table> without header cells")
    for element in page.elements:
        tabindex = element.attrs.get("tabindex", "")
        if tabindex.lstrip("-").isdigit() and int(tabindex) > 0:
            problems.append(f"<{element.tag}> with tabindex {tabindex} (breaks the keyboard order)")
    return problems


def _descendants(element: _Element):
    for child in element.children:
        yield child
        yield from _descendants(child)


def test_the_checker_finds_what_it_looks_for():
    bad = ('<html><body><h1>a</h1><h1>b</h1><input name="q"><a href="/x"></a><button></button>'
           '<img src="p.png"><table><tr><td>1</td></tr></table><div tabindex="3">x</div></body></html>')
    assert len(accessibility_problems(bad)) == 8
    good = ('<html lang="ja"><body><h1>a</h1><label for="q">検索</label><input id="q" name="q">'
            '<label>日付 <input name="d"></label><input type="hidden" name="t"><a href="/x">車両</a>'
            '<button aria-label="閉じる">×</button><img src="p.png" alt=""><table><tr><th>車</th></tr></table></body></html>')
    assert accessibility_problems(good) == []


def test_every_staff_page_is_accessible():
    cast = Cast()
    admin = _insiders(cast)["staff"]
    checked, failures = [], []
    for route in project_routes():
        if route.audience != "staff" or not route.fillable or route.path.startswith("api/"):
            continue
        url = route.url(cast)
        response = admin.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue  # POST-only actions, redirects, CSV exports
        checked.append(url)
        failures += [f"{url}: {problem}" for problem in accessibility_problems(response.content.decode())]
    assert len(checked) >= 20, checked  # the walk really reached the portal's pages
    assert not failures, "\n".join(failures)
