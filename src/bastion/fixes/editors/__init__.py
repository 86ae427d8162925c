"""Manifest editors: one module per format, chosen through ``registry``."""
