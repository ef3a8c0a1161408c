"""Tests for ``portal.boards.markdown``: reflections rendered as inert HTML.

Every hostile input is rendered and the output re-parsed with the standard
library's ``HTMLParser``: each tag must be on the allow-list, each attribute
allowed for its tag, each class one we add, each ``href`` absolute
http/https/mailto. Substring checks on the raw HTML are only used for "<tag"
(text is escaped, so ``&lt;script`` is fine); attribute checks use the parser,
since text like ``onerror=alert(1)`` may legitimately appear as words.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from portal.boards.markdown import (
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    LINK_REL,
    excerpt,
    plain_text,
    render,
)


@pytest.fixture(autouse=True)
def db():
    """These tests need no database: replace the suite's autouse ``db`` fixture."""
    yield None


# --------------------------------------------------------------------------------------
# Checking output


VOID = {"br", "hr"}
SAFE_HREF = re.compile(r"(?:https?://|mailto:)\S", re.IGNORECASE)
DANGEROUS_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|data|file)\s*:", re.IGNORECASE)
FORBIDDEN_TAGS = (
    "script", "iframe", "img", "svg", "form", "input", "button", "object", "embed", "style",
    "link", "meta", "base", "math", "textarea", "select", "video", "audio", "source", "div",
    "span", "h1", "h2",
)  # fmt: skip


def allowed_attributes(tag: str) -> set[str]:
    names = {"class"} if tag in ALLOWED_CLASSES else set()
    if tag == "a":
        names |= {"href", "rel"}
    if tag == "ol":
        names |= {"start"}
    return names


