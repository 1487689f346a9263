"""Pure parts of semantic search: passages, rank fusion, near-duplicate groups, encoders, mode."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from pipelines.core.settings import ThaigovSettings
from search.core.encoders import (
    DEFAULT_ENCODER,
    EncoderError,
    SentenceTransformerEncoder,
    UseMultilingualEncoder,
    encoder_from_spec,
    normalised,
)
from search.core.fusion import near_duplicate_groups, reciprocal_rank_fusion
from search.core.passages import MAX_CHARS, split_passages
from search.core.query import MODES, QueryError, SearchQuery
from search.services.embedding import pending_ids

# --- passages ----------------------------------------------------------------------------------


def test_short_article_is_one_passage_of_title_and_body() -> None:
    passages = split_passages("หัวข้อข่าว", "เนื้อข่าวสั้น ๆ")
    assert [p.text for p in passages] == ["หัวข้อข่าว\nเนื้อข่าวสั้น ๆ"]


def test_long_article_passages_are_bounded_and_reach_its_end() -> None:
    paragraphs = [f"ย่อหน้าที่ {i} " + "ข้อความ " * 60 for i in range(30)]
    body = "\n".join(paragraphs)
    passages = split_passages("หัวข้อ", body, max_passages=4)
    assert len(passages) == 4
    assert all(len(p.text) <= MAX_CHARS for p in passages)
    assert passages[0].text.startswith("หัวข้อ\nย่อหน้าที่ 0 ")
    # Not only the opening: the last passage comes from the last paragraph.
    assert passages[-1].start >= body.index("ย่อหน้าที่ 29")
    # Offsets point at the body text the passage holds.
    for p in passages[1:]:
        assert body[p.start : p.end].strip() == p.text


def test_passages_of_text_without_spaces_are_cut_hard() -> None:
    passages = split_passages("", "ก" * 2000, max_passages=10)
    assert [len(p.text) for p in passages] == [MAX_CHARS] * 5


def test_empty_article_has_no_passage_and_title_only_has_one() -> None:
    assert split_passages("", "") == []
    assert [p.text for p in split_passages("เฉพาะหัวข้อ", "")] == ["เฉพาะหัวข้อ"]


# --- fusion ------------------------------------------------------------------------------------


def test_rrf_rewards_agreement_and_keeps_single_list_items() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 4, 1]])
    order = [i for i, _ in fused]
    assert order[:2] == [1, 3]  # in both lists
    assert set(order) == {1, 2, 3, 4}
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 63)


def test_rrf_ties_are_deterministic() -> None:
    # 2 and 5 each appear once at rank 1: the earlier ranking wins.
    assert [i for i, _ in reciprocal_rank_fusion([[2], [5]])] == [2, 5]
    assert reciprocal_rank_fusion([]) == []


def _unit(*rows: list[float]) -> np.ndarray:
    return normalised(rows)


def test_near_duplicates_are_grouped_under_the_first_ranked() -> None:
    vectors = _unit([1, 0, 0], [0, 1, 0], [0.999, 0.02, 0], [0.998, 0, 0.03], [0, 0.5, 0.5])
    groups = near_duplicate_groups([50, 40, 30, 20, 10], vectors)
    assert groups == {50: 50, 30: 50, 20: 50}


def test_near_duplicate_threshold_separates_related_from_identical() -> None:
    vectors = _unit([1, 0], [0.9, 0.44])  # cosine ~0.9: same topic, not the same text
    assert near_duplicate_groups([1, 2], vectors) == {}
    assert near_duplicate_groups([1, 2], vectors, threshold=0.85) == {1: 1, 2: 1}


# --- pending -----------------------------------------------------------------------------------


def test_pending_is_decided_by_content_hash() -> None:
    archive = {1: "a", 2: "b", 3: "c"}
    stored = {1: "a", 2: "old", 9: "gone"}
    assert pending_ids(archive, stored) == ([2, 3], [9])


# --- encoders ----------------------------------------------------------------------------------


class TinyCharModel:
    """A real (tiny) sentence-transformers-style model: hashed character trigrams.

    It has the ``encode`` signature of ``sentence_transformers.SentenceTransformer`` and records
    how it was called, so the adapter's calls are checked against that interface.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.calls: list[dict[str, Any]] = []

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def encode(
        self,
        sentences: list[str],
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        convert_to_numpy: bool = True,
        normalize_embeddings: bool = False,
    ) -> np.ndarray:
        self.calls.append(
            {"batch_size": batch_size, "numpy": convert_to_numpy, "norm": normalize_embeddings}
        )
        out = np.zeros((len(sentences), self.dim), dtype=np.float64)
        for row, text in enumerate(sentences):
            for i in range(max(1, len(text) - 2)):
                digest = hashlib.blake2b(text[i : i + 3].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "big") % self.dim] += 1.0
        return out  # deliberately not normalised, float64: the adapter must fix both


