"""Hand-worked cases for evaluation.metrics; the arithmetic is in the comments."""
from __future__ import annotations

import pytest

from evaluation.errors import XmixError
from evaluation.metrics import (
    RANKING_K,
    accuracy,
    mean_average_precision_at_k,
    mrr_at_k,
    retrieval_accuracy,
    squad_scores,
    tagging_scores,
)


# --- accuracy ----------------------------------------------------------------

def test_accuracy_counts_equal_labels():
    # 3 of 4 equal -> 75
    assert accuracy([0, 1, 2, 1], [0, 1, 2, 2]) == pytest.approx(75.0)


def test_retrieval_accuracy_takes_predictions_first():
    # predicted [0, 2, 1] vs gold [0, 1, 2]: only index 0 right -> 1/3 -> 33.33
    assert retrieval_accuracy([0, 2, 1], [0, 1, 2]) == pytest.approx(100 / 3)


def test_length_mismatch_names_both_counts():
    with pytest.raises(XmixError, match=r"3 gold labels but 2 predictions"):
        accuracy([0, 1, 2], [0, 1])
    with pytest.raises(XmixError, match=r"2 gold indices but 1 predicted indices"):
        retrieval_accuracy([0], [0, 1])


def test_empty_input_is_an_error_not_a_zero_division():
    with pytest.raises(XmixError, match="nothing to score"):
        accuracy([], [])


# --- seqeval tagging -----------------------------------------------------------

def test_split_entity_is_two_wrong_entities():
    # gold: PER(0..1). predicted B-PER B-PER: PER(0..0), PER(1..1).
    # TP 0 -> precision 0/2, recall 0/1, F1 0
    scores = tagging_scores([["B-PER", "I-PER", "O"]], [["B-PER", "B-PER", "O"]])
    assert scores == pytest.approx({"f1": 0.0, "precision": 0.0, "recall": 0.0})


def test_missed_entity_lowers_recall_not_precision():
    # gold: LOC(0), ORG(2..3); predicted: LOC(0). TP 1.
    # precision 1/1 = 100, recall 1/2 = 50, F1 = 2*1*0.5/1.5 = 66.67
    scores = tagging_scores([["B-LOC", "O", "B-ORG", "I-ORG"]], [["B-LOC", "O", "O", "O"]])
    assert scores == pytest.approx({"f1": 200 / 3, "precision": 100.0, "recall": 50.0})


def test_boundary_error_across_sentences_is_micro_averaged():
    # sentence 1: gold PER(0..1), predicted PER(0..0): wrong boundary, 0 TP, 1 predicted, 1 gold.
    # sentence 2: gold ORG(0), predicted ORG(0) and LOC(1): 1 TP, 2 predicted, 1 gold.
    # precision 1/3, recall 1/2, F1 = 2*(1/3)*(1/2)/(5/6) = 0.4 -> 40
    gold = [["B-PER", "I-PER"], ["B-ORG", "O"]]
    predicted = [["B-PER", "O"], ["B-ORG", "B-LOC"]]
    assert tagging_scores(gold, predicted) == pytest.approx(
        {"f1": 40.0, "precision": 100 / 3, "recall": 50.0})


def test_lenient_mode_accepts_chunks_opened_by_i():
    # Default seqeval (as evaluate.py calls it): I-PER I-PER is PER(0..1) like B-PER I-PER.
    assert tagging_scores([("B-PER", "I-PER")], [("I-PER", "I-PER")])["f1"] == pytest.approx(100.0)


def test_pos_tags_score_runs_of_equal_tags_as_official():
    # evaluate.py feeds POS tags to seqeval: NOUN NOUN is one chunk "OUN"(0..1).
    # gold chunks OUN(0..1), ERB(2); predicted OUN(0), ERB(1..2): 0 TP, F1 0,
    # although 2 of 3 tokens are right.
    assert tagging_scores([["NOUN", "NOUN", "VERB"]], [["NOUN", "VERB", "VERB"]])["f1"] == pytest.approx(0.0)
    # No equal neighbours: chunks = tokens; 2 of 3 chunks match -> 66.67
    assert tagging_scores([["DET", "NOUN", "VERB"]], [["DET", "ADJ", "VERB"]])["f1"] == pytest.approx(200 / 3)


def test_tagging_sentence_length_mismatch_names_sentence_and_counts():
    with pytest.raises(XmixError, match=r"sentence 1 has 2 gold tags but 1 predicted tags"):
        tagging_scores([["O"], ["O", "O"]], [["O"], ["O"]])
    with pytest.raises(XmixError, match=r"2 gold sentences but 1 predicted sentences"):
        tagging_scores([["O"], ["O"]], [["O"]])


# --- SQuAD v1.1 ------------------------------------------------------------------

