"""Planning: Erlang C/A staffing formulas and a simulator that drives the real routing core."""
