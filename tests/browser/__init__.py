"""End-to-end tests: the real Streamlit server driven by headless Chromium (marker: browser)."""
