"""Ready to renew: where a person stands for this registration year, and the next step.

``rules`` decides from counts alone (tested with dates, no database); ``services``
gets the counts with aggregate queries, never by loading every record."""
