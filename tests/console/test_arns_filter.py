"""The `arn` template filter: escape, then allow line breaks only after / and :."""

from __future__ import annotations

from django.template import engines

RENDER = engines["django"].from_string("{% load arns %}{{ value|arn }}")


def test_breaks_follow_slashes_and_colons_only() -> None:
    html = RENDER.render({"value": "arn:aws:s3:::productionapp/config/app.json"})
    assert html == ('<span class="arn">arn:<wbr>aws:<wbr>s3:::<wbr>productionapp/<wbr>config/<wbr>app.json</span>')


def test_text_is_escaped_before_breaks_are_added() -> None:
    html = RENDER.render({"value": 'a/<script>"x"&y</script>'})
    assert "<script>" not in html
    assert html == '<span class="arn">a/<wbr>&lt;script&gt;&quot;x&quot;&amp;y&lt;/<wbr>script&gt;</span>'


def test_empty_renders_nothing() -> None:
    assert RENDER.render({"value": ""}) == ""
    assert RENDER.render({"value": None}) == ""


def test_prose_with_arns_breaks_without_a_span() -> None:
    html = engines["django"].from_string("{% load arns %}{{ value|breakable }}").render({"value": "on a:b/<c>"})
    assert html == "on a:<wbr>b/<wbr>&lt;c&gt;"


def test_in_a_sentence_only_the_arns_break() -> None:
    sentence = "Your groups' policies do not allow sts:AssumeRole on arn:aws:iam::123456789012:role/team/App. <b>"
    html = engines["django"].from_string("{% load arns %}{{ value|breakable_arns }}").render({"value": sentence})
    assert html == (
        "Your groups&#x27; policies do not allow sts:AssumeRole on "
        "arn:<wbr>aws:<wbr>iam::<wbr>123456789012:<wbr>role/<wbr>team/<wbr>App. &lt;b&gt;"
    )
    untouched = "Uploaded config/app.json (10 bytes)."
    assert engines["django"].from_string("{% load arns %}{{ v|breakable_arns }}").render({"v": untouched}) == untouched
