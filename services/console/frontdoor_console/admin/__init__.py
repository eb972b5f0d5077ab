"""The administrator's pages: queues, staff and memberships, opening hours, reasons, departments."""
