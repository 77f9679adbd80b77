"""Task families: what a source trains and what a target evaluates, for the zero-shot guard.

Zero-shot transfer (XTREME, XTREME-R) means a target task is never trained in a
language it evaluates. Intermediate tasks in other languages are the research
question; the *same family* in a *target language* (Chinese NLI before XNLI zh)
is translate-train-like supervision, a different setting. Every source and every
target declares one family from this list.
"""
from __future__ import annotations

NLI = "nli"
PARAPHRASE = "paraphrase"
SENTIMENT = "sentiment"
EXTRACTIVE_QA = "extractive_qa"
COMMONSENSE = "commonsense"  # multiple-choice commonsense / causal reasoning (COPA, HellaSwag, ...)
NER = "ner"
POS = "pos"
RETRIEVAL = "retrieval"  # bitext, answer or entity retrieval

FAMILIES = (NLI, PARAPHRASE, SENTIMENT, EXTRACTIVE_QA, COMMONSENSE, NER, POS, RETRIEVAL)
DESCRIPTION = {
    NLI: "NLI", PARAPHRASE: "paraphrase identification", SENTIMENT: "sentiment",
    EXTRACTIVE_QA: "extractive QA", COMMONSENSE: "commonsense reasoning", NER: "NER", POS: "POS tagging",
    RETRIEVAL: "retrieval",
}