class Collector(HTMLParser):
    """Records every start tag with its attributes, the text, and nesting errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.errors.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.errors.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.errors.append(f"unknown declaration {data!r}")


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def assert_inert(html: str) -> Collector:
    """Fail unless ``html`` only uses the allow-list; returns the parse for further checks."""
    lowered = html.lower()
    for tag in FORBIDDEN_TAGS:
        assert f"<{tag}" not in lowered and f"</{tag}" not in lowered, (tag, html)
    assert "<!--" not in html, html

    doc = parse(html)
    assert not doc.errors, (doc.errors, html)
    assert not doc.stack, (doc.stack, html)
    assert not doc.comments, html
    for tag, attrs in doc.elements:
        assert tag in ALLOWED_TAGS, (tag, html)
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), (tag, attrs)
        assert set(names) <= allowed_attributes(tag), (tag, attrs, html)
        for name, value in attrs:
            value = value or ""
            assert not re.fullmatch(r"on\w+", name), (tag, name)
            assert not name.startswith(("hx-", "data-")), (tag, name)
            assert name != "style", (tag, attrs)
            if name == "class":
                assert set(value.split()) <= ALLOWED_CLASSES[tag], (tag, value)
            elif name == "href":
                assert SAFE_HREF.match(value), (value, html)
                assert not DANGEROUS_SCHEME.match(value), (value, html)
            elif name == "rel":
                assert value == LINK_REL
            elif name == "start":
                assert value.isdigit(), value
        if tag == "a":
            assert "href" in names, (attrs, html)
    return doc


# --------------------------------------------------------------------------------------
# Hostile inputs

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java&#x09;script:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](https://evil.example/x.png)",
    '![x](https://evil.example/x.png "title" onerror="alert(1)")',
    '<div hx-get="/admin" hx-trigger="load">x</div>',
    '<div data-hx-post="/x" data-hx-trigger="load">x</div>',
    '<form action="/x"><button hx-on:click="alert(1)">go</button><input name=a></form>',
    '[a](https://x "title" onclick="x")',
    '[a](https://x "a\\" onclick=\\"alert(1)")',
    '[a](https://x" onclick="alert(1))',
    "[a](https://x'onmouseover='alert(1))",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    "<!-- comment -->",
    "<!-- x --><script>alert(1)</script><!-- y -->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="https://x',
    '<a href="https://x" onclick="alert(1)"',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "*" * 5000 + "a" + "*" * 5000,
    "**_" * 3000 + "x" + "_**" * 3000,
    "[" * 5000 + "x" + "](javascript:alert(1))" * 50,
    ">" * 2000 + " <script>alert(1)</script>",
    "- " * 2000 + "<script>",
    "[link](vbscript:msgbox(1))",
    "[link](file:///etc/passwd)",
    "[link](//evil.example/x)",
    "[link](/admin/delete)",
    "[link](#top)",
    "[link](?next=javascript:alert(1))",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    '[x][evil]\n\n[evil]: <javascript:alert(1)> "t"',
    "[evil]\n\n[evil]: data:text/html,<script>alert(1)</script>",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<mailto:a@b.c?body=<script>>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "[![img](x)](javascript:y)",
    "[![img](javascript:y)](https://ok.example)",
    "> <script>alert(1)</script>",
    "> [x](javascript:alert(1))\n> <img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '```" onclick="alert(1)\ncode\n```',
    "    <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:y) |",
    '| a |\n|:-:|\n| b" style="x |',
    "<object data=x></object><embed src=x><link rel=stylesheet href=x><meta http-equiv=refresh>",
    '<base href="https://evil.example/">',
    "<textarea>x</textarea><select><option>x</select>",
    "\x00<script>\x00alert(1)</script>",
    "[x](https://example.org/\x00javascript:alert(1))",
    "<a href='https://ok' style='position:fixed'>x</a>",
    "# <h1>title</h1>\n## <h2 id=x>sub</h2>",
    "<p onmouseover=alert(1)>x</p>",
    "<details open ontoggle=alert(1)>",
    '<a href="https://x">[y](javascript:z)</a>',
    "[x](https://example.org/<script>)",
    '[x](https://example.org/"onmouseover="alert(1))',
]


@pytest.mark.parametrize("source", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_inert(source):
    html = render(source)
    doc = assert_inert(str(html))
    # Nothing a browser (or htmx) would act on: no tag beyond the allow-list was produced.
    assert {tag for tag, _ in doc.elements} <= ALLOWED_TAGS


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x][evil]\n\n[evil]: javascript:alert(1)",
        "[link](vbscript:msgbox(1))",
        "[link](file:///etc/passwd)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[link](/admin/delete)",
        "[link](#top)",
        "[link](//evil.example/x)",
        "[x](java&#x09;script:alert(1))",
        "<javascript:alert(1)>",
    ],
)
def test_links_that_are_not_absolute_http_or_mailto_are_text(source):
    assert "<a" not in render(source)


def test_raw_html_is_shown_as_text():
    html = render('<div hx-get="/admin" hx-trigger="load">hi</div>')
    assert "&lt;div hx-get=" in html
    assert parse(str(html)).elements == [("p", [("class", "govuk-body")])]


def test_escaped_entities_stay_text():
    html = render("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert html == '<p class="govuk-body">&lt;script&gt;alert(1)&lt;/script&gt;</p>\n'
    assert "".join(parse(str(html)).text).strip() == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("![x](https://evil.example/x.png)", "x"),
        ("![a *b* `c`](x.png)", "a b c"),
        ("[![img](x)](https://ok.example)", "img"),
    ],
)
def test_images_become_their_alt_text(source, text):
    doc = assert_inert(str(render(source)))
    assert "".join(doc.text).strip() == text


def test_image_inside_a_safe_link_keeps_the_link():
    html = render("[![logo](x.png)](https://ok.example)")
    assert html == (
        '<p class="govuk-body"><a href="https://ok.example" class="govuk-link"'
        f' rel="{LINK_REL}">logo</a></p>\n'
    )


def test_link_title_and_extra_attributes_are_dropped():
    html = render('[a](https://example.org "title")')
    assert "title" not in html
    assert html == (
        '<p class="govuk-body"><a href="https://example.org" class="govuk-link"'
        f' rel="{LINK_REL}">a</a></p>\n'
    )


@pytest.mark.parametrize(
    "source",
    ["*" * 8000, "**_" * 3000 + "x", "[" * 8000 + "](", ">" * 5000 + "a", "- " * 5000 + "a"],
)
def test_pathological_input_is_fast(source):
    """Roughly linear (under a second here): a quadratic blow-up would take minutes."""
    started = time.perf_counter()
    assert_inert(str(render(source)))
    plain_text(source)
    assert time.perf_counter() - started < 5


# --------------------------------------------------------------------------------------
# Ordinary Markdown


def test_render_returns_markup():
    html = render("hello")
    assert isinstance(html, Markup)
    assert Markup("{}").format(html) == html  # not escaped again when put in a template
    assert render("") == ""


def test_paragraphs_and_emphasis():
    assert render("One *two* **three** ~~four~~ `<five>`\n\nSix  \nseven") == (
        '<p class="govuk-body">One <em>two</em> <strong>three</strong> <s>four</s>'
        " <code>&lt;five&gt;</code></p>\n"
        '<p class="govuk-body">Six<br>\nseven</p>\n'
    )


def test_lists_have_govuk_classes():
    assert render("- a\n- b\n\n3. c\n4. d") == (
        '<ul class="govuk-list govuk-list--bullet">\n<li>a</li>\n<li>b</li>\n</ul>\n'
        '<ol start="3" class="govuk-list govuk-list--number">\n<li>c</li>\n<li>d</li>\n</ol>\n'
    )


@pytest.mark.parametrize(
    ("source", "tags"),
    [
        ("# A", ["h3"]),
        ("## A", ["h3"]),  # the Kolb template's headings: straight under the page's h2
        ("###### A", ["h3"]),
        ("A\n===", ["h3"]),
        ("# A\n\n### B\n\n# C", ["h3", "h4", "h3"]),  # no gap where the text skips one
        ("## A\n\n### B\n\n#### C\n\n##### D\n\n###### E", ["h3", "h4", "h5", "h6", "h6"]),
    ],
)
def test_headings_start_under_the_page_and_never_skip_a_level(source, tags):
    html = str(render(source))
    assert re.findall(r"<(h[1-6]) class=\"govuk-heading-[ms]\">", html) == tags


def test_https_and_mailto_links():
    html = render("[site](https://www.gov.uk/) and <someone@example.org> and <http://a.example>")
    doc = assert_inert(str(html))
    links = [dict(attrs) for tag, attrs in doc.elements if tag == "a"]
    assert links == [
        {"href": "https://www.gov.uk/", "class": "govuk-link", "rel": LINK_REL},
        {"href": "mailto:someone@example.org", "class": "govuk-link", "rel": LINK_REL},
        {"href": "http://a.example", "class": "govuk-link", "rel": LINK_REL},
    ]


def test_bare_urls_are_not_linked():
    assert "<a" not in render("see https://www.gov.uk/ for more")


def test_relative_and_fragment_links_keep_their_text():
    assert render("[home](/) and [top](#top)") == '<p class="govuk-body">home and top</p>\n'


def test_code_blocks_are_escaped_without_language_class():
    assert render("```python\n<b>x</b> & y\n```") == (
        "<pre><code>&lt;b&gt;x&lt;/b&gt; &amp; y\n</code></pre>\n"
    )
    assert render("    <i>x</i>") == "<pre><code>&lt;i&gt;x&lt;/i&gt;\n</code></pre>\n"


def test_blockquote_and_rule():
    assert render("> quoted\n\n---") == (
        '<blockquote class="govuk-inset-text">\n<p class="govuk-body">quoted</p>\n</blockquote>\n'
        '<hr class="govuk-section-break govuk-section-break--m govuk-section-break--visible">\n'
    )


def test_table_has_govuk_classes_and_no_alignment_style():
    html = render("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "style" not in html and "align" not in html
    assert html == (
        '<table class="govuk-table">\n'
        '<thead class="govuk-table__head">\n<tr class="govuk-table__row">\n'
        '<th class="govuk-table__header">a</th>\n<th class="govuk-table__header">b</th>\n'
        "</tr>\n</thead>\n"
        '<tbody class="govuk-table__body">\n<tr class="govuk-table__row">\n'
        '<td class="govuk-table__cell">1</td>\n<td class="govuk-table__cell">2</td>\n'
        "</tr>\n</tbody>\n</table>\n"
    )


# --------------------------------------------------------------------------------------
# Plain text and excerpts

REFLECTION = """# What went well

