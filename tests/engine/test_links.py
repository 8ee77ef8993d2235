"""Evidence links: extraction from free text, canonical form, refusals and the per-report cap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.links import (
    INCOMPLETE,
    MAX_LINK_CHARS,
    MAX_LINKS_PER_REPORT,
    NOT_PUBLIC,
    PLATFORMS,
    REFUSED_SCHEME,
    TOO_LONG,
    UNREADABLE_HOST,
    Link,
    extract_links,
    merge_links,
    normalise_link,
)
from bot.engine.outcome import Invalid, Reason, Valid


def accepted(raw: str) -> Link:
    outcome = normalise_link(raw)
    assert isinstance(outcome, Valid), outcome
    return outcome.value


def refused(raw: str) -> Reason:
    outcome = normalise_link(raw)
    assert isinstance(outcome, Invalid), outcome
    return outcome.reason


def urls(text: str) -> list[str]:
    return [link.url for link in extract_links(text).links]


def test_several_links_separated_by_urdu_text_and_newlines_are_all_found_in_order() -> None:
    text = (
        "السلام علیکم، یہ میری تصویر ہے https://www.facebook.com/photo?fbid=123 اور یہ ویڈیو\n"
        "youtu.be/abc123 اس نے مجھے یہاں میسج کیا wa.me/923001234567 اور یہاں بھی https://t.me/someone"
    )
    extraction = extract_links(text)
    assert [(link.url, link.platform) for link in extraction.links] == [
        ("https://www.facebook.com/photo?fbid=123", "facebook"),
        ("https://youtu.be/abc123", "youtube"),
        ("https://wa.me/923001234567", "whatsapp"),
        ("https://t.me/someone", "telegram"),
    ]
    assert extraction.refused == ()


def test_links_separated_only_by_commas_are_all_found() -> None:
    assert urls("https://a.example/x,https://b.example/y، fb.com/z,wa.me/923001234567") == [
        "https://a.example/x",
        "https://b.example/y",
        "https://fb.com/z",
        "https://wa.me/923001234567",
    ]


def test_comma_inside_a_link_is_kept() -> None:
    assert urls("see https://example.com/a,b?ids=1,2 please") == ["https://example.com/a,b?ids=1,2"]


def test_bare_whatsapp_number_link_is_recognised_as_whatsapp() -> None:
    assert extract_links("wa.me/923001234567").links == (Link(url="https://wa.me/923001234567", platform="whatsapp"),)


def test_bare_platform_hosts_get_https_and_their_platform() -> None:
    cases = {
        "facebook.com/some.one": "facebook",
        "fb.watch/abcDEF/": "facebook",
        "m.me/someone": "facebook",
        "instagram.com/p/Cxyz/": "instagram",
        "vm.tiktok.com/ZMabc123/": "tiktok",
        "x.com/someone/status/1": "x",
        "twitter.com/someone": "x",
        "snapchat.com/add/someone": "snapchat",
        "t.me/someone": "telegram",
        "www.example.pk/page": "other",
    }
    for raw, platform in cases.items():
        (link,) = extract_links(f"link: {raw}").links
        assert link == Link(url=f"https://{raw}", platform=platform)


def test_lookalike_domain_is_not_the_platform() -> None:
    assert accepted("https://notfacebook.com/x").platform == "other"
    assert accepted("https://facebook.com.evil.example/x").platform == "other"
    assert urls("notfacebook.com/x") == []


def test_tracking_parameters_are_stripped_but_video_id_and_time_kept() -> None:
    link = accepted("https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=AbC123&feature=share&t=42&utm_source=wa")
    assert link == Link(url="https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", platform="youtube")


def test_facebook_post_keeps_story_and_id_in_order_and_drops_click_ids() -> None:
    link = accepted(
        "https://m.facebook.com/story.php?story_fbid=111&__cft__%5B0%5D=AZx&id=222&__tn__=%2CO%2CP-R"
        "&fbclid=IwAR0&mibextid=Nif5oz&rdid=r1&share_url=https%3A%2F%2Ffb.me%2Fx"
    )
    assert link.url == "https://m.facebook.com/story.php?story_fbid=111&id=222"


def test_share_parameters_from_apps_are_stripped() -> None:
    link = accepted(
        "https://www.tiktok.com/@someone/video/123?is_from_webapp=1&sender_device=pc"
        "&sender_web_id=9&_t=ZS-8&_r=1&share_app_id=1233&share_link_id=abc&lang=ur"
    )
    assert link.url == "https://www.tiktok.com/@someone/video/123?lang=ur"
    assert accepted("https://www.instagram.com/reel/C1/?igsh=MWx&igshid=YmM").url == (
        "https://www.instagram.com/reel/C1/"
    )


def test_feature_parameter_is_kept_unless_it_is_share() -> None:
    assert accepted("https://youtube.com/watch?v=a&feature=youtu.be").url == (
        "https://youtube.com/watch?v=a&feature=youtu.be"
    )


def test_s_and_t_are_stripped_only_on_x_and_twitter() -> None:
    assert accepted("https://x.com/a/status/1?s=20&t=abc").url == "https://x.com/a/status/1"
    assert accepted("https://mobile.twitter.com/a/status/1?t=abc&s=46").url == ("https://mobile.twitter.com/a/status/1")
    assert accepted("https://example.com/search?s=term&t=5").url == "https://example.com/search?s=term&t=5"


def test_query_that_is_only_tracking_leaves_no_question_mark() -> None:
    assert accepted("https://example.com/a?utm_source=x&utm_medium=y").url == "https://example.com/a"
    assert accepted("https://example.com/a?").url == "https://example.com/a"


def test_scheme_and_host_lowercased_but_path_case_kept_and_www_kept() -> None:
    assert accepted("HTTPS://WWW.FaceBook.COM/Some.Profile") == Link(
        url="https://www.facebook.com/Some.Profile", platform="facebook"
    )


def test_internationalised_host_is_encoded_to_ascii() -> None:
    assert accepted("https://bücher.example/x").url == "https://xn--bcher-kva.example/x"
    assert accepted("https://BÜCHER.example/x").url == "https://xn--bcher-kva.example/x"


def test_ascii_host_that_idna_2008_would_refuse_is_kept() -> None:
    assert accepted("https://r3---sn-abc.googlevideo.com/v").url == "https://r3---sn-abc.googlevideo.com/v"


def test_unencodable_host_is_refused_with_a_reason() -> None:
    assert refused("https://☃.example/").msgid == UNREADABLE_HOST
    assert refused("https://a..example/").msgid == UNREADABLE_HOST


def test_userinfo_is_dropped() -> None:
    assert accepted("https://user:secret@example.com/page").url == "https://example.com/page"


def test_default_ports_dropped_and_other_ports_kept() -> None:
    assert accepted("http://example.com:80/a").url == "http://example.com/a"
    assert accepted("https://example.com:443/a").url == "https://example.com/a"
    assert accepted("http://example.com:443/a").url == "http://example.com:443/a"
    assert accepted("https://example.com:8443").url == "https://example.com:8443/"


def test_missing_path_becomes_slash_and_empty_fragment_is_dropped() -> None:
    assert accepted("https://example.com").url == "https://example.com/"
    assert accepted("https://example.com?a=1").url == "https://example.com/?a=1"
    assert accepted("https://example.com/a#").url == "https://example.com/a"
    assert accepted("https://example.com/a#part").url == "https://example.com/a#part"


def test_javascript_link_is_refused_with_scheme_named() -> None:
    extraction = extract_links("دیکھیں javascript:alert(document.cookie) یہ")
    assert extraction.links == ()
    assert extraction.refused == (Reason(REFUSED_SCHEME, {"scheme": "javascript"}),)
    assert "http://" in REFUSED_SCHEME and "https://" in REFUSED_SCHEME and "{scheme}" in REFUSED_SCHEME


def test_every_refused_scheme_is_named_in_its_reason() -> None:
    raws = {
        "data": "data:text/html;base64,PHNjcmlwdD4=",
        "file": "file:///etc/passwd",
        "vbscript": "VBScript:msgbox(1)",
        "ftp": "ftp://files.example.com/a",
        "blob": "blob:https://example.com/uuid",
        "about": "about:blank",
        "intent": "intent://scan/#Intent;scheme=zxing;end",
        "content": "content://media/external/images/1",
        "chrome": "chrome://settings",
    }
    for scheme, raw in raws.items():
        reason = Reason(REFUSED_SCHEME, {"scheme": scheme})
        assert refused(raw) == reason
        assert extract_links(f"link {raw} here").refused == (reason,)


def test_a_word_typed_against_a_link_is_not_taken_for_its_scheme() -> None:
    # "linkhttps://…" used to be refused as the scheme "linkhttps", which no citizen would understand.
    extraction = extract_links("ye raha linkhttps://t.me/fake_profile aur Dekhohttp://example.com/post/1")
    assert [link.url for link in extraction.links] == ["https://t.me/fake_profile", "http://example.com/post/1"]
    assert extraction.refused == ()
    # A real scheme with "http" inside it is still refused, named as it was written.
    assert refused("xhttps-not://example.com") == Reason(REFUSED_SCHEME, {"scheme": "xhttps-not"})
    # The link that follows the glued word is an ordinary https link, whatever the word.
    assert accepted("javascripthttps://example.com").url == "https://example.com/"


def test_words_followed_by_a_colon_and_space_are_not_links() -> None:
    extraction = extract_links("I am worried about: my data: photos. Note: nothing else")
    assert extraction == extract_links("")


def test_too_long_link_is_refused_with_the_limit() -> None:
    raw = "https://example.com/" + "a" * MAX_LINK_CHARS
    assert refused(raw) == Reason(TOO_LONG, {"max": MAX_LINK_CHARS})
    assert extract_links(f"یہ {raw} ہے").refused == (Reason(TOO_LONG, {"max": MAX_LINK_CHARS}),)


def test_link_of_exactly_the_limit_is_accepted() -> None:
    raw = "https://example.com/" + "a" * (MAX_LINK_CHARS - len("https://example.com/"))
    assert accepted(raw).url == raw


def test_localhost_private_and_loopback_addresses_are_refused() -> None:
    for raw in [
        "http://localhost/admin",
        "http://localhost:8000/",
        "https://app.localhost/",
        "http://printer.local/",
        "http://127.0.0.1/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://intranet/",
    ]:
        assert refused(raw).msgid == NOT_PUBLIC, raw


def test_public_ip_literals_are_allowed_as_other() -> None:
    assert accepted("http://8.8.8.8/x") == Link(url="http://8.8.8.8/x", platform="other")
    assert accepted("https://[2001:4860:4860::8888]:8443/a").url == "https://[2001:4860:4860::8888]:8443/a"


def test_link_without_a_host_is_refused_as_incomplete() -> None:
    assert refused("https://").msgid == INCOMPLETE
    assert refused("https:///path").msgid == INCOMPLETE
    assert refused("https://example.com:99999/").msgid == INCOMPLETE
    assert extract_links("یہ دیکھو https://").refused == (Reason(INCOMPLETE),)


def test_duplicates_in_one_message_are_collapsed_by_normalised_url() -> None:
    extraction = extract_links(
        "https://example.com/a?utm_source=x HTTPS://EXAMPLE.com/a https://example.com:443/a "
        "https://example.com/b https://example.com/a"
    )
    assert [link.url for link in extraction.links] == ["https://example.com/a", "https://example.com/b"]


def test_trailing_urdu_full_stop_and_comma_are_trimmed() -> None:
    assert urls("یہ لنک ہے https://example.com/page۔") == ["https://example.com/page"]
    assert urls("یہ لنک ہے https://example.com/page، اور بس") == ["https://example.com/page"]


def test_trailing_english_punctuation_is_trimmed() -> None:
    assert urls("Look at https://example.com/page. Then x.com/a! Or https://example.com/q?a=1;") == [
        "https://example.com/page",
        "https://x.com/a",
        "https://example.com/q?a=1",
    ]


def test_parentheses_around_a_link_are_trimmed_but_kept_inside_the_path() -> None:
    assert urls("(see https://example.com/page)") == ["https://example.com/page"]
    assert urls("(https://en.wikipedia.org/wiki/Cyber_(disambiguation))") == [
        "https://en.wikipedia.org/wiki/Cyber_(disambiguation)"
    ]
    assert urls("«https://example.com/a» and \"https://example.com/b\" and 'https://example.com/c'") == [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/c",
    ]


def test_refused_and_accepted_links_are_reported_together() -> None:
    extraction = extract_links("https://fb.com/a javascript:void(0) http://192.168.0.1/ https://t.me/b")
    assert [link.url for link in extraction.links] == ["https://fb.com/a", "https://t.me/b"]
    assert [reason.msgid for reason in extraction.refused] == [REFUSED_SCHEME, NOT_PUBLIC]


def test_email_address_is_not_taken_for_a_link() -> None:
    assert extract_links("write to someone@facebook.com please").links == ()


def test_merge_adds_up_to_the_cap_and_counts_the_dropped() -> None:
    existing = [Link(f"https://example.com/{i}", "other") for i in range(24)]
    new = [Link(f"https://example.com/new{i}", "other") for i in range(3)]
    merged, added, dropped = merge_links(existing, new)
    assert (len(merged), added, dropped) == (MAX_LINKS_PER_REPORT, 1, 2)
    assert merged[:24] == tuple(existing)
    assert merged[24] == new[0]


def test_merge_collapses_duplicates_of_existing_links_without_counting_them() -> None:
    existing = [Link("https://example.com/a", "other")]
    new = [Link("https://example.com/a", "other"), Link("https://fb.com/b", "facebook")]
    assert merge_links(existing, new) == ((existing[0], new[1]), 1, 0)


def test_merge_collapses_duplicates_within_the_new_links() -> None:
    existing = [Link(f"https://example.com/{i}", "other") for i in range(2)]
    new = [Link("https://example.com/x", "other")] * 3
    assert merge_links(existing, new, cap=2) == (tuple(existing), 0, 1)


# Random text seldom contains a link, so also build texts from link-shaped pieces.
_PIECES = ["https://", "http://", "www.", "wa.me/", "fb.com", "javascript:", "[::1]", "(", ")", "۔", ",", " "]


@settings(max_examples=300, deadline=None, database=None)
@given(st.text() | st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=12).map("".join))
def test_extract_links_never_raises_and_accepts_only_bounded_web_links(text: str) -> None:
    extraction = extract_links(text)
    for link in extraction.links:
        assert link.url.startswith(("http://", "https://"))
        assert len(link.url) <= MAX_LINK_CHARS
        assert link.platform in PLATFORMS
    assert len({link.url for link in extraction.links}) == len(extraction.links)
