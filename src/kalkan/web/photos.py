"""Photos on the pages: small JPEG previews as ``data:`` URIs, made on the server.

A photo on record is decrypted on the server (``screening.probes.photos_on_record``) and
sent inside the page that shows it, never at an address of its own: only the answer to a
check that returned the record carries it, and the page is never cached. The traveller's
own photo comes back the same way, to be compared with it. Images are decoded with the
biometric service's checks (``biometrics.images.decode``: format from the bytes, dimensions
before pixels), so a preview is made only of a sound image.
"""

from __future__ import annotations

import base64
import io
from typing import Final

from kalkan.biometrics import BiometricsUnavailable
from kalkan.biometrics.extra import require
from kalkan.biometrics.images import decode
from kalkan.errors import ValidationFailed

#: The longest side of a preview, in pixels: enough to compare faces, light on a poor connection.
PREVIEW_SIDE: Final = 320


def preview(image: bytes, *, side: int = PREVIEW_SIDE) -> str | None:
    """A JPEG preview of ``image`` as a data: URI; None when it is not a sound image or the extra is missing."""
    try:
        decoded = decode(image)
        pil = require("PIL.Image")
    except (ValidationFailed, BiometricsUnavailable):
        return None
    picture = pil.fromarray(decoded.pixels)
    picture.thumbnail((side, side))
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
