"""Forwarding a member's enquiry by email to their department's case worker (issue 15), the mail
outbox that sends it, and the follow-ups that escalate a member's deadline before it runs out."""
