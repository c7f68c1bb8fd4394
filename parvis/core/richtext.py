"""Rich text from residents, sanitised with nh3 before it is stored or shown."""

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


def plain_text(html: str) -> str:
    """The text of a fragment without any tag (for e-mails, exports and search)."""
    return nh3.clean(html or "", tags=set(), attributes={})
