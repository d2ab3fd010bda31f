"""Community projects (共同缔造): stages, milestones, the public timeline, linked
groups, followers, pledges and supervisors. Transitions live in bot.projects.service."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, created_at

# Stage slugs (Chinese names in bot.projects.texts.STAGES), in their normal order.
COLLECTING, DECIDING, BUILDING, DONE = "collecting", "deciding", "building", "done"
EVALUATING, CLOSED, SHELVED = "evaluating", "closed", "shelved"
STAGES = (COLLECTING, DECIDING, BUILDING, DONE, EVALUATING, CLOSED)
ACTIVE = (COLLECTING, DECIDING, BUILDING)  # stages where progress is expected

# Pledge kinds: 出钱 / 出力 / 出点子.
MONEY, LABOUR, IDEA = "money", "labour", "idea"
PLEDGE_KINDS = (MONEY, LABOUR, IDEA)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_community_stage", "community_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the public number: 项目 #12
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )  # the suggestion case it came from
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[int | None]  # yuan
    stage: Mapped[str] = mapped_column(String(12), default=COLLECTING)
    shelved_from: Mapped[str | None] = mapped_column(String(12))  # stage to resume to
    shelved_reason: Mapped[str | None] = mapped_column(Text)
    # Progress: the last update's percent, or None = computed from milestones.
    percent: Mapped[int | None]
    # A decision waiting for a resident poll (四议两公开): the target stage and poll.
    pending_stage: Mapped[str | None] = mapped_column(String(12))
    pending_poll_id: Mapped[int | None]
    evaluation_poll_id: Mapped[int | None]
    # False when the form said 需要表决：否: the organizer moves decisions without a vote.
    needs_vote: Mapped[bool] = mapped_column(default=True)
    evaluation: Mapped[dict[str, Any] | None]  # the final poll's result, for the card/reports
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()
    last_activity_at: Mapped[datetime]  # last update/decision: drives the stale reminder
    closed_at: Mapped[datetime | None]

    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="project", order_by="Milestone.position", cascade="all, delete-orphan"
    )
    entries: Mapped[list[ProjectUpdate]] = relationship(
        back_populates="project", order_by="ProjectUpdate.id", cascade="all, delete-orphan"
    )


class Milestone(Base):
    __tablename__ = "project_milestones"
    __table_args__ = (UniqueConstraint("project_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1-based number shown to people
    title: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(default=1)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship(back_populates="milestones")


class ProjectUpdate(Base):
    """One timeline entry: an update, a milestone done, a stage change, a decision."""

    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # created|update|stage|decision|evaluation
    text: Mapped[str] = mapped_column(Text, default="")
    percent: Mapped[int | None]  # progress after this entry
    stage: Mapped[str | None] = mapped_column(String(12))  # stage after this entry
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_milestones.id", ondelete="SET NULL")
    )
    media_group_id: Mapped[str | None] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    project: Mapped[Project] = relationship(back_populates="entries")
    photos: Mapped[list[ProjectPhoto]] = relationship(
        order_by="ProjectPhoto.id", cascade="all, delete-orphan"
    )


class ProjectPhoto(Base):
    __tablename__ = "project_photos"
    __table_args__ = (UniqueConstraint("update_id", "file_unique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("project_updates.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str] = mapped_column(String(100))


class ProjectGroup(Base):
    """A group chat that receives the project's posts."""

    __tablename__ = "project_groups"
    __table_args__ = (UniqueConstraint("project_id", "group_chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    group_chat_id: Mapped[int] = mapped_column(
        ForeignKey("group_chats.id", ondelete="CASCADE"), index=True
    )


class ProjectFollower(Base):
    __tablename__ = "project_followers"
    __table_args__ = (UniqueConstraint("project_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = created_at()


class ProjectSupervisor(Base):
    """居民监督员: a resident allowed to post updates and photos for this project."""

    __tablename__ = "project_supervisors"
    __table_args__ = (UniqueConstraint("project_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)


class Pledge(Base):
    """我要参与: one row per person and kind (a new pledge of the same kind replaces it)."""

    __tablename__ = "project_pledges"
    __table_args__ = (UniqueConstraint("project_id", "person_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int | None]  # yuan for money, hours for labour
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
