"""Browser tests: real journeys in headless Chromium, with JavaScript on and off."""
