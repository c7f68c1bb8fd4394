"""Rich text from residents, sanitised with nh3 before it is stored or shown."""

import html

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "blockquote", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def sanitize_html(html: str) -> str:
    """Keep a small set of formatting tags; scripts, styles, event handlers and foreign URLs go."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
    )


def plain_text(fragment: str) -> str:
    """The text of a fragment without any tag, unescaped (``Tom &amp; Jerry`` → ``Tom & Jerry``), for
    e-mails, exports, search and length checks. It is text, not HTML: escaping happens only where it is
    rendered (templates autoescape it; JSON and CSV need none). Scripts' and styles' content goes."""
    return html.unescape(nh3.clean(fragment or "", tags=set(), attributes={}))
