"""The pages through the application, on SQLite and PostgreSQL: sign-in, CSRF, lock-out, roles, access, forms."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.api.app import create_app
from kalkan.model.mrz import MRZDate, MRZFields, MRZFormat, Sex, build_mrz
from kalkan.settings import Mode, Settings
from kalkan.store import passwords, users
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import records, tokens
from kalkan.web.i18n import LANGUAGES, catalogue
from tests import factories
from tests.web.conftest import PASSWORD, Browser, csrf_of, sign_in, username

UZ, KZ, SEC = "UZ-NCB", "KZ-NCB", factories.SECRETARIAT


def _count(db: Database, table: Any) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _person_form(**fields: str) -> dict[str, str]:
    form = {
        "names[0].value": "Karimov Bekzod",
        "names[0].kind": "primary",
        "names[1].value": "Каримов Бекзод",
        "names[1].kind": "original_script",
        "gender": "male",
        "nationalities": "UZB",
        "restriction.mode": "owner",
        "restriction.hit_disclosure": "nothing",
    }
    form.update(fields)
    return form


def _created_id(answer: Any) -> str:
    assert answer.status_code == 303, answer.text
    found = re.match(r"^/records/([0-9a-f]{32})", answer.headers["location"])
    assert found
    return found[1]


# -- signing in -------------------------------------------------------------------------


def test_pages_send_strangers_to_sign_in_and_back(client: TestClient) -> None:
    answer = client.get("/search?q=x")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fsearch%3Fq%3Dx"
    signed = sign_in(client, username(UZ, Role.ANALYST), next_path="/search?q=x")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/search?q=x"


def test_session_cookie_is_http_only_and_same_site(client: TestClient) -> None:
    answer = sign_in(client, username(UZ, Role.ANALYST))
    cookie = answer.headers["set-cookie"]
    assert "kalkan_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in development mode


def test_session_cookie_is_secure_over_tls(settings: Settings, world: factories.World) -> None:
    with TestClient(create_app(settings), base_url="https://testserver", follow_redirects=False) as client:
        answer = sign_in(client, username(UZ, Role.ANALYST))
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def test_session_cookie_is_secure_in_production_mode(settings: Settings, world: factories.World) -> None:
    production = settings.model_copy(update={"mode": Mode.PRODUCTION})
    # Behind a proxy that ends TLS the server sees plain HTTP; the browser still speaks HTTPS.
    with TestClient(create_app(production), base_url="https://testserver", follow_redirects=False) as client:
        answer = sign_in(client, username(UZ, Role.ANALYST))
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client: TestClient) -> None:
    wrong_password = sign_in(client, username(UZ, Role.ANALYST), password="not the password")
    no_such_user = sign_in(client, "nobody-here", password="not the password")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert "Wrong username or password." in wrong_password.text
    assert "Wrong username or password." in no_such_user.text
    assert "kalkan_session" not in wrong_password.headers.get("set-cookie", "")


def test_five_failures_lock_the_account_until_a_new_password_is_set(client: TestClient, db: Database, world: factories.World) -> None:
    name = username(UZ, Role.ANALYST)
    for _ in range(passwords.MAX_FAILURES - 1):
        assert sign_in(client, name, password="wrong password!").status_code == 401
    assert sign_in(client, name, password="wrong password!").status_code == 429
    locked = sign_in(client, name)  # the right password no longer opens it
    assert locked.status_code == 429
    assert "locked" in locked.text
    with db.transaction() as conn:
        passwords.set_password(
            conn, world.scope(UZ, Role.AGENCY_ADMIN), world.scope(UZ, Role.ANALYST).user_id or 0, "a brand new passphrase"
        )
    assert sign_in(client, name, password="a brand new passphrase").status_code == 303


def test_sign_in_form_needs_its_token(client: TestClient) -> None:
    answer = client.post("/sign-in", data={"username": username(UZ, Role.ANALYST), "password": PASSWORD, "sign_in_token": "forged"})
    assert answer.status_code == 403
    assert "kalkan_session" not in answer.headers.get("set-cookie", "")


def test_sign_out_ends_the_session(client: TestClient) -> None:
    browser = Browser(client, username(UZ, Role.ANALYST))
    assert browser.get("/search").status_code == 200
    assert browser.post("/sign-out").status_code == 303
    client.cookies.clear()  # even a browser that kept the old cookie...
    client.cookies.set("kalkan_session", "stale")
    assert client.get("/search").status_code == 303


def test_a_deactivated_user_is_signed_out_at_once(client: TestClient, db: Database, world: factories.World) -> None:
    browser = Browser(client, username(UZ, Role.ANALYST))
    with db.transaction() as conn:
        users.update_user(conn, world.scope(UZ, Role.AGENCY_ADMIN), world.scope(UZ, Role.ANALYST).user_id or 0, active=False)
    answer = browser.get("/search")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?next=%2Fsearch&expired=1")


# -- CSRF -------------------------------------------------------------------------------


def test_a_post_without_the_session_token_changes_nothing(client: TestClient, db: Database) -> None:
    Browser(client, username(UZ, Role.AGENCY_ADMIN))
    before = _count(db, tokens)
    answer = client.post("/admin/tokens", data={"name": "sneaky", "lifetime_days": "5", "csrf_token": "not-the-token"})
    assert answer.status_code == 403
    assert "nothing was changed" in answer.text
    assert _count(db, tokens) == before


def test_a_token_of_an_earlier_session_is_refused(client: TestClient, db: Database) -> None:
    first = Browser(client, username(UZ, Role.EDITOR))
    first.post("/sign-out")
    Browser(client, username(UZ, Role.EDITOR))
    before = _count(db, records)
    answer = client.post("/records/new/person", data={**_person_form(), "csrf_token": first.csrf})
    assert answer.status_code == 403
    assert _count(db, records) == before


# -- roles and access -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.OFFICER, "/search"),
        (Role.OFFICER, "/bureau"),
        (Role.ANALYST, "/bureau"),
        (Role.ANALYST, "/admin/agencies"),
        (Role.ANALYST, "/admin/users"),
        (Role.EDITOR, "/audit"),
        (Role.AUDITOR, "/check"),
        (Role.AGENCY_ADMIN, "/admin/agencies"),
    ],
)
def test_pages_refuse_roles_that_do_not_allow_them(client: TestClient, role: Role, path: str) -> None:
    browser = Browser(client, username(UZ, role))
    answer = browser.get(path)
    assert answer.status_code == 403
    assert "Your roles do not allow" in answer.text


def test_navigation_shows_only_what_the_roles_allow(client: TestClient) -> None:
    officer = Browser(client, username(UZ, Role.OFFICER)).get("/").text
    assert 'href="/check"' in officer
    assert 'href="/search"' not in officer
    assert 'href="/audit"' not in officer


def test_another_agency_cannot_open_a_restricted_record(client: TestClient, db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        hidden = RecordStore(conn, world.scope(UZ, Role.EDITOR)).create(factories.person(restriction={"mode": "owner"}))
    kazakh = Browser(client, username(KZ, Role.ANALYST))
    refused = kazakh.get(f"/records/{hidden.id}")
    missing = kazakh.get(f"/records/{'0' * 32}")
    assert refused.status_code == missing.status_code == 404
    assert "Jalolov" not in refused.text
    assert "Жалолов" not in refused.text
    assert refused.text.replace(hidden.id, "0" * 32) == missing.text  # nothing tells the two apart
    assert kazakh.get(f"/records/{hidden.id}/network").status_code == 404
    assert f"/records/{hidden.id}" not in kazakh.get("/search", params={"q": "Jalolov"}).text
    owner = Browser(client, username(UZ, Role.ANALYST)).get(f"/records/{hidden.id}")
    assert owner.status_code == 200
    assert "Жалолов Азиз Рустамович" in owner.text
    assert "The owner agency alone" in owner.text  # the restriction, shown to the owner


def test_an_editor_cannot_edit_another_agencys_record(client: TestClient, db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        shared = RecordStore(conn, world.scope(UZ, Role.EDITOR)).create(factories.person())
    kazakh = Browser(client, username(KZ, Role.EDITOR))
    assert kazakh.get(f"/records/{shared.id}").status_code == 200
    assert kazakh.get(f"/records/{shared.id}/edit").status_code == 404
    answer = kazakh.post(f"/records/{shared.id}/edit", {**_person_form(), "version": "1"})
    assert answer.status_code == 404


# -- analyst ----------------------------------------------------------------------------


def test_record_page_shows_links_and_the_network_two_steps_out(client: TestClient, db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        store = RecordStore(conn, world.scope(UZ, Role.EDITOR))
        leader = store.create(factories.person())
        group = store.create(factories.organisation())
        member = store.create(factories.person(names=["Tursunov Ilhom"]))
        far = store.create(factories.person(names=["Far Away"]))
        store.create(factories.link(leader.id, group.id, link_type="leader_of"))
        store.create(factories.link(member.id, group.id))
        store.create(factories.link(far.id, member.id, link_type="associate_of"))
    browser = Browser(client, username(KZ, Role.ANALYST))
    page = browser.get(f"/records/{leader.id}")
    assert f'href="/records/{group.id}"' in page.text
    assert "leader of" in page.text
    network = browser.get(f"/records/{leader.id}/network")
    assert network.status_code == 200
    svg = network.text[network.text.index("<svg") : network.text.index("</svg>")]
    for near in (leader, group, member):  # the group one step out, the member two steps
        assert f'href="/records/{near.id}"' in svg
    assert f'href="/records/{far.id}"' not in svg  # three steps out


# -- bureau forms -----------------------------------------------------------------------


def test_a_person_created_through_the_form_is_stored_with_every_script(client: TestClient, db: Database) -> None:
    browser = Browser(client, username(UZ, Role.EDITOR))
    record_id = _created_id(browser.post("/records/new/person", _person_form(**{"categories": "terrorism"})))
    page = browser.get(f"/records/{record_id}")
    assert "Каримов Бекзод" in page.text
    assert "Cyrillic" in page.text
    with db.transaction() as conn:
        row = conn.execute(select(records).where(records.c.id == record_id)).one()
    assert row.owner == UZ
    assert row.restriction_mode == "owner"
    assert json.loads(row.body)["categories"] == ["terrorism"]


def test_a_form_with_faults_comes_back_with_everything_kept_and_each_fault_by_its_field(client: TestClient, db: Database) -> None:
    browser = Browser(client, username(UZ, Role.EDITOR))
    before = _count(db, records)
    answer = browser.post(
        "/records/new/person",
        _person_form(**{"nationalities": "UZB, XXQ", "dates_of_birth[0].value": "1984-13-01", "addresses": "Tashkent, Chilonzor 5"}),
    )
    assert answer.status_code == 422
    assert _count(db, records) == before
    html = answer.text
    assert 'value="Каримов Бекзод"' in html  # what was typed is kept
    assert "Tashkent, Chilonzor 5" in html
    assert "XXQ" in _fault_text(html, "f-nationalities")
    assert "month 13 does not exist" in _fault_text(html, "f-dates_of_birth-0")  # next to the date's row
    assert "XXQ" not in _fault_text(html, "f-dates_of_birth-0")


def _fault_text(html: str, field_id: str) -> str:
    """What the page says next to one field."""
    start = html.index(f'id="{field_id}-fault"')
    return html[start : html.index("</div>", start)]


def test_a_document_form_names_the_missing_number(client: TestClient) -> None:
    browser = Browser(client, username(UZ, Role.EDITOR))
    answer = browser.post(
        "/records/new/travel_document",
        {"issuing_state": "UZB", "document_type": "passport", "number": "", "document_status": "stolen", "restriction.mode": "all"},
    )
    assert answer.status_code == 422
    assert 'id="f-number-fault"' in answer.text
    created = browser.post(
        "/records/new/travel_document",
        {
            "issuing_state": "UZB",
            "document_type": "passport",
            "number": "AB 123456",
            "document_status": "stolen",
            "restriction.mode": "all",
        },
    )
    assert "AB123456" in browser.get(created.headers["location"]).text


def test_editing_keeps_the_record_and_refuses_a_stale_version(client: TestClient, db: Database) -> None:
    browser = Browser(client, username(UZ, Role.EDITOR))
    record_id = _created_id(browser.post("/records/new/person", _person_form()))
    form = browser.get(f"/records/{record_id}/edit").text
    assert 'value="Каримов Бекзод"' in form
    assert 'name="version" value="1"' in form
    saved = browser.post(f"/records/{record_id}/edit", {**_person_form(**{"names[2].value": "Karimov B."}), "version": "1"})
    assert saved.status_code == 303
    stale = browser.post(f"/records/{record_id}/edit", {**_person_form(**{"names[2].value": "Other"}), "version": "1"})
    assert stale.status_code == 422
    assert "is at version 2, not 1" in stale.text
    assert "Karimov B." in browser.get(f"/records/{record_id}").text


# -- officer ----------------------------------------------------------------------------


def _zone(number: str = "FA1234567") -> str:
    fields = MRZFields(
        document_code="P",
        issuing_state="UZB",
        primary_identifier="KARIMOV",
        secondary_identifiers="BEKZOD",
        document_number=number,
        nationality="UZB",
        birth_date=MRZDate.of(date(1984, 3, 12)),
        sex=Sex.MALE,
        expiry_date=date(2031, 5, 1),
    )
    return "\n".join(build_mrz(fields, MRZFormat.TD3))


def test_the_officer_page_reads_a_zone_and_finds_no_hit(client: TestClient) -> None:
    browser = Browser(client, username(UZ, Role.OFFICER))
    page = browser.post("/check", {"mrz": _zone()})
    assert page.status_code == 200
    assert 'id="mrz-number">FA1234567<' in page.text
    assert "KARIMOV" in page.text
    assert 'class="verdict no_hit"' in page.text


def test_the_officer_page_shows_a_hit_with_the_action_and_the_agency(client: TestClient, db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        RecordStore(conn, world.scope(UZ, Role.EDITOR)).create(factories.travel_document())  # UZB passport FA1234567, stolen
    page = Browser(client, username(KZ, Role.OFFICER)).post("/check", {"mrz": _zone()})
    assert 'class="verdict hit"' in page.text
    verdict = page.text[page.text.index('id="verdict"') : page.text.index("</section>")]
    assert "Hold the document and the traveller" in verdict
    assert "UZ-NCB" in verdict
    assert "stolen" in verdict


def test_a_document_the_officer_may_not_see_says_nothing_unless_its_owner_allows(
    client: TestClient, db: Database, world: factories.World
) -> None:
    with db.transaction() as conn:
        store = RecordStore(conn, world.scope(UZ, Role.EDITOR))
        store.create(factories.travel_document(restriction={"mode": "owner", "hit_disclosure": "nothing"}))
        store.create(factories.travel_document(number="FA7654321", restriction={"mode": "owner", "hit_disclosure": "contact_owner"}))
    officer = Browser(client, username(KZ, Role.OFFICER))
    silent = officer.post("/check", {"mrz": _zone()})
    assert 'class="verdict no_hit"' in silent.text
    contact = officer.post("/check", {"mrz": _zone("FA7654321")})
    verdict = contact.text[contact.text.index('id="verdict"') : contact.text.index("</section>")]
    assert "contact the agency below" in verdict
    assert "UZ-NCB" in verdict
    assert "stolen" not in verdict  # no detail of a record the officer's agency may not see


def test_the_officer_page_names_a_wrong_check_digit(client: TestClient) -> None:
    zone = _zone().splitlines()
    spoilt = zone[1][:9] + ("0" if zone[1][9] != "0" else "1") + zone[1][10:]
    page = Browser(client, username(UZ, Role.OFFICER)).post("/check", {"mrz": zone[0] + "\n" + spoilt})
    assert 'id="mrz-faults"' in page.text
    assert "check digit" in page.text


# -- secretariat and auditors -----------------------------------------------------------


def test_a_token_is_shown_once_and_can_be_revoked(client: TestClient, db: Database) -> None:
    browser = Browser(client, username(UZ, Role.ANALYST))
    issued = browser.post("/admin/tokens", {"name": "border system", "lifetime_days": "30"})
    assert issued.status_code == 201
    secret = re.search(r'id="token-secret">(kal_[^<]+)<', issued.text)
    assert secret
    listing = browser.get("/admin/tokens").text
    assert secret[1] not in listing
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {secret[1]}"}).status_code == 200
    token_id = re.findall(r'action="/admin/tokens/(\d+)/revoke"', listing)[-1]
    assert browser.post(f"/admin/tokens/{token_id}/revoke").status_code == 303
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {secret[1]}"}).status_code == 401


def test_an_agency_admin_creates_a_user_who_can_then_sign_in(client: TestClient) -> None:
    admin = Browser(client, username(UZ, Role.AGENCY_ADMIN))
    refused = admin.post("/admin/users", {"username": "uz-new", "roles": ["auditor"], "password": "a long enough one"})
    assert refused.status_code == 403
    assert "only the secretariat may grant" in refused.text
    short = admin.post("/admin/users", {"username": "uz-new", "roles": ["analyst"], "password": "short"})
    assert "at least 10 characters" in short.text
    created = admin.post("/admin/users", {"username": "uz-new", "roles": ["analyst"], "password": "a long enough one"})
    assert created.status_code == 303
    client.cookies.clear()
    assert sign_in(client, "uz-new", password="a long enough one").status_code == 303


def test_the_secretariat_suspends_an_agency_and_its_users_are_signed_out(client: TestClient) -> None:
    kazakh = TestClient(client.app, follow_redirects=False)
    Browser(kazakh, username(KZ, Role.ANALYST))
    secretariat = Browser(client, username(SEC, Role.SECRETARIAT))
    assert secretariat.post(f"/admin/agencies/{KZ}/active", {"active": "0"}).status_code == 303
    assert "suspended" in secretariat.get("/admin/agencies").text
    assert kazakh.get("/search").status_code == 303


def test_the_audit_log_filters_and_its_chain_verifies(client: TestClient) -> None:
    Browser(client, username(UZ, Role.ANALYST)).get("/search", params={"q": "abc"})
    client.cookies.clear()
    auditor = Browser(client, username(SEC, Role.AUDITOR))
    page = auditor.get("/audit", params={"username": username(UZ, Role.ANALYST), "action": "check.persons"})
    assert page.status_code == 200
    assert "<code>check.persons</code>" in page.text
    assert "<code>session.open</code>" not in page.text
    bad = auditor.get("/audit", params={"since": "yesterday"})
    assert 'aria-invalid="true"' in bad.text
    verified = auditor.post("/audit/verify")
    assert 'id="chain-report"' in verified.text
    assert "The chain is intact" in verified.text


# -- languages --------------------------------------------------------------------------


def test_each_user_reads_the_pages_in_their_language(client: TestClient, db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        users.update_user(conn, world.scope(UZ, Role.AGENCY_ADMIN), world.scope(UZ, Role.ANALYST).user_id or 0, language="ru")
    browser = Browser(client, username(UZ, Role.ANALYST))
    page = browser.get("/search").text
    assert '<html lang="ru" dir="ltr">' in page
    assert "Поиск записей" in page
    browser.post("/language", {"language": "fr", "back": "/search"})
    assert "Rechercher des fiches" in browser.get("/search").text


def test_catalogues_hold_the_same_keys_and_every_label_the_pages_use() -> None:
    english = catalogue("en")
    for language in LANGUAGES:
        assert set(catalogue(language)) == set(english), language
        assert all(text.strip() for text in catalogue(language).values())
    from kalkan.web.forms import FORMS, Group
    from kalkan.web.pages import NAVIGATION

    needed = {item.key for item in NAVIGATION} | {item.key + "_about" for item in NAVIGATION}
    for form in FORMS.values():
        needed |= {section.title_key for section in form.sections}
        for item in form.items():
            needed.add(item.label_key)
            if isinstance(item, Group):
                needed |= {f"field.{item.path}.{part.path}" for part in item.fields}
            needed |= {f"value.{option}" for option in getattr(item, "options", ())}
    assert needed <= set(english), sorted(needed - set(english))


def test_the_sign_in_page_follows_the_browser_language(client: TestClient) -> None:
    page = client.get("/sign-in", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    assert "Se connecter" in page.text
    assert csrf_of is not None


def test_the_bureau_offers_no_record_form_for_notices(client: TestClient, db: Database) -> None:
    browser = Browser(client, username(UZ, Role.EDITOR))
    assert "/records/new/notice" not in browser.get("/bureau").text
    assert "/records/new/person" in browser.get("/bureau").text
    assert browser.get("/records/new/notice").status_code == 404
