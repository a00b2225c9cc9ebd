"""The routing classifier: trained on the demo corpus in a temporary data directory, measured on
the held-out split, its refusals and its commands."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from yiwang.hotline import classifier, corpus, taxonomy
from yiwang.hotline.errors import ErrorCode
from yiwang.kernel.errors import DomainError


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a model trained once on the committed corpus's training split."""
    data = tmp_path_factory.mktemp("hotline-data")
    classifier.train(path=data / "hotline" / classifier.MODEL_FILE)
    return data


@pytest.fixture
def trained(settings, trained_dir: Path) -> classifier.Router:
    settings.DATA_DIR = trained_dir
    classifier.forget()
    return classifier.load_router()


@pytest.fixture
def untrained(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    classifier.forget()
    return tmp_path


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("hotline", *args, stdout=out)
    return out.getvalue()


# --- The corpus and the taxonomy --------------------------------------------------------------


def test_committed_corpus_is_the_generators_output() -> None:
    # given the committed corpus file
    committed = corpus.CORPUS_PATH.read_text(encoding="utf-8")
    # then the generator with its seed writes exactly it
    assert committed == corpus.dumps(corpus.generate())


def test_corpus_size_topics_departments_and_split() -> None:
    rows = corpus.load()
    training, held_out = corpus.split(rows)
    assert len(rows) >= 3000
    assert len({row.topic for row in rows}) >= 25
    assert len({row.department for row in rows}) >= 15
    assert len({row.id for row in rows}) == len(rows)
    assert 0.17 < len(held_out) / len(rows) < 0.23
    # the split depends on the row id alone
    assert all(corpus.is_held_out(row.id) for row in held_out)
    assert not any(corpus.is_held_out(row.id) for row in training)
    # every label agrees with the taxonomy's dispatch mapping
    mapping = taxonomy.department_of_topics()
    assert all(mapping[row.topic] == row.department for row in rows)
    assert {row.region[:4] for row in rows} == {"4201"}


def test_taxonomy_is_a_two_level_tree_with_known_departments() -> None:
    departments = {spec.code for spec in taxonomy.DEPARTMENTS}
    groups = {t.code for t in taxonomy.TOPICS if t.is_group}
    leaves = taxonomy.leaf_topics()
    assert len(leaves) >= 25
    assert len(departments) >= 15
    for topic in leaves:
        assert topic.parent in groups
        assert topic.code.startswith(topic.parent)
        assert topic.lead in departments
        assert set(topic.supporting) <= departments - {topic.lead}
        assert topic.keywords


# --- Accuracy ---------------------------------------------------------------------------------


def test_held_out_department_accuracy_meets_the_target(trained: classifier.Router) -> None:
    # given the held-out rows the model never saw
    _, held_out = corpus.split(corpus.load())
    # when they are routed
    result = classifier.evaluate(trained, held_out, threshold=0.8)
    # then the target holds
    assert result.department_top1 >= 0.90
    assert result.topic_top3 >= 0.95
    # and what is dispatched without an agent is almost always right
    assert result.auto_accuracy >= 0.95
    assert result.auto_share > 0.5


@pytest.mark.parametrize(
    ("text", "topic", "department"),
    [
        ("小区物业不打扫楼道，垃圾堆了一个星期，物业费照收", "0101", "4201-ZFGXJ"),
        ("公司拖欠我三个月工资不发，老板说没钱", "0601", "4201-RSJ"),
        ("电梯又困人了，我妈被关在里面半小时", "0103", "4201-SCJG"),
        ("请问孩子上小学划片学校在哪里查", "0701", "4201-JYJ"),
        ("异地就医住院费用怎么直接结算报销", "0802", "4201-YBJ"),
        ("解放大道路灯坏了一个月，晚上黑漆漆的", "0206", "4201-CGW"),
    ],
)
def test_clear_requests_are_routed(
    trained: classifier.Router, text: str, topic: str, department: str
) -> None:
    proposal = classifier.propose(text, region_code="420102")
    assert proposal.department_code == department
    assert topic in {code for code, _ in proposal.top_topics}
    assert proposal.region_code == "420102"
    assert 0 < proposal.topic_confidence <= proposal.department_confidence <= 1
    assert len(proposal.top_topics) == classifier.TOP_K


def test_confidence_threshold_comes_from_the_setting(settings, trained: classifier.Router) -> None:
    proposal = classifier.propose("公司拖欠我三个月工资不发，老板说没钱")
    settings.YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE = 0.0
    assert proposal.is_confident()
    settings.YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE = 1.0
    assert not proposal.is_confident() or proposal.department_confidence == 1.0


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "！！？？……", "。，"])
def test_empty_text_is_refused(trained: classifier.Router, text: str) -> None:
    with pytest.raises(DomainError) as refused:
        classifier.propose(text)
    assert refused.value.code == ErrorCode.TEXT_EMPTY


