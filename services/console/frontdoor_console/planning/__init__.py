"""The planner's page: the Erlang C/A calculator and the day simulator."""
