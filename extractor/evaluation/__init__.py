"""Records → scores: gold labels, alignment and field scores, intervals, comparisons, gates, incidents."""
