"""Scores → what a reader sees: one view model, rendered by Rich and by Jinja2 templates; exports."""
