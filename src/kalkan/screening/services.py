"""The checkers one process shares between its threads, each made on first use.

A process (one API worker) keeps one document index, one name index and one set of
biometric indexes in memory, whichever of its pages or endpoints asks first; the API's
checks and the officer's and analyst's pages use the same ones. ``Services`` makes each on
first use, under a lock, with the process's database and settings.
"""

from __future__ import annotations

import threading

from kalkan.biometrics import Biometrics
from kalkan.screening.documents import DocumentChecker
from kalkan.screening.names import NameScreening
from kalkan.screening.travellers import TravellerScreening
from kalkan.settings import Settings
from kalkan.store.database import Database

#: How often the name index looks at the change log before a check, at most.
NAME_REFRESH_SECONDS = 0.5


class Services:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._lock = threading.Lock()
        self._documents: DocumentChecker | None = None
        self._names: NameScreening | None = None
        self._biometrics: Biometrics | None = None

    @property
    def documents(self) -> DocumentChecker:
        """The stolen and lost documents' checker."""
        with self._lock:
            if self._documents is None:
                self._documents = DocumentChecker(self.database, index_dir=self.settings.index_dir)
            return self._documents

    @property
    def names(self) -> NameScreening:
        """The persons' and organisations' name screening."""
        with self._lock:
            if self._names is None:
                self._names = NameScreening(self.database, self.settings.index_dir, refresh_seconds=NAME_REFRESH_SECONDS)
            return self._names

    @property
    def biometrics(self) -> Biometrics:
        """Faces and fingerprints (its engines load on first use, and need the ``biometrics`` extra)."""
        with self._lock:
            if self._biometrics is None:
                self._biometrics = Biometrics.from_settings(self.settings)
            return self._biometrics

    def travellers(self) -> TravellerScreening:
        """The traveller check: documents, names and, for a traveller with a photo or a fingerprint, biometrics."""
        return TravellerScreening(self.documents, self.names, record_movements=self.settings.record_movements, biometrics=self.biometrics)
