"""Tests of the bundle exporter: python3 -m unittest discover -s models/export/tests -t models/export"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
