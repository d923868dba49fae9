"""Record forms: one description per kind, turned into fields, read back into a record, errors by field.

A form field is named by the path the model's faults use (``names[0].value``,
``restriction.mode``), so each fault of ``ValidationFailed`` lands next to its field. The
same description renders the form, reads a posted form into the dict ``parse_record``
takes, and fills the form from a stored record; a form that fails re-renders from what was
posted, so nothing typed is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from starlette.datastructures import FormData

from kalkan.errors import Fault
from kalkan.model.dates import DateKind
from kalkan.model.documents import DocumentStatus, DocumentType
from kalkan.model.names import NameKind, Script
from kalkan.model.records import (
    Direction,
    EventType,
    Gender,
    LinkType,
    ModusOperandi,
    NoticeType,
    OrganisationKind,
    PersonCategory,
    PersonWarning,
    RecordKind,
)
from kalkan.model.restriction import HitDisclosure, RestrictionMode

#: text: one line; lines: a list, one item a line; words: a list separated by commas or spaces;
#: paragraphs: a list of texts separated by blank lines; select, checks: enumerated values.
WIDGETS = frozenset({"text", "textarea", "lines", "words", "paragraphs", "select", "checks", "date", "number"})


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


@dataclass(frozen=True, slots=True)
class Field:
    path: str
    widget: str = "text"
    options: tuple[str, ...] = ()
    required: bool = False
    #: For a select: offer an empty choice (the field is left out when it is chosen).
    optional: bool = False

    @property
    def label_key(self) -> str:
        return "field." + re.sub(r"\[\d+\]", "", self.path)


@dataclass(frozen=True, slots=True)
class Group:
    """A repeated set of fields: ``names[i].value``, ``names[i].kind``..."""

    path: str
    fields: tuple[Field, ...]
    blank_rows: int = 1

    @property
    def label_key(self) -> str:
        return f"field.{self.path}"

    def sub(self, index: int, part: Field) -> str:
        return f"{self.path}[{index}].{part.path}"


Item = Field | Group


@dataclass(frozen=True, slots=True)
class Section:
    title_key: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class RecordForm:
    kind: RecordKind
    sections: tuple[Section, ...]

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]


_NAMES = Group(
    "names",
    (
        Field("value", required=True),
        Field("kind", "select", _values(NameKind)),
        Field("script", "select", _values(Script), optional=True),
        Field("lang"),
    ),
    blank_rows=2,
)
_COMMON = Section(
    "section.access",
    (
        Field("restriction.mode", "select", _values(RestrictionMode)),
        Field("restriction.agencies", "words"),
        Field("restriction.hit_disclosure", "select", _values(HitDisclosure)),
        Group("external_refs", (Field("scheme"), Field("value"))),
        Field("review_date", "date"),
        Field("remarks", "textarea"),
    ),
)

FORMS: dict[RecordKind, RecordForm] = {
    RecordKind.PERSON: RecordForm(
        RecordKind.PERSON,
        (
            Section("section.identity", (_NAMES, Field("gender", "select", _values(Gender)))),
            Section(
                "section.details",
                (
                    Group(
                        "dates_of_birth",
                        (Field("value"), Field("kind", "select", _values(DateKind)), Field("until"), Field("margin_years", "number")),
                    ),
                    Field("places_of_birth", "lines"),
                    Field("nationalities", "words"),
                    Field("categories", "checks", _values(PersonCategory)),
                    Field("warnings", "checks", _values(PersonWarning)),
                    Field("addresses", "lines"),
                    Field("descriptions", "paragraphs"),
                ),
            ),
            _COMMON,
        ),
    ),
    RecordKind.ORGANISATION: RecordForm(
        RecordKind.ORGANISATION,
        (
            Section("section.identity", (_NAMES, Field("organisation_kind", "select", _values(OrganisationKind)))),
            Section(
                "section.details",
                (Field("countries", "words"), Field("addresses", "lines"), Field("descriptions", "paragraphs")),
            ),
            _COMMON,
        ),
    ),
    RecordKind.TRAVEL_DOCUMENT: RecordForm(
        RecordKind.TRAVEL_DOCUMENT,
        (
            Section(
                "section.document",
                (
                    Field("issuing_state", required=True),
                    Field("document_type", "select", _values(DocumentType)),
                    Field("number", required=True),
                    Field("document_status", "select", _values(DocumentStatus)),
                    Field("issued_on", "date"),
                    Field("expires_on", "date"),
                    Field("reported_on", "date"),
                    Field("holder_id"),
                    Field("holder_name"),
                ),
            ),
            _COMMON,
        ),
    ),
    RecordKind.LINK: RecordForm(
        RecordKind.LINK,
        (
            Section(
                "section.link",
                (
                    Field("link_type", "select", _values(LinkType)),
                    Field("source_id", required=True),
                    Field("target_id", required=True),
                    Field("valid_from"),
                    Field("valid_until"),
                    Field("source"),
                    Field("confidence", "number"),
                ),
            ),
            _COMMON,
        ),
    ),
    RecordKind.EVENT: RecordForm(
        RecordKind.EVENT,
        (
            Section(
                "section.event",
                (
                    Field("event_type", "select", _values(EventType)),
                    Field("occurred_on"),
                    Field("occurred_at"),
                    Field("place"),
                    Field("country"),
                    Field("description", "textarea"),
                ),
            ),
            Section(
                "section.movement",
                (
                    Field("movement.border_post"),
                    Field("movement.direction", "select", _values(Direction), optional=True),
                    Field("movement.person_id"),
                    Field("movement.document_id"),
                    Field("movement.carrier"),
                ),
            ),
            Section(
                "section.transaction",
                (
                    Field("transaction.payer_id"),
                    Field("transaction.payee_id"),
                    Field("transaction.amount", "number"),
                    Field("transaction.currency"),
                ),
            ),
            Section(
                "section.incident",
                (Field("incident.modus_operandi", "checks", _values(ModusOperandi)), Field("incident.involved_ids", "words")),
            ),
            _COMMON,
        ),
    ),
}

#: A notice's content. Not in ``FORMS``: a notice is drafted, submitted and reviewed through
#: ``NoticeStore`` (``routes/notices.py``), never written as a plain record.
NOTICE_FORM = RecordForm(
    RecordKind.NOTICE,
    (
        Section(
            "section.notice",
            (
                Field("notice_type", "select", _values(NoticeType)),
                Field("subject_id", required=True),
                Field("grounds", "textarea", required=True),
                Field("action_to_take", "textarea", required=True),
                Field("expires_on", "date"),
                Field("addressees", "words"),
            ),
        ),
        _COMMON,
    ),
)

#: Fields not of the record's own: the version an edit was based on, the CSRF token.
_FORM_ONLY = frozenset({"csrf_token", "version"})


# -- posted form -> record data -------------------------------------------------------


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _read(field_: Field, name: str, form: FormData) -> Any:
    if field_.widget == "checks":
        chosen = [v for v in form.getlist(name) if isinstance(v, str) and v]
        return chosen or None
    raw = form.get(name)
    text = raw if isinstance(raw, str) else ""
    if field_.widget == "lines":
        items = [line.strip() for line in text.splitlines() if line.strip()]
        return items or None
    if field_.widget == "words":
        words = [w for w in re.split(r"[\s,;]+", text) if w]
        return words or None
    if field_.widget == "paragraphs":
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
        return paragraphs or None
    if field_.widget == "textarea":
        return text.strip() or None
    return text.strip() or None


def record_data(form_: RecordForm, form: FormData) -> dict[str, Any]:
    """The record a posted form describes, as ``parse_record`` takes it. Empty fields are left out."""
    data: dict[str, Any] = {"kind": form_.kind.value}
    for item in form_.items():
        if isinstance(item, Field):
            value = _read(item, item.path, form)
            if value is not None:
                _set(data, item.path, value)
            continue
        rows = []
        for index in range(_row_count(item, form)):
            row = {part.path: _read(part, item.sub(index, part), form) for part in item.fields}
            if not any(row[part.path] is not None for part in item.fields if part.widget != "select"):
                continue  # a blank row: its selects keep their defaults, which mean nothing alone
            rows.append({k: v for k, v in row.items() if v is not None})
        if rows:
            _set(data, item.path, rows)
    return data


def _row_count(group: Group, form: FormData) -> int:
    pattern = re.compile(re.escape(group.path) + r"\[(\d+)\]\.")
    indexes = [int(m[1]) for key in form for m in [pattern.match(key)] if m]
    return min(max(indexes, default=-1) + 1, 500)


# -- record data -> form values -----------------------------------------------------


@dataclass
class FormState:
    """What a form shows: a value per field (a list for checks), rows per group, faults per field."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)

    def value(self, name: str) -> Any:
        return self.values.get(name, "")

    def faults_of(self, name: str) -> list[str]:
        """Faults of exactly this field, or of an item of it (``nationalities[1]``) for list fields."""
        return [f.fault for f in self.faults if f.field == name or f.field.startswith(name + "[")]

    def row_faults(self, name: str) -> list[str]:
        """Faults of a whole row of a group (``dates_of_birth[0]``): shown before its fields."""
        return [f.fault for f in self.faults if f.field == name]

    def unplaced(self, form_: RecordForm) -> list[Fault]:
        """Faults no field of the form shows: listed at the top of the form."""
        names = field_names(form_, self)
        return [f for f in self.faults if not any(f.field == n or f.field.startswith(n + "[") for n in names)]