def test_oversized_text_is_refused(trained: classifier.Router) -> None:
    text = "物业不作为" * (classifier.MAX_TEXT_CHARS // 5 + 1)
    with pytest.raises(DomainError) as refused:
        classifier.propose(text)
    assert refused.value.code == ErrorCode.TEXT_TOO_LONG
    assert refused.value.details["max_length"] == classifier.MAX_TEXT_CHARS


def test_malformed_region_code_is_refused(trained: classifier.Router) -> None:
    with pytest.raises(DomainError) as refused:
        classifier.propose("路灯坏了", region_code="wuhan")
    assert refused.value.code == ErrorCode.UNKNOWN_REGION


def test_missing_model_is_a_clear_error(untrained: Path) -> None:
    with pytest.raises(DomainError) as refused:
        classifier.propose("路灯坏了")
    assert refused.value.code == ErrorCode.MODEL_MISSING
    assert refused.value.status == 503
    assert "yiwang hotline train" in str(refused.value.message)


def test_damaged_model_is_refused_before_unpickling(trained_dir: Path, untrained: Path) -> None:
    # given a copy of the model with one byte of its pickle changed
    data = bytearray((trained_dir / "hotline" / classifier.MODEL_FILE).read_bytes())
    data[-10] ^= 0xFF
    target = untrained / "hotline" / classifier.MODEL_FILE
    target.parent.mkdir(parents=True)
    target.write_bytes(bytes(data))
    # then it is refused by its hash
    with pytest.raises(DomainError) as refused:
        classifier.propose("路灯坏了")
    assert refused.value.code == ErrorCode.MODEL_MISSING


def test_a_model_from_another_scikit_learn_is_refused(trained_dir: Path, untrained: Path) -> None:
    source = (trained_dir / "hotline" / classifier.MODEL_FILE).read_bytes()
    header_line, _, payload = source[len(classifier.MAGIC) :].partition(b"\n")
    header = json.loads(header_line) | {"sklearn": "0.1"}
    target = untrained / "hotline" / classifier.MODEL_FILE
    target.parent.mkdir(parents=True)
    target.write_bytes(classifier.MAGIC + json.dumps(header).encode() + b"\n" + payload)
    with pytest.raises(DomainError) as refused:
        classifier.propose("路灯坏了")
    assert refused.value.code == ErrorCode.MODEL_MISSING


def test_the_model_is_kept_and_read_again_when_the_file_changes(
    trained: classifier.Router, untrained: Path
) -> None:
    # given the trained model saved into a fresh data dir
    path = classifier.model_path()
    classifier.save(trained, path)
    first = classifier.load_router()
    assert classifier.load_router() is first
    # when the file is replaced (a retrain)
    trained.trained_at = "retrained"
    classifier.save(trained, path)
    # then the next call reads it
    again = classifier.load_router()
    assert again is not first
    assert again.trained_at == "retrained"


# --- Commands ---------------------------------------------------------------------------------


def test_train_and_accuracy_commands(untrained: Path, tmp_path: Path) -> None:
    # given a small corpus file
    small = tmp_path / "small.jsonl"
    corpus.write(small, corpus.generate(600))
    # when the model is trained and measured by the commands
    trained_out = _run("train", "--corpus", str(small))
    accuracy_out = _run("accuracy", "--corpus", str(small), "--threshold", "0.5")
    # then they report counts and figures
    assert "trained on" in trained_out
    assert str(classifier.model_path()) in trained_out
    assert (untrained / "hotline" / classifier.MODEL_FILE).exists()
    for line in ("department top-1:", "topic top-3:", "auto-dispatch at 0.50", "4201-CGW"):
        assert line in accuracy_out


def test_accuracy_without_a_model_says_to_train(untrained: Path) -> None:
    with pytest.raises(CommandError, match="yiwang hotline train"):
        _run("accuracy")


def test_corpus_check_command() -> None:
    assert "current" in _run("corpus", "--check")


def test_corpus_command_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "c.jsonl"
    out = _run("corpus", "--output", str(target), "--size", "50")
    assert "wrote 50 rows" in out
    assert len(corpus.load(target)) == 50
