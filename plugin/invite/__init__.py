"""Inviting a committee's members to a survey, and following who has answered."""

from plugin.invite.invite import invitation_status, invite, mail_merge, organisation_field
from plugin.invite.members import Member, MemberListError, read_members
from plugin.invite.store import Invitation, InvitationStore

__all__ = [
    "Invitation",
    "InvitationStore",
    "Member",
    "MemberListError",
    "invitation_status",
    "invite",
    "mail_merge",
    "organisation_field",
    "read_members",
]
