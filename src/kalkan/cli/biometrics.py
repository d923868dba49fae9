"""Biometrics from the server's shell: ``kalkan biometrics enrol-face | enrol-finger | search-face |
search-finger | import-nist | export-nist | rotate-key``.

Enrolment and imports act for the agency named by ``--agency`` (which must own the person
record), searches and exports for the agency named by ``--as-agency`` (what it may see),
always under the operator's login, audited like any other call. Search answers are
candidates for a trained examiner, never an identification.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy import Connection

from kalkan.access.scope import Scope
from kalkan.biometrics import Biometrics, Enrolled, SearchResult
from kalkan.biometrics.images import MAX_BYTES as IMAGE_MAX_BYTES
from kalkan.biometrics.minutiae import FINGER_POSITIONS, Impression
from kalkan.biometrics.nist import MAX_BYTES as NIST_MAX_BYTES
from kalkan.biometrics.nist import parse
from kalkan.cli.apps import app
from kalkan.cli.common import current_database, err, operator_scope, out, parse_agency_code, settings_of
from kalkan.errors import NotFound, ValidationFailed
from kalkan.store import agencies, audit

biometrics_app = typer.Typer(no_args_is_help=True, help="Enrol and search faces and fingerprints; exchange ANSI/NIST-ITL files.")
app.add_typer(biometrics_app, name="biometrics")

AgencyOption = Annotated[str, typer.Option("--agency", help="The agency acting: it must own the person record.")]
AsAgencyOption = Annotated[str, typer.Option("--as-agency", help="Act as this agency: only what it may see.")]
TopOption = Annotated[int, typer.Option("--top", min=1, max=50, help="At most this many candidates.")]
OUTCOMES = {"potential_candidate": "potential candidate", "inconclusive": "inconclusive", "no_candidate": "no candidate"}
NOT_AN_IDENTIFICATION = "Candidates for a trained examiner to compare; not an identification."


def _scope(conn: Connection, agency: str) -> Scope:
    """The named agency's scope, under the operator's login."""
    operator = operator_scope(conn)
    return Scope.system(agencies.get_agency(conn, parse_agency_code(agency)).code, username=operator.username)


def _read(path: Path, limit: int) -> bytes:
    """A file's bytes, reading no more than one byte past ``limit`` (the reader refuses more)."""
    if not path.is_file():
        raise NotFound(f"no file {path}")
    with path.open("rb") as source:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed.one(str(path), f"more than the {limit:,} bytes accepted")
    return data


def _print_enrolled(enrolled: list[Enrolled]) -> None:
    for sample in enrolled:
        if sample.position is not None:
            what = f"finger {sample.position} ({FINGER_POSITIONS.get(sample.position, 'unknown')}), {sample.minutiae} minutiae"
        else:
            what = "face"
        out.print(f"  sample {sample.sample_id}: {what}, quality {sample.quality}")


def _print_search(result: SearchResult) -> None:
    """The outcome, then one line per candidate (whole record ids, whatever the terminal's width)."""
    outcome = OUTCOMES[result.outcome.value]
    out.print(f"Outcome: {outcome} ({result.gallery_size} {result.modality} templates searched; probe quality {result.probe_quality}).")
    for rank, candidate in enumerate(result.candidates, start=1):
        finger = f", finger {candidate.position}" if candidate.position is not None else ""
        out.print(
            f"  {rank}. record {candidate.record_id} (sample {candidate.sample_id}{finger}): score {candidate.score:.4f}, "
            f"false match probability {candidate.false_match_probability:.1e} "
            f"({candidate.false_match_probability_in_gallery:.1e} in a gallery of {result.gallery_size})"
        )
    out.print(NOT_AN_IDENTIFICATION)


@biometrics_app.command("enrol-face")
def enrol_face(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="The person record.")],
    photos: Annotated[list[Path], typer.Argument(help="One or more PNG or JPEG photos of the face; all or none are enrolled.")],
    agency: AgencyOption,
) -> None:
    """Enrol photos of a person's face on their record."""
    images = [_read(photo, IMAGE_MAX_BYTES) for photo in photos]
    service, db = Biometrics.from_settings(settings_of(ctx)), current_database(ctx)
    with db.transaction() as conn:
        enrolled = service.enrol_faces(conn, _scope(conn, agency), record_id, images)
    out.print(f"Enrolled {len(enrolled)} face{'s' if len(enrolled) > 1 else ''} on record {record_id}:")
    _print_enrolled(enrolled)


