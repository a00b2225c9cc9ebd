"""The routing classifier (智能分拨): proposes a request's topic and lead department with a
confidence, from the text alone.

Features are TF-IDF weights of jieba words (search mode, so 物业费 also gives 物业) with word
bigrams, and of character 1–3-grams (robust to typos, dialect and words jieba cuts wrongly);
a linear model with logistic loss over the leaf topics (one-vs-rest, fitted by SGD, its
probabilities normalised) gives the confidences. The department is *derived* from the topic
probabilities through the dispatch mapping (a department's confidence is the sum of its
topics'), not predicted by a second model: on the held-out corpus the derived department is
at least as accurate (a department
model learns the same words), it can never contradict the proposed topic, and a change in
the dispatch catalogue needs no retraining. docs/hotline.md ("Routing") has the figures.

``yiwang hotline train`` fits the model on the corpus's training split and saves it in the
data directory (:func:`model_path`); :func:`propose` loads it once, keeps it in memory and
reloads it when the file changes (a retrain on a running server takes effect at the next
request). The file starts with a header line (format, version, scikit-learn version and the
SHA-256 of the pickled model) that is checked before anything is unpickled.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import pickle
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from yiwang.hotline import corpus, taxonomy
from yiwang.hotline.errors import ErrorCode
from yiwang.kernel.errors import DomainError
from yiwang.kernel.search import words

MAGIC = b"YIWANG-HOTLINE-ROUTER\n"
MODEL_VERSION = 1
MODEL_FILE = "router.model"
#: A request longer than this is refused (a work order's content is a few hundred characters;
#: a pasted document is not a request the classifier can route).
MAX_TEXT_CHARS = 5000
TOP_K = 3
DEFAULT_THRESHOLD = 0.8


@dataclass(frozen=True)
class Proposal:
    """What the classifier proposes for one request."""

    topic_code: str
    topic_confidence: float
    department_code: str
    department_confidence: float
    #: The best topics, best first: ((code, confidence), ...).
    top_topics: tuple[tuple[str, float], ...]
    region_code: str | None = None

    def is_confident(self, threshold: float | None = None) -> bool:
        """Whether the order may be dispatched without an agent: the department's confidence
        reaches ``threshold`` (YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE by default)."""
        return self.department_confidence >= (
            auto_dispatch_threshold() if threshold is None else threshold
        )


def auto_dispatch_threshold() -> float:
    return float(getattr(settings, "YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE", DEFAULT_THRESHOLD))


# --- Features ---------------------------------------------------------------------------------


def word_features(text: str) -> list[str]:
    """jieba words of ``text`` and their bigrams."""
    cut = words(text, for_search=False)
    return cut + [f"{a} {b}" for a, b in itertools.pairwise(cut)]


def _char_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=word_features, sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    preprocessor=_char_text,
                    ngram_range=(1, 3),
                    min_df=2,
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    # Logistic loss (probabilities) fitted by SGD: as accurate as lbfgs on this corpus and ten
    # times faster to train; the fixed random_state keeps training deterministic.
    model = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=100, tol=1e-4, random_state=0)
    return Pipeline([("features", features), ("model", model)])


# --- The trained router -----------------------------------------------------------------------


@dataclass
class Router:
    """A trained model with what it needs to answer: the topic → department mapping."""

    pipeline: Any
    topics: list[str]
    departments: dict[str, str]
    trained_at: str = ""
    training_rows: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, texts: Sequence[str]) -> Any:
        """One row of topic probabilities per text, columns in ``self.topics`` order.

        The same numbers as ``pipeline.predict_proba`` (one-vs-rest logistic scores,
        normalised), computed without the pipeline's per-call validation and job dispatch,
        which cost more than the model itself for one short text."""
        import numpy
        import sklearn

        model = self.pipeline.named_steps["model"]
        weights = model.coef_.T  # features × topics
        scores = numpy.tile(model.intercept_, (len(texts), 1))
        offset = 0
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            for _name, vectorizer in self.pipeline.named_steps["features"].transformer_list:
                block = vectorizer.transform(texts)
                scores += block @ weights[offset : offset + block.shape[1]]
                offset += block.shape[1]
        probabilities = 1.0 / (1.0 + numpy.exp(-scores))
        total = probabilities.sum(axis=1, keepdims=True)
        total[total == 0] = 1.0
        return probabilities / total

    def propose_many(self, texts: Sequence[str], region_code: str | None = None) -> list[Proposal]:
        for text in texts:
            check_text(text)
        return [self._proposal(row, region_code) for row in self.probabilities(texts)]

    def _proposal(self, row: Any, region_code: str | None) -> Proposal:
        ranked = sorted(zip(self.topics, (float(p) for p in row), strict=True), key=lambda x: -x[1])
        by_department: dict[str, float] = defaultdict(float)
        for code, probability in ranked:
            by_department[self.departments[code]] += probability
        department, department_confidence = max(by_department.items(), key=lambda x: x[1])
        top = tuple((code, round(p, 4)) for code, p in ranked[:TOP_K])
        return Proposal(
            topic_code=ranked[0][0],
            topic_confidence=round(ranked[0][1], 4),
            department_code=department,
            department_confidence=round(min(department_confidence, 1.0), 4),
            top_topics=top,
            region_code=region_code,
        )


def check_text(text: str) -> str:
    """The text, stripped; refused when empty (nothing to route) or too long."""
    stripped = (text or "").strip()
    if not stripped or not words(stripped, for_search=False):
        raise DomainError(ErrorCode.TEXT_EMPTY, _("诉求内容不能为空。"))
    if len(stripped) > MAX_TEXT_CHARS:
        raise DomainError(
            ErrorCode.TEXT_TOO_LONG,
            _("诉求内容过长（最多 %(max)d 字）。") % {"max": MAX_TEXT_CHARS},
            max_length=MAX_TEXT_CHARS,
            length=len(stripped),
        )
    return stripped


def _check_region(region_code: str | None) -> None:
    # The classifier needs no database: it checks the form; the services check the region.
    if region_code is not None and not (
        region_code.isdigit() and len(region_code) in {2, 4, 6, 9, 12}
    ):
        raise DomainError(
            ErrorCode.UNKNOWN_REGION,
            _("区划代码 %(code)s 无效。") % {"code": region_code},
            region=region_code,
        )


# --- Training ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    path: Path
    rows: int
    held_out: int
    topics: int
    departments: int
    seconds: float
    bytes: int


def fit(rows: Sequence[corpus.Row]) -> Router:
    """A router fitted on ``rows`` (every leaf topic must occur at least once)."""
    import numpy

    if not rows:
        raise ValueError("no training rows")
    mapping = taxonomy.department_of_topics()
    unknown = sorted({row.topic for row in rows} - set(mapping))
    if unknown:
        raise ValueError(f"rows with topics not in the taxonomy: {', '.join(unknown)}")
    pipeline = _pipeline()
    texts = [row.text for row in rows]
    labels = [row.topic for row in rows]
    # Each keyword of the taxonomy is also a one-word document of its topic: words the
    # corpus's phrasings lack still point somewhere (on situations never trained, department
    # accuracy goes from 0.71 to 0.77; on the held-out split it does not change).
    for topic in taxonomy.leaf_topics():
        texts.extend(topic.keywords)
        labels.extend([topic.code] * len(topic.keywords))
    pipeline.fit(texts, labels)
    for _name, vectorizer in pipeline.named_steps["features"].transformer_list:
        # The terms min_df dropped: only for introspection, and much of the file's size.
        vectorizer.stop_words_ = None
    model = pipeline.named_steps["model"]
    # Column-major weights: a sparse row times their transpose is then a plain C-order
    # product (1 ms a request instead of 12: the row-major matrix was copied every time).
    model.coef_ = numpy.asfortranarray(model.coef_)
    topics = [str(code) for code in pipeline.classes_]
    return Router(
        pipeline=pipeline,
        topics=topics,
        departments={code: mapping[code] for code in topics},
        trained_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        training_rows=len(rows),
    )


def train(rows: Sequence[corpus.Row] | None = None, *, path: Path | None = None) -> TrainResult:
    """Fit on the training split of ``rows`` (the committed corpus by default) and save."""
    started = time.perf_counter()
    all_rows = list(rows) if rows is not None else corpus.load()
    training, held_out = corpus.split(all_rows)
    router = fit(training)
    router.meta["corpus_sha256"] = corpus_digest(all_rows)
    target = path or model_path()
    size = save(router, target)
    return TrainResult(
        path=target,
        rows=len(training),
        held_out=len(held_out),
        topics=len(router.topics),
        departments=len(set(router.departments.values())),
        seconds=time.perf_counter() - started,
        bytes=size,
    )


# --- Storage ----------------------------------------------------------------------------------


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "hotline" / MODEL_FILE


def corpus_digest(rows: Sequence[corpus.Row]) -> str:
    """SHA-256 of the rows as a corpus file holds them (kept in the model's header, so a
    model trained on the same corpus is recognised without unpickling it)."""
    return hashlib.sha256(corpus.dumps(rows).encode()).hexdigest()


def model_header(path: Path | None = None) -> dict[str, Any] | None:
    """The saved model's header line (format, versions, training date and rows, corpus
    digest), read without the pickle; None when there is no readable model file."""
    try:
        with (path or model_path()).open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
            line = handle.readline(1_000_000)
    except OSError:
        return None
    try:
        header = json.loads(line)
    except ValueError:
        return None
    return header if isinstance(header, dict) else None


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def save(router: Router, path: Path) -> int:
    """Write the model atomically (a running server never reads half a file)."""
    payload = pickle.dumps(router, protocol=pickle.HIGHEST_PROTOCOL)
    header = {
        "format": "yiwang-hotline-router",
        "version": MODEL_VERSION,
        "sklearn": _sklearn_version(),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "trained_at": router.trained_at,
        "rows": router.training_rows,
        "topics": router.topics,
        "corpus_sha256": router.meta.get("corpus_sha256", ""),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        handle.write(MAGIC)
        handle.write(json.dumps(header, ensure_ascii=False).encode() + b"\n")
        handle.write(payload)
    os.replace(temporary, path)
    return len(payload)


def _missing(message: Any, path: Path) -> DomainError:
    return DomainError(ErrorCode.MODEL_MISSING, message, status=503, path=str(path))


def read(path: Path) -> Router:
    """The router saved at ``path``; MODEL_MISSING when absent, damaged or stale."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _missing(_("分拨模型尚未训练，请先运行 yiwang hotline train。"), path) from None
    if not data.startswith(MAGIC):
        raise _missing(_("分拨模型文件无法识别，请重新运行 yiwang hotline train。"), path)
    header_line, newline, payload = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(header_line) if newline else {}
    except ValueError:
        header = {}
    if (
        not isinstance(header, dict)
        or header.get("version") != MODEL_VERSION
        or header.get("sha256") != hashlib.sha256(payload).hexdigest()
    ):
        raise _missing(_("分拨模型文件已损坏或版本不符，请重新运行 yiwang hotline train。"), path)
    if header.get("sklearn") != _sklearn_version():
        raise _missing(
            _(
                "分拨模型由 scikit-learn %(old)s 训练，当前为 %(new)s，"
                "请重新运行 yiwang hotline train。"
            )
            % {"old": header.get("sklearn"), "new": _sklearn_version()},
            path,
        )
    # The file is ours (the data directory holds the keys too) and its hash was checked.
    router = pickle.loads(payload)  # noqa: S301
    if not isinstance(router, Router):
        raise _missing(_("分拨模型文件无法识别，请重新运行 yiwang hotline train。"), path)
    return router


