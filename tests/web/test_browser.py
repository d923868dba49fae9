"""The pages in a real browser: Debian's Chromium driven by Playwright, against a real server
on a loopback port, over a database holding a small demo data set (``tests/web/browsing.py``).

Set ``KALKAN_SCREENSHOTS`` to a folder (``docs/screenshots``) to save a picture of each main page.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from kalkan.model.mrz import MRZDate, MRZFields, MRZFormat, Sex, build_mrz
from kalkan.store import outbox
from kalkan.store.database import Database
from kalkan.store.hits import hits
from tests.web.browsing import demo_rows as _demo_rows
from tests.web.browsing import screenshot as _screenshot
from tests.web.browsing import sign_in as _sign_in

pytestmark = pytest.mark.browser


def test_sign_in_and_out(page: Any) -> None:
    page.goto("/search")
    assert "/sign-in" in page.url
    _screenshot(page, "sign-in")
    page.fill("#username", "uz-ncb-analyst")
    page.fill("#password", "not the password")
    page.press("#password", "Enter")
    assert page.locator("#sign-in-message").is_visible()
    _sign_in(page, "uz-ncb-analyst", "/search")
    assert page.locator("html").get_attribute("lang") == "ru"  # the demo's analyst reads Russian
    page.locator("form[action='/sign-out'] button").click()
    page.wait_for_url("**/sign-in")
    page.goto("/search")
    assert "/sign-in" in page.url


def test_analyst_finds_a_record_by_its_cyrillic_name_and_opens_its_network(page: Any, demo_url: str) -> None:
    linked = {row.source_id for row in _demo_rows(demo_url, kind="link", restriction_mode="all")}
    target = None
    for row in _demo_rows(demo_url, kind="person", restriction_mode="all"):
        cyrillic = [n["value"] for n in json.loads(row.body)["names"] if n.get("script") == "cyrillic"]
        if cyrillic and row.id in linked:
            target = (row.id, cyrillic[0].split()[0])
            break
    assert target, "the demo holds a shared, linked person with a Cyrillic name"
    record_id, surname = target
    _sign_in(page, "kz-ncb-analyst", "/search")
    page.fill("#q", surname)
    page.press("#q", "Enter")
    page.wait_for_selector("#results")
    page.locator(f"a[href='/records/{record_id}']").first.click()
    page.wait_for_url(f"**/records/{record_id}")
    assert surname in page.locator("main").inner_text()
    _screenshot(page, "record")
    page.locator(f"a[href='/records/{record_id}/network']").click()
    page.wait_for_url("**/network")
    nodes = page.locator("svg a")
    assert nodes.count() >= 2
    _screenshot(page, "network")
    other = nodes.nth(1).get_attribute("href")
    nodes.nth(1).focus()  # each node is a link, reachable from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{other}")


def test_another_agency_cannot_open_a_restricted_record(page: Any, demo_url: str) -> None:
    hidden = _demo_rows(demo_url, restriction_mode="owner", owner="UZ-NCB")[0]
    _sign_in(page, "kz-ncb-analyst")
    refused = page.goto(f"/records/{hidden.id}")
    assert refused is not None
    assert refused.status == 404
    label = hidden.label
    assert label not in page.content()
    page.context.clear_cookies()
    _sign_in(page, "uz-ncb-analyst")
    allowed = page.goto(f"/records/{hidden.id}")
    assert allowed is not None
    assert allowed.status == 200
    assert label in page.content()


def test_officer_checks_a_passport_zone_typed_by_a_reader(page: Any, demo_url: str) -> None:
    stolen = next(
        body
        for row in _demo_rows(demo_url, kind="travel_document", restriction_mode="all")
        for body in [json.loads(row.body)]
        if body["document_type"] == "passport" and len(body["number"]) <= 9 and body["document_status"] == "stolen"
    )
    fields = MRZFields(
        document_code="P",
        issuing_state=stolen["issuing_state"],
        primary_identifier="KARIMOV",
        secondary_identifiers="BEKZOD",
        document_number=stolen["number"],
        nationality=stolen["issuing_state"],
        birth_date=MRZDate.of(date(1984, 3, 12)),
        sex=Sex.MALE,
        expiry_date=date(2031, 5, 1),
    )
    first, second = build_mrz(fields, MRZFormat.TD3)
    _sign_in(page, "kz-ncb-officer", "/check")
    page.focus("#mrz")
    page.keyboard.type(first + "\n" + second + "\n")  # as a keyboard-wedge reader types it; the page sends itself
    page.wait_for_selector("#reading")
    assert page.locator("#mrz-number").inner_text() == stolen["number"]
    assert "hit" in (page.locator("#verdict").get_attribute("class") or "").split()
    assert page.locator("#verdict").evaluate("element => element === document.activeElement")  # read out first
    _screenshot(page, "check")


def test_bureau_form_errors_sit_next_to_their_fields(page: Any) -> None:
    _sign_in(page, "uz-ncb-editor", "/records/new/person")
    page.fill("#f-names-0-value", "Tursunov Ilhom")
    page.fill("#f-nationalities", "UZB, XXQ")
    page.locator("form.record-form button[type=submit]").click()
    page.wait_for_selector("#form-faults")
    assert page.locator("#f-nationalities-fault").is_visible()
    assert page.locator("#f-names-0-value").input_value() == "Tursunov Ilhom"
    _screenshot(page, "bureau-form")


def test_secretariat_issues_and_revokes_a_token(page: Any, server: str) -> None:
    _sign_in(page, "sec-admin", "/admin/tokens")
    page.fill("#token-name", "border gate 4")
    page.locator("#token-name").press("Enter")
    page.wait_for_selector("#token-secret")
    secret = page.locator("#token-secret").inner_text()
    _screenshot(page, "tokens")
    assert page.request.get(f"{server}/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 200
    page.goto("/admin/tokens")
    assert secret not in page.content()  # shown once
    row = page.locator("tr", has_text="border gate 4")
    row.locator("button").click()
    page.wait_for_url("**/admin/tokens")
    assert page.request.get(f"{server}/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 401
    page.goto("/audit")
    _screenshot(page, "audit")


def test_bureau_page_receives_a_notification_live(page: Any, demo_url: str) -> None:
    _sign_in(page, "uz-ncb-editor", "/bureau")
    page.wait_for_selector("#notifications[data-live='open']")  # the script has opened the stream
    before = int(page.locator("#notification-count").inner_text())
    page.evaluate("window.kalkanSamePage = true")  # gone if the page were loaded again
    db = Database(demo_url)
    try:
        with db.transaction() as conn:  # committed by another process's connection while the page is open
            outbox.enqueue(conn, "UZ-NCB", "hit", {"label": "Tursunov Ilhom", "border_post": "Oybek"})
            outbox.enqueue(conn, "KZ-NCB", "hit", {"label": "Not For Tashkent"})
    finally:
        db.dispose()
    page.locator("#notifications li", has_text="Tursunov Ilhom").wait_for()
    assert "Tursunov Ilhom" in page.locator("#notifications li").first.inner_text()  # at the top
    assert int(page.locator("#notification-count").inner_text()) == before + 1
    assert page.locator("#notifications").get_attribute("data-sounded") == "1"
    assert "Not For Tashkent" not in page.content()
    assert page.evaluate("window.kalkanSamePage === true")  # no reload
    assert "new" in (page.locator("#notifications li").first.get_attribute("class") or "").split()  # added by the script
    _screenshot(page, "bureau")


def test_a_notice_drafted_from_a_record_is_reviewed_with_the_checklist(page: Any, demo_url: str) -> None:
    subject = _demo_rows(demo_url, kind="person", owner="UZ-NCB", status="active")[0]
    _sign_in(page, "uz-ncb-editor", f"/records/{subject.id}")
    page.locator("#draft-notice").click()
    page.wait_for_url("**/notices/new?subject_id=*")
    assert page.locator("#f-subject_id").input_value() == subject.id
    page.select_option("#f-notice_type", "blue")
    page.fill("#f-grounds", "Suspected courier of the Tashkent robbery ring")
    page.fill("#f-action_to_take", "Identify, gather information, inform UZ-NCB")
    page.locator("form.record-form button[type=submit]").click()
    page.wait_for_selector("#submit-notice")
    notice_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    page.locator("#submit-notice button").click()
    page.wait_for_selector("#notice-state.state-submitted")
    _screenshot(page, "notice")

    page.context.clear_cookies()
    _sign_in(page, "sec-admin", "/review-queue")
    _screenshot(page, "review-queue")
    page.locator(f"a[href='/notices/{notice_id}/review']").click()
    page.wait_for_selector("#review-form")
    for item in ("lawful_purpose", "no_political_military_religious_racial_character", "minimum_identifiers"):
        page.check(f"input[name='checklist.{item}.passed'][value='yes']")
    page.check("input[name='checklist.data_quality.passed'][value='no']")  # and no reason
    page.check("input[name='decision'][value='refuse']")
    page.fill("#f-reasons", "give the subject's date of birth")
    page.locator("#review-form button[type=submit]").click()
    page.wait_for_selector("#f-checklist-data_quality-fault")
    assert page.locator("input[name='checklist.data_quality.passed'][value='no']").is_checked()  # kept
    assert page.locator("#f-reasons").input_value() == "give the subject's date of birth"
    page.locator("#f-checklist-data_quality").scroll_into_view_if_needed()
    _screenshot(page, "notice-review")
    page.fill("#f-checklist-data_quality-reason", "the names are not transliterated")
    page.locator("#review-form button[type=submit]").click()
    page.wait_for_url("**/review-queue?reviewed=*")
    assert page.locator(f"a[href='/notices/{notice_id}/review']").count() == 0


def test_an_officers_hit_arrives_live_on_the_owners_bureau_page_which_confirms_it(browser: Any, server: str, demo_url: str) -> None:
    stolen = [
        (row, body)
        for row in _demo_rows(demo_url, kind="travel_document", restriction_mode="all", owner="UZ-NCB", status="active")
        for body in [json.loads(row.body)]
        if body["document_type"] == "passport" and len(body["number"]) <= 9 and body["document_status"] == "stolen"
    ]
    assert stolen, "the demo holds a shared stolen passport of UZ-NCB"
    row, body = stolen[-1]
    fields = MRZFields(
        document_code="P",
        issuing_state=body["issuing_state"],
        primary_identifier="NAZAROV",
        secondary_identifiers="TIMUR",
        document_number=body["number"],
        nationality=body["issuing_state"],
        birth_date=MRZDate.of(date(1979, 11, 2)),
        sex=Sex.MALE,
        expiry_date=date(2030, 1, 15),
    )
    first, second = build_mrz(fields, MRZFormat.TD3)
    contexts = [browser.new_context(base_url=server, viewport={"width": 1000, "height": 900}, locale="en-GB") for _ in range(2)]
    try:
        bureau, officer = (context.new_page() for context in contexts)
        _sign_in(bureau, "uz-ncb-editor", "/bureau")
        bureau.wait_for_selector("#notifications[data-live='open']")
        bureau.evaluate("window.kalkanSamePage = true")

        _sign_in(officer, "kz-ncb-officer", "/check")
        officer.fill("#f-border_post", "Oybek")
        officer.select_option("#f-direction", "entry")
        officer.focus("#mrz")
        officer.keyboard.type(first + "\n" + second + "\n")  # the reader types the zone; the page sends itself
        officer.wait_for_selector("#verdict.hit")
        assert officer.locator("#verdict").evaluate("element => element === document.activeElement")
        assert "UZ-NCB" in officer.locator("#verdict").inner_text()
        assert officer.locator("#history tr.past").first.get_attribute("class") == "past hit"
        _screenshot(officer, "check")
        officer.keyboard.press("Escape")  # the next traveller, keyboard only
        officer.wait_for_function("() => !document.getElementById('verdict')")
        assert officer.locator("#mrz").evaluate("element => element === document.activeElement")
        assert officer.locator("#f-border_post").input_value() == "Oybek"  # remembered for the shift

        db = Database(demo_url)
        try:
            with db.transaction() as conn:
                hit_id = conn.execute(
                    select(hits.c.id).where(hits.c.record_id == row.id, hits.c.checking_agency == "KZ-NCB", hits.c.state == "open")
                ).scalar_one()
        finally:
            db.dispose()
        item = bureau.locator(f"#hit-{hit_id}")
        item.wait_for()  # arrived with the hit notification, without a reload
        assert bureau.evaluate("window.kalkanSamePage === true")
        assert "Oybek" in item.inner_text()
        assert "KZ-NCB" in item.inner_text()
        _screenshot(bureau, "bureau")
        item.locator("button[value='confirmed']").click()
        bureau.wait_for_selector("#hit-resolved")
        assert bureau.locator(f"#hit-{hit_id}").count() == 0
    finally:
        for context in contexts:
            context.close()
    db = Database(demo_url)
    try:
        with db.transaction() as conn:
            assert conn.execute(select(hits.c.state).where(hits.c.id == hit_id)).scalar_one() == "confirmed"
    finally:
        db.dispose()
