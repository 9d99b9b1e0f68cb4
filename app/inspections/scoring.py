"""The one scoring method (README, "How an inspection is scored"), as pure functions of a
version and its answers, so that the inspection pages, reports and figures agree.

Answers are keyed by question key: "pass" / "fail" / "na" for pass / fail / N-A, "yes" / "no",
a choice's value (a list of them when several may be chosen), a number for a reading.
"""

from dataclasses import dataclass, field

from app.inspections.models import SCORED_KINDS, ChecklistQuestion, ChecklistVersion


def is_failure(question: ChecklistQuestion, answer) -> bool | None:
    """Whether an answer fails its question; None when it says nothing (not answered, N/A, a
    question that cannot fail)."""
    if answer is None or answer == "" or answer == [] or question.kind not in SCORED_KINDS:
        return None
    if question.kind == "pass_fail":
        return None if answer == "na" else answer == "fail"
    if question.kind == "yes_no":
        return answer == "no"
    if question.kind == "choice":
        chosen = set(answer) if isinstance(answer, list | tuple) else {answer}
        failing = {c["value"] for c in question.options if c.get("failure")}
        return bool(chosen & failing)
    low, high = question.lower, question.upper
    return (low is not None and answer < low) or (high is not None and answer > high)


def is_shown(question: ChecklistQuestion, answers: dict, by_key: dict) -> bool:
    """A follow-up is shown only when the question it follows has the awaited answer."""
    if not question.show_if_key:
        return True
    target = by_key.get(question.show_if_key)
    if target is None:
        return False
    answer = answers.get(target.key)
    if question.show_if_value == "failure":
        return bool(is_failure(target, answer))
    if isinstance(answer, list | tuple):
        return question.show_if_value in answer
    return answer == question.show_if_value


def shown_questions(version: ChecklistVersion, answers: dict) -> list[ChecklistQuestion]:
    questions = version.questions
    by_key = {q.key: q for q in questions}
    return [q for q in questions if is_shown(q, answers, by_key)]


@dataclass
class Score:
    points: int = 0  # of the answered questions that passed
    possible: int = 0  # of every answered question that can fail
    failed: list = field(default_factory=list)  # questions whose answer failed
    failed_critical: list = field(default_factory=list)
    threshold: int = 80

    @property
    def percent(self) -> float | None:
        return 100 * self.points / self.possible if self.possible else None

    @property
    def passed(self) -> bool:
        """The pass mark reached and no critical question failed (nothing scored: passed)."""
        percent = self.percent
        return not self.failed_critical and (percent is None or percent >= self.threshold)


def score(version: ChecklistVersion, answers: dict) -> Score:
    result = Score(threshold=version.pass_threshold)
    for question in shown_questions(version, answers):
        failure = is_failure(question, answers.get(question.key))
        if failure is None:
            continue
        result.possible += question.weight
        if failure:
            result.failed.append(question)
            if question.critical:
                result.failed_critical.append(question)
        else:
            result.points += question.weight
    return result