_lock = threading.Lock()
_cached: tuple[tuple[str, int, int], Router] | None = None


def load_router(path: Path | None = None) -> Router:
    """The saved router, read once and kept; read again when the file changes."""
    global _cached
    target = path or model_path()
    try:
        stat = target.stat()
    except FileNotFoundError:
        raise _missing(_("分拨模型尚未训练，请先运行 yiwang hotline train。"), target) from None
    key = (str(target), stat.st_mtime_ns, stat.st_size)
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        router = read(target)
        _cached = (key, router)
        return router


def forget() -> None:
    """Drop the kept router (tests; the next call reads the file again)."""
    global _cached
    _cached = None


def propose(text: str, region_code: str | None = None) -> Proposal:
    """The topic and department proposed for a request's text."""
    check_text(text)
    _check_region(region_code)
    router = load_router()
    return router._proposal(router.probabilities([text])[0], region_code)


# --- Accuracy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    rows: int
    department_top1: float
    topic_top1: float
    topic_top3: float
    #: department code → (recall, rows)
    department_recall: dict[str, tuple[float, int]]
    #: ((true department, proposed department), count), most frequent first
    confusions: list[tuple[tuple[str, str], int]]
    threshold: float
    #: Share of rows at or above the threshold, and the department accuracy among them.
    auto_share: float
    auto_accuracy: float


