"""The supervisors' follow-ups page: members' deadlines from forwarded enquiries (issue 15)."""
