"""Residents' council (议事, 四议两公开): topics, their supporters (附议), the record of
each stage step, meetings with their seats (participants, attendance, ballots).
The procedure lives in bot.council."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, created_at

# The four deliberations (四议), in order; names in bot.council.texts.STAGES.
PROPOSE, CONSULT, REVIEW, RESOLVE = "propose", "consult", "review", "resolve"
STAGES = (PROPOSE, CONSULT, REVIEW, RESOLVE)
DROPPED = "dropped"  # a topic the council decided against, or withdrawn

# Meeting states.
CALLED, VOTING, DECIDED, NO_QUORUM, CANCELLED = (
    "called", "voting", "decided", "no_quorum", "cancelled")
# Majority rules: of the participants present.
MAJORITY, TWO_THIRDS = "majority", "two_thirds"
CHOICES = ("yes", "no", "abstain")
# What became of a matter raised at the 书记接待日.
ANSWERED, CASE, TOPIC, ABSENT = "answered", "case", "topic", "absent"
RECEPTION_OUTCOMES = (ANSWERED, CASE, TOPIC, ABSENT)


class Topic(Base):
    """议题: what residents or organizers put to the council."""

    __tablename__ = "council_topics"

    id: Mapped[int] = mapped_column(primary_key=True)  # the public number: 议题 #3
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"),
                                              index=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10))  # resident | case | organizer | project
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(index=True)  # the project it decides for
    stage: Mapped[str] = mapped_column(String(10), default=PROPOSE)
    decision: Mapped[str | None] = mapped_column(Text)  # the decision as published
    decided_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)  # 结果公开, when the work is done
    result_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()

    steps: Mapped[list[TopicStep]] = relationship(order_by="TopicStep.id",
                                                  cascade="all, delete-orphan", lazy="selectin")


class TopicSupport(Base):
    """附议: one per person and topic."""

    __tablename__ = "council_supports"
    __table_args__ = (UniqueConstraint("topic_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("council_topics.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    at: Mapped[datetime]


class TopicStep(Base):
    """The record: a stage reached, a meeting called or failed, a decision, a result."""

    __tablename__ = "council_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("council_topics.id", ondelete="CASCADE"),
                                          index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(10))  # the topic's stage after this step
    kind: Mapped[str] = mapped_column(String(12))  # stage|meeting|no_quorum|decision|result
    note: Mapped[str] = mapped_column(Text, default="")


class Meeting(Base):
    """A council meeting on one topic: notice, attendance, the vote, the minutes."""

    __tablename__ = "council_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("council_topics.id", ondelete="CASCADE"),
                                          index=True)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(100))  # or 线上
    audience: Mapped[str] = mapped_column(String(100), default="")  # as the organizer wrote it
    quorum: Mapped[int]  # participants who must be present
    rule: Mapped[str] = mapped_column(String(10), default=MAJORITY)
    anonymous: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(10), default=CALLED)
    # Bot-counted totals; an anonymous ballot is never stored against its voter.
    yes: Mapped[int] = mapped_column(default=0)
    no: Mapped[int] = mapped_column(default=0)
    abstain: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool | None]
    minutes: Mapped[str] = mapped_column(Text, default="")
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()
    closed_at: Mapped[datetime | None]

    seats: Mapped[list[Seat]] = relationship(order_by="Seat.id", cascade="all, delete-orphan",
                                             lazy="selectin")


class Seat(Base):
    """A participant entitled to attend and vote."""

    __tablename__ = "council_seats"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    present_at: Mapped[datetime | None]
    voted_at: Mapped[datetime | None]
    choice: Mapped[str | None] = mapped_column(String(8))  # named votes only


class ReceptionSlot(Base):
    """书记接待日: a time residents book to raise things with the secretary in person."""

    __tablename__ = "council_receptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"),
                                              index=True)
    starts_at: Mapped[datetime]
    hours: Mapped[int] = mapped_column(default=2)
    place: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int]
    monthly: Mapped[bool] = mapped_column(default=False)  # the next month's slot follows
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class ReceptionBooking(Base):
    __tablename__ = "council_reception_bookings"
    __table_args__ = (UniqueConstraint("slot_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("council_receptions.id", ondelete="CASCADE"),
                                         index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    matter: Mapped[str | None] = mapped_column(Text)  # what the resident wants to raise
    # After the day: what became of it (RECEPTION_OUTCOMES), by whom, when, and the case
    # or topic it became.
    outcome: Mapped[str | None] = mapped_column(String(10))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None]
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None]
