"""The supervisors' Messages page: members' emails and web forms, waiting and answered (issue 15)."""
