"""The extractor version: part of every ``reports`` row and of the Prefect task cache key.

Bump it whenever a change to reading, normalising, claims or rules can change any output row;
the next run then re-extracts every document instead of reusing cached results.
"""
EXTRACTOR_VERSION = "0.3.0"  # 0.3.0: PDF pages read from pdfium objects; 0.2.0: second table finder
