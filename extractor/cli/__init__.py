"""The ``extractor`` command: Typer commands that parse, call the library, print, and map errors to exit codes."""