def field_names(form_: RecordForm, state: FormState) -> list[str]:
    names: list[str] = []
    for item in form_.items():
        if isinstance(item, Field):
            names.append(item.path)
        else:
            names.append(item.path)
            for i in range(state.rows.get(item.path, 0)):
                names.append(f"{item.path}[{i}]")
                names += [item.sub(i, part) for part in item.fields]
    return names


def _get(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _shown(field_: Field, value: Any) -> Any:
    if value is None:
        return [] if field_.widget == "checks" else ""
    if field_.widget == "checks":
        return [str(v) for v in value]
    if field_.widget in ("lines", "words") and isinstance(value, list | tuple):
        return ("\n" if field_.widget == "lines" else ", ").join(str(v) for v in value)
    if field_.widget == "paragraphs" and isinstance(value, list | tuple):
        return "\n\n".join(str(v) for v in value)
    return str(value)


def form_state(form_: RecordForm, data: Mapping[str, Any], faults: list[Fault] | None = None) -> FormState:
    """The form showing ``data`` (a record's fields, or what was posted), with blank rows to add more."""
    state = FormState(faults=list(faults or []))
    for item in form_.items():
        if isinstance(item, Field):
            state.values[item.path] = _shown(item, _get(data, item.path))
            continue
        rows = _get(data, item.path) or []
        rows = [row if isinstance(row, Mapping) else {"value": row} for row in rows]
        for index, row in enumerate(rows):
            for part in item.fields:
                state.values[item.sub(index, part)] = _shown(part, row.get(part.path))
        state.rows[item.path] = len(rows) + item.blank_rows
    return state


def editable_data(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record's fields as a form edits them (what the store adds is left out)."""
    stored_only = {"id", "owner", "status", "version", "created_at", "updated_at", "review_overdue"}
    return {k: v for k, v in record.items() if k not in stored_only and k not in _FORM_ONLY}
