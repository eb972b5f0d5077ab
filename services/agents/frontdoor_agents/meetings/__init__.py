"""Meetings with counsellors: meeting kinds, free slots, bookings."""
