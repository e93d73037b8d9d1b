"""What helps a viewer find streams: the stored trending scores and what recommendations are computed from."""
