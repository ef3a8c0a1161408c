"""Sessions: joint visits, case consultations, supervision groups, seminars, the residential."""
