"""Near-duplicate detection: the same wire story republished with small edits.

Each text gets a MinHash signature over 5-word shingles (datasketch); the signature is
cut into bands, and two texts sharing any band are compared by estimated Jaccard
similarity. Bands are stored, so finding earlier copies is an indexed lookup, not a
scan of the record.
"""

from __future__ import annotations

import re
import struct
import zlib
from functools import cache

import numpy as np

PERMUTATIONS = 64
BANDS = 16  # 16 bands x 4 rows: texts above ~0.5 similarity almost always share a band
ROWS = PERMUTATIONS // BANDS
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash  # imported on first use: it pulls in scipy (~1 s)

    template = MinHash(num_perm=PERMUTATIONS, seed=20201, scheme="affine32")
    permutations: tuple[np.ndarray, np.ndarray] = template.permutations
    return permutations


def signature(text: str) -> bytes:
    """The MinHash signature of a text's word shingles, as bytes to store."""
    words = _WORD.findall(text.lower())
    width = min(SHINGLE_WORDS, max(len(words), 1))
    shingles = {" ".join(words[i : i + width]).encode() for i in range(len(words) - width + 1)}
    from datasketch import MinHash

    sketch = MinHash(
        num_perm=PERMUTATIONS,
        hashfunc=zlib.crc32,
        permutations=_permutations(),
        scheme="affine32",
    )
    sketch.update_batch(sorted(shingles) or [b""])
    return sketch.hashvalues.astype("<u4").tobytes()


def bands(sig: bytes) -> list[int]:
    """One signed 63-bit key per band (band number folded in), for an indexed lookup."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS * 4 : (band + 1) * ROWS * 4]
        digest = zlib.crc32(chunk, band) | (band << 32)
        keys.append(struct.unpack("<q", struct.pack("<Q", digest))[0])
    return keys


def similarity(first: bytes, second: bytes) -> float:
    """Estimated Jaccard similarity of the two texts behind two signatures."""
    a = np.frombuffer(first, dtype="<u4")
    b = np.frombuffer(second, dtype="<u4")
    return float(np.count_nonzero(a == b)) / len(a)
