"""The store, its queries and everything that reads or writes it."""

import os

# openpyxl parses workbooks with lxml whenever lxml is installed (test tools such as libcoveocds bring it), and lxml
# bypasses defusedxml, which is what refuses a "billion laughs" workbook. Set before anything imports openpyxl;
# data_access.loading refuses to open a workbook if lxml is in use anyway.
os.environ["OPENPYXL_LXML"] = "False"
