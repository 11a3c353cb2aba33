"""Charts as pure functions: data in, a plotly figure out.

Importing the package memoises plotly's parsing of property paths. Every `update_layout`, `update_traces` and
assignment parses each key ('legend', 'marker_line_color', 'xaxis.title.text') from scratch, splitting it at dots,
brackets and underscores; under load that was a sixth of the app server's time, and half of building a chart
(`base_layout` with a bar: 11 ms to 6 ms). The parse is a pure function of the string, its callers only read the
result, and the charts use a few dozen distinct paths, so the cache stays small. plotly is pinned
(requirements.txt); `tests/test_charts.py` checks the function is still there and parses as before.
"""

from __future__ import annotations

import functools

import plotly.basedatatypes

PATHS_REMEMBERED = 4_096

if not hasattr(plotly.basedatatypes._str_to_dict_path_full, "cache_info"):  # once, however often this is imported
    plotly.basedatatypes._str_to_dict_path_full = functools.lru_cache(maxsize=PATHS_REMEMBERED)(plotly.basedatatypes._str_to_dict_path_full)
