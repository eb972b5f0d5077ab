"""Routing's calls as the members service knows them: who, whether ended, the completed snapshot."""
