"""The administrator's "Personal data" pages: a member's access report, erasure, retention windows."""
