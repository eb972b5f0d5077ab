"""The forward mail's templates (Jinja2). Kept in a module, not in .j2 files, so a regular install
of the package carries them without package-data changes.

The subject becomes a header: every value interpolated into it is checked for CR/LF first
(`mail.one_line`). The body is plain text (autoescape off; it is never HTML).
"""

from __future__ import annotations

SUBJECT = "Forwarded enquiry ({{ reason }}): member {{ member.member_number }} {{ member.last_name }}"

BODY = """\
To the case worker of {{ department.name }} ({{ department.code }}),

A member's enquiry was forwarded to you from the contact center, because the case worker was not
available. Please contact the member.

Reason: {{ reason }}
{% if deadline %}The member's deadline: {{ deadline.isoformat() }}
{% endif %}Forwarded by: {{ author }}, {{ forwarded_at.strftime("%Y-%m-%d %H:%M %Z") }}

Member
  Name:          {{ member.first_name }} {{ member.last_name }}
  Member number: {{ member.member_number }}
{% for phone in phones %}  Phone:         {{ phone }}
{% endfor %}{% if member.email %}  Email:         {{ member.email }}
{% endif %}{% if member.employer %}  Employer:      {{ member.employer }}
{% endif %}{% if member.workplace %}  Workplace:     {{ member.workplace }}
{% endif %}
The agent's summary
{{ summary }}

--
Frontdoor, forward {{ forward_id }}
"""