def test_squad_ignores_case_articles_and_punctuation():
    # "The Eiffel Tower!" and "eiffel tower" both normalise to "eiffel tower": EM 1, F1 1
    assert squad_scores(["The Eiffel Tower!"], [["eiffel tower"]]) == pytest.approx(
        {"exact_match": 100.0, "f1": 100.0})


def test_squad_takes_the_best_gold_answer_and_averages_examples():
    # ex 1: "in Paris" vs golds "Paris" / "Paris, France":
    #   vs "paris": EM 0, overlap 1, P 1/2, R 1/1 -> F1 2/3
    #   vs "paris france": EM 0, overlap 1, P 1/2, R 1/2 -> F1 1/2   -> max F1 2/3
    # ex 2: "1990" vs "1990": EM 1, F1 1
    # EM = (0 + 1)/2 = 50; F1 = (2/3 + 1)/2 = 83.33
    scores = squad_scores(["in Paris", "1990"], [["Paris", "Paris, France"], ["1990"]])
    assert scores == pytest.approx({"exact_match": 50.0, "f1": 250 / 3})


def test_squad_empty_prediction_and_unanswered():
    # ex 1: "" vs "Paris": EM 0, F1 0.
    # ex 2: "" vs "The": both normalise to "" -> EM 1 but F1 0 (no common tokens), as official.
    # ex 3: None (unanswered) vs "x": 0 and 0, still in the denominator.
    # EM = 1/3 -> 33.33; F1 = 0
    scores = squad_scores(["", "", None], [["Paris"], ["The"], ["x"]])
    assert scores == pytest.approx({"exact_match": 100 / 3, "f1": 0.0})


def test_squad_rejects_missing_gold_and_mismatched_lengths():
    with pytest.raises(XmixError, match="example 0"):
        squad_scores(["a"], [[]])
    with pytest.raises(XmixError, match=r"2 gold answer lists but 1 predictions"):
        squad_scores(["a"], [["a"], ["b"]])


# --- MLQA language-aware normalisation ---------------------------------------

def test_mlqa_chinese_partial_answer_earns_character_f1():
    # zh: each CJK character is a token. gold 北 京 大 学, predicted 北 京:
    # overlap 2, P 2/2, R 2/4 -> F1 = 2*1*0.5/1.5 = 2/3 -> 66.67; EM 0
    assert squad_scores(["北京"], [["北京大学"]], language="zh") == pytest.approx(
        {"exact_match": 0.0, "f1": 200 / 3})
    # SQuAD v1.1 rules see one token each: no overlap, F1 0
    assert squad_scores(["北京"], [["北京大学"]])["f1"] == pytest.approx(0.0)


def test_mlqa_chinese_punctuation_is_unicode_aware():
    # "北京。" -> the ideographic full stop is Unicode punctuation and is dropped -> EM 1
    assert squad_scores(["北京。"], [["北京"]], language="zh")["exact_match"] == pytest.approx(100.0)


def test_mlqa_spanish_and_german_articles():
    # es drops "la": "la casa" == "casa" -> EM 100
    assert squad_scores(["casa"], [["la casa"]], language="es")["exact_match"] == pytest.approx(100.0)
    # SQuAD v1.1 keeps "la": EM 0, F1 = overlap 1, P 1/1, R 1/2 -> 2/3
    assert squad_scores(["casa"], [["la casa"]]) == pytest.approx({"exact_match": 0.0, "f1": 200 / 3})
    # de drops "der" and "dem": "dem Hund" == "der Hund" -> EM 100
    assert squad_scores(["dem Hund"], [["der Hund"]], language="de")["exact_match"] == pytest.approx(100.0)


def test_mlqa_english_drops_unicode_punctuation_squad_does_not():
    # « and » are Unicode punctuation (MLQA) but not in string.punctuation (SQuAD v1.1)
    assert squad_scores(["«Paris»"], [["Paris"]], language="en")["exact_match"] == pytest.approx(100.0)
    assert squad_scores(["«Paris»"], [["Paris"]])["exact_match"] == pytest.approx(0.0)


def test_mlqa_arabic_article_removal_as_official():
    # ar removes "ال": "الكتاب" -> " كتاب" -> "كتاب" == "كتاب" -> EM 100
    assert squad_scores(["كتاب"], [["الكتاب"]], language="ar")["exact_match"] == pytest.approx(100.0)
    # The official pattern also strips "ال" inside words: "مال" -> "م" -> EM 100 against "م"
    assert squad_scores(["م"], [["مال"]], language="ar")["exact_match"] == pytest.approx(100.0)


def test_mlqa_unknown_language_is_an_error():
    with pytest.raises(XmixError, match="no MLQA normalisation for language 'fi'"):
        squad_scores(["a"], [["a"]], language="fi")


