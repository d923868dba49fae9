"""The biometric service: enrol, verify and search faces and fingerprints, through a Scope.

One ``Biometrics`` per process holds the engines, the key ring and the in-memory indexes;
every call takes the caller's connection and Scope. Enrolment needs the right to write and
ownership of the person record; a 1:1 verification needs the right to read the record; a
1:N search needs the right to run checks and returns only candidates whose person record
the caller's agency may see (``store.biometrics.visible_active_records``, the store's
visibility rule). Every search, verification, enrolment and image read is audited.

The indexes catch up with the database (samples past the last id they hold) at the start of
each search, so several processes share one database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.biometrics import calibration, finger_match, fingerprints, nist
from kalkan.biometrics.calibration import Calibration
from kalkan.biometrics.crypto import KeyRing
from kalkan.biometrics.face_index import VectorIndex
from kalkan.biometrics.faces import FaceTemplate, engine
from kalkan.biometrics.finger_gallery import FingerGallery
from kalkan.biometrics.images import decode
from kalkan.biometrics.minutiae import FingerTemplate, Impression, check_position
from kalkan.biometrics.results import Candidate, Enrolled, NistImport, SearchResult, Verification
from kalkan.errors import ValidationFailed
from kalkan.settings import Settings
from kalkan.store import audit
from kalkan.store import biometrics as store
from kalkan.store.clock import now

FACE = "face"
FINGER = "finger"
MAX_CANDIDATES = 50
#: 1.004 TOT of the transactions Kalkan exports.
EXPORT_TRANSACTION_TYPE = "BIOMETRICS"


class Biometrics:
    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys
        self.faces = VectorIndex()
        self.fingers = FingerGallery()
        self._refresh_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Biometrics:
        return cls(KeyRing.from_settings(settings))

    # -- enrolment -------------------------------------------------------------

    def enrol_faces(
        self, conn: Connection, scope: Scope, record_id: str, images: list[bytes], *, source: str | None = None
    ) -> list[Enrolled]:
        """Enrol photos of one person; all or none (a refused photo names its index)."""
        scope.require(Permission.WRITE_RECORDS)
        if not images:
            raise ValidationFailed.one("images", "send at least one photo")
        store.own_person(conn, scope, record_id)
        prepared: list[tuple[store.NewSample, int]] = []
        for i, data in enumerate(images):
            name = f"images[{i}]" if len(images) > 1 else "image"
            decoded = decode(data, field=name)
            template = engine().extract(decoded, field=name)
            prepared.append(
                (
                    self._sealed(
                        record_id,
                        FACE,
                        data,
                        decoded.format,
                        decoded.width,
                        decoded.height,
                        template.to_bytes(),
                        template.quality,
                        source=source,
                    ),
                    template.quality,
                )
            )
        ids = store.insert_samples(conn, scope, [sample for sample, _ in prepared])
        audit.append(conn, scope, "biometrics.enrol", [record_id], detail=f"face samples {','.join(map(str, ids))}")
        return [Enrolled(sample_id, record_id, FACE, quality) for sample_id, (_, quality) in zip(ids, prepared, strict=True)]

    def enrol_finger(
        self,
        conn: Connection,
        scope: Scope,
        record_id: str,
        image: bytes,
        *,
        position: int,
        impression: Impression = Impression.LIVE_SCAN_PLAIN,
        source: str | None = None,
    ) -> Enrolled:
        scope.require(Permission.WRITE_RECORDS)
        check_position(position)
        store.own_person(conn, scope, record_id)
        decoded = decode(image, grey=True)
        extraction = fingerprints.extract(decoded.pixels, position=position, impression=impression)
        template = extraction.template
        sample = self._sealed(
            record_id,
            FINGER,
            image,
            decoded.format,
            decoded.width,
            decoded.height,
            template.to_bytes(),
            template.quality,
            position,
            impression,
            source,
        )
        (sample_id,) = store.insert_samples(conn, scope, [sample])
        audit.append(conn, scope, "biometrics.enrol", [record_id], detail=f"finger sample {sample_id} position {position}")
        return Enrolled(sample_id, record_id, FINGER, template.quality, position, len(template))

    def _sealed(
        self,
        record_id: str,
        modality: str,
        image: bytes,
        image_format: str,
        width: int,
        height: int,
        template: bytes,
        quality: int,
        position: int | None = None,
        impression: Impression | None = None,
        source: str | None = None,
    ) -> store.NewSample:
        key_id, sealed_image = self.keys.seal(image, "image")
        _, sealed_template = self.keys.seal(template, "template")
        return store.NewSample(
            record_id=record_id,
            modality=modality,
            quality=quality,
            image_format=image_format,
            width=width,
            height=height,
            key_id=key_id,
            image=sealed_image,
            template=sealed_template,
            position=position,
            impression=impression.label if impression is not None else None,
            source=source,
        )

    # -- search ----------------------------------------------------------------

    def refresh(self, conn: Connection) -> None:
        """Load samples enrolled since the indexes were last brought up to date."""
        with self._refresh_lock:
            rows = []
            for sample_id, record_id, key_id, sealed in store.templates_after(conn, FACE, self.faces.last_sample_id):
                rows.append((sample_id, record_id, FaceTemplate.embedding_from_bytes(self.keys.open(key_id, sealed, "template"))))
            self.faces.add(rows)
            finger_rows = []
            for sample_id, record_id, key_id, sealed in store.templates_after(conn, FINGER, self.fingers.last_sample_id):
                template = FingerTemplate.from_bytes(self.keys.open(key_id, sealed, "template"))
                finger_rows.append((sample_id, record_id, template.position, template.minutiae))
            self.fingers.add(finger_rows)

    def search_face(self, conn: Connection, scope: Scope, image: bytes, *, limit: int = 10) -> SearchResult:
        scope.require(Permission.RUN_CHECKS)
        limit = _check_limit(limit)
        probe = engine().extract(decode(image))
        self.refresh(conn)
        cal = calibration.FACE
        hits = self.faces.search(probe.embedding, limit=limit, floor=cal.listing_score, allowed=_allowed(conn, scope))
        candidates = [_candidate(cal, h.record_id, h.sample_id, h.score, len(self.faces)) for h in hits]
        return self._result(conn, scope, FACE, cal, candidates, len(self.faces), probe.quality)

    def search_finger(self, conn: Connection, scope: Scope, image: bytes, *, limit: int = 10, position: int | None = None) -> SearchResult:
        scope.require(Permission.RUN_CHECKS)
        limit = _check_limit(limit)
        if position is not None:
            check_position(position)
        probe = fingerprints.extract(decode(image, grey=True).pixels).template
        self.refresh(conn)
        candidates = self.finger_candidates(probe, limit=limit, allowed=_allowed(conn, scope), position=position)
        return self._result(conn, scope, FINGER, calibration.FINGER, candidates, len(self.fingers), probe.quality)

    def finger_candidates(
        self, probe: FingerTemplate, *, limit: int, allowed: Callable[[list[str]], set[str]], position: int | None = None
    ) -> list[Candidate]:
        """Two stages (``finger_gallery``): minutia triplets vote over every template, the exact
        matcher scores the visible best-voted ones."""
        cal = calibration.FINGER
        hits = self.fingers.search(probe.minutiae, limit=limit, floor=cal.listing_score, allowed=allowed, position=position)
        return [_candidate(cal, h.record_id, h.sample_id, h.score, len(self.fingers), h.position) for h in hits]

    def _result(
        self, conn: Connection, scope: Scope, modality: str, cal: Calibration, candidates: list[Candidate], gallery: int, quality: int
    ) -> SearchResult:
        outcome = cal.outcome(candidates[0].false_match_probability if candidates else None)
        audit.append(
            conn,
            scope,
            f"biometrics.{modality}_search",
            [c.record_id for c in candidates],
            query={"modality": modality, "gallery": gallery},
            detail=outcome.value,
        )
        return SearchResult(modality, outcome, candidates, gallery, quality)

    # -- verification ------------------------------------------------------------

    def verify_face(self, conn: Connection, scope: Scope, record_id: str, image: bytes) -> Verification:
        scope.require(Permission.READ_RECORDS)
        probe = engine().extract(decode(image))
        samples = store.samples_of(conn, scope, record_id, FACE)
        if not samples:
            raise ValidationFailed.one("record_id", f"record {record_id} has no enrolled face to compare with")
        scored = [
            (float(FaceTemplate.embedding_from_bytes(self.keys.open(s.key_id, s.template, "template")) @ probe.embedding), s.id)
            for s in samples
        ]
        return self._verdict(conn, scope, FACE, calibration.FACE, record_id, scored)

    def verify_finger(self, conn: Connection, scope: Scope, record_id: str, image: bytes, *, position: int | None = None) -> Verification:
        scope.require(Permission.READ_RECORDS)
        probe = fingerprints.extract(decode(image, grey=True).pixels).template
        samples = [s for s in store.samples_of(conn, scope, record_id, FINGER) if position is None or s.position == position]
        if not samples:
            raise ValidationFailed.one("record_id", f"record {record_id} has no enrolled fingerprint to compare with")
        scored = [
            (finger_match.match(probe.minutiae, FingerTemplate.from_bytes(self.keys.open(s.key_id, s.template, "template")).minutiae), s.id)
            for s in samples
        ]
        return self._verdict(conn, scope, FINGER, calibration.FINGER, record_id, scored)

    def _verdict(
        self, conn: Connection, scope: Scope, modality: str, cal: Calibration, record_id: str, scored: list[tuple[float, int]]
    ) -> Verification:
        score, sample_id = max(scored)
        probability = cal.false_match_probability(score)
        outcome = cal.outcome(probability)
        audit.append(conn, scope, f"biometrics.{modality}_verify", [record_id], detail=outcome.value)
        return Verification(record_id, outcome, score, probability, sample_id)

    # -- ANSI/NIST-ITL exchange ------------------------------------------------------

    def import_nist(self, conn: Connection, scope: Scope, record_id: str, data: bytes, *, strict: bool = False) -> NistImport:
        """Enrol a transaction's fingers (Type-4, Type-14) and faces (Type-10) on one person record.

        A malformed file enrols nothing. An image record that cannot be read or enrolled (WSQ,
        a slap, no face found) is skipped, naming it and why; with ``strict`` it fails the
        whole import instead (the caller's transaction then rolls back what was enrolled).
        """
        scope.require(Permission.WRITE_RECORDS)
        store.own_person(conn, scope, record_id)
        transaction = nist.parse(data)
        if not transaction.fingers and not transaction.faces:
            raise nist.NistFault(1, 1, "1.003", "the transaction holds no finger (Type-4, Type-14) or face (Type-10) record to import")
        source = f"ANSI/NIST-ITL TCN {transaction.info.control_number}"[:200]
        faults: list[nist.NistFault] = []
        fingers: list[tuple[nist.FingerImage, bytes]] = []
        faces: list[tuple[nist.FaceImage, bytes]] = []
        for finger in transaction.fingers:
            try:
                fingers.append((finger, nist.finger_image(finger)))
            except nist.NistFault as fault:
                faults.append(fault)
        for face in transaction.faces:
            try:
                faces.append((face, nist.face_image(face)))
            except nist.NistFault as fault:
                faults.append(fault)
        if strict and faults:
            raise ValidationFailed([f for fault in faults for f in fault.faults])
        enrolled: list[Enrolled] = []
        for finger, image in fingers:
            try:
                impression = Impression(finger.impression)
                enrolled.append(
                    self.enrol_finger(conn, scope, record_id, image, position=finger.position, impression=impression, source=source)
                )
            except ValidationFailed as error:
                data_tag = "4.009" if finger.record_type == 4 else "14.999"
                faults.append(nist.NistFault(finger.record_type, finger.record_number, data_tag, _reasons(error)))
        for face, image in faces:
            try:
                enrolled.extend(self.enrol_faces(conn, scope, record_id, [image], source=source))
            except ValidationFailed as error:
                faults.append(nist.NistFault(10, face.record_number, "10.999", _reasons(error)))
        if strict and faults:
            raise ValidationFailed([f for fault in faults for f in fault.faults])
        audit.append(
            conn,
            scope,
            "biometrics.nist_import",
            [record_id],
            detail=f"TCN {transaction.info.control_number}: {len(enrolled)} enrolled, {len(faults)} skipped",
        )
        skipped = sorted(faults, key=lambda fault: fault.record_number)
        return NistImport(
            transaction.info.control_number, enrolled, [fault.message for fault in skipped], transaction.notes, transaction.descriptive_text
        )

    def export_nist(self, conn: Connection, scope: Scope, record_id: str) -> bytes:
        """A person record's fingers and faces as one ANSI/NIST-ITL transaction, for a caller who may read it."""
        scope.require(Permission.READ_RECORDS)
        samples = store.samples_of(conn, scope, record_id)
        if not samples:
            raise ValidationFailed.one("record_id", f"record {record_id} has no enrolled face or fingerprint to export")
        fingers: list[nist.FingerImage] = []
        faces: list[nist.FaceImage] = []
        for sample in samples:
            image = self.keys.open(sample.key_id, sample.image, "image")
            if sample.modality == FINGER:
                impression = Impression.LIVE_SCAN_ROLLED if sample.impression == "rolled" else Impression.LIVE_SCAN_PLAIN
                fingers.append(nist.finger_for_export(image, sample.position or 0, int(impression), scope.agency))
            else:
                faces.append(nist.face_for_export(image, sample.width, sample.height, scope.agency))
        stamp = now()
        info = nist.TransactionInfo(
            transaction_type=EXPORT_TRANSACTION_TYPE,
            originator=scope.agency,
            destination=scope.agency,
            control_number=f"{stamp:%Y%m%d%H%M%S}-{record_id[:16]}",
            date=f"{stamp:%Y%m%d}",
        )
        audit.append(
            conn,
            scope,
            "biometrics.nist_export",
            [record_id],
            detail=f"TCN {info.control_number}: samples {','.join(str(s.id) for s in samples)}",
        )
        return nist.write(info, fingers, faces)

    # -- images and keys -----------------------------------------------------------

    def image_of(self, conn: Connection, scope: Scope, sample_id: int) -> tuple[str, bytes]:
        """A sample's image (format, bytes), only for a caller who may read its record."""
        scope.require(Permission.READ_RECORDS)
        sample = store.visible_sample(conn, scope, sample_id)
        audit.append(conn, scope, "biometrics.image_read", [sample.record_id], detail=f"sample {sample_id}")
        return sample.image_format, self.keys.open(sample.key_id, sample.image, "image")

    def rotate_key(self, conn: Connection, batch: int = 500) -> int:
        """Re-seal every sample not under the current key; returns how many were re-sealed."""
        changed, last = 0, 0
        while rows := store.sealed_after(conn, last, batch):
            for sample_id, key_id, image, template in rows:
                last = sample_id
                if key_id == self.keys.current_id:
                    continue
                new_id, sealed_image = self.keys.seal(self.keys.open(key_id, image, "image"), "image")
                _, sealed_template = self.keys.seal(self.keys.open(key_id, template, "template"), "template")
                store.reseal(conn, sample_id, new_id, sealed_image, sealed_template)
                changed += 1
        return changed


class _Allowed:
    """Which record ids the caller may see, asked of the store (its visibility rule)."""

    def __init__(self, conn: Connection, scope: Scope) -> None:
        self.conn, self.scope = conn, scope

    def __call__(self, record_ids: list[str]) -> set[str]:
        return store.visible_active_records(self.conn, self.scope.agency, record_ids)


def _allowed(conn: Connection, scope: Scope) -> _Allowed:
    return _Allowed(conn, scope)


def _reasons(error: ValidationFailed) -> str:
    return "; ".join(fault.fault for fault in error.faults)


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_CANDIDATES:
        raise ValidationFailed.one("limit", f"must be between 1 and {MAX_CANDIDATES}")
    return limit


def _candidate(cal: Calibration, record_id: str, sample_id: int, score: float, gallery: int, position: int | None = None) -> Candidate:
    probability = cal.false_match_probability(score)
    return Candidate(record_id, sample_id, round(score, 4), probability, cal.in_gallery(probability, gallery), position)
