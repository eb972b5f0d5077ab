"""What the services' codes are called on screen (roles, states, reasons ...), to translate.

`N_` marks a message for extraction without translating it here; templates call
`label(kind, code)`, which translates in the page's language and falls back to the code
(a tenant's own reason that no catalogue knows shows as its code).
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction (translated later, in the page's language)."""
    return message


# Chart labels, translated where the chart's data is made (team/view.py).
CHART_LABELS = (
    N_("Share of target (%)"),
    N_("Satisfaction index"),
    N_("Target"),
    N_("Offered"),
    N_("Answered"),
)

NAMES: dict[str, dict[str, str]] = {
    "role": {
        "agent": N_("Agent"),
        "supervisor": N_("Supervisor"),
        "team_lead": N_("Team lead"),
        "administrator": N_("Administrator"),
    },
    "service": {
        "routing": N_("routing"),
        "members": N_("members"),
        "agents": N_("agents"),
        "callbacks": N_("callbacks"),
        "surveys": N_("surveys"),
        "console": N_("console"),
    },
    "presence": {
        "available": N_("Available"),
        "on_call": N_("On a call"),
        "wrap_up": N_("Wrap-up"),
        "away": N_("Away"),
        "logged_out": N_("Logged out"),
        "offered": N_("Offered a call"),
    },
    "away": {
        "break": N_("Break"),
        "lunch": N_("Lunch"),
        "meeting": N_("Meeting"),
        "training": N_("Training"),
        "admin": N_("Administration"),
        "not_responding": N_("Not responding"),
        "other": N_("Other"),
        "vacation": N_("Vacation"),
        "leave": N_("Leave"),
    },
    "reason": {
        "dues_invoice": N_("Dues and invoices"),
        "member_data_change": N_("Change of member data"),
        "join_leave_move": N_("Joining, leaving, moving"),
        "insurance": N_("Insurance"),
        "trouble": N_("Trouble at work"),
        "law_agreements": N_("Law and agreements"),
        "courses": N_("Courses"),
        "unemployment_benefit": N_("Unemployment benefit"),
        "media": N_("Media"),
        "other": N_("Other"),
    },
    "resolution": {
        "resolved": N_("Resolved"),
        "callback_agreed": N_("Callback agreed"),
        "awaiting_confirmation": N_("Awaiting written confirmation"),
        "unresolved": N_("Unresolved"),
        "transferred": N_("Transferred"),
    },
    "level": {
        "none": N_("Not verified"),
        "member": N_("The member themself"),
        "on_behalf_invoice": N_("On the member's behalf (invoice)"),
        "third_party_case": N_("Power of attorney"),
    },
    "withdrawn": {
        "timeout": N_("The offer ran out: nobody accepted it in time."),
        "abandoned": N_("The caller hung up."),
        "rejected": N_("You let the call go back to the queue."),
        "other": N_("The offer was withdrawn."),
    },
    "state": {
        "arrived": N_("arrived"),
        "queued": N_("waiting in the queue"),
        "offered": N_("offered to an agent"),
        "answered": N_("answered"),
        "wrap_up": N_("in wrap-up"),
        "completed": N_("completed"),
        "abandoned": N_("abandoned by the caller"),
        "closed": N_("closed"),
    },
    "callback": {
        "pending": N_("waiting for its window"),
        "scheduled": N_("scheduled"),
        "dispatched": N_("with routing"),
        "in_progress": N_("being called"),
        "completed": N_("done"),
        "failed": N_("failed"),
        "expired": N_("expired"),
        "cancelled": N_("cancelled"),
    },
    "followup": {
        "open": N_("open"),
        "escalated": N_("escalated"),
        "done": N_("done"),
    },
    "change": {
        "join": N_("Joining"),
        "leave": N_("Leaving"),
        "move_department": N_("Moving to another department"),
        "move_union": N_("Moving to another union"),
    },
    "check": {
        "calling_number_differs": N_("Called from a number not in the record"),
        "email_missing": N_("No email address in the record"),
        "returned_mail": N_("Mail came back: the address is out of date"),
        "placeholder_national_id": N_("A placeholder instead of the national ID"),
    },
    "field": {
        "national_id": N_("National ID"),
        "member_number": N_("Member number"),
        "member_id": N_("Member"),
        "kid": N_("KID"),
        "name": N_("Name"),
        "input": N_("the input"),
    },
    "retention": {
        "call_records": N_("Call records"),
        "callbacks": N_("Callbacks"),
        "dossier_entries": N_("Dossier entries"),
        "messages": N_("Emails and web forms"),
        "survey_answers": N_("Survey answers"),
        "sms_bodies": N_("SMS texts"),
        "audit_entries": N_("Audit of reads of personal data"),
        "bookings": N_("Meetings with counsellors"),
    },
    "erasure": {
        "in_progress": N_("in progress"),
        "completed": N_("completed"),
        "pending": N_("pending"),
        "done": N_("done"),
    },
    "kind": {
        "log": N_("Contact"),
        "remark": N_("Remark"),
        "call": N_("Call"),
        "callback": N_("Callback"),
        "membership": N_("Membership"),
    },
}