# --- ranking: LAReQA mAP@k vs Mewsli-X MRR@k -------------------------------------

# query 1: relevant {a, b, c}; c never retrieved. Ranking x a y b z.
#   AP@20 = (P@2 + P@4) / min(3, 20) = (1/2 + 2/4) / 3 = 1/3;   RR = 1/2
# query 2: relevant {a, b}; ranking a b.
#   AP@20 = (1/1 + 2/2) / 2 = 1;                                 RR = 1
RANKED = [["x", "a", "y", "b", "z"], ["a", "b"]]
RELEVANT = [{"a", "b", "c"}, {"a", "b"}]


def test_map_counts_every_relevant_item_and_absent_ones_in_the_divisor():
    # mAP = (1/3 + 1) / 2 = 2/3 -> 66.67
    assert mean_average_precision_at_k(RANKED, RELEVANT) == pytest.approx(200 / 3)


def test_mrr_counts_only_the_first_relevant_item():
    # MRR = (1/2 + 1) / 2 = 0.75 -> 75
    assert mrr_at_k(RANKED, RELEVANT) == pytest.approx(75.0)


def test_cutoff_k_truncates_the_ranking_and_caps_the_divisor():
    # k=3, query 1: top 3 = x a y -> AP = (1/2) / min(3, 3) = 1/6;  RR = 1/2
    #       query 2: AP = 1;  RR = 1
    # mAP = (1/6 + 1)/2 = 7/12 -> 58.33;  MRR = 75
    assert mean_average_precision_at_k(RANKED, RELEVANT, k=3) == pytest.approx(700 / 12)
    assert mrr_at_k(RANKED, RELEVANT, k=3) == pytest.approx(75.0)
    # k=2, relevant {a, b, c}, ranking a b x: AP = (1 + 1) / min(3, 2) = 1 -> 100
    assert mean_average_precision_at_k([["a", "b", "x"]], [{"a", "b", "c"}], k=2) == pytest.approx(100.0)
    # k=1, query 1: nothing relevant at rank 1 -> both 0
    assert mean_average_precision_at_k(RANKED[:1], RELEVANT[:1], k=1) == pytest.approx(0.0)
    assert mrr_at_k(RANKED[:1], RELEVANT[:1], k=1) == pytest.approx(0.0)


def test_repeated_item_scores_once_but_keeps_its_rank():
    # ranking a a b, relevant {a, b}: rank 1 a hit (1/1), rank 2 repeat, rank 3 b hit (2/3)
    # AP = (1 + 2/3) / 2 = 5/6 -> 83.33
    assert mean_average_precision_at_k([["a", "a", "b"]], [{"a", "b"}]) == pytest.approx(500 / 6)


def test_single_gold_makes_map_equal_mrr():
    # Mewsli-X: gold e2 at rank 3 -> AP = (1/3)/1 = RR = 1/3; gold e9 absent -> 0
    # mean = (1/3 + 0)/2 = 1/6 -> 16.67 for both
    ranked, gold = [["e1", "e4", "e2"], ["e1", "e2"]], [{"e2"}, {"e9"}]
    assert mrr_at_k(ranked, gold) == pytest.approx(100 / 6)
    assert mean_average_precision_at_k(ranked, gold) == pytest.approx(100 / 6)


def test_ranking_input_errors():
    with pytest.raises(XmixError, match=r"2 relevant sets but 1 rankings"):
        mean_average_precision_at_k([["a"]], [{"a"}, {"b"}])
    with pytest.raises(XmixError, match=r"1 relevant sets but 2 rankings"):
        mrr_at_k([["a"], ["b"]], [{"a"}])
    with pytest.raises(XmixError, match="query 0 has no relevant items"):
        mean_average_precision_at_k([["a"]], [set()])
    with pytest.raises(XmixError, match="k must be a positive integer"):
        mrr_at_k([["a"]], [{"a"}], k=0)


# --- the targets' metrics ----------------------------------------------------------

def test_targets_name_their_metric_functions():
    from evaluation.targets import TARGETS

    # LAReQA: every relevant answer counts (mAP@20); Mewsli-X: one gold entity, MRR@20.
    assert TARGETS.get("lareqa").metric_fn is mean_average_precision_at_k
    assert TARGETS.get("mewslix").metric_fn is mrr_at_k
    assert TARGETS.get("lareqa").metric == TARGETS.get("mewslix").metric == f"map@{RANKING_K}" == "map@20"
    assert TARGETS.get("xnli").metric_fn is accuracy and TARGETS.get("tatoeba").metric_fn is retrieval_accuracy
    assert TARGETS.get("panx").metric_fn is tagging_scores