The *joint visit* with [Hounslow](https://example.org) was **useful**.
We agreed three actions:

- ring the school
- book a `strategy meeting`
  1. invite health
  2. invite police

> Keep it simple.

| Who | When |
|-----|------|
| Sam | Monday |

```
<notes> & more
```

![a photo of the whiteboard](https://x.example/p.png)
"""


def test_plain_text():
    assert plain_text(REFLECTION) == (
        "What went well\n\n"
        "The joint visit with Hounslow was useful. We agreed three actions:\n\n"
        "- ring the school\n"
        "- book a strategy meeting\n"
        "  1. invite health\n"
        "  2. invite police\n\n"
        "Keep it simple.\n\n"
        "Who | When\n"
        "Sam | Monday\n\n"
        "<notes> & more\n\n"
        "a photo of the whiteboard"
    )


def test_plain_text_keeps_raw_html_and_entities_as_text():
    assert plain_text("<b>hi</b> &amp; &lt;x&gt;") == "<b>hi</b> & <x>"
    assert plain_text("[x](javascript:alert(1))") == "[x](javascript:alert(1))"
    assert plain_text("") == ""


def test_plain_text_numbers_ordered_lists_from_their_start():
    assert plain_text("7. a\n8. b\n\n- c\n-\n- d") == "7. a\n8. b\n\n- c\n-\n- d"


def test_excerpt_short_text_is_unchanged():
    assert excerpt("Just **one** line.") == "Just one line."
    assert excerpt("") == ""


def test_excerpt_cuts_on_a_word_boundary():
    text = "The quick brown fox jumps over the lazy dog"
    assert excerpt(text, 20) == "The quick brown fox…"
    assert excerpt(text, 19) == "The quick brown…"
    assert excerpt(text, 21) == "The quick brown fox…"
    assert excerpt(text, len(text)) == text


def test_excerpt_collapses_whitespace_and_markup():
    assert excerpt(REFLECTION, 60) == "What went well The joint visit with Hounslow was useful. We…"


def test_excerpt_drops_trailing_punctuation_before_the_ellipsis():
    assert excerpt("First, second, third", 15) == "First, second…"


def test_excerpt_hard_cuts_one_long_word():
    assert excerpt("a" * 50, 10) == "a" * 9 + "…"


def test_excerpt_rejects_silly_length():
    with pytest.raises(ValueError):
        excerpt("x", 0)


# --------------------------------------------------------------------------------------
# Properties

SYNTAX = list("<>[]()!*_`#-|~&;:\"'\n\t =/\\") + [
    "](", "](javascript:", "](https://a.example", "<a href=", " onerror=", " hx-get=",
    "data-hx-post=", "&#x09;", "&#106;", "&lt;", "```", "    ", "> ", "- ", "1. ", "| --- |",
    "\n\n", "[x]: ", "<!--", "-->", "<script", "</", "javascript:", "data:", "mailto:",
]  # fmt: skip

# The hostile inputs that are about syntax, not size: the long ones (nesting and length
# bombs, each tested on its own above) would make most examples 50-100 kB of the same
# bomb, and the property is about how pieces of syntax combine.
SHORT_HOSTILE = [source for source in HOSTILE if len(source) <= 200]

markdownish = st.one_of(
    st.text(),
    st.lists(
        st.one_of(st.sampled_from(SHORT_HOSTILE), st.sampled_from(SYNTAX), st.text(max_size=8)),
        max_size=25,
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(markdownish)
def test_any_input_renders_to_allowed_html(source):
    assert_inert(str(render(source)))


@settings(max_examples=300, deadline=None)
@given(markdownish, st.integers(min_value=1, max_value=300))
def test_excerpt_is_never_longer_than_asked(source, length):
    text = plain_text(source)
    assert "<p" not in text or "<p" in source  # no markup is added to plain text
    short = excerpt(source, length)
    assert len(short) <= length
    assert "\n" not in short
