"""OFAC's Specially Designated Nationals list (its CSV files) -> persons and organisations.

``sdn.csv`` is headerless: ``ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks``, with ``-0-`` for an empty value.
Individuals become persons, entities (no type) organisations; vessels and aircraft are
skipped and counted. Each record keeps ``ent_num`` as the external reference ``ofac:306``.
Names are turned from OFAC's ``SURNAME, Given`` into ``Given SURNAME``. Aliases, dates and
places of birth, nationalities, gender, passports and national identity cards are read out
of the remarks (``ofac_remarks``); passports and identity cards become travel documents of
status ``holder_listed`` linked to the person.

``alt.csv`` (``ent_num, alt_num, alt_type, alt_name, alt_remarks``) adds aliases and
``add.csv`` (``ent_num, add_num, address, city_state_zip, country, add_remarks``) addresses.

The files must be UTF-8; a file whose rows do not have their layout's columns (a truncated
or foreign file), that is not UTF-8, or whose quoting is broken is refused whole.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from typing import BinaryIO

from kalkan.io.list_entries import ListImportSummary, ListItem, MalformedList
from kalkan.io.list_import import ListImportOptions, import_list
from kalkan.io.list_values import LONG_TEXT, SHORT_TEXT, add_country, add_description, add_name, add_unique, clean, clip
from kalkan.io.ofac_remarks import apply_remarks, natural_order
from kalkan.model.names import NameKind
from kalkan.store.database import Database

SCHEME = "ofac"
SOURCE = "OFAC SDN list"

SDN_COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "address", "city_state_zip", "country", "add_remarks")

EMPTY = "-0-"
_END_OF_FILE = "\x1a"  # OFAC's files end with a DOS end-of-file character on a line of its own

#: Programs whose entries are terrorists, drug traffickers, criminals of cyberspace, organised criminals.
_CATEGORIES = {
    "SDGT": "terrorism",
    "SDT": "terrorism",
    "FTO": "terrorism",
    "SDNT": "drug_trafficking",
    "SDNTK": "drug_trafficking",
    "ILLICIT-DRUGS-EO14059": "drug_trafficking",
    "CYBER": "cybercrime",
    "CYBER2": "cybercrime",
    "TCO": "organised_crime",
}


def import_ofac(
    db: Database,
    agency: str,
    sdn: BinaryIO,
    *,
    alt: BinaryIO | None = None,
    add: BinaryIO | None = None,
    options: ListImportOptions | None = None,
) -> ListImportSummary:
    """Import the SDN list into ``agency`` (see ``list_import``); the files are read whole before anything is written."""
    summary = ListImportSummary(SOURCE)
    items = read_ofac(sdn, summary, alt=alt, add=add)
    return import_list(db, agency, SCHEME, items, summary, options)


def read_ofac(
    sdn: BinaryIO,
    summary: ListImportSummary | None = None,
    *,
    alt: BinaryIO | None = None,
    add: BinaryIO | None = None,
) -> list[ListItem]:
    """Read the whole list (and its aliases and addresses); raise MalformedList when a file is not of its layout."""
    summary = summary if summary is not None else ListImportSummary(SOURCE)
    aliases: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _, row in _rows(alt, "alt.csv", ALT_COLUMNS) if alt else ():
        aliases[row[0]].append((row[2].lower(), row[3]))
    addresses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _, row in _rows(add, "add.csv", ADD_COLUMNS) if add else ():
        addresses[row[0]].append((", ".join(v for v in row[2:5] if v) + (f" ({row[5]})" if row[5] else ""), row[4]))
    items: list[ListItem] = []
    for line, row in _rows(sdn, "sdn.csv", SDN_COLUMNS):
        summary.entries += 1
        kind = row[2].lower()
        if kind in ("vessel", "aircraft"):
            summary.skip(f"{kind} (neither a person nor an organisation)")
            continue
        if kind not in ("", "individual"):
            summary.skip(f"SDN_Type {row[2]!r} (neither a person nor an organisation)")
            continue
        items.append(_entry(line, row, aliases.get(row[0], []), addresses.get(row[0], [])))
    return items


def _entry(line: int, row: list[str], aliases: list[tuple[str, str]], addresses: list[tuple[str, str]]) -> ListItem:
    ent_num, name, kind, program, title, remarks = row[0], row[1], row[2].lower(), row[3], row[4], row[11]
    individual = kind == "individual"
    item = ListItem(
        key=ent_num, entry=f"sdn.csv line {line} (ent_num {ent_num or '?'})", fields={"kind": "person" if individual else "organisation"}
    )
    if not ent_num.isdigit():
        item.fault("ent_num", f"{ent_num!r} is not an entry number" if ent_num else "missing")
    if not add_name(item, "SDN_Name", natural_order(name) if individual else name, NameKind.PRIMARY):
        item.fault("SDN_Name", "the entry has no name" if not name else f"{name!r} is not a name")
    for alt_type, alt_name in aliases:
        add_name(item, "alt.csv alt_name", natural_order(alt_name) if individual else alt_name, NameKind.ALIAS)
        if alt_type not in ("aka", "fka", "nka"):
            item.note("alt.csv alt_type", f"unknown alias type {alt_type!r}: read as an alias")
    programs = [p.strip(" []") for p in program.split("] [") if p.strip(" []")]
    if programs:
        add_description(item, f"OFAC SDN list, program{'s' if len(programs) > 1 else ''} {', '.join(programs)}")
    if title:
        add_description(item, f"title: {title}")
    if remarks:
        item.fields["remarks"] = clip(remarks, LONG_TEXT)
        apply_remarks(item, remarks, individual=individual)
    for address, country in addresses:
        add_unique(item, "addresses", clip(address, SHORT_TEXT), limit=50)
        if not individual:
            add_country(item, "countries", "add.csv country", country, what="country")
    categories = sorted({_CATEGORIES[p] for p in programs if p in _CATEGORIES})
    if individual and categories:
        item.fields["categories"] = categories
    if not individual and "FTO" in programs:
        item.fields["organisation_kind"] = "terrorist_group"
    return item


def _rows(stream: BinaryIO, file_name: str, columns: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """Each row of an OFAC CSV file, values cleaned (``-0-`` -> ''), with its line number."""
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")
    reader = csv.reader(text, strict=True)
    try:
        for row in reader:
            if not row or row == [_END_OF_FILE] or (reader.line_num == 1 and row[0].strip().lower() == "ent_num"):
                continue
            if len(row) != len(columns):
                raise MalformedList(
                    f"{file_name} line {reader.line_num}: {len(row)} columns, but the layout has {len(columns)} "
                    f"({', '.join(columns)}): a truncated file, or not OFAC's {file_name}?"
                )
            yield reader.line_num, [_value(v) for v in row]
    except UnicodeDecodeError as error:
        raise MalformedList(f"{file_name} is not UTF-8: byte 0x{error.object[error.start]:02x} near line {reader.line_num + 1}") from None
    except csv.Error as error:
        raise MalformedList(f"{file_name} line {reader.line_num}: not a well-formed CSV row ({error}): a truncated file?") from None
    finally:
        text.detach()


def _value(text: str) -> str:
    value = clean(text)
    return "" if value == EMPTY else value
