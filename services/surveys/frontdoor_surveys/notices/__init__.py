"""Notices: the members service's messages to a member (confirmations, reminders) sent by SMS."""
