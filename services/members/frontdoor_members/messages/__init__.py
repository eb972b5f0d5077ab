"""Members' emails and web-form messages: intake (SMTP and REST), identification, replies by mail."""
