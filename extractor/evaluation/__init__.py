"""Records → scores: gold labels, alignment and field scores, intervals, comparisons, gates, incidents."""

# How many days apart two reports may be and still be one incident. Here rather than in
# incidents.py so that the command line shows the default without importing the clustering.
DEFAULT_WINDOW_DAYS = 30
