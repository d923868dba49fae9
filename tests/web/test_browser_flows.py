"""More of the pages in a real browser (``tests/web/browsing.py``): the analyst's search across scripts through
the name matcher, the officer's check with a photo and the photo on record, the bureau's import with its
progress and rejected lines, and a session that ends while the officer is typing.

Set ``KALKAN_SCREENSHOTS`` to a folder (``docs/screenshots``) to save a picture of each page.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from kalkan.access.scope import Scope
from kalkan.biometrics import Biometrics
from kalkan.model.mrz import MRZDate, MRZFields, MRZFormat, Sex, build_mrz
from kalkan.settings import Settings
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.sessions import web_sessions
from tests import factories
from tests.web.browsing import screenshot, sign_in

pytestmark = pytest.mark.browser

PHOTOS = Path(__file__).parent.parent / "biometrics" / "data"


def _create(demo_url: str, record: Any, agency: str = "UZ-NCB") -> str:
    """A record written by another process while the server runs (its indexes catch up from the change log)."""
    db = Database(demo_url)
    try:
        with db.transaction() as conn:
            return RecordStore(conn, Scope.system(agency, username="uz-ncb-editor")).create(record).id
    finally:
        db.dispose()


def _zone(surname: str, given: str, number: str, state: str = "TJK") -> str:
    fields = MRZFields(
        document_code="P",
        issuing_state=state,
        primary_identifier=surname,
        secondary_identifiers=given,
        document_number=number,
        nationality=state,
        birth_date=MRZDate.of(date(1990, 6, 1)),
        sex=Sex.MALE,
        expiry_date=date(2032, 2, 1),
    )
    return "\n".join(build_mrz(fields, MRZFormat.TD3)) + "\n"


def test_an_analyst_finds_names_written_in_another_script_ranked_with_the_reasons(page: Any, demo_url: str) -> None:
    latin = _create(demo_url, factories.person(names=["Tursunboyev Ilhomjon Bahodirovich"], restriction={"mode": "all"}))
    arabic = _create(demo_url, factories.person(names=["Abdulrahman Hassan Yusuf"], restriction={"mode": "all"}))
    sign_in(page, "kz-ncb-analyst", "/search")
    page.fill("#q", "Турсунбоев Ильхомжон")  # Cyrillic: the record holds the name in Latin letters only
    page.press("#q", "Enter")
    page.wait_for_selector("#results")
    first = page.locator("table.results tr.result").first
    assert first.locator(f"a[href='/records/{latin}']").count() == 1
    assert first.locator(".strength.strong").count() == 1  # the analyst reads Russian: "сильное совпадение"
    assert "турсунбоев" in first.locator("td.why").inner_text().casefold()
    assert float(first.locator("td.score strong").inner_text()) >= 0.8
    screenshot(page, "search")
    page.fill("#q", "عبد الرحمن حسن يوسف")  # Arabic script, the record in Latin
    page.press("#q", "Enter")
    page.wait_for_selector("#results")
    assert page.locator("table.results tr.result").first.locator(f"a[href='/records/{arabic}']").count() == 1
    page.locator("table.results tr.result").first.locator("a").first.focus()
    page.keyboard.press("Enter")  # the record opens from the keyboard
    page.wait_for_url(f"**/records/{arabic}")


def test_an_officer_sends_a_photo_and_sees_the_photo_on_record(page: Any, demo_url: str) -> None:
    pytest.importorskip("dlib", reason="the 'biometrics' extra is not installed")
    record_id = _create(demo_url, factories.person(names=["Qodirov Shavkat"], restriction={"mode": "all"}))
    db = Database(demo_url)
    try:
        service = Biometrics.from_settings(Settings(database_url=demo_url))  # the server's key: the development one
        with db.transaction() as conn:
            service.enrol_faces(conn, Scope.system("UZ-NCB", username="uz-ncb-editor"), record_id, [(PHOTOS / "obama__1.jpg").read_bytes()])
    finally:
        db.dispose()
    sign_in(page, "kz-ncb-officer", "/check")
    page.set_input_files(
        "#f-face_image", files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + bytes(11 * 2**20)}]
    )
    assert page.locator("#f-face_image-client-fault").is_visible()  # refused before a byte is sent
    assert page.locator("#f-face_image").input_value() == ""
    page.set_input_files("#f-face_image", files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7"}])
    assert "PNG" in page.locator("#f-face_image-client-fault").inner_text()  # in the officer's language
    page.set_input_files("#f-face_image", str(PHOTOS / "obama__2.jpg"))
    assert page.locator("#f-face_image-client-fault").count() == 0
    page.fill("#f-border_post", "Dusti")
    page.focus("#mrz")
    page.keyboard.type(_zone("SAIDOV", "FARRUKH", "T71234567"))  # a stranger's passport: the face alone matches
    page.wait_for_selector("#verdict.possible_hit")
    verdict = page.locator("#verdict")
    assert "Qodirov Shavkat" in verdict.inner_text()
    assert verdict.locator("figure.on-record img").count() == 1
    assert verdict.locator("figure.taken img").count() == 1
    assert verdict.locator("figure.on-record img").evaluate("image => image.naturalWidth") > 0  # a real picture
    assert verdict.evaluate("element => element === document.activeElement")
    screenshot(page, "check-photo")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.getElementById('verdict')")


def _documents_file(good: int) -> bytes:
    lines = ["issuing_state,document_type,number,document_status,holder_name"]
    lines += [f"UZB,passport,BR{n:07d},stolen," for n in range(good)]
    lines.insert(1000, "UZB,passport,,stolen,")  # line 1001: no number
    lines.insert(2000, "ATL,passport,BR9999999,stolen,")  # line 2001: no such state
    lines.append("UZB,passport,BR0000001,eaten,")  # the last line: no such status
    return ("\n".join(lines) + "\n").encode()


def test_a_bureau_imports_a_file_watches_it_go_in_and_downloads_the_rejected_lines(page: Any) -> None:
    sign_in(page, "uz-ncb-editor", "/bureau")
    page.locator("#import-link").click()
    page.wait_for_url("**/bureau/import")
    page.set_input_files("#f-file", files=[{"name": "stolen-2026.csv", "mimeType": "text/csv", "buffer": _documents_file(100_000)}])
    page.check("input[name='kind'][value='documents']")
    screenshot(page, "import")
    page.locator("#import-form button[type=submit]").click()
    page.wait_for_url("**/bureau/imports/*")
    page.wait_for_selector("#import-job[data-polled]", timeout=60_000)  # the script followed the import while it ran
    page.wait_for_selector("#import-outcome", timeout=180_000)
    counts = [int(n) for n in re.findall(r"\d+", page.locator("#import-outcome").inner_text())]
    assert counts == [100_003, 100_000, 0, 0, 3]  # lines, created, updated, unchanged, rejected (in the editor's language)
    screenshot(page, "import-job")
    with page.expect_download() as downloaded:
        page.locator("#import-rejections").click()
    report = Path(downloaded.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(report)))
    assert rows[0] == ["line", "field", "reason"]
    assert [(row[0], row[1]) for row in rows[1:]] == [("1001", "number"), ("2001", "issuing_state"), ("100004", "document_status")]
    page.goto("/bureau")
    assert "stolen-2026.csv" in page.locator("#import-list").inner_text()


def test_an_officer_whose_session_ended_signs_in_again_and_sends_the_zone_from_the_keyboard(page: Any, demo_url: str) -> None:
    sign_in(page, "kz-ncb-officer", "/check")
    page.fill("#f-border_post", "Dusti")
    db = Database(demo_url)
    try:
        with db.transaction() as conn:
            conn.execute(delete(web_sessions))  # the session ends while the officer is at the desk
    finally:
        db.dispose()
    page.focus("#mrz")
    page.keyboard.type(_zone("SAIDOV", "FARRUKH", "T71234567"))
    page.wait_for_selector("#carried")
    page.fill("#username", "kz-ncb-officer")
    page.fill("#password", "kalkan-demo-password")
    page.press("#password", "Enter")
    page.wait_for_selector("#resend-form")
    assert "SAIDOV" in page.locator("#resend-fields").inner_text()
    screenshot(page, "resend")
    page.keyboard.press("Enter")  # the send button has the focus
    page.wait_for_selector("#verdict")
    assert page.locator("#mrz-surname").inner_text() == "SAIDOV"