def test_sentence_transformers_model_is_loaded_by_name_and_used_through_the_interface() -> None:
    loaded: list[str] = []
    model = TinyCharModel()

    def loader(name: str) -> TinyCharModel:
        loaded.append(name)
        return model

    encoder = encoder_from_spec("sentence-transformers:org/tiny-model", st_loader=loader)
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert loaded == ["org/tiny-model"]
    assert (encoder.name, encoder.dim) == ("sentence-transformers:org/tiny-model", 64)
    vectors = encoder.encode(["น้ำท่วมภาคใต้", "น้ำท่วมภาคใต้หนัก", "rubber price"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 64)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert model.calls == [{"batch_size": 32, "numpy": True, "norm": True}]
    assert encoder.encode([]).shape == (0, 64)


def test_missing_sentence_transformers_package_is_one_clear_error() -> None:
    with pytest.raises(EncoderError, match="pip install sentence-transformers"):
        encoder_from_spec("sentence-transformers:any-model")


def test_encoder_specs() -> None:
    assert encoder_from_spec("off") is None
    assert isinstance(encoder_from_spec(""), UseMultilingualEncoder)
    assert ThaigovSettings.load().encoder == DEFAULT_ENCODER
    assert encoder_from_spec(ThaigovSettings.load(encoder=" off ").encoder) is None
    with pytest.raises(EncoderError, match="unknown encoder 'word2vec'"):
        encoder_from_spec("word2vec")
    with pytest.raises(EncoderError):
        encoder_from_spec("sentence-transformers:")


def test_default_encoder_is_offline_multilingual_and_normalised() -> None:
    encoder = UseMultilingualEncoder()
    v = encoder.encode(["support for rubber farmers", "ช่วยเหลือเกษตรกรชาวสวนยาง", "ฉีดวัคซีน"])
    assert v.shape == (3, 512) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2  # English question near the Thai topic


# --- mode in the one query builder -------------------------------------------------------------


def test_mode_is_validated_by_the_query_builder() -> None:
    assert SearchQuery.build("x").mode == "keyword"
    assert SearchQuery.build("x", mode=" Hybrid ").mode == "hybrid"
    assert SearchQuery.build("x", default_mode="hybrid").mode == "hybrid"
    assert SearchQuery.build("x", mode="semantic", default_mode="hybrid").mode == "semantic"
    with pytest.raises(QueryError) as err:
        SearchQuery.build("x", mode="vector")
    assert err.value.param == "mode"
    assert err.value.message == "mode must be keyword, semantic or hybrid, not 'vector'"
    assert MODES == ("keyword", "semantic", "hybrid")


def test_passage_snippet_marks_query_words_and_skips_segmenting_when_none_occur() -> None:
    from search.core.snippets import HIGHLIGHT_START, make_snippet
    from search.services.semantic import passage_snippet

    passage = "รัฐบาลช่วยเหลือเกษตรกรชาวสวนยาง ราคายางตกต่ำ"
    words = SearchQuery.build("ราคายาง farmers").parsed.highlight_tokens
    assert passage_snippet(passage, words) == make_snippet(passage, words)
    assert HIGHLIGHT_START in passage_snippet(passage, words)
    # An English question on a Thai passage: nothing to mark, the passage as it is.
    english = SearchQuery.build("rubber farmers").parsed.highlight_tokens
    assert passage_snippet(passage, english) == make_snippet(passage, ()) == passage
