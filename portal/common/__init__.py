"""What several features share: the clock, forms, route helpers."""
