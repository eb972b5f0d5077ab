"""The members service's part of the personal-data lifecycle (issue 17): erasure requests and their
reports, the access request gathering every service's data, the retention windows API, and
members' own export, erasure and retention hooks."""
