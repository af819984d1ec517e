"""The attack task: its schema, the resolvers that turn a small model's answers into it, and how it reads."""
