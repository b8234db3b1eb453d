"""Attacks on the upload pipeline, through process_image and the upload routes."""
