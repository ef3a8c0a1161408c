"""Learning boards: reflections shared safely across authorities."""