def evaluate(
    router: Router, rows: Iterable[corpus.Row], *, threshold: float | None = None
) -> Accuracy:
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to evaluate")
    limit = auto_dispatch_threshold() if threshold is None else threshold
    proposals = router.propose_many([row.text for row in rows])
    dept_hits = top1 = top3 = auto = auto_hits = 0
    per_department: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter[tuple[str, str]] = Counter()
    for row, proposal in zip(rows, proposals, strict=True):
        right = proposal.department_code == row.department
        dept_hits += right
        top1 += proposal.topic_code == row.topic
        top3 += row.topic in {code for code, _ in proposal.top_topics}
        per_department[row.department][0] += right
        per_department[row.department][1] += 1
        if not right:
            confusions[(row.department, proposal.department_code)] += 1
        if proposal.is_confident(limit):
            auto += 1
            auto_hits += right
    total = len(rows)
    return Accuracy(
        rows=total,
        department_top1=dept_hits / total,
        topic_top1=top1 / total,
        topic_top3=top3 / total,
        department_recall={
            code: (hits / count, count) for code, (hits, count) in sorted(per_department.items())
        },
        confusions=confusions.most_common(),
        threshold=limit,
        auto_share=auto / total,
        auto_accuracy=auto_hits / auto if auto else 0.0,
    )
