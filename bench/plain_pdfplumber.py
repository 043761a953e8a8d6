"""The yardstick as a whole process: plain pdfplumber `extract_tables()` on every page.

Usage: python bench/plain_pdfplumber.py PDF [PDF ...]
(bench_process.py times the project's commands against it, side by side.)
"""

import sys
from pathlib import Path

import pdfplumber

if __name__ == "__main__":
    for path in map(Path, sys.argv[1:]):
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
