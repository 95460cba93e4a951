"""The analyzer: Calmline's risk engine per utterance and per conversation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from calmline.detection.context import ConversationTracker, Trajectory
from calmline.detection.models.linear import LinearHeadsDetector
from calmline.detection.pipeline import Pipeline, UtteranceResult
from calmline.detection.techniques import CodedTechnique, TechniqueCoder
from calmline.domain.severity import Severity
from calmline.domain.signals import Category, Signal, Speaker


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UtteranceAnalysis(_Out):
    """One utterance's result (the ``calmline classify`` line)."""

    id: str | None = None
    severity: Severity
    signals: list[Signal]
    language: str
    language_supported: bool
    truncated: bool = False
    degraded: bool = False
    failed_detectors: list[str] = Field(default_factory=list)


class TurnIn(_Out):
    speaker: Speaker
    text: str
    ts: str | float | None = None


class ConversationIn(_Out):
    """A whole conversation: ``{"id", "turns": [{"speaker", "text", "ts"?}]}``."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    turns: list[TurnIn]


class TurnAnalysis(_Out):
    index: int
    speaker: Speaker
    text: str
    ts: str | float | None = None
    severity: Severity
    contact_severity: Severity
    signals: list[Signal]
    language: str
    language_supported: bool
    truncated: bool = False
    degraded: bool = False
    trajectory: Trajectory
    abusive_turns: int
    techniques: list[str] = Field(default_factory=list)  # agent turns: positive codes (domain brief 3.1)
    pitfalls: list[str] = Field(default_factory=list)  # agent turns: pitfall codes (domain brief 3.2)
    coding: list[CodedTechnique] = Field(default_factory=list)  # each code with the words that earned it


class ConversationAnalysis(_Out):
    id: str
    max_severity: Severity
    trajectory: Trajectory
    abusive_turns: int
    degraded: bool
    turns: list[TurnAnalysis]


def default_config_dir() -> Path:
    """The bundled configuration: inside the installed package, or the repository's ``config/``."""
    packaged = Path(__file__).resolve().parents[1] / "config"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "config"


class Conversation:
    """A live conversation: feed turns in order, read each turn's analysis back at once."""

    def __init__(self, analyzer: Analyzer, *, contact_id: str) -> None:
        self.analyzer = analyzer
        self.id = contact_id
        self.tracker = ConversationTracker(config=analyzer.pipeline.config.context)
        self.turns: list[TurnAnalysis] = []

    def add_turn(self, *, speaker: Speaker, text: str, ts: str | float | None = None) -> TurnAnalysis:
        result = (
            self.analyzer.pipeline.analyse(text)
            if speaker == "customer"
            else self.analyzer.pipeline.analyse_agent(text)
        )
        return self._record(speaker=speaker, text=text, ts=ts, result=result)

    def _record(self, *, speaker: Speaker, text: str, ts: str | float | None, result: UtteranceResult) -> TurnAnalysis:
        ctx = self.tracker.observe(speaker=speaker, result=result)
        coding: list[CodedTechnique] = []
        if speaker == "agent" and self.analyzer.coder is not None:
            coding = self.analyzer.coder.code(text, crisis=ctx.contact_severity >= Severity.S3)
        turn = TurnAnalysis(
            techniques=[c.code for c in coding if c.kind == "positive"],
            pitfalls=[c.code for c in coding if c.kind == "pitfall"],
            coding=coding,
            index=ctx.index,
            speaker=speaker,
            text=text,
            ts=ts,
            severity=ctx.severity,
            contact_severity=ctx.contact_severity,
            signals=ctx.signals,
            language=result.prepared.language,
            language_supported=result.prepared.language_supported,
            truncated=result.prepared.truncated,
            degraded=result.degraded,
            trajectory=ctx.trajectory,
            abusive_turns=ctx.abusive_turns,
        )
        self.turns.append(turn)
        return turn

    def summary(self) -> ConversationAnalysis:
        return ConversationAnalysis(
            id=self.id,
            max_severity=self.tracker.severity,
            trajectory=self.tracker.trajectory,
            abusive_turns=self.tracker.abusive_turns,
            degraded=any(t.degraded for t in self.turns),
            turns=list(self.turns),
        )


class Analyzer:
    """Loads the configured pipeline once; analyses utterances and conversations."""

    def __init__(self, pipeline: Pipeline, *, coder: TechniqueCoder | None = None) -> None:
        self.pipeline = pipeline
        self.coder = coder

    @classmethod
    def load(cls, config_dir: Path | None = None) -> Analyzer:
        """The detection pipeline and the agent-technique coder from one configuration folder."""
        directory = config_dir or default_config_dir()
        techniques = directory / "techniques.yaml"
        coder = TechniqueCoder(techniques) if techniques.exists() else None
        return cls(Pipeline.from_config_dir(directory), coder=coder)

    def utterance(self, text: str, *, speaker: Speaker = "customer", id: str | None = None) -> UtteranceAnalysis:
        return self.utterances([text], speaker=speaker, ids=[id])[0]

    def utterances(
        self, texts: Sequence[str], *, speaker: Speaker = "customer", ids: Sequence[str | None] | None = None
    ) -> list[UtteranceAnalysis]:
        """Independent utterances (no conversation context); batched through the models."""
        results = (
            self.pipeline.analyse_batch(texts)
            if speaker == "customer"
            else [self.pipeline.analyse_agent(t) for t in texts]
        )
        return [_utterance(r, i) for r, i in zip(results, ids or [None] * len(texts), strict=True)]

    def category_scores(self, texts: Sequence[str]) -> list[dict[Category, float]]:
        """A continuous 0-1 risk score per category for ranking (review queues, PR curves).

        A text with a signal scores that signal's score; one without scores half the trained
        model's probability, so every signalled text ranks above every unsignalled one.
        """
        results = self.pipeline.analyse_batch(texts)
        model = next((d for d in self.pipeline.detectors if isinstance(d, LinearHeadsDetector)), None)
        learned = [dict.fromkeys(Category, 0.0) for _ in results]
        if model is not None and results:
            probs = model.probabilities([r.prepared for r in results])
            heads = model.model.heads
            learned = [{c: 0.5 * float(row[heads.index(c.value)]) for c in Category} for row in probs]
        return [
            {**base, **{s.category: s.score for s in reversed(result.signals)}}  # strongest last, so it wins
            for base, result in zip(learned, results, strict=True)
        ]

    def conversation(self, contact_id: str) -> Conversation:
        return Conversation(self, contact_id=contact_id)

    def analyse_conversation(self, conversation: ConversationIn | dict[str, Any]) -> ConversationAnalysis:
        conv = conversation if isinstance(conversation, ConversationIn) else ConversationIn.model_validate(conversation)
        live = self.conversation(conv.id)
        customer_texts = [t.text for t in conv.turns if t.speaker == "customer"]
        batched: Iterator[UtteranceResult] = iter(self.pipeline.analyse_batch(customer_texts))
        for turn in conv.turns:
            result = next(batched) if turn.speaker == "customer" else self.pipeline.analyse_agent(turn.text)
            live._record(speaker=turn.speaker, text=turn.text, ts=turn.ts, result=result)
        return live.summary()


def _utterance(result: UtteranceResult, id: str | None) -> UtteranceAnalysis:
    return UtteranceAnalysis(
        id=id,
        severity=max((s.severity for s in result.signals), default=Severity.S0),
        signals=result.signals,
        language=result.prepared.language,
        language_supported=result.prepared.language_supported,
        truncated=result.prepared.truncated,
        degraded=result.degraded,
        failed_detectors=[f.detector for f in result.failures],
    )
