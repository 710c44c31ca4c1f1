"""Editing: the admin's forms, the editorial workflow and the history of each article."""
