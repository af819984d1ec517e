"""extractor: pull structured events out of news articles with an LLM, and score them against gold."""
