"""Web plumbing shared by the console's pages: templates, pages, server-sent events, errors."""
