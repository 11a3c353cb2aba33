"""The store and everything that reads or writes it."""

import os

# openpyxl parses a workbook's XML with lxml whenever lxml is installed (libcoveocds, a test dependency, brings it),
# and lxml does not refuse entity expansion as defusedxml does: keep openpyxl on its own writer and defusedxml.
# Set before openpyxl is first imported; `loading.read_xlsx_bytes` refuses workbooks if it is too late.
os.environ["OPENPYXL_LXML"] = "False"
