"""The zero-shot guard: no source trains a target's task family in a language the target evaluates."""
from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.errors import XmixError
from evaluation.examples import Format
from evaluation.families import FAMILIES
from evaluation.targets import TARGETS
from sweep.spec import load_spec
from training.sources import SOURCES, Source, register_source
from training.zero_shot import check_zero_shot, iso_639_1, zero_shot_problems

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CONFIGS_IN_FLUX: set[str] = set()  # every shipped config is checked

# configs/demo.yaml before issue 10: ocnli.zh is the tenth source, xnli evaluates zh.
DEMO_SOURCES = ["mnli", "qqp", "squad2", "hellaswag", "commonsenseqa",
                "pawsx.de", "pawsx.zh", "mlqa.ar", "mlqa.hi", "ocnli.zh"]
OCNLI_XNLI_ZH = ("intermediate.sources[9]: ocnli.zh is NLI in zh and targets.xnli evaluates zh: not zero-shot "
                 "(drop the source or the language, or set intermediate.allow_in_language_target_task: true "
                 "to study that setting)")


def test_chinese_nli_before_xnli_zh_is_refused_with_both_named():
    targets = [("xnli", ["de", "zh"]), ("panx", ["zh"]), ("tatoeba", ["cmn"])]
    with pytest.raises(XmixError) as error:
        check_zero_shot(DEMO_SOURCES, targets, allow=False)
    assert str(error.value) == OCNLI_XNLI_ZH


def test_chinese_nli_is_zero_shot_when_xnli_evaluates_other_languages():
    assert check_zero_shot(["ocnli.zh"], [("xnli", ["de"])], allow=False) == []


def test_opt_in_returns_the_clash_without_raising():
    assert check_zero_shot(DEMO_SOURCES, [("xnli", ["zh"])], allow=True) == [OCNLI_XNLI_ZH]


def test_japanese_pos_before_udpos_ja_is_refused():
    with pytest.raises(XmixError, match=r"intermediate\.sources\[0\]: udpos\.ja is POS tagging in ja "
                                        r"and targets\.udpos evaluates ja: not zero-shot"):
        check_zero_shot(["udpos.ja"], [("udpos", ["ar", "ja"])], allow=False)


def test_another_family_in_a_target_language_is_allowed():
    assert zero_shot_problems(["pawsx.de", "panx.de"], [("xnli", ["de"]), ("udpos", ["de"])]) == []


def test_every_clash_is_reported_in_spec_order():
    problems = zero_shot_problems(["mnli", "udpos.zh", "ocnli.zh"],
                                  [("xnli", ["zh"]), ("udpos", ["zh", "ja"])])
    assert [problem.split(":")[0] for problem in problems] == ["intermediate.sources[1]", "intermediate.sources[2]"]
    with pytest.raises(XmixError) as error:
        check_zero_shot(["mnli", "udpos.zh", "ocnli.zh"], [("xnli", ["zh"]), ("udpos", ["zh"])], allow=False)
    assert str(error.value).splitlines() == problems


def test_english_sources_are_the_zero_shot_setting_itself():
    # Stage 2 trains every target on English task data: English NLI before XNLI en changes nothing.
    assert zero_shot_problems(["mnli", "squad2", "udpos.en"],
                              [("xnli", ["en"]), ("xquad", ["en"]), ("udpos", ["en"])]) == []


def test_data_codes_compare_as_iso_639_1():
    tatoeba = TARGETS.get("tatoeba")
    assert iso_639_1(tatoeba, "cmn") == "zh" and iso_639_1(tatoeba, "deu") == "de"
    assert iso_639_1(TARGETS.get("xnli"), "zh") == "zh"


def test_every_source_has_a_family():
    assert all(source.family in FAMILIES for _, source in SOURCES.items())


def test_every_target_has_a_family():
    assert all(target.family in FAMILIES for _, target in TARGETS.items())


def test_a_misspelt_family_is_refused_at_registration():
    bogus = Source(name="bogus.xx", language="xx", family="natural_language_inference",
                   format=Format.CLASSIFICATION, files=("x",), read=lambda root: [], lineage="bogus/train")
    with pytest.raises(ValueError, match="family 'natural_language_inference'"):
        register_source(bogus)
    assert "bogus.xx" not in SOURCES


SHIPPED = sorted(path.name for path in CONFIGS.glob("*.yaml") if path.name not in CONFIGS_IN_FLUX)


@pytest.mark.parametrize("config", SHIPPED)
def test_shipped_configs_are_zero_shot(config):
    spec = load_spec(CONFIGS / config)
    targets = [(name, [TARGETS.get(name).canonical_language(language) for language in target.languages])
               for name, target in spec.targets.items()]
    assert zero_shot_problems(spec.intermediate.sources, targets) == []


def test_shipped_configs_are_found():
    assert {"xtreme_r.yaml", "phang2020.yaml", "smoke_all_targets.yaml"} <= set(SHIPPED)


def _validate(*overrides: str):
    import subprocess
    import sys

    args = [a for o in overrides for a in ("--set", o)]
    return subprocess.run([sys.executable, "-m", "sweep", "validate", str(CONFIGS / "smoke.yaml"), *args],
                          cwd=CONFIGS.parent, capture_output=True, text=True, timeout=300)


def test_validate_refuses_it_with_exit_2_and_accepts_the_opt_in():
    sources = "intermediate.sources=[mnli, squad2, hellaswag, pawsx.de, mlqa.zh, ocnli.zh]"
    refused = _validate(sources)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert ("intermediate.sources[5]: ocnli.zh is NLI in zh and targets.xnli evaluates zh: not zero-shot"
            in refused.stderr) and "Traceback" not in refused.stderr
    accepted = _validate(sources, "intermediate.allow_in_language_target_task=true")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "NOT zero-shot" in accepted.stdout


def test_the_opt_in_is_stated_in_the_verdict_notes():
    from sweep.outcome import zero_shot_note

    assert zero_shot_note([]) is None
    note = zero_shot_note([OCNLI_XNLI_ZH])
    assert note.startswith("NOT zero-shot") and "ocnli.zh is NLI in zh" in note