@biometrics_app.command("enrol-finger")
def enrol_finger(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="The person record.")],
    image: Annotated[Path, typer.Argument(help="A grey PNG or JPEG image of one finger, 500 ppi.")],
    position: Annotated[int, typer.Option("--position", help="ANSI/NIST finger position: 1 right thumb ... 10 left little, 0 unknown.")],
    agency: AgencyOption,
    impression: Annotated[str, typer.Option("--impression", help="plain or rolled.")] = "plain",
) -> None:
    """Enrol one finger image on a person's record."""
    if impression not in ("plain", "rolled"):
        raise ValidationFailed.one("--impression", f"must be plain or rolled, not {impression!r}")
    data = _read(image, IMAGE_MAX_BYTES)
    service, db = Biometrics.from_settings(settings_of(ctx)), current_database(ctx)
    kind = Impression.LIVE_SCAN_ROLLED if impression == "rolled" else Impression.LIVE_SCAN_PLAIN
    with db.transaction() as conn:
        enrolled = service.enrol_finger(conn, _scope(conn, agency), record_id, data, position=position, impression=kind)
    out.print(f"Enrolled a {impression} finger on record {record_id}:")
    _print_enrolled([enrolled])


@biometrics_app.command("search-face")
def search_face(
    ctx: typer.Context, photo: Annotated[Path, typer.Argument(help="A PNG or JPEG photo.")], as_agency: AsAgencyOption, top: TopOption = 10
) -> None:
    """Search a photo against every face the agency may see (1:N)."""
    data = _read(photo, IMAGE_MAX_BYTES)
    service, db = Biometrics.from_settings(settings_of(ctx)), current_database(ctx)
    with db.transaction() as conn:
        result = service.search_face(conn, _scope(conn, as_agency), data, limit=top)
    _print_search(result)


@biometrics_app.command("search-finger")
def search_finger(
    ctx: typer.Context,
    image: Annotated[Path, typer.Argument(help="A grey PNG or JPEG finger image, 500 ppi.")],
    as_agency: AsAgencyOption,
    top: TopOption = 10,
) -> None:
    """Search a finger image against every fingerprint the agency may see (1:N)."""
    data = _read(image, IMAGE_MAX_BYTES)
    service, db = Biometrics.from_settings(settings_of(ctx)), current_database(ctx)
    with db.transaction() as conn:
        result = service.search_finger(conn, _scope(conn, as_agency), data, limit=top)
    _print_search(result)


@biometrics_app.command("import-nist")
def import_nist(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An ANSI/NIST-ITL 1-2011 transaction (traditional encoding).")],
    record: Annotated[str, typer.Option("--record", help="The person record the fingers and faces belong to.")],
    agency: AgencyOption,
    strict: Annotated[bool, typer.Option(help="All or nothing: one image record that cannot be enrolled and nothing is.")] = False,
) -> None:
    """Enrol the fingers (Type-4, Type-14) and faces (Type-10) of a transaction on a person's record.

    Exit status 0 when every image record was enrolled, 1 when any was skipped or the file was refused.
    """
    data = _read(file, NIST_MAX_BYTES)
    service, db = Biometrics.from_settings(settings_of(ctx)), current_database(ctx)
    with db.transaction() as conn:
        result = service.import_nist(conn, _scope(conn, agency), record, data, strict=strict)
    out.print(
        f"Transaction {escape(result.control_number) or '(no control number)'}: {len(result.enrolled)} enrolled on record {record}, "
        f"{len(result.skipped)} skipped."
    )
    _print_enrolled(result.enrolled)
    for skipped in result.skipped:
        out.print(f"  [yellow]skipped[/yellow] {escape(skipped)}")
    for note in result.notes:
        out.print(f"  note: {escape(note)}")
    if result.descriptive_text:
        out.print(f"  {len(result.descriptive_text)} Type-2 record(s) of descriptive text read (not stored).")
    if not result.complete:
        err.print("[yellow]The other records went in; convert the skipped ones (PNG, JPEG or raw, 500 ppi) and import them again.[/yellow]")
        raise typer.Exit(1)


@biometrics_app.command("export-nist")
def export_nist(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="The person record.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    as_agency: AsAgencyOption,
) -> None:
    """Write a person's fingers and faces as one ANSI/NIST-ITL 1-2011 transaction."""
    service, db = Biometrics.from_settings(settings_of(ctx)), current_database(ctx)
    partial = output.with_name(output.name + ".partial")
    with db.transaction() as conn:
        data = service.export_nist(conn, _scope(conn, as_agency), record_id)
        try:
            partial.write_bytes(data)
            partial.replace(output)  # a file appears whole or not at all
        finally:
            partial.unlink(missing_ok=True)
    written = parse(data)
    out.print(
        f"Wrote {len(written.fingers)} finger and {len(written.faces)} face records of record {record_id} "
        f"(transaction {written.info.control_number}, {len(data):,} bytes) to {output}."
    )


@biometrics_app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Re-seal every biometric sample under KALKAN_BIOMETRIC_KEY (earlier keys in KALKAN_BIOMETRIC_RETIRED_KEYS)."""
    service, db = Biometrics.from_settings(settings_of(ctx)), current_database(ctx)
    with db.transaction() as conn:
        operator = operator_scope(conn)
        changed = service.rotate_key(conn)
        audit.append(conn, operator, "biometrics.rotate_key", detail=f"{changed} samples re-sealed under key {service.keys.current_id}")
    out.print(f"Re-sealed {changed} samples under key {service.keys.current_id}.")
    if changed:
        out.print("Once every server uses the new key, drop the retired keys from KALKAN_BIOMETRIC_RETIRED_KEYS.")
